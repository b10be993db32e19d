"""Forged records on the bus, from anyone who can reach the broker (issue 18, findings 1
and 2): a plain aiokafka producer puts them on the desk's topics while the desk runs.
Each test says what a user sees: the real proposal routed, no routing for a forged
acceptance, the proposer's genuine status line, and each refused record on the
consumer's dead-letter topic with the reason."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from aiokafka import AIOKafkaProducer
from aiokafka.structs import ConsumerRecord
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from services.intake.settings import IntakeSettings
from shared.contract import (
    ActorRole,
    Channel,
    Envelope,
    EventMetadata,
    IntegrationEvent,
    ProposalAccepted,
    ProposalSubmitted,
    ProposalWithdrawn,
    ProposerKind,
    PublicProposer,
    StatusLineSet,
    ThemeClosed,
    stable_event_id,
    to_kafka,
)
from shared.contract.verifiability import signed_headers
from shared.event_keys import signing_key
from shared.observed import ObservedProposal
from shared.streams import ERROR_HEADER
from tests.brokers import Broker
from tests.conftest import NAGASAKI_DEPARTMENT, NAGASAKI_DESK, bearer, wait_until
from tests.factories import free_proposal_body, proposal_body
from tests.kafka import read_topic
from tests.whole_desk import EVERY_SERVICE, NAGASAKI, Desk, running_desk

pytestmark = pytest.mark.integration

Record = tuple[bytes, bytes, list[tuple[str, bytes]]]  # key, value, headers


def forged(
    service: str,
    subject: UUID,
    sequence: int,
    event: IntegrationEvent,
    *,
    previous: int | None = None,
) -> Envelope:
    """What a forger writes: a well-formed CloudEvent that claims to come from `service`."""
    return Envelope(
        event=event,
        meta=EventMetadata(
            event_id=stable_event_id(service, str(subject), sequence),
            service=service,
            subject=str(subject),
            time=datetime.now(UTC),
            municipality="nagasaki",
            actor_role=ActorRole.DESK,
            correlation_id="forged",
            sequence=sequence,
            previous_sequence=sequence - 1 if previous is None else previous,
        ),
    )


def record_of(envelope: Envelope, signed_by: Ed25519PrivateKey | None = None) -> Record:
    """The record, unsigned as anyone may write it, or signed with a service's own key (as
    if it had leaked: the checks after the signature must hold on their own)."""
    message = to_kafka(envelope)
    assert isinstance(message.key, bytes)
    headers = dict(message.headers)
    if signed_by is not None:
        headers = signed_headers(headers, message.value, signed_by)
    return message.key, message.value, list(headers.items())


def key_of(desk: Desk, service: str) -> Ed25519PrivateKey:
    """The service's own signing key, from the desk's data folder."""
    return signing_key(service, desk.settings[service])


async def send(broker: Broker, topic: str, record: Record) -> None:
    key, value, headers = record
    producer = AIOKafkaProducer(
        bootstrap_servers=broker.bootstrap_servers, acks="all", max_request_size=8 * 1024 * 1024
    )
    await producer.start()
    try:
        await producer.send_and_wait(topic, value, key=key, headers=headers)
    finally:
        await producer.stop()


async def dead_letters(
    desk: Desk, service: str, key: bytes, count: int = 1
) -> list[ConsumerRecord[bytes, bytes]]:
    """The records with this key on the service's dead-letter topic (waits for `count`)."""
    records = await read_topic(
        desk.bootstrap,
        desk.topic(service, "dead-letters"),
        lambda found: sum(r.key == key for r in found) >= count,
    )
    return [r for r in records if r.key == key]


async def dead_letter(desk: Desk, service: str, key: bytes) -> ConsumerRecord[bytes, bytes]:
    return (await dead_letters(desk, service, key))[0]


def reason(record: ConsumerRecord[bytes, bytes]) -> str:
    said: bytes = dict(record.headers)[ERROR_HEADER]
    return said.decode()


async def heard_by_routing(desk: Desk, pid: str) -> None:
    """Routing has the proposal's submission (a forgery sent now comes after it)."""
    routing = desk.application("routing")
    await wait_until(lambda: routing.proposal_state(UUID(pid)), what=f"routing to hear {pid}")


async def submitted(desk: Desk) -> str:
    receipt = await desk.intake.post(f"{NAGASAKI}/proposals", json=free_proposal_body())
    assert receipt.status_code == 201
    return str(receipt.json()["proposal_id"])


async def screen(desk: Desk, pid: str, decision: str) -> None:
    body: dict[str, Any] = {"decision": decision}
    if decision == "reject":
        body |= {"reasons": ["sales_pitch"], "explanation": "自社製品の販売のみの内容です。"}
    answer = await desk.intake.post(
        f"{NAGASAKI}/desk/proposals/{pid}/screening", json=body, headers=bearer(NAGASAKI_DESK)
    )
    assert answer.status_code == 200, answer.text


async def routing_of(desk: Desk, pid: str) -> int:
    answer = await desk.routing.get(f"{NAGASAKI}/routings/{pid}", headers=bearer(NAGASAKI_DESK))
    return answer.status_code


# -- finding 1: forged events were believed ---------------------------------------------


@pytest.fixture
async def intake_and_routing(
    tmp_path: Path, broker: Broker, database_url: str, make_settings: Callable[..., IntakeSettings]
) -> AsyncIterator[Desk]:
    async with running_desk(
        ("intake", "routing"), tmp_path, broker, database_url, make_settings
    ) as desk:
        yield desk


async def test_a_forged_theme_closed_with_a_far_sequence_does_not_stop_the_proposal_from_routing(
    intake_and_routing: Desk, broker: Broker
) -> None:
    desk = intake_and_routing
    proposals = desk.topic("intake", "proposals")
    pid = await submitted(desk)
    await heard_by_routing(desk, pid)
    closed = ThemeClosed(theme_id=uuid.uuid4(), municipality="nagasaki", number=5)
    await send(broker, proposals, record_of(forged("intake", UUID(pid), 999_999, closed)))
    # Even with intake's own key (leaked): a theme event does not travel on the proposals
    # topic, and a far sequence waits for the events before it instead of hiding them.
    stolen = key_of(desk, "intake")
    await send(broker, proposals, record_of(forged("intake", UUID(pid), 1_000, closed), stolen))
    withdrawal = ProposalWithdrawn(proposal_id=UUID(pid), reason="forged")
    await send(
        broker, proposals, record_of(forged("intake", UUID(pid), 999_999, withdrawal), stolen)
    )

    await screen(desk, pid, "accept")
    routing = await desk.routed(pid)  # before: accepted (200) and never routed
    assert routing["lead_department"] is not None and routing["stage"] == "waiting"

    unsigned, off_topic, far = await dead_letters(desk, "routing", pid.encode(), count=3)
    assert "not signed" in reason(unsigned)
    assert "intake.theme.closed does not travel on" in reason(off_topic)
    assert "parked, waiting for event 999998" in reason(far)
    assert [p.sequence for p in desk.application("routing").parked()] == [999_999]


async def test_a_forged_acceptance_routes_nothing(intake_and_routing: Desk, broker: Broker) -> None:
    desk = intake_and_routing
    pid = await submitted(desk)  # never screened by the desk
    await heard_by_routing(desk, pid)
    await send(
        broker,
        desk.topic("intake", "proposals"),
        record_of(forged("intake", UUID(pid), 2, ProposalAccepted(proposal_id=UUID(pid)))),
    )
    await screen(desk, pid, "reject")  # the desk's real answer, after the forgery

    def routed_or_closed() -> str | None:
        state = desk.application("routing").proposal_state(UUID(pid))
        if state is not None and state.status.value in ("accepted", "routed"):
            return "routed"  # before: routed, though never screened in
        return "rejected" if state is not None and state.status.value == "rejected" else None

    assert await wait_until(routed_or_closed, what="routing to hear the desk") == "rejected"
    assert await routing_of(desk, pid) == 404
    refused = await dead_letter(desk, "routing", pid.encode())
    assert "not signed" in reason(refused)


async def test_a_forged_status_line_is_not_shown_and_the_genuine_one_is(
    intake_and_routing: Desk, broker: Broker
) -> None:
    desk = intake_and_routing
    receipt = await desk.accepted_receipt(proposal_body(theme_number=5))
    pid = receipt["proposal_id"]
    await desk.take_on(pid, department=NAGASAKI_DEPARTMENT)
    lie = StatusLineSet(proposal_id=UUID(pid), ja="FORGED: 不採用", en="FORGED: rejected")
    await send(
        broker, desk.topic("routing", "proposals"), record_of(forged("routing", UUID(pid), 50, lie))
    )
    line = await desk.routing.post(
        f"{NAGASAKI}/routings/{pid}/status-line",
        json={"ja": "まちづくり部と協議中", "en": "In talks with the city planning division"},
        headers=bearer(NAGASAKI_DEPARTMENT),
    )
    assert line.status_code == 200

    async def status() -> dict[str, Any] | None:
        view = await desk.intake.get(
            f"/api/v1/proposer/proposals/{pid}", params={"token": receipt["status_token"]}
        )
        body: dict[str, Any] = view.json()
        return body if body["status_ja"] == "まちづくり部と協議中" else None

    view = await wait_until(status, what="the genuine status line on the proposer's page")
    assert view["status_en"] == "In talks with the city planning division"
    refused = await dead_letter(desk, "intake", pid.encode())
    assert "not signed" in reason(refused)


# -- finding 2: records of any size, for unknown proposals, with a wrong key --------------


RECORD_LIMIT = 256 * 1024
OVERSIZED = 600 * 1024


@pytest.fixture
async def whole_desk(
    tmp_path: Path, broker: Broker, database_url: str, make_settings: Callable[..., IntakeSettings]
) -> AsyncIterator[Desk]:
    # A record limit of 256 KiB, so that a record above it still fits under the broker's
    # own limit (Apache Kafka refuses records above 1 MB itself; the embedded broker does
    # not) and reaches the consumers, whose check is what is shown here.
    limit = {"kafka_max_record_bytes": RECORD_LIMIT}
    async with running_desk(
        EVERY_SERVICE,
        tmp_path,
        broker,
        database_url,
        make_settings,
        overrides=dict.fromkeys(EVERY_SERVICE, limit),
    ) as desk:
        yield desk


def submission(pid: UUID, content: str = "学校と保護者が危険箇所を共有する。") -> ProposalSubmitted:
    return ProposalSubmitted(
        proposal_id=pid,
        municipality="nagasaki",
        receipt_number="NGS-2025-9999",
        fiscal_year=2025,
        received_on=date(2025, 10, 30),
        channel=Channel.FREE,
        proposer=PublicProposer(organisation="株式会社みなと観光", kind=ProposerKind.COMPANY),
        title="通学路安全点検支援システム",
        field="教育",
        summary="通学路の安全点検を効率化するWebシステムの提案。",
        content=content,
        has_protected_part=False,
    )


def heard_by_nobody(desk: Desk, pid: UUID) -> bool:
    """No service keeps anything it heard of the proposal."""
    return all(
        ObservedProposal.create_id(pid) not in desk.application(name).repository
        for name in EVERY_SERVICE  # implementation hears intake's and routing's events too
    )


async def test_a_record_above_the_limit_is_dead_lettered_by_every_consumer_and_stored_by_none(
    whole_desk: Desk, broker: Broker
) -> None:
    """Issue 18, finding 2: a 5 MB record was stored by every consumer. Here 600 KB against
    a limit of 256 KiB: what the consumers do above their limit is the same at any size."""
    desk = whole_desk
    pid = uuid.uuid4()
    huge = forged("intake", pid, 1, submission(pid, content="a" * OVERSIZED))
    await send(broker, desk.topic("intake", "proposals"), record_of(huge))
    lie = StatusLineSet(proposal_id=pid, ja="a" * OVERSIZED, en="long")
    await send(
        broker, desk.topic("routing", "proposals"), record_of(forged("routing", pid, 1, lie))
    )

    for service in EVERY_SERVICE:
        refused = await dead_letter(desk, service, str(pid).encode())
        assert "above the limit" in reason(refused), service
        assert refused.value == b""  # the dead letter says what came, without the bulk
    assert heard_by_nobody(desk, pid)


async def test_a_record_whose_key_is_not_its_subject_is_dead_lettered(
    whole_desk: Desk, broker: Broker
) -> None:
    desk = whole_desk
    pid = uuid.uuid4()
    _, value, headers = record_of(forged("intake", pid, 1, submission(pid)), key_of(desk, "intake"))
    await send(broker, desk.topic("intake", "proposals"), (b"another-key", value, headers))
    for service in ("routing", "decision", "implementation", "publication"):
        refused = await dead_letter(desk, service, b"another-key")
        assert "differs from its subject" in reason(refused), service
    assert heard_by_nobody(desk, pid)


async def test_an_event_for_a_proposal_never_submitted_is_dead_lettered(
    whole_desk: Desk, broker: Broker
) -> None:
    desk = whole_desk
    pid = uuid.uuid4()
    # Signed with the services' own keys: only the order of the proposal's events is wrong.
    acceptance = forged("intake", pid, 2, ProposalAccepted(proposal_id=pid))
    await send(
        broker, desk.topic("intake", "proposals"), record_of(acceptance, key_of(desk, "intake"))
    )
    line = forged("routing", pid, 3, StatusLineSet(proposal_id=pid, ja="協議中", en="In talks"))
    await send(broker, desk.topic("routing", "proposals"), record_of(line, key_of(desk, "routing")))
    for service in EVERY_SERVICE:
        refused = await dead_letter(desk, service, str(pid).encode())
        assert "unknown proposal" in reason(refused), service
    assert await routing_of(desk, str(pid)) == 404
    assert heard_by_nobody(desk, pid)
