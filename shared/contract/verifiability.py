"""Signed CloudEvents on Kafka: the CloudEvents verifiability extension with DSSE.

Followed: the proposal "Verifiable CloudEvents with DSSE" in the cloudevents/spec
repository (cloudevents/extensions/verifiability.md). A signed event carries two extension
attributes, so on Kafka two headers:

    ce_dssematerial   Base64 of a DSSE v1.0.2 JSON envelope whose payloadType is
                      https://cloudevents.io/verifiability/dsse/v0.1, whose payload is the
                      32-byte verification material, and whose one signature names its
                      `keyid`
    ce_signedextattrs the extension attributes the signature covers, comma separated

The verification material is SHA-256 over the SHA-256 digests of id, source, specversion,
type, datacontenttype, dataschema, subject, time (RFC 3339 in UTC, `Z`), the data as it
travels (the record's value), then of each signed extension attribute's name and value
in the listed order; the signature is over DSSE's pre-authentication encoding (PAE) of
the payload type and the material.

Where this deviates from or fills in the proposal:
- Keys are Ed25519 (the proposal leaves the algorithm to the deployment; its test
  vectors use ECDSA P-256). The key id is the SHA-256 (hex) of the raw public key.
- The attributes are read from the record's headers as they travel (binary content
  mode): a record in structured mode, or with an attribute header twice, is refused
  rather than interpreted, so what is verified is exactly what is decoded.
- Every extension attribute a record carries must be signed. The proposal lets a
  verifier hand on only the signed ones; refusing the record is stricter and simpler
  for a consumer that reads `sequence` and `previoussequence`.
- Fractional seconds of `time` are kept when normalising to UTC (the proposal's note
  on second precision concerns formats that cannot carry them).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from shared.contract.keys import key_id

PAYLOAD_TYPE = "https://cloudevents.io/verifiability/dsse/v0.1"
MATERIAL_ATTRIBUTE = "dssematerial"
SIGNED_LIST_ATTRIBUTE = "signedextattrs"
MATERIAL_HEADER = f"ce_{MATERIAL_ATTRIBUTE}"
SIGNED_LIST_HEADER = f"ce_{SIGNED_LIST_ATTRIBUTE}"

# The core context attributes in the order the proposal digests them; `data` follows.
CORE_ATTRIBUTES = (
    "id",
    "source",
    "specversion",
    "type",
    "datacontenttype",
    "dataschema",
    "subject",
    "time",
)
_CE_PREFIX = "ce_"
_CONTENT_TYPE_HEADER = "content-type"
_STRUCTURED_MODE = "application/cloudevents"


class Unverified(ValueError):
    """A record whose signature cannot be accepted; says why."""


def attributes_of(headers: Iterable[tuple[str, bytes]]) -> dict[str, str]:
    """The CloudEvent attributes a binary-mode record's headers carry (names lowercased,
    `content-type` as `datacontenttype`); raise Unverified when one is there twice or the
    record is in structured mode."""
    attributes: dict[str, str] = {}
    for name, value in headers:
        lowered = name.lower()
        if lowered.startswith(_CE_PREFIX):
            attribute = lowered[len(_CE_PREFIX) :]
        elif lowered == _CONTENT_TYPE_HEADER:
            attribute = "datacontenttype"
        else:
            continue  # transport headers (e.g. a dead letter's reason) are not attributes
        if attribute in attributes:
            raise Unverified(f"CloudEvent attribute '{attribute}' is given twice")
        try:
            attributes[attribute] = value.decode()
        except UnicodeDecodeError:
            raise Unverified(f"CloudEvent attribute '{attribute}' is not UTF-8") from None
    if attributes.get("datacontenttype", "").startswith(_STRUCTURED_MODE):
        raise Unverified("a structured-mode record: signed events travel in binary mode")
    return attributes


def _digest(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def _normalised_time(value: str) -> str:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise Unverified(f"CloudEvent attribute 'time' {value!r} is not RFC 3339") from None
    if moment.tzinfo is None:
        raise Unverified(f"CloudEvent attribute 'time' {value!r} has no time zone")
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def verification_material(
    attributes: Mapping[str, str], data: bytes, signed_extensions: Sequence[str]
) -> bytes:
    """The 32 bytes the signature covers (the proposal's VERIFICATION_MATERIAL)."""
    digests = []
    for name in CORE_ATTRIBUTES:
        value = attributes.get(name, "")
        if name == "time" and value:
            value = _normalised_time(value)
        digests.append(_digest(value.encode()))
    digests.append(_digest(data))
    for name in signed_extensions:
        digests.append(_digest(name.encode()))
        digests.append(_digest(attributes[name].encode()))
    return _digest(b"".join(digests))


def pae(payload_type: str, body: bytes) -> bytes:
    """DSSE v1's pre-authentication encoding: what is actually signed."""
    kind = payload_type.encode()
    return b"DSSEv1 %d %s %d %s" % (len(kind), kind, len(body), body)


def _extensions(attributes: Mapping[str, str]) -> list[str]:
    """Every extension attribute, in a fixed order (the proposal lets the signer choose)."""
    excluded = {*CORE_ATTRIBUTES, MATERIAL_ATTRIBUTE, SIGNED_LIST_ATTRIBUTE}
    return sorted(name for name in attributes if name not in excluded)


def signed_headers(
    headers: Mapping[str, bytes], value: bytes, key: Ed25519PrivateKey
) -> dict[str, bytes]:
    """The record's headers with `signedextattrs` and `dssematerial` added: every
    extension attribute the record carries is signed."""
    attributes = attributes_of(headers.items())
    extensions = _extensions(attributes)
    material = verification_material(attributes, value, extensions)
    envelope = {
        "payload": base64.b64encode(material).decode(),
        "payloadType": PAYLOAD_TYPE,
        "signatures": [
            {
                "keyid": key_id(key.public_key()),
                "sig": base64.b64encode(key.sign(pae(PAYLOAD_TYPE, material))).decode(),
            }
        ],
    }
    encoded = base64.b64encode(json.dumps(envelope, separators=(",", ":")).encode())
    return {
        **headers,
        SIGNED_LIST_HEADER: ",".join(extensions).encode(),
        MATERIAL_HEADER: encoded,
    }


@dataclass(frozen=True)
class Signature:
    """Who signed a record: the key's id (the caller knows whose key it is)."""

    key_id: str


def _b64(text: object, what: str) -> bytes:
    if not isinstance(text, str):
        raise Unverified(f"the DSSE envelope's {what} is not a string")
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        try:  # DSSE allows URL-safe Base64 too
            return base64.urlsafe_b64decode(text)
        except (binascii.Error, ValueError):
            raise Unverified(f"the DSSE envelope's {what} is not Base64") from None


def _signed_list(attributes: Mapping[str, str]) -> list[str]:
    listed = attributes.get(SIGNED_LIST_ATTRIBUTE, "")
    names = listed.split(",") if listed else []
    forbidden = {*CORE_ATTRIBUTES, MATERIAL_ATTRIBUTE, SIGNED_LIST_ATTRIBUTE}
    if len(set(names)) != len(names) or forbidden & set(names):
        raise Unverified(f"signedextattrs {listed!r} repeats or names a core attribute")
    missing = [name for name in names if name not in attributes]
    if missing:
        raise Unverified(f"signedextattrs names {', '.join(missing)}, which the record lacks")
    unsigned = [name for name in _extensions(attributes) if name not in names]
    if unsigned:
        raise Unverified(f"extension attribute {', '.join(unsigned)} is not signed")
    return names


def verify(
    headers: Iterable[tuple[str, bytes]],
    value: bytes,
    public_key_of: Mapping[str, Ed25519PublicKey],
) -> Signature:
    """Check a record's signature against the acceptable keys (by key id), following the
    proposal's verification protocol; raise Unverified naming what failed."""
    attributes = attributes_of(headers)
    encoded = attributes.get(MATERIAL_ATTRIBUTE)
    if not encoded:
        raise Unverified("the event is not signed (no dssematerial)")
    try:
        envelope = json.loads(base64.b64decode(encoded, validate=True))
    except (binascii.Error, ValueError):
        raise Unverified("dssematerial is not a Base64 DSSE JSON envelope") from None
    if not isinstance(envelope, dict) or envelope.get("payloadType") != PAYLOAD_TYPE:
        raise Unverified(f"dssematerial's payloadType is not {PAYLOAD_TYPE}")
    material = _b64(envelope.get("payload"), "payload")
    if len(material) != 32:
        raise Unverified("dssematerial's payload is not a 32-byte digest")
    signatures = envelope.get("signatures")
    if not isinstance(signatures, list) or not signatures:
        raise Unverified("dssematerial has no signature")
    known = [s for s in signatures if isinstance(s, dict) and s.get("keyid") in public_key_of]
    if not known:
        ids = ", ".join(str(s.get("keyid")) for s in signatures if isinstance(s, dict))
        raise Unverified(f"signed by an unknown key ({ids})")
    signed_by: Signature | None = None
    for signature in known:
        keyid = str(signature["keyid"])
        try:
            public_key_of[keyid].verify(
                _b64(signature.get("sig"), "sig"), pae(PAYLOAD_TYPE, material)
            )
        except InvalidSignature:
            continue
        signed_by = Signature(key_id=keyid)
        break
    if signed_by is None:
        raise Unverified("the signature does not match its key")
    if verification_material(attributes, value, _signed_list(attributes)) != material:
        raise Unverified("the event differs from what was signed")
    return signed_by
