"""The consumer side every later service builds on: a Faust agent over the real broker,
exactly-once effects through tracking, and a dead-letter topic for bad input."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaProducer
from eventsourcing.application import AggregateNotFoundError, ProcessingEvent
from eventsourcing.domain import Aggregate, event

from services.intake.settings import IntakeSettings
from shared.bus_trust import RecordChecks
from shared.consumer import ConsumingApplication, Outcome, Received
from shared.contract import Envelope, ProposalAccepted, ProposalSubmitted
from shared.contract.topics import INTAKE_PROPOSALS
from shared.settings import CommonSettings
from shared.streams import ERROR_HEADER, consume_into, faust_app
from shared.topics import ensure_topics
from tests.brokers import Broker
from tests.conftest import NAGASAKI_DESK, MovableClock, bearer, start_intake, wait_until
from tests.factories import free_proposal_body
from tests.kafka import read_topic

pytestmark = pytest.mark.integration


class Mirror(Aggregate):
    """What a downstream service might keep: one record per proposal it has heard of."""

    @staticmethod
    def create_id(proposal_id: uuid.UUID) -> uuid.UUID:
        return proposal_id

    @event("Opened")
    def __init__(self, proposal_id: uuid.UUID, receipt_number: str) -> None:
        self.receipt_number = receipt_number
        self.accepted = 0

    @event("Accepted")
    def accept(self) -> None:
        self.accepted += 1


class MirrorService(ConsumingApplication):
    service = "mirror"
    name = "mirror"

    def policy(self, envelope: Envelope, processing: ProcessingEvent[Any]) -> None:
        match envelope.event:
            case ProposalSubmitted(proposal_id=pid, receipt_number=receipt):
                processing.collect_events(Mirror(proposal_id=pid, receipt_number=receipt))
            case ProposalAccepted(proposal_id=pid):
                mirror: Mirror = self.repository.get(pid)
                mirror.accept()
                processing.collect_events(mirror)

    copies_ignored = 0

    def receive(self, envelope: Envelope) -> Received:
        received = super().receive(envelope)
        self.copies_ignored += received.outcome is Outcome.COPY
        return received

    def mirror(self, proposal_id: str) -> Mirror | None:
        try:
            found: Mirror = self.repository.get(uuid.UUID(proposal_id))
        except AggregateNotFoundError:
            return None
        return found


@pytest.fixture
async def desk_and_mirror(
    make_settings: Callable[..., IntakeSettings],
    broker: Broker,
    database_url: str,
    clock: MovableClock,
) -> AsyncIterator[tuple[httpx.AsyncClient, Any, MirrorService, CommonSettings]]:
    prefix = f"t{uuid.uuid4().hex[:12]}"
    settings = make_settings(
        relay_enabled=True,
        database_url=database_url,
        kafka_bootstrap_servers=broker.bootstrap_servers,
        topic_prefix=prefix,
        demo_data=False,
    )
    consumer_settings = CommonSettings(
        data_dir=settings.data_dir,
        database_url=database_url.replace("intake.sqlite", "mirror.sqlite"),
        kafka_bootstrap_servers=broker.bootstrap_servers,
        topic_prefix=prefix,
        kafka_session_timeout_seconds=2,
    )
    proposals = settings.topic("intake", "proposals")
    dead_letters = settings.topic("mirror", "dead-letters")
    await ensure_topics(broker.bootstrap_servers, [proposals, dead_letters])
    mirror = MirrorService(consumer_settings)
    stream = faust_app("mirror", consumer_settings)
    consume_into(
        stream,
        mirror,
        [proposals],
        dead_letters,
        checks=RecordChecks.for_settings(consumer_settings, [INTAKE_PROPOSALS]),
    )
    app, lifespan = await start_intake(settings, clock)
    await stream.start()
    try:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://t"
        ) as client:
            yield client, app, mirror, consumer_settings
    finally:
        await stream.stop()
        await lifespan.__aexit__(None, None, None)
        mirror.close()


async def test_each_event_has_one_effect_even_when_everything_is_published_twice(
    desk_and_mirror: tuple[httpx.AsyncClient, Any, MirrorService, CommonSettings],
) -> None:
    client, app, mirror, _ = desk_and_mirror
    ids = []
    for _ in range(5):
        ids.append(
            (
                await client.post(
                    "/api/v1/municipalities/nagasaki/proposals", json=free_proposal_body()
                )
            ).json()["proposal_id"]
        )
    for pid in ids:
        await client.post(
            f"/api/v1/municipalities/nagasaki/desk/proposals/{pid}/screening",
            json={"decision": "accept"},
            headers=bearer(NAGASAKI_DESK),
        )
    await wait_until(
        lambda: all((m := mirror.mirror(p)) and m.accepted for p in ids), what="mirror"
    )

    republished = await app.state.plumbing.relay.republish()
    assert republished == 10 + 28  # the proposals' events and the 28 theme events
    await wait_until(lambda: mirror.copies_ignored == 10, what="all 10 copies to arrive")
    assert [mirror.mirror(p).accepted for p in ids] == [1] * 5  # type: ignore[union-attr]


async def test_a_malformed_message_goes_to_the_dead_letter_topic_and_the_stream_goes_on(
    desk_and_mirror: tuple[httpx.AsyncClient, Any, MirrorService, CommonSettings],
    broker: Broker,
) -> None:
    client, _, mirror, settings = desk_and_mirror
    producer = AIOKafkaProducer(bootstrap_servers=broker.bootstrap_servers, acks="all")
    await producer.start()
    try:
        await producer.send_and_wait(
            settings.topic("intake", "proposals"),
            b"{}",
            key=b"junk",
            headers=[
                ("ce_type", b"jp.kyoso.intake.proposal.submitted.v1"),
                ("ce_id", b"1"),
                ("ce_source", b"/kyoso/intake"),
                ("ce_specversion", b"1.0"),
            ],
        )
    finally:
        await producer.stop()
    after = (
        await client.post("/api/v1/municipalities/nagasaki/proposals", json=free_proposal_body())
    ).json()
    await wait_until(
        lambda: mirror.mirror(after["proposal_id"]), what="the good event after the bad one"
    )
    dead = await read_topic(
        broker.bootstrap_servers, settings.topic("mirror", "dead-letters"), lambda r: len(r) >= 1
    )
    reason = dict(dead[0].headers)[ERROR_HEADER].decode()
    assert dead[0].key == b"junk"
    assert "proposal_id: Field required" in reason and "municipality" in reason
