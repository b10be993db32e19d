"""What a service has heard about one proposal from the other services.

Each consuming service keeps the integration events of a proposal it received in an
`ObservedProposal` aggregate of its own store, and rebuilds the proposal's state from
them with the one shared fold (DESIGN.md §4). No service reads another's tables.
"""

from __future__ import annotations

from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from shared.contract.base import EVENT_REGISTRY
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
        return [
            Envelope(
                event=EVENT_REGISTRY.load(event_type, version, data),
                meta=EventMetadata.model_validate(meta),
            )
            for event_type, version, data, meta in self.heard_raw
        ]

    def state(self) -> ProposalState | None:
        return fold_heard(self.heard)


def fold_heard(heard: list[Envelope]) -> ProposalState | None:
    """The proposal's state from what a service heard, folded in the order things
    happened: events of different services arrive on different topics, so the order
    they were heard in is not always that order. None until the submission is heard."""
    ordered = sorted(heard, key=lambda e: e.meta.time)
    if not ordered or not isinstance(ordered[0].event, ProposalSubmitted):
        return None
    return PROPOSAL_FOLD.fold(ordered)
