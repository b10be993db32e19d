"""Integration events on Kafka as CloudEvents 1.0, through the `cloudevents` Kafka binding.

Binary content mode: attributes travel as `ce_*` headers, the event's JSON is the value and
the key is the subject (the proposal id), so one proposal's events stay in one partition,
in order. Extension attributes carry what an auditor and a consumer need:

    municipality   the city the event belongs to
    correlationid  the request or conversation the event is part of
    causationid    the event or request that caused this one
    actorrole      who acted (proposer, desk, department, council, system)
    actorsubject, actorname
                   the person who acted: the identity provider's subject and the display
                   name (staff only; absent for the system and the proposer, and never on
                   the public topic other cities read, whose events name no one)
    sequence       the subject's version in the source service (1, 2, 3 ...)
    previoussequence
                   the `sequence` of the subject's event this service published before
                   this one (0 for its first): a consumer applies a subject's events only
                   in this chain, so a gap shows and a forged far sequence cannot hide the
                   real events after it (shared.consumer); absent on events published
                   before the relays put it on
    sourceposition the position in the source service's notification log
    chainlink      the hex SHA-256 link of that position in the source store's hash chain
                   (shared.audit.chain): the store's history, anchored outside the store,
                   which `kyoso verify --against-kafka` compares (absent on events
                   published before the chain was anchored)
    dssematerial, signedextattrs
                   the source service's signature over the event and every extension
                   attribute above (shared.contract.verifiability; the relay signs)
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Annotated, Any, Protocol
from uuid import NAMESPACE_URL, UUID, uuid5

from cloudevents.core.bindings import kafka as ce_kafka
from cloudevents.core.exceptions import BaseCloudEventException
from cloudevents.core.formats.json import JSONFormat
from cloudevents.core.v1.event import CloudEvent
from pydantic import BaseModel, ConfigDict, StringConstraints, ValidationError

from shared.contract.base import EVENT_REGISTRY, IntegrationEvent, UnknownEventType
from shared.contract.vocabulary import ActorRole

SOURCE_PREFIX = "/kyoso/"
_JSON = JSONFormat()
_EVENT_ID_NAMESPACE = uuid5(NAMESPACE_URL, "urn:kyoso:event")

# A SHA-256 link as the chain's own hex (bytes.hex() is lowercase): one spelling, so equal
# links compare equal as text.
ChainLink = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]


class MalformedMessage(ValueError):
    """A message on a topic that is not a valid Kyoso Desk CloudEvent; says why."""


class EventMetadata(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    event_id: UUID
    service: str
    subject: str
    time: datetime
    municipality: str
    actor_role: ActorRole
    correlation_id: str
    causation_id: str | None = None
    actor_subject: str | None = None
    actor_name: str | None = None
    sequence: int
    previous_sequence: int | None = None
    source_position: int | None = None
    chain_link: ChainLink | None = None

    @property
    def source(self) -> str:
        return f"{SOURCE_PREFIX}{self.service}"


class Envelope(BaseModel):
    """An integration event with the metadata it travels with."""

    model_config = ConfigDict(frozen=True)

    event: IntegrationEvent
    meta: EventMetadata

    @property
    def proposal_id(self) -> UUID | None:
        """The proposal the event is about, when it is about one (themes and cases are not)."""
        proposal_id = getattr(self.event, "proposal_id", None)
        return proposal_id if isinstance(proposal_id, UUID) else None


def stable_event_id(service: str, subject: str, sequence: int) -> UUID:
    """The same stored event always gets the same id, so a republished copy is recognisable."""
    return uuid5(_EVENT_ID_NAMESPACE, f"{service}/{subject}/{sequence}")


def envelope_of(
    service: str, domain_event: Any, event: IntegrationEvent, notification_id: int | None
) -> Envelope:
    """Wrap an integration event translated from a stored domain event.

    Services store `meta` (see shared.acting.Acting) on every domain event; the subject
    is the aggregate id, which for proposal aggregates is the proposal id."""
    meta = domain_event.meta
    subject = str(domain_event.originator_id)
    names_the_actor = event.names_the_actor
    return Envelope(
        event=event,
        meta=EventMetadata(
            event_id=stable_event_id(service, subject, domain_event.originator_version),
            service=service,
            subject=subject,
            time=domain_event.timestamp,
            municipality=meta["municipality"],
            actor_role=ActorRole(meta["role"]),
            correlation_id=meta["correlation_id"],
            causation_id=meta.get("causation_id"),
            actor_subject=meta.get("subject") if names_the_actor else None,
            actor_name=meta.get("name") if names_the_actor else None,
            sequence=domain_event.originator_version,
            source_position=notification_id,
        ),
    )


def to_cloudevent(envelope: Envelope) -> CloudEvent:
    meta, event = envelope.meta, envelope.event
    attributes: dict[str, Any] = {
        "id": str(meta.event_id),
        "source": meta.source,
        "type": event.cloudevent_type(),
        "specversion": "1.0",
        "subject": meta.subject,
        "time": meta.time,
        "datacontenttype": "application/json",
        "dataschema": event.dataschema(),
        "municipality": meta.municipality,
        "correlationid": meta.correlation_id,
        "actorrole": meta.actor_role.value,
        "sequence": str(meta.sequence),
        "partitionkey": meta.subject,
    }
    if meta.previous_sequence is not None:
        attributes["previoussequence"] = str(meta.previous_sequence)
    if meta.causation_id:
        attributes["causationid"] = meta.causation_id
    if meta.actor_subject:
        attributes["actorsubject"] = meta.actor_subject
    if meta.actor_name:
        attributes["actorname"] = meta.actor_name
    if meta.source_position is not None:
        attributes["sourceposition"] = str(meta.source_position)
    if meta.chain_link is not None:
        attributes["chainlink"] = meta.chain_link
    return CloudEvent(attributes, event.model_dump(mode="json"))


def to_kafka(envelope: Envelope) -> ce_kafka.KafkaMessage:
    message = ce_kafka.to_binary(to_cloudevent(envelope), _JSON)
    key = message.key.encode() if isinstance(message.key, str) else message.key
    return ce_kafka.KafkaMessage(headers=message.headers, key=key, value=message.value)


def from_kafka(
    headers: Iterable[tuple[str, bytes]] | Mapping[str, bytes], key: bytes | None, value: bytes
) -> Envelope:
    """Decode one Kafka record; raise MalformedMessage naming what is wrong."""
    header_map = dict(headers.items() if isinstance(headers, Mapping) else headers)
    try:
        cloudevent = ce_kafka.from_kafka(
            ce_kafka.KafkaMessage(headers=header_map, key=key, value=value), _JSON
        )
    except (BaseCloudEventException, ValueError, UnicodeDecodeError) as error:
        raise MalformedMessage(f"not a CloudEvent: {error}") from error
    return from_cloudevent(cloudevent)


def _required(attributes: Mapping[str, Any], name: str) -> Any:
    value = attributes.get(name)
    if value in (None, ""):
        raise MalformedMessage(f"CloudEvent attribute '{name}' is missing")
    return value


def from_cloudevent(cloudevent: Any) -> Envelope:
    attributes = cloudevent.get_attributes()
    source = str(_required(attributes, "source"))
    if not source.startswith(SOURCE_PREFIX):
        raise MalformedMessage(f"CloudEvent attribute 'source' {source!r} is not a Kyoso service")
    data = cloudevent.get_data()
    if isinstance(data, (bytes, str)):
        try:
            data = json.loads(data)
        except ValueError as error:
            raise MalformedMessage(f"data is not JSON: {error}") from error
    if not isinstance(data, dict):
        raise MalformedMessage("data must be a JSON object")
    try:
        event_type, version = EVENT_REGISTRY.parse_cloudevent_type(
            str(_required(attributes, "type"))
        )
        event = EVENT_REGISTRY.load(event_type, version, data)
    except UnknownEventType as error:
        raise MalformedMessage(str(error)) from error
    except ValidationError as error:
        raise MalformedMessage(_describe(error)) from error
    return Envelope(event=event, meta=_metadata(attributes, source))


# Each metadata field's CloudEvent attribute, so a bad value is named as it travels.
_ATTRIBUTES = {
    "event_id": "id",
    "service": "source",
    "actor_role": "actorrole",
    "correlation_id": "correlationid",
    "causation_id": "causationid",
    "actor_subject": "actorsubject",
    "actor_name": "actorname",
    "previous_sequence": "previoussequence",
    "source_position": "sourceposition",
    "chain_link": "chainlink",
}


def _metadata(attributes: Mapping[str, Any], source: str) -> EventMetadata:
    try:
        return EventMetadata(
            event_id=_required(attributes, "id"),
            service=source[len(SOURCE_PREFIX) :],
            subject=_required(attributes, "subject"),
            time=_required(attributes, "time"),
            municipality=_required(attributes, "municipality"),
            actor_role=_required(attributes, "actorrole"),
            correlation_id=_required(attributes, "correlationid"),
            causation_id=attributes.get("causationid"),
            actor_subject=attributes.get("actorsubject"),
            actor_name=attributes.get("actorname"),
            sequence=_required(attributes, "sequence"),
            previous_sequence=attributes.get("previoussequence"),
            source_position=attributes.get("sourceposition"),
            chain_link=attributes.get("chainlink"),
        )
    except ValidationError as error:
        raise MalformedMessage(
            "; ".join(
                f"CloudEvent attribute '{_attribute(item['loc'])}': {item['msg']}"
                for item in error.errors()
            )
        ) from error


def _attribute(loc: tuple[int | str, ...]) -> str:
    field = str(loc[0]) if loc else ""
    return _ATTRIBUTES.get(field, field)


def _describe(error: ValidationError) -> str:
    return "; ".join(
        f"{'.'.join(str(p) for p in item['loc']) or 'data'}: {item['msg']}"
        for item in error.errors()
    )


class ToEnvelope(Protocol):
    def __call__(
        self, domain_event: Any, notification_id: int | None = None
    ) -> Envelope | None: ...


def envelope_translator(
    service: str, to_integration_event: Callable[[Any], IntegrationEvent | None]
) -> ToEnvelope:
    """A service's translation of its stored domain events into what it publishes: the
    integration event in its envelope, or None for what stays inside the service."""

    def to_envelope(domain_event: Any, notification_id: int | None = None) -> Envelope | None:
        event = to_integration_event(domain_event)
        return None if event is None else envelope_of(service, domain_event, event, notification_id)

    return to_envelope
