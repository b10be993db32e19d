"""The unit level of the services' tests (`./dev test -m unit`): each service's aggregates
and its application on the in-process store (`database_url="memory:"`), with no broker, no
database and no server, so that a developer runs every service's rules in seconds.

A service's `tests/<service>/test_domain.py` and `test_application.py` are at this level by
their name; another file joins with `pytestmark = pytest.mark.unit`. The guard keeps the
claim true: a unit test that opens any other store, or any network connection (a broker,
PostgreSQL, an SMTP or HTTP server), fails and says so."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import shared.store
from services.registry import SERVICES
from shared.settings import CommonSettings

UNIT = "unit"
UNIT_BY_NAME = frozenset({"test_domain.py", "test_application.py"})
SERVICE_TESTS = {Path(__file__).parent / name for name in SERVICES}
IN_PROCESS = "eventsourcing.popo"


def mark_the_unit_level(items: list[pytest.Item]) -> None:
    """Mark the tests of a service's `test_domain.py` and `test_application.py` as unit."""
    for item in items:
        path = item.path
        if path.name in UNIT_BY_NAME and path.parent in SERVICE_TESTS:
            item.add_marker(UNIT)


@pytest.fixture(autouse=True)
def unit_tests_keep_to_the_process(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> Iterator[None]:
    """For a unit test: only the in-process store, and no connection to anything."""
    if request.node.get_closest_marker(UNIT) is None:
        yield
        return
    store_env = shared.store.eventsourcing_env

    def in_process_only(service: str, settings: CommonSettings) -> dict[str, str]:
        env = store_env(service, settings)
        if env.get("PERSISTENCE_MODULE") != IN_PROCESS:
            raise AssertionError(
                f"a unit test opened {service}'s store on {env.get('PERSISTENCE_MODULE', 'SQLite')}"
                ': give it database_url="memory:", or move the test out of the unit level'
            )
        return env

    def no_connection(self: socket.socket, address: Any) -> None:
        raise AssertionError(
            f"a unit test connected to {address!r}: the unit level needs no broker, "
            "database or server (move the test out of it)"
        )

    # Where ServiceApplication looks it up.
    monkeypatch.setattr("shared.application.eventsourcing_env", in_process_only)
    monkeypatch.setattr(socket.socket, "connect", no_connection)
    monkeypatch.setattr(socket.socket, "connect_ex", no_connection)
    yield
