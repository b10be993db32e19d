"""Intake → store → relay → the real local broker, on SQLite and on PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from services.intake.application import IntakeApplication
from services.intake.demo_data import load_nagasaki_themes
from services.intake.service import INTAKE
from services.intake.settings import IntakeSettings
from shared.broker import free_port
from shared.contract import ProposalAccepted, ProposalSubmitted, ThemeClosed, from_kafka
from shared.service import Plumbing
from shared.topics import read_to_end
from tests.brokers import Broker, new_broker
from tests.conftest import NAGASAKI_DESK, MovableClock, bearer, start_intake, wait_until
from tests.factories import proposal_body
from tests.kafka import read_topic
from tests.whole_desk import Desk, running_desk

pytestmark = pytest.mark.integration

MARKERS = {
    "protected": "PROTECTED-MARKER-7f3a",
    "contact_person": "CONTACT-MARKER-91bc",
    "email": "email-marker-55d1@example.jp",
    "phone": "090-5555-7331",
}


def marked_proposal() -> dict[str, Any]:
    body = proposal_body(protected=MARKERS["protected"])
    body["proposer"].update(
        contact_person=MARKERS["contact_person"], email=MARKERS["email"], phone=MARKERS["phone"]
    )
    return body


@pytest.fixture
async def desk(
    tmp_path: Path,
    broker: Broker,
    database_url: str,
    make_settings: Callable[..., IntakeSettings],
) -> AsyncIterator[Desk]:
    """Intake alone with its relay (nothing to consume: no other service runs)."""
    async with running_desk(
        ("intake",),
        tmp_path,
        broker,
        database_url,
        make_settings,
        overrides={"intake": {"consumer_enabled": False}},
    ) as desk:
        yield desk


@pytest.fixture
def relay_settings(
    make_settings: Callable[..., IntakeSettings], broker: Broker, database_url: str
) -> IntakeSettings:
    """Intake's settings for a test that starts intake twice on the same store and topics."""
    return make_settings(
        relay_enabled=True,
        database_url=database_url,
        kafka_bootstrap_servers=broker.bootstrap_servers,
        topic_prefix=f"t{uuid.uuid4().hex[:12]}",
    )


async def test_a_proposal_reaches_kafka_as_cloudevents_without_protected_data(
    desk: Desk, broker: Broker
) -> None:
    receipt = (
        await desk.intake.post(
            "/api/v1/municipalities/nagasaki/proposals",
            json=marked_proposal(),
            headers={"X-Correlation-ID": "corr-test-1"},
        )
    ).json()
    pid = receipt["proposal_id"]
    await desk.intake.post(
        f"/api/v1/municipalities/nagasaki/desk/proposals/{pid}/screening",
        json={"decision": "accept"},
        headers=bearer(NAGASAKI_DESK),
    )
    records = await read_topic(
        broker.bootstrap_servers, desk.topic("intake", "proposals"), lambda r: len(r) >= 2
    )
    assert all(r.key == pid.encode() for r in records)
    events = [from_kafka(r.headers, r.key, r.value) for r in records]
    assert [type(e.event) for e in events] == [ProposalSubmitted, ProposalAccepted]
    assert [e.meta.sequence for e in events] == [1, 2]
    assert [e.meta.actor_role.value for e in events] == ["proposer", "desk"]
    assert events[0].meta.correlation_id == "corr-test-1"
    assert events[0].event.receipt_number == receipt["receipt_number"]  # type: ignore[attr-defined]
    assert events[0].event.has_protected_part is True  # type: ignore[attr-defined]
    raw = b"".join(r.value + b"".join(v for _, v in r.headers) for r in records)
    for marker in MARKERS.values():
        assert marker.encode() not in raw


async def test_themes_go_to_their_own_topic(desk: Desk, broker: Broker) -> None:
    records = await read_topic(
        broker.bootstrap_servers, desk.topic("intake", "themes"), lambda r: len(r) >= 28
    )
    events = [from_kafka(r.headers, r.key, r.value).event for r in records]
    closed = [e for e in events if isinstance(e, ThemeClosed)]
    assert len(events) == 28 and [e.number for e in closed] == [25]


async def test_proposals_are_kept_while_the_broker_is_away_and_published_when_it_returns(
    make_settings: Callable[..., IntakeSettings],
    database_url: str,
    clock: MovableClock,
    broker_kind: str,
    tmp_path: Path,
) -> None:
    port = free_port()
    settings = make_settings(
        relay_enabled=True,
        database_url=database_url,
        kafka_bootstrap_servers=f"127.0.0.1:{port}",
        topic_prefix=f"t{uuid.uuid4().hex[:12]}",
    )
    app, lifespan = await start_intake(settings, clock)
    try:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://t"
        ) as client:
            accepted = [
                (
                    await client.post(
                        "/api/v1/municipalities/nagasaki/proposals", json=proposal_body()
                    )
                ).status_code
                for _ in range(5)
            ]
            assert accepted == [201] * 5
            not_ready = await client.get("/readyz")
            assert not_ready.status_code == 503 and "relay" in not_ready.json()["reason"]
            with new_broker(broker_kind, tmp_path / "late-broker", port) as late_broker:
                records = await read_topic(
                    late_broker.bootstrap_servers,
                    settings.topic("intake", "proposals"),
                    lambda r: len(r) >= 5,
                    timeout=30,
                )
                assert len({r.key for r in records}) == 5

                async def ready() -> bool:
                    return (await client.get("/readyz")).status_code == 200

                await wait_until(ready, what="intake to report ready")
    finally:
        await lifespan.__aexit__(None, None, None)


async def test_a_new_empty_broker_gets_the_whole_history_again(
    make_settings: Callable[..., IntakeSettings],
    database_url: str,
    clock: MovableClock,
    broker_kind: str,
    tmp_path: Path,
) -> None:
    first_broker = new_broker(broker_kind, tmp_path / "first-broker").start()
    settings = make_settings(
        relay_enabled=True,
        database_url=database_url,
        kafka_bootstrap_servers=first_broker.bootstrap_servers,
        topic_prefix="kyoso",
    )
    app, lifespan = await start_intake(settings, clock)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://t"
    ) as client:
        for _ in range(3):
            await client.post("/api/v1/municipalities/nagasaki/proposals", json=proposal_body())
    await read_topic(
        first_broker.bootstrap_servers, "kyoso.intake.proposals", lambda r: len(r) >= 3
    )
    await lifespan.__aexit__(None, None, None)
    first_broker.stop()

    # A broker that lost everything: an empty one on the same port (a restarted embedded
    # broker, or an Apache Kafka whose disk was replaced).
    with new_broker(broker_kind, tmp_path / "empty-broker", first_broker.port) as empty_broker:
        app, lifespan = await start_intake(settings, clock)
        try:
            proposals = await read_topic(
                empty_broker.bootstrap_servers, "kyoso.intake.proposals", lambda r: len(r) >= 3
            )
            themes = await read_topic(
                empty_broker.bootstrap_servers, "kyoso.intake.themes", lambda r: len(r) >= 28
            )
            assert len({r.key for r in proposals}) == 3
            assert len(themes) == 28
            # Republished with the links the store holds, like the first time.
            metas = [from_kafka(r.headers, r.key, r.value).meta for r in proposals + themes]
            positions = [meta.source_position or 0 for meta in metas]
            links = app.state.application.recorder.links_for(positions)
            assert [meta.chain_link for meta in metas] == [links[p] for p in positions]
        finally:
            await lifespan.__aexit__(None, None, None)


async def test_a_relay_over_a_store_without_a_chain_publishes_without_links(
    make_settings: Callable[..., IntakeSettings], broker: Broker, tmp_path: Path
) -> None:
    settings = make_settings(
        database_url=f"sqlite:///{tmp_path / 'unchained.sqlite'}",
        kafka_bootstrap_servers=broker.bootstrap_servers,
        topic_prefix=f"t{uuid.uuid4().hex[:12]}",
    )

    class UnchainedIntake(IntakeApplication):
        """Intake over the library's plain recorder, as before tamper evidence."""

        def construct_recorder(self) -> Any:
            self.factory.env["PROCESS_RECORDER_TOPIC"] = ""
            return self.factory.process_recorder()

    intake = UnchainedIntake(settings)
    try:
        load_nagasaki_themes(intake)
        relay = Plumbing.of(INTAKE, intake, settings).relay
        assert relay.chain is None
        await relay.start()
        try:
            assert await relay.publish_pending() > 0
        finally:
            await relay.stop()
    finally:
        intake.close()
    records = await read_topic(
        broker.bootstrap_servers, settings.topic("intake", "themes"), lambda r: len(r) >= 28
    )
    assert all("ce_chainlink" not in dict(r.headers) for r in records)
    metas = [from_kafka(r.headers, r.key, r.value).meta for r in records]
    assert all(meta.chain_link is None and meta.source_position for meta in metas)


async def test_a_restart_with_nothing_lost_republishes_nothing(
    relay_settings: IntakeSettings, broker: Broker, clock: MovableClock
) -> None:
    """The relay reconciles the topics with its store when it starts: a broker that lost
    nothing gets nothing again (before, a restart republished the whole log)."""
    proposals = relay_settings.topic("intake", "proposals")
    themes = relay_settings.topic("intake", "themes")
    app, lifespan = await start_intake(relay_settings, clock)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://t"
    ) as client:
        for _ in range(30):
            await client.post("/api/v1/municipalities/nagasaki/proposals", json=proposal_body())
    await read_topic(broker.bootstrap_servers, proposals, lambda r: len(r) >= 30)
    await lifespan.__aexit__(None, None, None)
    before = await read_to_end(broker.bootstrap_servers, [proposals])

    app, lifespan = await start_intake(relay_settings, clock)
    try:
        relay = app.state.plumbing.relay
        await wait_until(lambda: relay.connected, what="the relay to reconcile and connect")
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://t"
        ) as client:
            await client.post("/api/v1/municipalities/nagasaki/proposals", json=proposal_body())
        # Whatever the relay refilled was acknowledged before it said it was connected.
        await wait_until(lambda: relay.position() == relay.recorder.max_notification_id())
        after = await read_to_end(broker.bootstrap_servers, [proposals])
        assert len(after) == len(before) + 1
        assert len(await read_to_end(broker.bootstrap_servers, [themes])) == 28
    finally:
        await lifespan.__aexit__(None, None, None)


async def test_an_event_too_large_for_the_bus_stops_the_relay_and_readyz_names_it(
    tmp_path: Path,
    broker: Broker,
    database_url: str,
    make_settings: Callable[..., IntakeSettings],
) -> None:
    """Consumers refuse records above KYOSO_KAFKA_MAX_RECORD_BYTES, so the relay never
    sends one; and it skips no stored event: it stops there and says so."""
    async with running_desk(
        ("intake",),
        tmp_path,
        broker,
        database_url,
        make_settings,
        overrides={"intake": {"consumer_enabled": False, "kafka_max_record_bytes": 16_384}},
    ) as desk:
        small = await desk.intake.post(
            "/api/v1/municipalities/nagasaki/proposals", json=proposal_body()
        )
        large = await desk.intake.post(
            "/api/v1/municipalities/nagasaki/proposals", json=proposal_body(content="あ" * 20_000)
        )
        after = await desk.intake.post(
            "/api/v1/municipalities/nagasaki/proposals", json=proposal_body()
        )
        assert {small.status_code, large.status_code, after.status_code} == {201}

        async def stuck() -> str | None:
            answer = await desk.intake.get("/readyz")
            reason: str = answer.json().get("reason", "")
            return reason if answer.status_code == 503 and "above" in reason else None

        reason = await wait_until(stuck, what="/readyz to name the event too large to publish")
        assert large.json()["proposal_id"] in reason and "KYOSO_KAFKA_MAX_RECORD_BYTES" in reason
        records = await read_topic(
            desk.bootstrap, desk.topic("intake", "proposals"), lambda r: len(r) >= 1
        )
        assert [r.key for r in records] == [small.json()["proposal_id"].encode()]
