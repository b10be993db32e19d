"""The consumer side: exactly-once effects on top of at-least-once delivery (DESIGN.md §3).

A consuming service's application is an eventsourcing `EventSourcedProjection`: each
integration event goes through the library's public `process_event`, which runs the
policy and records the new events with a tracking record in one transaction.

The tracking key is the source service and subject (`intake/<proposal id>`) with the
subject's sequence number, not the library's usual position in one upstream log: a
service reads several topics, from Kafka, whose offsets change when a relay republishes
to an empty broker, while a proposal's sequence numbers never change and arrive in order
on one partition. So "sequence ≤ the tracked one" means "already processed".
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any, ClassVar, cast

from eventsourcing.application import ProcessingEvent
from eventsourcing.domain import DomainEventProtocol
from eventsourcing.persistence import Tracking
from eventsourcing.projection import EventSourcedProjection

from shared.application import ServiceApplication
from shared.contract.base import IntegrationEvent
from shared.contract.envelope import Envelope, EventMetadata
from shared.contract.topics import Topic, topics_carrying

# A handler takes the envelope (the event and who caused it) and collects its effects.
Handler = Callable[[Any, Envelope, ProcessingEvent[Any]], None]


def consumes(
    table: Mapping[type[IntegrationEvent], Handler],
) -> Mapping[type[IntegrationEvent], Handler]:
    """A consuming application's table of what it consumes (read-only)."""
    return MappingProxyType(dict(table))


def tracking_for(meta: EventMetadata) -> Tracking:
    return Tracking(
        application_name=f"{meta.service}/{meta.subject}", notification_id=meta.sequence
    )


class ConsumingApplication(ServiceApplication, EventSourcedProjection[Any]):
    """Base of every service that reacts to other services' integration events.

    A subclass declares, in one table, each event type it consumes and the method that
    handles it (`handlers`); the topics it subscribes to follow from the contract."""

    handlers: ClassVar[Mapping[type[IntegrationEvent], Handler]] = {}

    @classmethod
    def subscriptions(cls) -> list[Topic]:
        return topics_carrying(cls.handlers)

    # The library's policy takes a stored domain event; ours takes an integration event
    # in its envelope, and the handler table dispatches it.
    def policy(self, envelope: Envelope, processing: ProcessingEvent[Any]) -> None:
        handler = self.handlers.get(type(envelope.event))
        if handler is not None:
            handler(self, envelope, processing)

    def already_processed(self, meta: EventMetadata) -> bool:
        tracking = tracking_for(meta)
        return self.recorder.has_tracking_id(tracking.application_name, tracking.notification_id)

    def process(self, envelope: Envelope) -> bool:
        """Process one delivery; False when it is a copy of one already processed.

        Copies are rare, so the common path does not ask first: the tracking record
        refuses a copy when it is inserted (or a handler trips over its own earlier
        effects), and only then is the tracking consulted to tell a copy from a fault."""
        try:
            self.process_event(
                cast(DomainEventProtocol[Any], envelope), tracking_for(envelope.meta)
            )
        except Exception:
            if self.already_processed(envelope.meta):
                return False
            raise
        self.saved()
        return True
