"""The consumer side: exactly-once effects on top of at-least-once delivery (DESIGN.md §3).

A consuming service's application is an eventsourcing `EventSourcedProjection`: each
integration event goes through the library's public `process_event`, which runs the
policy and records the new events with a tracking record in one transaction.

The tracking key is the source service and subject (`intake/<proposal id>`) with the
subject's sequence number, not the library's usual position in one upstream log: a
service reads several topics, from Kafka, whose offsets change when a relay republishes
to an empty broker, while a proposal's sequence numbers never change and arrive in order
on one partition. So "sequence ≤ the tracked one" means "already processed".

A subject's events are applied only in their chain (issue 18). Each event says which of
its subject's events its service published before it (`previoussequence`); it is applied
when that one has been, dropped as a copy when its own sequence is already tracked, and
otherwise parked (shared.parking) until the missing events arrive, then applied in
order. An event that is not the first of a subject this service has never heard of is
parked the same way, as an unknown proposal. So a gap is never skipped, and an event
with a far sequence (forged, or from a broken relay) cannot make later real events look
like copies: it waits, visibly, and what comes in order goes on. Events handed over
without a `previoussequence` (in-process tests and tools) are applied as before.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType
from typing import Any, ClassVar, cast
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, ProcessingEvent
from eventsourcing.domain import CanMutateAggregate, DomainEventProtocol
from eventsourcing.persistence import IntegrityError, PersistenceError, Tracking
from eventsourcing.projection import EventSourcedProjection
from prometheus_client import Gauge

from shared.application import ServiceApplication
from shared.contract.base import IntegrationEvent
from shared.contract.envelope import Envelope, EventMetadata
from shared.contract.topics import Topic, topics_carrying
from shared.observed import ObservedProposal
from shared.parking import ParkedEvent, ParkingLot

log = logging.getLogger(__name__)

PARKED = Gauge(
    "kyoso_consumer_parked",
    "Events waiting for an earlier event of their subject (a gap, or an unknown proposal)",
    ["service"],
)
# Subjects whose tracked sequence is remembered, so an event in order needs no query.
REMEMBERED_SUBJECTS = 100_000

# A handler takes the envelope (the event and who caused it) and collects its effects.
Handler = Callable[[Any, Envelope, ProcessingEvent[Any]], None]


def consumes(
    table: Mapping[type[IntegrationEvent], Handler],
) -> Mapping[type[IntegrationEvent], Handler]:
    """A consuming application's table of what it consumes (read-only)."""
    return MappingProxyType(dict(table))


def tracking_name(meta: EventMetadata) -> str:
    return f"{meta.service}/{meta.subject}"


def tracking_for(meta: EventMetadata) -> Tracking:
    return Tracking(application_name=tracking_name(meta), notification_id=meta.sequence)


class Outcome(StrEnum):
    APPLIED = "processed"
    COPY = "duplicate"
    PARKED = "parked"


@dataclass(frozen=True)
class Received:
    """What became of one delivery; for a parked one, what it waits for."""

    outcome: Outcome
    reason: str = ""


class ConsumingApplication(ServiceApplication, EventSourcedProjection[Any]):
    """Base of every service that reacts to other services' integration events.

    A subclass declares, in one table, each event type it consumes and the method that
    handles it (`handlers`); the topics it subscribes to follow from the contract."""

    handlers: ClassVar[Mapping[type[IntegrationEvent], Handler]] = {}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Deliveries come from the stream's worker thread, releases from its timer's.
        self._receiving = threading.RLock()
        self._tracked: dict[str, int] = {}  # tracking name → its sequence, as last seen
        self._lot: ParkingLot | None = None  # loaded on first use
        self._releasing: ParkingLot | None = None  # collected with the event being applied

    @classmethod
    def subscriptions(cls) -> list[Topic]:
        return topics_carrying(cls.handlers)

    def observed(self, proposal_id: UUID) -> ObservedProposal | None:
        """What this service heard of the proposal from the others (None: nothing yet)."""
        try:
            observed: ObservedProposal = self.repository.get(
                ObservedProposal.create_id(proposal_id)
            )
        except AggregateNotFoundError:
            return None
        return observed

    def observed_or_new(self, proposal_id: UUID) -> ObservedProposal:
        """The record to add what is heard of the proposal to (new for its first event)."""
        return self.observed(proposal_id) or ObservedProposal(proposal_id=proposal_id)

    def keep_heard(
        self, envelope: Envelope, processing: ProcessingEvent[Any]
    ) -> ObservedProposal | None:
        """Add what another service said of a proposal to what this one heard of it, in
        the delivery's transaction; None for an event that is about no proposal."""
        proposal_id = envelope.proposal_id
        if proposal_id is None:
            return None
        observed = self.observed_or_new(proposal_id)
        observed.hear(envelope)
        processing.collect_events(observed)
        return observed

    # The library's policy takes a stored domain event; ours takes an integration event
    # in its envelope, and the handler table dispatches it.
    def policy(self, envelope: Envelope, processing: ProcessingEvent[Any]) -> None:
        handler = self.handlers.get(type(envelope.event))
        if handler is not None:
            handler(self, envelope, processing)
        if self._releasing is not None:
            processing.collect_events(self._releasing)  # unparked with the same transaction

    def already_processed(self, meta: EventMetadata) -> bool:
        tracking = tracking_for(meta)
        return self.recorder.has_tracking_id(tracking.application_name, tracking.notification_id)

    def process(self, envelope: Envelope) -> bool:
        """Process one delivery; False when it is a copy of one already processed (or
        parked, waiting for an earlier event of its subject)."""
        return self.receive(envelope).outcome is Outcome.APPLIED

    def receive(self, envelope: Envelope) -> Received:
        """Apply one delivery in its subject's order, or drop it as a copy, or park it."""
        with self._receiving:
            meta = envelope.meta
            if meta.previous_sequence is None:
                return Received(Outcome.APPLIED if self._apply(envelope) else Outcome.COPY)
            name = tracking_name(meta)
            tracked = self._tracked.get(name)
            if tracked != meta.previous_sequence and meta.previous_sequence > 0:
                # Not the common case: ask the store. (A subject's first event needs no
                # question: were it tracked already, its tracking record refuses it.)
                tracked = self.recorder.max_tracking_id(name)
            if tracked is not None and meta.sequence <= tracked:
                return Received(Outcome.COPY)
            if (tracked is None and meta.previous_sequence > 0) or (
                tracked is not None and meta.previous_sequence > tracked
            ):
                return self._park(name, envelope, tracked)
            if not self._apply(envelope):
                return Received(Outcome.COPY)
            self._release_after(name)
            return Received(Outcome.APPLIED)

    def _apply(self, envelope: Envelope, releasing: ParkedEvent | None = None) -> bool:
        """Process the event with its tracking (and, for a parked one, its release from
        the lot) in one transaction. Copies are rare, so the common path does not ask
        first: the tracking record refuses a copy when it is inserted (or a handler trips
        over its own earlier effects), and only then is the tracking consulted to tell a
        copy from a fault."""
        meta = envelope.meta
        if releasing is not None:
            lot = self._parking_lot()
            lot.release(releasing.tracking_name, releasing.sequence, "applied")
            self._releasing = lot
        try:
            self.process_event(cast(DomainEventProtocol[Any], envelope), tracking_for(meta))
        except Exception:
            if releasing is not None:
                self._lot = None  # its release was not recorded: read it again
            if self.already_processed(meta):
                return False
            raise
        finally:
            self._releasing = None
        self._remember(tracking_name(meta), meta.sequence)
        self.saved()
        return True

    def _remember(self, name: str, sequence: int) -> None:
        self._tracked.pop(name, None)
        self._tracked[name] = sequence
        if len(self._tracked) > REMEMBERED_SUBJECTS:
            del self._tracked[next(iter(self._tracked))]

    # -- parking -----------------------------------------------------------------------

    def _parking_lot(self, fresh: bool = False) -> ParkingLot:
        """The service's lot, as this instance last saw it; `fresh`: with whatever other
        instances recorded since (read incrementally: the lot only grows)."""
        lot = self._lot
        if lot is not None and fresh:
            if lot.pending_events:
                lot = None  # a change that was not recorded: read the lot again
            else:
                for stored in self.recorder.select_events(lot.id, gt=lot.version):
                    change = cast(CanMutateAggregate[Any], self.mapper.to_domain_event(stored))
                    change.mutate(lot)
        if lot is None:
            try:
                lot = cast(ParkingLot, self.repository.get(ParkingLot.create_id(self.service)))
            except AggregateNotFoundError:
                lot = ParkingLot(service=self.service)
        if lot is not self._lot:
            self._lot = lot
            PARKED.labels(self.service).set(lot.count())
        return lot

    def _park(self, name: str, envelope: Envelope, tracked: int | None) -> Received:
        meta = envelope.meta
        lot = self._parking_lot()
        if lot.holds(name, meta.sequence):
            return Received(Outcome.COPY)  # parked already
        if tracked is None:
            what = "proposal" if envelope.proposal_id is not None else "subject"
            reason = (
                f"unknown {what}: {meta.service} told this service nothing of {meta.subject} "
                f"before its event {meta.sequence}; parked, waiting for event "
                f"{meta.previous_sequence}"
            )
        else:
            reason = (
                f"a gap: event {meta.sequence} of {name} came after event {tracked}; "
                f"parked, waiting for event {meta.previous_sequence}"
            )
        lot.park(name, envelope, reason)
        try:
            self.save(lot)
        except Exception:
            self._lot = None  # another instance parked meanwhile: read the lot again
            raise
        PARKED.labels(self.service).set(lot.count())
        log.warning("%s: %s", self.service, reason)
        return Received(Outcome.PARKED, reason)

    def _release_after(self, name: str) -> None:
        """Apply, in order, what waited for the events of `name` applied so far."""
        lot = self._parking_lot()
        while name in lot.waiting:
            tracked = self._tracked.get(name) or self.recorder.max_tracking_id(name) or 0
            waiting = sorted(lot.waiting[name].values(), key=lambda p: p.sequence)
            due = next(
                (p for p in waiting if p.sequence <= tracked or p.previous_sequence <= tracked),
                None,
            )
            if due is None:
                return
            if not self._release(lot, due, tracked):
                return
            lot = self._parking_lot()

    def _release(self, lot: ParkingLot, parked: ParkedEvent, tracked: int) -> bool:
        """Apply one parked event, or let it go: it is a copy now, or the policy refuses
        it (as it would have in order: the log says why). False when the store failed,
        and the lot stays as it is for the next sweep."""
        outcome = "copy"
        try:
            if parked.sequence > tracked:
                try:
                    if self._apply(parked.envelope(), releasing=parked):
                        PARKED.labels(self.service).set(self._parking_lot().count())
                        log.info(
                            "%s: event %d of %s applied: what it waited for arrived",
                            self.service,
                            parked.sequence,
                            parked.tracking_name,
                        )
                        return True
                except (IntegrityError, PersistenceError, OSError):
                    raise
                except Exception as refused:
                    outcome = f"refused: {type(refused).__name__}: {refused}"
                    log.warning(
                        "%s: parked event %d of %s %s",
                        self.service,
                        parked.sequence,
                        parked.tracking_name,
                        outcome,
                    )
            lot = self._parking_lot()
            lot.release(parked.tracking_name, parked.sequence, outcome)
            self.save(lot)
        except (IntegrityError, PersistenceError, OSError) as problem:
            # A conflict with another instance, or the store is away: it stays parked
            # and the next sweep tries again.
            log.warning(
                "%s: parked event %d of %s not released yet: %r",
                self.service,
                parked.sequence,
                parked.tracking_name,
                problem,
            )
            self._lot = None
            return False
        PARKED.labels(self.service).set(self._parking_lot().count())
        return True

    def release_waiting(self) -> int:
        """Read the lot again (another instance may have parked, or applied what an event
        here waits for) and release what is due; return how many events still wait."""
        with self._receiving:
            lot = self._parking_lot(fresh=True)
            PARKED.labels(self.service).set(lot.count())
            for name in list(lot.waiting):
                self._tracked.pop(name, None)  # ask the store: another instance may be ahead
                tracked = self.recorder.max_tracking_id(name)
                if tracked is not None:
                    self._remember(name, tracked)
                    self._release_after(name)
                lot = self._parking_lot()
            return lot.count()

    def parked(self) -> list[ParkedEvent]:
        """Every event waiting for an earlier one of its subject, for operators and tests."""
        with self._receiving:
            lot = self._parking_lot()
            return [p for waiting in lot.waiting.values() for p in waiting.values()]
