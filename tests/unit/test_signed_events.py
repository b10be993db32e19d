"""Events prove where they come from (issue 18): each service signs what it publishes with
its own key (CloudEvents verifiability, DSSE), and a consumer believes a record only when
a trusted key of the service it claims signed exactly what arrived, on that service's
topic. No broker: records are built and checked as the relay and the consumer do."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from uuid import UUID, uuid4

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from shared.bus_trust import RecordChecks, Refused, TooLarge, topics_by_name
from shared.contract import (
    ActorRole,
    Envelope,
    EventMetadata,
    IntegrationEvent,
    ProposalAccepted,
    StatusLineSet,
    ThemeClosed,
    stable_event_id,
    to_kafka,
)
from shared.contract.keys import key_id, private_key_pem, public_key_text
from shared.contract.topics import ROUTING_PROPOSALS
from shared.contract.verifiability import (
    MATERIAL_HEADER,
    Unverified,
    signed_headers,
    verification_material,
    verify,
)
from shared.event_keys import TrustedKeys, signing_key
from shared.settings import CommonSettings, ConfigError

PREFIX = "kyoso"
PROPOSALS = f"{PREFIX}.intake.proposals"
INTAKE_KEY = Ed25519PrivateKey.generate()
ROUTING_KEY = Ed25519PrivateKey.generate()

Headers = list[tuple[str, bytes]]
Record = tuple[bytes, bytes, Headers]


def envelope(
    event: IntegrationEvent,
    *,
    subject: UUID,
    service: str = "intake",
    sequence: int = 2,
    time: datetime | None = None,
) -> Envelope:
    return Envelope(
        event=event,
        meta=EventMetadata(
            event_id=stable_event_id(service, str(subject), sequence),
            service=service,
            subject=str(subject),
            time=time or datetime(2025, 10, 30, 1, 0, tzinfo=UTC),
            municipality="nagasaki",
            actor_role=ActorRole.DESK,
            correlation_id="c-1",
            sequence=sequence,
            previous_sequence=sequence - 1,
        ),
    )


def acceptance(pid: UUID | None = None, **meta: object) -> Envelope:
    pid = pid or uuid4()
    return envelope(ProposalAccepted(proposal_id=pid), subject=pid, **meta)  # type: ignore[arg-type]


def signed(item: Envelope, key: Ed25519PrivateKey = INTAKE_KEY) -> Record:
    """The record as a relay with this key sends it."""
    message = to_kafka(item)
    assert isinstance(message.key, bytes)
    headers = signed_headers(dict(message.headers), message.value, key)
    return message.key, message.value, list(headers.items())


def checks(trusted: dict[str, list[Ed25519PrivateKey]] | None = None) -> RecordChecks:
    keys = trusted or {"intake": [INTAKE_KEY], "routing": [ROUTING_KEY]}
    return RecordChecks(
        trusted=TrustedKeys({s: [k.public_key() for k in ks] for s, ks in keys.items()}),
        topics=topics_by_name(CommonSettings(topic_prefix=PREFIX)),
        max_record_bytes=1_048_576,
    )


def believed(record: Record, topic: str = PROPOSALS, using: RecordChecks | None = None) -> Envelope:
    key, value, headers = record
    return (using or checks()).envelope_of(topic, key, headers, value)


def replaced(headers: Headers, name: str, value: bytes) -> Headers:
    return [(n, value if n == name else v) for n, v in headers]


def test_a_signed_event_is_believed_as_it_was_sent() -> None:
    sent = acceptance()
    assert believed(signed(sent)) == sent


def test_a_changed_payload_is_refused() -> None:
    key, value, headers = signed(acceptance())
    tampered = json.dumps({**json.loads(value), "note": "forged"}).encode()
    with pytest.raises(Refused, match="differs from what was signed"):
        believed((key, tampered, headers))


def test_a_changed_sequence_is_refused() -> None:
    key, value, headers = signed(acceptance(sequence=2))
    far = replaced(replaced(headers, "ce_sequence", b"999999"), "ce_previoussequence", b"999998")
    with pytest.raises(Refused, match="differs from what was signed"):
        believed((key, value, far))


def test_an_unsigned_event_or_an_unsigned_attribute_is_refused() -> None:
    message = to_kafka(acceptance())
    assert isinstance(message.key, bytes)
    with pytest.raises(Refused, match="not signed"):
        believed((message.key, message.value, list(message.headers.items())))
    key, value, headers = signed(acceptance())
    with pytest.raises(Refused, match="extension attribute actorrolex is not signed"):
        believed((key, value, [*headers, ("ce_actorrolex", b"council")]))


def test_a_key_nobody_trusts_is_refused() -> None:
    with pytest.raises(Refused, match="signed by an unknown key"):
        believed(signed(acceptance(), Ed25519PrivateKey.generate()))


def test_a_signature_by_another_key_under_a_trusted_key_id_is_refused() -> None:
    key, value, headers = signed(acceptance(), Ed25519PrivateKey.generate())
    material = dict(headers)[MATERIAL_HEADER]
    envelope_json = json.loads(base64.b64decode(material))
    envelope_json["signatures"][0]["keyid"] = key_id(INTAKE_KEY.public_key())
    forged = base64.b64encode(json.dumps(envelope_json).encode())
    with pytest.raises(Refused, match="does not match its key"):
        believed((key, value, replaced(headers, MATERIAL_HEADER, forged)))


def test_a_key_of_another_service_cannot_speak_for_intake() -> None:
    with pytest.raises(
        Refused, match="signed with a key of routing, but it says it comes from intake"
    ):
        believed(signed(acceptance(), ROUTING_KEY))


def test_a_rotated_key_and_its_predecessor_are_both_believed() -> None:
    new_key = Ed25519PrivateKey.generate()
    rotating = checks({"intake": [INTAKE_KEY, new_key], "routing": [ROUTING_KEY]})
    assert believed(signed(acceptance(), INTAKE_KEY), using=rotating)
    assert believed(signed(acceptance(), new_key), using=rotating)
    with pytest.raises(Refused, match="unknown key"):
        believed(signed(acceptance(), new_key))  # until the new key is trusted


def test_an_event_on_a_topic_it_does_not_travel_on_is_refused_even_when_signed() -> None:
    """The forged `intake.theme.closed` with a proposal's id as subject (finding 1)."""
    pid = uuid4()
    closed = envelope(ThemeClosed(theme_id=uuid4(), municipality="nagasaki", number=5), subject=pid)
    with pytest.raises(
        Refused, match=r"intake\.theme\.closed does not travel on kyoso\.intake\.proposals"
    ):
        believed(signed(closed))
    # A routing event, signed by intake, on routing's topic: only routing writes there.
    line = StatusLineSet(proposal_id=pid, ja="不採用", en="rejected")
    routing_topic = ROUTING_PROPOSALS.name(CommonSettings(topic_prefix=PREFIX))
    with pytest.raises(Refused, match="written by routing, not intake"):
        believed(signed(envelope(line, subject=pid)), topic=routing_topic)


def test_a_kafka_key_that_is_not_the_subject_is_refused() -> None:
    _, value, headers = signed(acceptance())
    with pytest.raises(Refused, match="Kafka key 'another' differs from its subject"):
        believed((b"another", value, headers))


def test_a_record_above_the_limit_is_refused_before_it_is_read() -> None:
    small = RecordChecks(checks().trusted, checks().topics, max_record_bytes=16_384)
    key, _, headers = signed(acceptance())
    with pytest.raises(TooLarge, match="above the limit of 16,384"):
        small.envelope_of(PROPOSALS, key, headers, b"x" * 20_000)


def test_the_time_is_signed_as_one_moment_whatever_its_zone() -> None:
    """The proposal normalises `time` to UTC: the same moment in Japan time verifies."""
    moment = datetime(2025, 10, 30, 1, 0, tzinfo=UTC)
    attributes = {"id": "1", "source": "/kyoso/intake", "time": "2025-10-30T01:00:00Z"}
    in_japan = {**attributes, "time": moment.astimezone(timezone(timedelta(hours=9))).isoformat()}
    assert verification_material(attributes, b"{}", []) == verification_material(
        in_japan, b"{}", []
    )


def test_verify_names_the_key_that_signed() -> None:
    _, value, headers = signed(acceptance())
    keys = {key_id(INTAKE_KEY.public_key()): INTAKE_KEY.public_key()}
    assert verify(headers, value, keys).key_id == key_id(INTAKE_KEY.public_key())
    with pytest.raises(Unverified, match="twice"):
        verify([*headers, ("CE_SEQUENCE", b"3")], value, keys)


# -- keys from settings and from the data folder ------------------------------------------


def test_the_embedded_default_generates_a_key_once_with_its_public_key_beside_it(
    tmp_path: Path,
) -> None:
    settings = CommonSettings(data_dir=tmp_path)
    first = signing_key("intake", settings)
    again = signing_key("intake", settings)
    assert key_id(first.public_key()) == key_id(again.public_key())
    assert (tmp_path / "keys" / "intake.key").stat().st_mode & 0o077 == 0  # owner only
    trusted = TrustedKeys.from_settings(settings)
    assert trusted.service_of(key_id(first.public_key())) == "intake"

    # A service that makes its key later (kyoso up starts them one by one) is believed
    # as soon as a record names it.
    routing = signing_key("routing", settings)
    assert key_id(routing.public_key()) in trusted
    assert trusted.service_of(key_id(routing.public_key())) == "routing"


def test_keys_come_from_settings_as_pem_or_base64_and_a_bad_one_is_not_echoed(
    tmp_path: Path,
) -> None:
    key = Ed25519PrivateKey.generate()
    pem = private_key_pem(key).decode()
    from_pem = signing_key("intake", CommonSettings(data_dir=tmp_path, signing_key=pem))
    assert key_id(from_pem.public_key()) == key_id(key.public_key())
    assert not (tmp_path / "keys").exists()  # nothing generated

    secret = "c2VjcmV0LW5vdC1hLWtleQ=="  # Base64, but not 32 bytes
    with pytest.raises(ConfigError) as refused:
        signing_key("intake", CommonSettings(data_dir=tmp_path, signing_key=secret))
    assert "KYOSO_SIGNING_KEY" in str(refused.value) and secret not in str(refused.value)

    settings = CommonSettings(
        data_dir=tmp_path, trusted_keys={"intake": [public_key_text(key.public_key())]}
    )
    assert TrustedKeys.from_settings(settings).by_service() == {
        "intake": [public_key_text(key.public_key())]
    }
    with pytest.raises(ValueError, match=r"intake\[0\]"):
        CommonSettings(trusted_keys={"intake": ["not a key"]})
