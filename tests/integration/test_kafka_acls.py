"""The broker knows every client (issue 18), on Apache Kafka: each service logs in as its
own user, and the ACLs computed from the services' declarations (shared.kafka_acls) let
it write only its own topics; another city's subscriber reads only the public cases; a
wrong password gets nobody in.

Only on the Apache Kafka lane: the embedded broker has neither logins nor ACLs.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from aiokafka import AIOKafkaProducer
from aiokafka.errors import GroupAuthorizationFailedError, TopicAuthorizationFailedError

from kyoso.subscribe import LocalCopy, follow
from services.registry import SERVICES
from services.routing.application import RoutingApplication
from services.routing.service import ROUTING
from services.routing.settings import RoutingSettings
from shared.contract import (
    ActorRole,
    CasePublished,
    Envelope,
    EventMetadata,
    ProposalRouted,
    PublicCase,
    from_kafka,
    stable_event_id,
    to_kafka,
)
from shared.contract.topics import INTAKE_PROPOSALS, PUBLIC_CASES, ROUTING_PROPOSALS, TOPICS
from shared.kafka_acls import SUBSCRIBER, desk_acls, user_of
from shared.kafka_security import KafkaClientSettings, client_options
from shared.relay import Relay, to_one_topic
from shared.topics import ensure_topics, read_to_end
from tests.apache_kafka import ApacheKafka, Secured, grant
from tests.brokers import APACHE_KAFKA, apache_kafka_only
from tests.conftest import MovableClock, wait_until
from tests.factories import IntakeEvents
from tests.tls import issue

pytestmark = [pytest.mark.integration, apache_kafka_only()]

PREFIX = "secured"


@dataclass(frozen=True)
class Prefix:
    topic_prefix: str = PREFIX


@dataclass(frozen=True)
class SecuredDesk:
    """The broker, with the desk's topics (made by the admin, as the init job makes them)
    and the ACLs from the declarations."""

    broker: ApacheKafka
    logins: Secured

    @property
    def bootstrap_servers(self) -> str:
        return self.broker.bootstrap_servers

    def service(self, name: str) -> KafkaClientSettings:
        return self.logins.login(user_of(name))

    def topic(self, stem: str) -> str:
        return f"{PREFIX}.{stem}"


@pytest.fixture(scope="module")
def secured_broker(
    broker_kind: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ApacheKafka]:
    assert broker_kind == APACHE_KAFKA
    users = {user_of(name): f"{name}-{uuid.uuid4().hex}" for name in SERVICES}
    users[SUBSCRIBER] = f"subscriber-{uuid.uuid4().hex}"
    folder = tmp_path_factory.mktemp("secured-kafka")
    logins = Secured(
        admin_password=f"admin-{uuid.uuid4().hex}",
        users=users,
        tls_keystore=issue(folder / "tls", "localhost").keystore(),
    )
    with ApacheKafka(folder, secured=logins) as broker:
        yield broker


@pytest.fixture(scope="module")
async def desk(secured_broker: ApacheKafka) -> AsyncIterator[SecuredDesk]:
    logins = secured_broker.secured
    assert logins is not None
    admin = logins.admin_login()
    topics = [topic.name(Prefix()) for topic in TOPICS]
    topics += [SERVICES[name].dead_letters().name(Prefix()) for name in SERVICES]
    await ensure_topics(secured_broker.bootstrap_servers, topics, security=admin)
    await grant(secured_broker.bootstrap_servers, admin, desk_acls(SERVICES.values(), PREFIX))
    yield SecuredDesk(secured_broker, logins)


async def produce(
    desk: SecuredDesk,
    login: KafkaClientSettings,
    topic: str,
    envelope: Envelope,
    *,
    tls: bool = False,
) -> None:
    servers = desk.broker.tls_bootstrap_servers if tls else desk.bootstrap_servers
    message = to_kafka(envelope)
    producer = AIOKafkaProducer(
        **client_options(servers, login), acks="all", request_timeout_ms=10_000
    )
    await producer.start()
    try:
        await producer.send_and_wait(
            topic,
            message.value,
            key=message.key if isinstance(message.key, bytes) else None,
            headers=list(message.headers.items()),
        )
    finally:
        await producer.stop()


def routing_settings(desk: SecuredDesk) -> RoutingSettings:
    """Routing's settings as its container has them: its own login."""
    return RoutingSettings(
        database_url="memory:",
        kafka_bootstrap_servers=desk.bootstrap_servers,
        topic_prefix=PREFIX,
        **desk.service("routing").model_dump(),
    )


def routed_proposal(settings: RoutingSettings) -> tuple[RoutingApplication, IntakeEvents]:
    """Routing, having heard of a proposal intake accepted: it has routed it."""
    routing = RoutingApplication(settings, MovableClock())
    proposal = IntakeEvents()
    assert routing.process(proposal.submitted())
    assert routing.process(proposal.accepted())
    return routing, proposal


async def test_routings_relay_publishes_to_its_own_topic_with_its_own_login(
    desk: SecuredDesk,
) -> None:
    settings = routing_settings(desk)
    routing, proposal = routed_proposal(settings)
    own = [topic.name(settings) for topic in ROUTING.published()]
    relay = Relay.for_service(routing, ROUTING.translator(settings), own, settings)
    await relay.start()
    try:
        assert await relay.publish_pending() >= 1
        assert relay.idempotent  # IDEMPOTENT_WRITE granted: the broker took its producer
    finally:
        await relay.stop()
    records = await read_to_end(
        desk.bootstrap_servers, [ROUTING_PROPOSALS.name(settings)], security=desk.service("routing")
    )
    routed = [
        envelope.event
        for envelope in (from_kafka(r.headers, r.key, r.value or b"") for r in records)
        if isinstance(envelope.event, ProposalRouted)
    ]
    assert [event.proposal_id for event in routed] == [proposal.proposal_id]


async def test_routing_writing_intakes_topic_is_refused(
    desk: SecuredDesk, caplog: pytest.LogCaptureFixture
) -> None:
    intake_topic = INTAKE_PROPOSALS.name(Prefix())
    forged = IntakeEvents().accepted()  # routing pretending to be intake

    # A plain producer with routing's login: the broker refuses the write.
    with pytest.raises(TopicAuthorizationFailedError) as refused:
        await produce(desk, desk.service("routing"), intake_topic, forged)
    assert str(refused.value) == f"[Error 29] TopicAuthorizationFailedError: {intake_topic}"

    # Routing's own relay, misconfigured to publish there: it says so in its log, again
    # and again, and publishes nothing.
    settings = routing_settings(desk)
    routing, _ = routed_proposal(settings)
    relay = Relay.for_service(
        routing,
        to_one_topic(intake_topic, ROUTING.to_envelope),
        [intake_topic],
        settings,
    )
    stopping = asyncio.Event()
    caplog.set_level(logging.WARNING, logger="shared.relay")
    running = asyncio.create_task(relay.run_supervised(stopping, retry_after=0.2))
    try:
        said = f"routing relay: broker unavailable (TopicAuthorizationFailedError('{intake_topic}')"
        await wait_until(
            lambda: said in caplog.text, timeout=30, what="the relay to report the refusal"
        )
    finally:
        stopping.set()
        await running
    assert relay.problem() == "Kafka relay not connected"

    # Nothing of routing's reached intake's topic (read as intake, which may).
    assert (
        await read_to_end(desk.bootstrap_servers, [intake_topic], security=desk.service("intake"))
        == []
    )


def case(case_id: uuid.UUID) -> PublicCase:
    return PublicCase(
        case_id=case_id,
        municipality="nagasaki",
        municipality_name_ja="長崎市",
        municipality_name_en="Nagasaki City",
        version=1,
        title="トイレマップで都心部の回遊性を高める",
        summary="要約",
        field="まちづくり",
        channel="theme",
        theme_number=5,
        theme_title="都心部の回遊性向上について",
        partner="株式会社みなと観光",
        sections=[],
        received_on=date(2025, 8, 28),
        published_on=date(2025, 11, 1),
    )


def published(case_id: uuid.UUID) -> Envelope:
    return Envelope(
        event=CasePublished(case=case(case_id)),
        meta=EventMetadata(
            event_id=stable_event_id("publication", str(case_id), 1),
            service="publication",
            subject=str(case_id),
            time=datetime.now(UTC),
            municipality="nagasaki",
            actor_role=ActorRole.DESK,
            correlation_id="c",
            sequence=1,
        ),
    )


async def test_another_city_reads_the_public_cases_and_nothing_else(
    desk: SecuredDesk, tmp_path: Path
) -> None:
    public = PUBLIC_CASES.name(Prefix())
    case_id = uuid.uuid4()
    await produce(desk, desk.service("publication"), public, published(case_id))
    subscriber = desk.logins.login(SUBSCRIBER)

    # `kyoso subscribe` with the subscriber's login keeps the case.
    store = tmp_path / "cases.sqlite"
    stopping = asyncio.Event()
    following = asyncio.create_task(
        follow(
            desk.bootstrap_servers,
            public,
            store,
            group=f"{SUBSCRIBER}-fukuoka",
            from_beginning=True,
            stopping=stopping,
            session_timeout_ms=2000,
            security=subscriber,
        )
    )

    def copied() -> list[dict[str, object]]:
        copy = LocalCopy(store)
        try:
            return copy.cases()
        finally:
            copy.close()

    cases = await wait_until(copied, timeout=60, what="the subscribing city's copy")
    stopping.set()
    assert await following >= 1
    assert [c["case_id"] for c in cases] == [str(case_id)]

    # Intake's topic (organisations, contact details typed into proposals) is closed to it.
    with pytest.raises(TopicAuthorizationFailedError):
        await follow(
            desk.bootstrap_servers,
            INTAKE_PROPOSALS.name(Prefix()),
            tmp_path / "intake.sqlite",
            group=f"{SUBSCRIBER}-fukuoka",
            from_beginning=True,
            stopping=asyncio.Event(),
            session_timeout_ms=2000,
            security=subscriber,
        )
    # So are consumer groups that are not its own (another service's offsets) …
    with pytest.raises(GroupAuthorizationFailedError):
        await follow(
            desk.bootstrap_servers,
            public,
            tmp_path / "other.sqlite",
            group=f"{PREFIX}-publication",
            from_beginning=True,
            stopping=asyncio.Event(),
            session_timeout_ms=2000,
            security=subscriber,
        )
    # … and it cannot forge a case.
    with pytest.raises(TopicAuthorizationFailedError):
        await produce(desk, subscriber, public, published(uuid.uuid4()))


async def test_a_wrong_password_gets_no_client_in(
    desk: SecuredDesk, caplog: pytest.LogCaptureFixture
) -> None:
    wrong = desk.logins.login(user_of("routing"), password="not-routings-password")
    caplog.set_level(logging.ERROR, logger="aiokafka")
    with pytest.raises(Exception) as refused:
        await read_to_end(
            desk.bootstrap_servers, [ROUTING_PROPOSALS.name(Prefix())], security=wrong
        )
    assert type(refused.value).__name__ == "KafkaConnectionError"
    assert (
        "SaslAuthenticationFailed: Authentication failed during authentication due to invalid "
        "credentials with SASL mechanism SCRAM-SHA-512"
    ) in caplog.text
    # Without any login (a PLAINTEXT client, as before issue 18) it is not let in either.
    with pytest.raises(Exception) as unknown:
        await read_to_end(
            desk.bootstrap_servers,
            [ROUTING_PROPOSALS.name(Prefix())],
            security=KafkaClientSettings(),
        )
    assert type(unknown.value).__name__ == "KafkaConnectionError"


async def test_over_tls_a_service_logs_in_only_to_the_broker_its_ca_vouches_for(
    desk: SecuredDesk, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    ca = desk.broker.data_dir / "tls" / "ca.pem"
    routing = desk.service("routing").model_dump()
    over_tls = KafkaClientSettings(
        **{**routing, "kafka_security_protocol": "SASL_SSL", "kafka_ssl_cafile": str(ca)}
    )
    topic = ROUTING_PROPOSALS.name(Prefix())
    await produce(desk, over_tls, topic, IntakeEvents().accepted(), tls=True)
    assert await read_to_end(desk.broker.tls_bootstrap_servers, [topic], security=over_tls)

    # A broker whose certificate another CA signed (a man in the middle) gets no login.
    stranger = issue(tmp_path / "stranger", "localhost").ca
    fooled = KafkaClientSettings(
        **{**routing, "kafka_security_protocol": "SASL_SSL", "kafka_ssl_cafile": str(stranger)}
    )
    caplog.set_level(logging.ERROR, logger="aiokafka")
    with pytest.raises(Exception) as refused:
        await read_to_end(desk.broker.tls_bootstrap_servers, [topic], security=fooled)
    assert type(refused.value).__name__ == "KafkaConnectionError"
    assert "CERTIFICATE_VERIFY_FAILED" in caplog.text
