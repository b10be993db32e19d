"""Events that came ahead of a gap in their subject's sequence, kept in the consuming
service's own store until the events before them arrive (issue 18: "a gap is parked and
reported, never skipped, never used to discard later real events").

One `ParkingLot` aggregate per consuming service holds them: what is parked, for which
subject, and what it waits for. Gaps are rare (a broker that lost events, whose relay
refills them; or an event for a proposal this service never heard of), so one aggregate
is enough and the operator reads it in one place: the `kyoso_consumer_parked` gauge, a
warning in the log per parked event, and the report on the dead-letter topic.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from shared.contract.envelope import Envelope
from shared.observed import envelope_from

_NAMESPACE = uuid5(NAMESPACE_URL, "urn:kyoso:parking-lot")


@dataclass(frozen=True)
class ParkedEvent:
    tracking_name: str  # `<service>/<subject>`, as the consumer tracks the subject
    sequence: int
    previous_sequence: int  # what it waits for
    reason: str
    event_type: str
    event_version: int
    data: dict[str, Any]
    meta: dict[str, Any]

    def envelope(self) -> Envelope:
        return envelope_from(self.event_type, self.event_version, self.data, self.meta)


class ParkingLot(Aggregate):
    class Opened(Aggregate.Created):
        service: str

    class Parked(Aggregate.Event):
        tracking_name: str
        sequence: int
        previous_sequence: int
        reason: str
        event_type: str
        event_version: int
        data: dict[str, Any]
        meta: dict[str, Any]

    class Released(Aggregate.Event):
        tracking_name: str
        sequence: int
        outcome: str  # "applied", "copy" (it arrived again in order), or why it was not

    @staticmethod
    def create_id(service: str) -> UUID:
        return uuid5(_NAMESPACE, service)

    @event(Opened)
    def __init__(self, service: str) -> None:
        self.service = service
        self.waiting: dict[str, dict[int, ParkedEvent]] = {}

    def holds(self, tracking_name: str, sequence: int) -> bool:
        return sequence in self.waiting.get(tracking_name, {})

    def count(self) -> int:
        return sum(len(parked) for parked in self.waiting.values())

    def park(self, tracking_name: str, envelope: Envelope, reason: str) -> None:
        meta = envelope.meta
        assert meta.previous_sequence is not None, "only events in a chain are parked"
        self._parked(
            tracking_name=tracking_name,
            sequence=meta.sequence,
            previous_sequence=meta.previous_sequence,
            reason=reason,
            event_type=envelope.event.event_type,
            event_version=envelope.event.version,
            data=envelope.event.model_dump(mode="json"),
            meta=meta.model_dump(mode="json"),
        )

    @event(Parked)
    def _parked(
        self,
        tracking_name: str,
        sequence: int,
        previous_sequence: int,
        reason: str,
        event_type: str,
        event_version: int,
        data: dict[str, Any],
        meta: dict[str, Any],
    ) -> None:
        self.waiting.setdefault(tracking_name, {})[sequence] = ParkedEvent(
            tracking_name,
            sequence,
            previous_sequence,
            reason,
            event_type,
            event_version,
            data,
            meta,
        )

    @event(Released)
    def release(self, tracking_name: str, sequence: int, outcome: str) -> None:
        parked = self.waiting.get(tracking_name, {})
        parked.pop(sequence, None)
        if not parked:
            self.waiting.pop(tracking_name, None)
