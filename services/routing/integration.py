"""Translate routing's stored events into integration events on `{prefix}.routing.proposals`."""

from __future__ import annotations

from typing import Any

from services.routing.domain import Routing
from shared.contract import (
    DeadlineKind,
    DeadlinePassed,
    DialogueMilestone,
    DialogueMilestoneReached,
    IntegrationEvent,
    MessageToProposer,
    ProposalDeclined,
    ProposalRouted,
    ProposalTakenOn,
    RoutingMethod,
    StatusLineSet,
)
from shared.contract.envelope import envelope_translator

SERVICE = "routing"


def to_integration_event(domain_event: Any) -> IntegrationEvent | None:
    pid = domain_event.originator_id
    match domain_event:
        case Routing.Routed():
            return ProposalRouted(
                proposal_id=pid,
                hop=domain_event.hop,
                lead_department=domain_event.lead_department,
                departments=domain_event.departments,
                method=RoutingMethod(domain_event.method),
                reason=domain_event.reason,
                due_on=domain_event.due_on,
            )
        case Routing.TakenOn():
            return ProposalTakenOn(
                proposal_id=pid,
                department=domain_event.department,
                dialogue_due_on=domain_event.dialogue_due_on,
            )
        case Routing.Declined():
            return ProposalDeclined(
                proposal_id=pid, department=domain_event.department, reason=domain_event.reason
            )
        case Routing.MilestoneReached():
            return DialogueMilestoneReached(
                proposal_id=pid,
                milestone=DialogueMilestone(domain_event.milestone),
                note=domain_event.note,
                confidentiality_scope=domain_event.confidentiality_scope,
            )
        case Routing.StatusLineSet():
            return StatusLineSet(proposal_id=pid, ja=domain_event.ja, en=domain_event.en)
        case Routing.MessageSent():
            return MessageToProposer(
                proposal_id=pid,
                message_id=domain_event.message_id,
                department=domain_event.department,
                text=domain_event.text,
            )
        case Routing.DeadlinePassed():
            return DeadlinePassed(
                proposal_id=pid,
                deadline=DeadlineKind(domain_event.deadline),
                due_on=domain_event.due_on,
                department=domain_event.department,
            )
    # What routing heard from others (the proposer's answers among it), its internal
    # notes and its own bookkeeping stay here.
    return None


to_envelope = envelope_translator(SERVICE, to_integration_event)
