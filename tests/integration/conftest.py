"""The whole desk as a fixture for the pipeline tests (tests/whole_desk.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from services.decision.service import DECISION
from services.intake.settings import IntakeSettings
from services.publication.service import PUBLICATION
from services.routing.service import ROUTING
from shared.service import create_app
from tests.brokers import Broker
from tests.conftest import MovableClock, serving_intake
from tests.running import serving
from tests.whole_desk import Desk, desk_settings


@pytest.fixture
async def desk(
    tmp_path: Path,
    broker: Broker,
    database_url: str,
    make_settings: Callable[..., IntakeSettings],
) -> AsyncIterator[Desk]:
    settings = desk_settings(tmp_path, broker.bootstrap_servers, database_url, make_settings)
    clock = MovableClock()
    async with (
        serving_intake(settings.intake, clock) as intake_client,
        serving(create_app(ROUTING, settings.routing, clock=clock)) as routing_client,
        serving(create_app(DECISION, settings.decision, clock=clock)) as decision_client,
        serving(create_app(PUBLICATION, settings.publication, clock=clock)) as publication_client,
    ):
        yield Desk(
            intake_client,
            routing_client,
            decision_client,
            publication_client,
            intake_client._transport.app,  # type: ignore[attr-defined]
            settings.prefix,
            broker.bootstrap_servers,
            clock,
        )
