"""Translate decision's stored events into integration events on `{prefix}.decision.proposals`."""

from __future__ import annotations

from typing import Any

from services.decision.domain import Decision
from shared.contract import (
    AgreementKind,
    Assessment,
    BudgetEntry,
    Envelope,
    Experiment,
    IncentiveRecorded,
    IntegrationEvent,
    Involvement,
    ProposalAdopted,
    ProposalEscalated,
    ProposalRejectedAfterReview,
    RejectionReason,
)
from shared.contract.envelope import envelope_of
from shared.relay import Translator, to_one_topic
from shared.settings import CommonSettings

SERVICE = "decision"


def decision_topic(settings: CommonSettings) -> str:
    return settings.topic(SERVICE, "proposals")


def dead_letter_topic(settings: CommonSettings) -> str:
    return settings.topic(SERVICE, "dead-letters")


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
        case Decision.Rejected():
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


def to_envelope(domain_event: Any, notification_id: int | None = None) -> Envelope | None:
    event = to_integration_event(domain_event)
    return None if event is None else envelope_of(SERVICE, domain_event, event, notification_id)


def translator(settings: CommonSettings) -> Translator:
    return to_one_topic(decision_topic(settings), to_envelope)
