"""The implementation tests' desk: every service a project passes through (projects.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from services.intake.settings import IntakeSettings
from tests.brokers import Broker
from tests.implementation.projects import project_desk
from tests.whole_desk import Desk


@pytest.fixture
async def desk(
    tmp_path: Path,
    broker: Broker,
    database_url: str,
    make_settings: Callable[..., IntakeSettings],
) -> AsyncIterator[Desk]:
    async with project_desk(tmp_path, broker, database_url, make_settings) as desk:
        yield desk
