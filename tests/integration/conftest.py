"""The whole desk as a fixture for the pipeline tests (tests/whole_desk.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from services.intake.settings import IntakeSettings
from tests.brokers import Broker
from tests.whole_desk import EVERY_SERVICE, Desk, running_desk


@pytest.fixture
async def desk(
    tmp_path: Path,
    broker: Broker,
    database_url: str,
    make_settings: Callable[..., IntakeSettings],
) -> AsyncIterator[Desk]:
    async with running_desk(EVERY_SERVICE, tmp_path, broker, database_url, make_settings) as desk:
        yield desk
