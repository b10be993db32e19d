"""The proposal fold: turns a proposal's integration events into its state.

Every service that needs a proposal's state (routing, decision, publication, audit replay)
folds the same events with this same code. Each service's step module registers handlers
for its events with `@PROPOSAL_FOLD.on(EventClass)`; events without a handler leave the
state as it is, so a consumer keeps working when a newer service adds event types.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, datetime
from typing import Any, TypeVar
from uuid import UUID

from pydantic import BaseModel, ConfigDict

from shared.contract.base import IntegrationEvent
from shared.contract.envelope import Envelope, EventMetadata
from shared.contract.implementation import Kpi
from shared.contract.intake import PublicProposer
from shared.contract.vocabulary import ActorRole, Channel, ScreeningReason
from shared.proposal.status import ProposalStatus

E = TypeVar("E", bound=IntegrationEvent)
Handler = Callable[["ProposalState | None", Any, EventMetadata], "ProposalState"]


class Step(BaseModel):
    """One step of a proposal's history, as the proposer or an auditor reads it."""

    model_config = ConfigDict(frozen=True)

    at: datetime
    service: str
    actor_role: ActorRole
    event_type: str
    ja: str
    en: str
    for_proposer: bool = True


class DialogueMessage(BaseModel):
    """One message of the dialogue (対話) the proposer takes part in: from the department
    (or the desk) to the proposer, or the proposer's answer. Internal notes are not here:
    they never leave routing."""

    model_config = ConfigDict(frozen=True)

    message_id: UUID
    at: datetime
    from_proposer: bool
    department: str | None = None  # who wrote to the proposer (None: the desk)
    in_reply_to: UUID | None = None
    text: str


class ProposalState(BaseModel):
    model_config = ConfigDict(frozen=True)

    proposal_id: UUID
    municipality: str
    receipt_number: str
    fiscal_year: int
    received_on: date
    channel: Channel
    theme_number: int | None
    theme_department: str | None = None
    proposer: PublicProposer
    title: str
    field: str
    summary: str
    content: str = ""
    status: ProposalStatus
    submitted_at: datetime
    updated_at: datetime
    accepted_on: date | None = None  # screened in by the desk
    screening_reasons: tuple[ScreeningReason, ...] = ()
    screening_explanation: str | None = None
    status_link_generation: int = 0  # how many times the desk re-issued the status link
    # Routing (routing_steps.py)
    lead_department: str | None = None
    departments: tuple[str, ...] = ()
    routing_hops: int = 0
    declined_by: tuple[str, ...] = ()
    milestones: tuple[str, ...] = ()
    confidentiality_scope: str | None = None  # agreed with the proposer in the dialogue
    status_line_ja: str | None = None
    status_line_en: str | None = None
    overdue: tuple[str, ...] = ()
    dialogue: tuple[DialogueMessage, ...] = ()  # messages to and from the proposer
    # Decision (decision_steps.py)
    decided_by: str | None = None
    selection_route: str | None = None
    rejection_reasons: tuple[str, ...] = ()
    rejection_explanation: str | None = None
    escalated_by: str | None = None
    incentive_points: float | None = None
    # Implementation (implementation_steps.py): the status stays adopted
    project_phase: str | None = None
    implementer: str | None = None
    verdict: str | None = None
    verdict_reasons: str | None = None
    verified_on: date | None = None
    kpis: tuple[Kpi, ...] = ()  # as the verdict gave them, with their measured values
    events_applied: int = 0
    steps: tuple[Step, ...] = ()

    def advanced(self, meta: EventMetadata, step: Step | None, **changes: Any) -> ProposalState:
        """The state after one more event: the changes, the new step, and the clock."""
        steps = (*self.steps, step) if step is not None else self.steps
        return self.model_copy(
            update={
                **changes,
                "steps": steps,
                "updated_at": meta.time,
                "events_applied": self.events_applied + 1,
            }
        )


class NotYetSubmitted(ValueError):
    """An event arrived for a proposal whose submission has not been folded."""


class ProposalFold:
    def __init__(self) -> None:
        self._handlers: dict[type[IntegrationEvent], Handler] = {}

    def on(self, event_cls: type[E]) -> Callable[[Handler], Handler]:
        def register(handler: Handler) -> Handler:
            if event_cls in self._handlers:
                raise TypeError(f"{event_cls.__name__} already has a fold handler")
            self._handlers[event_cls] = handler
            return handler

        return register

    def handles(self, event_cls: type[IntegrationEvent]) -> bool:
        return event_cls in self._handlers

    def apply(self, state: ProposalState | None, envelope: Envelope) -> ProposalState | None:
        handler = self._handlers.get(type(envelope.event))
        if handler is None:
            return state
        return handler(state, envelope.event, envelope.meta)

    def fold(
        self, envelopes: Iterable[Envelope], initial: ProposalState | None = None
    ) -> ProposalState | None:
        state = initial
        for envelope in envelopes:
            state = self.apply(state, envelope)
        return state


PROPOSAL_FOLD = ProposalFold()


def step(
    meta: EventMetadata, event: IntegrationEvent, ja: str, en: str, *, for_proposer: bool = True
) -> Step:
    return Step(
        at=meta.time,
        service=meta.service,
        actor_role=meta.actor_role,
        event_type=event.cloudevent_type(),
        ja=ja,
        en=en,
        for_proposer=for_proposer,
    )


def require(state: ProposalState | None, meta: EventMetadata) -> ProposalState:
    if state is None:
        raise NotYetSubmitted(f"proposal {meta.subject}: event before its submission")
    return state
