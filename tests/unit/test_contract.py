"""The event contract: CloudEvents on Kafka, versions, schemas, and bad messages."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, date, datetime
from typing import Any, ClassVar
from uuid import uuid4

import pytest
from pydantic import ValidationError

from shared.contract import (
    EVENT_REGISTRY,
    ActorRole,
    Envelope,
    EventMetadata,
    IntegrationEvent,
    MalformedMessage,
    ProposalSubmitted,
    PublicProposer,
    from_kafka,
    stable_event_id,
    to_kafka,
)
from shared.contract.base import EventRegistry
from shared.contract.envelope import from_cloudevent, to_cloudevent
from shared.contract.schemas import SCHEMA_DIR, rendered_schemas

CHAIN_LINK = hashlib.sha256(b"link 42").hexdigest()


def submitted_envelope() -> Envelope:
    proposal_id = uuid4()
    return Envelope(
        event=ProposalSubmitted(
            proposal_id=proposal_id,
            municipality="nagasaki",
            receipt_number="NGS-2025-0008",
            fiscal_year=2025,
            received_on=date(2025, 8, 28),
            channel="theme",
            theme_number=5,
            proposer=PublicProposer(organisation="みなと観光", kind="company"),
            title="トイレマップ",
            field="まちづくり",
            summary="トイレに特化したマップ",
            content="本文",
            has_protected_part=True,
        ),
        meta=EventMetadata(
            event_id=stable_event_id("intake", str(proposal_id), 1),
            service="intake",
            subject=str(proposal_id),
            time=datetime(2025, 8, 28, 0, 0, tzinfo=UTC),
            municipality="nagasaki",
            actor_role=ActorRole.PROPOSER,
            correlation_id="req-1",
            causation_id="cause-1",
            sequence=1,
            source_position=42,
            chain_link=CHAIN_LINK,
        ),
    )


def test_an_event_survives_the_kafka_binding_unchanged() -> None:
    envelope = submitted_envelope()
    message = to_kafka(envelope)
    assert message.key == envelope.meta.subject.encode()
    assert message.headers["ce_type"] == b"jp.kyoso.intake.proposal.submitted.v2"
    assert message.headers["ce_municipality"] == b"nagasaki"
    assert message.headers["ce_actorrole"] == b"proposer"
    assert message.headers["ce_correlationid"] == b"req-1"
    assert message.headers["ce_causationid"] == b"cause-1"
    assert message.headers["content-type"] == b"application/json"
    assert message.headers["ce_sourceposition"] == b"42"
    assert message.headers["ce_chainlink"] == CHAIN_LINK.encode()
    decoded = from_kafka(list(message.headers.items()), message.key, message.value)
    assert decoded == envelope


def test_the_chain_link_travels_as_the_chainlink_extension_attribute() -> None:
    envelope = submitted_envelope()
    cloudevent = to_cloudevent(envelope)
    assert cloudevent.get_attributes()["chainlink"] == CHAIN_LINK
    assert from_cloudevent(cloudevent).meta.chain_link == CHAIN_LINK

    unanchored = envelope.model_copy(
        update={"meta": envelope.meta.model_copy(update={"chain_link": None})}
    )
    assert "chainlink" not in to_cloudevent(unanchored).get_attributes()
    assert "ce_chainlink" not in to_kafka(unanchored).headers
    assert from_cloudevent(to_cloudevent(unanchored)).meta.chain_link is None


@pytest.mark.parametrize("bad", ["ab" * 31, CHAIN_LINK.upper(), "g" * 64, CHAIN_LINK + "0"])
def test_metadata_refuses_a_chain_link_that_is_not_64_lowercase_hex_digits(bad: str) -> None:
    with pytest.raises(ValidationError, match="chain_link"):
        EventMetadata.model_validate({**submitted_envelope().meta.model_dump(), "chain_link": bad})


def test_a_republished_event_keeps_its_id() -> None:
    assert stable_event_id("intake", "p1", 3) == stable_event_id("intake", "p1", 3)
    assert stable_event_id("intake", "p1", 3) != stable_event_id("intake", "p1", 4)


@pytest.mark.parametrize(
    ("mutate", "reason"),
    [
        (lambda h, v: (h | {"ce_type": b"com.example.other"}, v), "not a Kyoso Desk event type"),
        (lambda h, v: (h | {"ce_type": b"jp.kyoso.intake.proposal.submitted.v9"}, v), "version 9"),
        (
            lambda h, v: ({k: x for k, x in h.items() if k != "ce_municipality"}, v),
            "'municipality'",
        ),
        (lambda h, v: (h, b"{not json"), "JSON"),
        (
            lambda h, v: (h, json.dumps({**json.loads(v), "fiscal_year": "soon"}).encode()),
            "fiscal_year",
        ),
        (lambda h, v: (h | {"ce_source": b"/elsewhere"}, v), "'source'"),
        (lambda h, v: (h | {"ce_chainlink": b"not-a-link"}, v), "attribute 'chainlink'"),
        (
            lambda h, v: (h | {"ce_chainlink": CHAIN_LINK.upper().encode()}, v),
            "attribute 'chainlink'",
        ),
        (lambda h, v: (h | {"ce_sequence": b"first"}, v), "attribute 'sequence'"),
    ],
)
def test_a_malformed_message_is_refused_with_the_reason(mutate: Any, reason: str) -> None:
    message = to_kafka(submitted_envelope())
    headers, value = mutate(dict(message.headers), message.value)
    assert isinstance(message.key, bytes)
    with pytest.raises(MalformedMessage, match=reason):
        from_kafka(headers, message.key, value)


def test_old_versions_are_upcast_to_the_newest() -> None:
    registry = EventRegistry()

    class NoteV1(IntegrationEvent, registry=registry):
        event_type: ClassVar[str] = "test.note"
        version: ClassVar[int] = 1
        text: str

    class NoteV2(IntegrationEvent, registry=registry):
        event_type: ClassVar[str] = "test.note"
        version: ClassVar[int] = 2
        text: str
        language: str

    registry.register_upcaster("test.note", 1, lambda data: {**data, "language": "ja"})
    loaded = registry.load("test.note", 1, {"text": "こんにちは"})
    assert isinstance(loaded, NoteV2)
    assert loaded.language == "ja"


def test_the_json_schemas_in_the_repository_are_up_to_date() -> None:
    wanted = rendered_schemas()
    on_disk = {p.name: p.read_text(encoding="utf-8") for p in SCHEMA_DIR.glob("*.json")}
    assert on_disk == wanted, "run: python -m shared.contract.schemas"
    assert len(wanted) == len(EVENT_REGISTRY.all_events()) >= 6


def test_protected_part_and_contact_details_are_not_in_the_contract() -> None:
    fields = set(ProposalSubmitted.model_fields)
    assert not fields & {
        "protected",
        "protected_part",
        "contact",
        "email",
        "phone",
        "contact_person",
    }
    assert set(PublicProposer.model_fields) == {"organisation", "kind"}
