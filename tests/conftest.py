"""Fixtures: a real local broker, real SQLite and PostgreSQL stores, the intake app."""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from fastapi import FastAPI

from services.intake.demo_data import load_nagasaki_themes
from services.intake.service import INTAKE
from services.intake.settings import IntakeSettings
from shared.service import create_app as create_service_app
from tests.brokers import APACHE_KAFKA, TANSU, Broker, apache_kafka_lane, broker_kinds, new_broker
from tests.left_running import end_the_run_if_threads_are_left
from tests.postgres import throwaway_postgres
from tests.unit_level import mark_the_unit_level, unit_tests_keep_to_the_process  # noqa: F401

NAGASAKI_DESK = "nagasaki-desk-token-" + "x" * 8
AOMORI_DESK = "aomori-desk-token-" + "y" * 8
NAGASAKI_DEPARTMENT = "nagasaki-dept-token-" + "z" * 8
STAFF_TOKENS = [
    {"token": NAGASAKI_DESK, "role": "desk", "municipality": "nagasaki"},
    {"token": AOMORI_DESK, "role": "desk", "municipality": "aomori"},
    {
        "token": NAGASAKI_DEPARTMENT,
        "role": "department",
        "municipality": "nagasaki",
        "department": "machizukuri",
    },
]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


class MovableClock:
    """The service's clock, which a test can move (e.g. to the next fiscal year)."""

    def __init__(self, now: datetime | None = None) -> None:
        self.now = now or datetime(2025, 10, 30, 1, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


async def wait_until(
    condition: Callable[[], Any], *, timeout: float = 45.0, interval: float = 0.05, what: str = ""
) -> Any:
    """Poll `condition` (sync or async) until it returns something truthy, or fail. The
    deadline only bounds a failure: with the suite's lanes side by side on 2 cores, a
    consumer group on Apache Kafka has once needed over 20 s to settle after rebalances."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        result = condition()
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return result
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what or condition}")
        await asyncio.sleep(interval)


@pytest.fixture(scope="session", params=broker_kinds())
def broker_kind(request: pytest.FixtureRequest) -> str:
    """Each test that talks to a broker runs on every broker kind of this session."""
    kind: str = request.param
    return kind


@pytest.fixture(scope="session")
def broker(broker_kind: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Broker]:
    with new_broker(broker_kind, tmp_path_factory.mktemp(broker_kind)) as running:
        yield running


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """On the Apache Kafka lane the stores are PostgreSQL, as in production (compose and
    deploy/): the SQLite variants already ran on the embedded broker, and the suite stays
    within CI's time."""
    mark_the_unit_level(items)
    collected = {item.nodeid for item in items}
    kept, deselected = [], []
    for item in items:
        params = getattr(item, "callspec", None)
        values = params.params if params else {}
        if values.get("broker_kind") == APACHE_KAFKA and values.get("database_url") == "sqlite":
            deselected.append(item)
        elif _runs_on_apache_kafka_with_postgres(item, values, collected):
            # PostgreSQL with a real broker is proven by the same test on Apache Kafka, and
            # SQLite by its embedded-broker variant: the fourth pairing only costs CI time.
            deselected.append(item)
        else:
            kept.append(item)
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = kept


def _runs_on_apache_kafka_with_postgres(
    item: pytest.Item, values: dict[str, Any], collected: set[str]
) -> bool:
    """An embedded-broker PostgreSQL variant whose Apache Kafka PostgreSQL twin is collected
    too (the Kafka lane runs): a test kept to the embedded broker keeps its variant."""
    if values.get("broker_kind") != TANSU or values.get("database_url") != "postgres":
        return False
    twin = item.nodeid.replace(f"[{TANSU}-", f"[{APACHE_KAFKA}-").replace(
        f"-{TANSU}-", f"-{APACHE_KAFKA}-"
    )
    return twin != item.nodeid and twin in collected


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """The closing lines say on which brokers the suite ran (the Apache Kafka lane may not)."""
    runs, why = apache_kafka_lane()
    outcomes = ("passed", "failed", "error")
    on_kafka = sum(
        1
        for outcome in outcomes
        for report in terminalreporter.stats.get(outcome, [])
        if getattr(report, "when", "call") == "call"
        and APACHE_KAFKA in report.nodeid.rpartition("[")[2]
    )
    terminalreporter.write_sep("-", "brokers")
    terminalreporter.write_line("embedded broker (Tansu): ran")
    if runs:
        terminalreporter.write_line(
            f"{why}: ran, {on_kafka} tests (PostgreSQL stores where a test runs on both)"
        )
    else:
        terminalreporter.write_line(f"Apache Kafka lane: {why}")


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """The PostgreSQL the tests use: `KYOSO_TEST_POSTGRES_URL`, or a throwaway one."""
    named = os.environ.get("KYOSO_TEST_POSTGRES_URL")
    if named:
        yield named
        return
    with throwaway_postgres() as url:
        yield url


@pytest.fixture
def postgres_url(postgres_server: str) -> Iterator[str]:
    """A PostgreSQL URL whose service schemas are unique to this test and dropped after."""
    prefix = f"t{uuid.uuid4().hex[:10]}_"
    yield f"{postgres_server}?schema_prefix={prefix}"
    with psycopg.connect(postgres_server, autocommit=True) as connection:
        schemas = connection.execute(
            "SELECT nspname FROM pg_namespace WHERE nspname LIKE %s", (prefix + "%",)
        ).fetchall()
        for (schema,) in schemas:
            connection.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'intake.sqlite'}"
    url: str = request.getfixturevalue("postgres_url")
    return url


@pytest.fixture
def make_settings(tmp_path: Path) -> Callable[..., IntakeSettings]:
    def make(**overrides: Any) -> IntakeSettings:
        values: dict[str, Any] = {
            "data_dir": tmp_path,
            "secret_key": secrets.token_urlsafe(32),
            "staff_tokens": STAFF_TOKENS,
            "relay_enabled": False,
            "consumer_enabled": False,
            "kafka_session_timeout_seconds": 2,
            "demo_data": False,  # start_intake and serving_intake load the themes only
            "relay_poll_interval_seconds": 0.05,
        }
        values.update(overrides)
        return IntakeSettings(**values)

    return make


@pytest.fixture
def clock() -> MovableClock:
    return MovableClock()


class RunningIntake:
    def __init__(self, app: FastAPI, client: httpx.AsyncClient) -> None:
        self.app = app
        self.client = client

    @property
    def application(self) -> Any:
        return self.app.state.application


async def start_intake(settings: IntakeSettings, clock: MovableClock) -> tuple[FastAPI, Any]:
    """Intake with Nagasaki's 27 themes (not its register: tests count their proposals)."""
    app = create_service_app(INTAKE, settings, clock=clock)
    lifespan = app.router.lifespan_context(app)
    await lifespan.__aenter__()
    await asyncio.to_thread(load_nagasaki_themes, app.state.application)
    return app, lifespan


@contextlib.asynccontextmanager
async def serving_intake(
    settings: IntakeSettings, clock: MovableClock
) -> AsyncIterator[httpx.AsyncClient]:
    app, lifespan = await start_intake(settings, clock)
    try:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://intake.test") as client:
            yield client
    finally:
        await lifespan.__aexit__(None, None, None)


@pytest.fixture
async def intake(
    make_settings: Callable[..., IntakeSettings], clock: MovableClock
) -> AsyncIterator[RunningIntake]:
    app, lifespan = await start_intake(make_settings(), clock)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://intake.test") as client:
        yield RunningIntake(app, client)
    await lifespan.__aexit__(None, None, None)


@pytest.fixture
async def desk(
    tmp_path: Path,
    broker: Broker,
    database_url: str,
    make_settings: Callable[..., IntakeSettings],
) -> AsyncIterator[Any]:
    """The whole desk, every service on the test's broker and kind of store
    (tests/whole_desk.py; imported here, since it builds on this module's helpers)."""
    from tests.whole_desk import EVERY_SERVICE, running_desk

    async with running_desk(EVERY_SERVICE, tmp_path, broker, database_url, make_settings) as desk:
        yield desk


EXIT_STATUS = pytest.StashKey[int]()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    session.config.stash[EXIT_STATUS] = int(exitstatus)


def pytest_unconfigure(config: pytest.Config) -> None:
    """Last of all (the summary is printed): fail, rather than hang, if a service left
    its Kafka consumer thread running (tests/left_running.py)."""
    end_the_run_if_threads_are_left(config.stash.get(EXIT_STATUS, 0))
