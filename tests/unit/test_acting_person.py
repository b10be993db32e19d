"""Every event a person causes names the person (DESIGN.md §8): the provider's subject and
display name travel with internal events as CloudEvent attributes, signed like the rest,
and never on the public topic other cities read."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace
from uuid import uuid4

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from shared.acting import Acting
from shared.contract import CaseRetracted
from shared.contract.envelope import envelope_of, from_kafka, to_kafka
from shared.contract.intake import ThemeClosed
from shared.contract.keys import key_id
from shared.contract.verifiability import attributes_of, signed_headers, verify
from shared.contract.vocabulary import ActorRole
from shared.history_step import HistoryStep

DESK_OFFICER = Acting.new(ActorRole.DESK, "nagasaki", "req-7", subject="u-1029", name="出島 花子")


def stored(acting: Acting) -> SimpleNamespace:
    """A domain event as a service stores it: the acting person in its meta."""
    return SimpleNamespace(
        meta=acting.as_meta(),
        originator_id=uuid4(),
        originator_version=3,
        timestamp=datetime(2026, 4, 1, 1, 0, tzinfo=UTC),
    )


def test_an_internal_event_names_the_person_signed_and_back_again() -> None:
    event = ThemeClosed(theme_id=uuid4(), municipality="nagasaki", number=25)
    envelope = envelope_of("intake", stored(DESK_OFFICER), event, 9)
    message = to_kafka(envelope)
    assert message.headers["ce_actorsubject"] == b"u-1029"
    assert message.headers["ce_actorname"] == "出島 花子".encode()
    key = Ed25519PrivateKey.generate()
    headers = signed_headers(message.headers, message.value, key)
    assert {"actorsubject", "actorname"} <= set(
        attributes_of(headers.items())["signedextattrs"].split(",")
    )
    verify(list(headers.items()), message.value, {key_id(key.public_key()): key.public_key()})
    assert isinstance(message.key, bytes)
    decoded = from_kafka(list(message.headers.items()), message.key, message.value)
    assert (decoded.meta.actor_subject, decoded.meta.actor_name) == ("u-1029", "出島 花子")


def test_the_public_topic_names_no_one() -> None:
    event = CaseRetracted(case_id=uuid4(), municipality="nagasaki", reason="誤りのため")
    envelope = envelope_of("publication", stored(DESK_OFFICER), event, 4)
    assert envelope.meta.actor_subject is None and envelope.meta.actor_name is None
    headers = to_kafka(envelope).headers
    assert "ce_actorsubject" not in headers and "ce_actorname" not in headers
    assert headers["ce_actorrole"] == b"desk"


def test_the_system_and_the_proposer_are_no_person_and_keep_their_stored_shape() -> None:
    system = Acting.new(ActorRole.SYSTEM, "nagasaki", "deadline-check")
    assert set(system.as_meta()) == {"role", "municipality", "correlation_id", "causation_id"}
    event = ThemeClosed(theme_id=uuid4(), municipality="nagasaki", number=25)
    headers = to_kafka(envelope_of("intake", stored(system), event, 1)).headers
    assert "ce_actorsubject" not in headers


def test_every_services_history_names_the_person_and_the_service() -> None:
    # The one shape of a history step in intake's, routing's, decision's and
    # implementation's APIs (shared.history_step).
    event = ThemeClosed(theme_id=uuid4(), municipality="nagasaki", number=25)
    step = HistoryStep.of(envelope_of("intake", stored(DESK_OFFICER), event, 9))
    assert (step.service, step.actor_role, step.actor_name) == ("intake", "desk", "出島 花子")
    assert step.event == "intake.theme.closed"
    assert step.details["number"] == 25
