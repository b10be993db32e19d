"""What a service has heard about one proposal from the other services.

Each consuming service keeps the integration events of a proposal it received in an
`ObservedProposal` aggregate of its own store, and rebuilds the proposal's state from
them with the one shared fold (DESIGN.md §4). No service reads another's tables.
"""

from __future__ import annotations

import gc
from collections import defaultdict
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event
from eventsourcing.utils import get_topic

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


def states_from_history(app: Application[Any], page: int = 5000) -> dict[UUID, ProposalState]:
    """Every proposal's state, rebuilt from a store's history of what it heard.

    One pass over the notification log (only the observed-proposal events), then one
    fold per proposal, with the same fold the live service uses. The cyclic garbage
    collector is paused meanwhile: the rebuild allocates millions of objects that all
    stay alive, and scanning them over and over would cost more than the fold."""
    paused = gc.isenabled()
    gc.disable()
    try:
        return _states_from_history(app, page)
    finally:
        if paused:
            gc.enable()


def _states_from_history(app: Application[Any], page: int) -> dict[UUID, ProposalState]:
    topics = [get_topic(ObservedProposal.Opened), get_topic(ObservedProposal.Heard)]
    proposal_of: dict[UUID, UUID] = {}
    heard: dict[UUID, list[Envelope]] = defaultdict(list)
    start = 1
    while notifications := app.recorder.select_notifications(start, page, topics=topics):
        for notification in notifications:
            domain_event: Any = app.mapper.to_domain_event(notification)
            if isinstance(domain_event, ObservedProposal.Heard):
                heard[domain_event.originator_id].append(
                    Envelope(
                        event=EVENT_REGISTRY.load(
                            domain_event.event_type, domain_event.event_version, domain_event.data
                        ),
                        meta=EventMetadata.model_validate(domain_event.meta),
                    )
                )
            else:
                proposal_of[domain_event.originator_id] = domain_event.proposal_id
        start = notifications[-1].id + 1
    states = {}
    for observed_id, envelopes in heard.items():
        state = fold_heard(envelopes)
        if state is not None:
            states[proposal_of[observed_id]] = state
    return states
