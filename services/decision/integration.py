"""Translate decision's stored events into integration events on `{prefix}.decision.proposals`."""

from __future__ import annotations

from typing import Any

from services.decision.domain import Decision
from shared.contract import (
    AgreementKind,
    Assessment,
    BudgetEntry,
    Experiment,
    IncentiveRecorded,
    IntegrationEvent,
    Involvement,
    ProposalAdopted,
    ProposalEscalated,
    ProposalRejectedAfterReview,
    RejectionReason,
)
from shared.contract.envelope import envelope_translator

SERVICE = "decision"


def to_integration_event(domain_event: Any) -> IntegrationEvent | None:
    pid = domain_event.originator_id
    match domain_event:
        case Decision.Adopted():
            return ProposalAdopted(
                proposal_id=pid,
                decided_by=domain_event.decided_by,
                assessment=Assessment.model_validate(domain_event.assessment),
                agreement=None
                if domain_event.agreement is None
                else AgreementKind(domain_event.agreement),
                involvement=None
                if domain_event.involvement is None
                else Involvement(domain_event.involvement),
                experiment=None
                if domain_event.experiment is None
                else Experiment.model_validate(domain_event.experiment),
                budget_entry=None
                if domain_event.budget_entry is None
                else BudgetEntry.model_validate(domain_event.budget_entry),
                note=domain_event.note,
            )
        # The early answer reaches the proposer as any rejection, with its reasons.
        case Decision.Rejected() | Decision.AnsweredInfeasible():
            return ProposalRejectedAfterReview(
                proposal_id=pid,
                decided_by=domain_event.decided_by,
                reasons=tuple(RejectionReason(r) for r in domain_event.reasons),
                explanation=domain_event.explanation,
            )
        case Decision.Escalated():
            return ProposalEscalated(
                proposal_id=pid, department=domain_event.department, reason=domain_event.reason
            )
        case Decision.IncentiveRecorded():
            return IncentiveRecorded(
                proposal_id=pid,
                bonus_points=domain_event.bonus_points,
                total_points=domain_event.total_points,
                cap_points=domain_event.cap_points,
                announced_in=domain_event.announced_in,
            )
    return None  # what decision heard from others, and its own bookkeeping, stays here


to_envelope = envelope_translator(SERVICE, to_integration_event)
