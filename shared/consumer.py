"""The consumer side: exactly-once effects on top of at-least-once delivery (DESIGN.md §3).

A consuming service's application records a tracking record for every integration event
it processes, in the same transaction as the events it produces. The tracking key is the
source service and subject (`intake/<proposal id>`) with the subject's sequence number:
one proposal's events arrive in order on one partition, so "sequence ≤ the tracked one"
means "already processed", also when the relay republishes everything to an empty broker
(the copies keep their sequence numbers, but not their Kafka offsets).
"""

from __future__ import annotations

from abc import abstractmethod
from typing import Any

from eventsourcing.application import ProcessingEvent
from eventsourcing.persistence import Tracking

from shared.application import ServiceApplication
from shared.contract.envelope import Envelope, EventMetadata


def tracking_for(meta: EventMetadata) -> Tracking:
    return Tracking(
        application_name=f"{meta.service}/{meta.subject}", notification_id=meta.sequence
    )


class ConsumingApplication(ServiceApplication):
    """Base of every service that reacts to other services' integration events."""

    @abstractmethod
    def policy(self, envelope: Envelope, processing: ProcessingEvent[Any]) -> None:
        """Decide what the event means here; collect new events on `processing`
        (never call save() here: the tracking must commit with them)."""

    def already_processed(self, meta: EventMetadata) -> bool:
        tracking = tracking_for(meta)
        return self.process_recorder.has_tracking_id(
            tracking.application_name, tracking.notification_id
        )

    def process(self, envelope: Envelope) -> bool:
        """Process one delivery; False when it is a copy of one already processed.

        Copies are rare, so the common path does not ask first: the tracking record
        refuses a copy when it is inserted (or the policy trips over its own earlier
        effects), and only then is the tracking consulted to tell a copy from a fault."""
        processing: ProcessingEvent[Any] = ProcessingEvent(tracking_for(envelope.meta))
        try:
            self.policy(envelope, processing)
            recordings = self._record(processing)
        except Exception:
            if self.already_processed(envelope.meta):
                return False
            raise
        self._take_snapshots(processing)
        self._notify(recordings)
        return True
