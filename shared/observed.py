"""What a service has heard about one proposal from the other services.

Each consuming service keeps the integration events of a proposal it received in an
`ObservedProposal` aggregate of its own store, and rebuilds the proposal's state from
them with the one shared fold (DESIGN.md §4). No service reads another's tables.

Rebuilding from history reads every stored `Heard` event, so `heard_envelope` reads one
in a single pass of pydantic-core (JSON parsing and validation of the event and its
metadata together) and `HeardProposal` folds each event once as it arrives in time order.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any, Literal, Union
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event
from eventsourcing.persistence import Mapper, Notification, StoredEvent
from eventsourcing.utils import get_topic
from pydantic import BaseModel, Field, TypeAdapter, ValidationError, create_model

from shared.contract.base import EVENT_REGISTRY, EventRegistry, IntegrationEvent
from shared.contract.envelope import Envelope, EventMetadata
from shared.contract.intake import ProposalSubmitted
from shared.proposal import PROPOSAL_FOLD, ProposalState

_NAMESPACE = uuid5(NAMESPACE_URL, "urn:kyoso:observed")


class ObservedProposal(Aggregate):
    class Opened(Aggregate.Created):
        proposal_id: UUID

    class Heard(Aggregate.Event):
        event_type: str
        event_version: int
        data: dict[str, Any]
        meta: dict[str, Any]

    @staticmethod
    def create_id(proposal_id: UUID) -> UUID:
        return uuid5(_NAMESPACE, str(proposal_id))

    @event(Opened)
    def __init__(self, proposal_id: UUID) -> None:
        self.proposal_id = proposal_id
        # Kept as plain data (cheap to copy from the repository's cache) and validated
        # into envelopes only when they are read.
        self.heard_raw: list[tuple[str, int, dict[str, Any], dict[str, Any]]] = []

    def hear(self, envelope: Envelope) -> None:
        self._heard(
            event_type=envelope.event.event_type,
            event_version=envelope.event.version,
            data=envelope.event.model_dump(mode="json"),
            meta=envelope.meta.model_dump(mode="json"),
        )

    @event(Heard)
    def _heard(
        self, event_type: str, event_version: int, data: dict[str, Any], meta: dict[str, Any]
    ) -> None:
        self.heard_raw.append((event_type, event_version, data, meta))

    @property
    def heard(self) -> list[Envelope]:
        return [envelope_from(*raw) for raw in self.heard_raw]

    def state(self) -> ProposalState | None:
        return fold_heard(self.heard)


def envelope_from(
    event_type: str,
    event_version: int,
    data: dict[str, Any],
    meta: dict[str, Any],
    registry: EventRegistry = EVENT_REGISTRY,
) -> Envelope:
    """A heard event as stored, validated against its contract (upcast if it is older)."""
    return Envelope(
        event=registry.load(event_type, event_version, data),
        meta=EventMetadata.model_validate(meta),
    )


HEARD_TOPIC = get_topic(ObservedProposal.Heard)


class _StoredHeard(BaseModel):
    # The stored state's other keys (originator_id, timestamp) are the notification's own.
    event: IntegrationEvent
    meta: EventMetadata


@functools.cache
def _stored_heard(registry: EventRegistry) -> TypeAdapter[_StoredHeard]:
    """One validator for the state eventsourcing stores for a `Heard` event, for every event
    the contract takes as it is (no upcasting): a union tagged by event type, then version.

    Built at first use, when every service's contract module has registered its events.
    A stored event that needs upcasting, or that `Heard` stored under a newer class
    version, matches no member and is read by `envelope_from` instead."""
    by_type: dict[str, list[Any]] = defaultdict(list)
    for event_cls in registry.all_events():
        if registry.upcasts(event_cls.event_type, event_cls.version):
            continue
        # Literal of a runtime value: a type for pydantic, not for mypy.
        type_tag: Any = Literal[event_cls.event_type]
        version_tag: Any = Literal[event_cls.version]
        by_type[event_cls.event_type].append(
            create_model(
                f"Stored{event_cls.__name__}V{event_cls.version}",
                __base__=_StoredHeard,
                event_type=(type_tag, ...),
                event_version=(version_tag, ...),
                # eventsourcing writes class_version only above 1 (then upcasting is due).
                class_version=(Literal[1], 1),
                event=(event_cls, Field(validation_alias="data")),
            )
        )
    return TypeAdapter(
        _tagged([_tagged(versions, "event_version") for versions in by_type.values()], "event_type")
    )


def _tagged(members: list[Any], tag: str) -> Any:
    if len(members) == 1:
        return members[0]
    return Annotated[Union[tuple(members)], Field(discriminator=tag)]  # noqa: UP007


def heard_envelope(
    mapper: Mapper[Any], stored: StoredEvent, registry: EventRegistry = EVENT_REGISTRY
) -> Envelope:
    """The envelope of a stored `ObservedProposal.Heard` event.

    The same as decoding it with the application's mapper and then `envelope_from`, about
    three times faster: rebuilding from history does this for every event it reads."""
    if mapper.cipher is None and mapper.compressor is None:
        try:
            read = _stored_heard(registry).validate_json(stored.state)
        except ValidationError:
            pass  # upcasting is due, or the state is invalid: the full path says which
        else:
            return Envelope(event=read.event, meta=read.meta)
    heard: Any = mapper.to_domain_event(stored)
    return envelope_from(heard.event_type, heard.event_version, heard.data, heard.meta, registry)


class HeardProposal:
    """The state folded from what was heard of one proposal: the same as `fold_heard`, but
    an event heard in time order (the usual case) is folded into the state alone, and
    the events themselves are not kept (a register of a million events would otherwise
    hold every one of them in memory). An event that happened before one already folded
    is rare; then everything heard is folded again, as `everything_heard` gives it."""

    def __init__(self) -> None:
        self.state: ProposalState | None = None
        self.latest: datetime | None = None

    def hear(
        self, envelope: Envelope, everything_heard: Callable[[], list[Envelope]]
    ) -> ProposalState | None:
        """Fold one more event in. `everything_heard`: every event heard of the proposal,
        this one included, in the order heard; called only when a refold is due."""
        first = self.latest is None
        # Equal times fold in the order heard, as the stable sort in fold_heard keeps them.
        in_order = self.latest is None or envelope.meta.time >= self.latest
        if in_order:
            self.latest = envelope.meta.time
        if first:
            self.state = fold_heard([envelope])
        elif in_order and self.state is not None:
            self.state = PROPOSAL_FOLD.apply(self.state, envelope)
        else:
            self.state = fold_heard(everything_heard())
        return self.state


def heard_until(app: Application[Any], notification: Notification) -> list[Envelope]:
    """Everything heard of a proposal up to and including this stored `Heard` event, in
    the order heard, read from the store (an aggregate's versions are that order)."""
    return [
        heard_envelope(app.mapper, stored)
        for stored in app.recorder.select_events(
            notification.originator_id, lte=notification.originator_version
        )
        if stored.topic == HEARD_TOPIC
    ]


def _time(envelope: Envelope) -> Any:
    return envelope.meta.time


def fold_heard(heard: list[Envelope]) -> ProposalState | None:
    """The proposal's state from what a service heard, folded in the order things
    happened: events of different services arrive on different topics, so the order
    they were heard in is not always that order. None until the submission is heard."""
    ordered = sorted(heard, key=_time)
    if not ordered or not isinstance(ordered[0].event, ProposalSubmitted):
        return None
    return PROPOSAL_FOLD.fold(ordered)
