"""Decisions by departments and the council, the proposer's incentive, and the assessment."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter, Response

from services.decision.api.dependencies import (
    CouncilReader,
    DeciderStaff,
    DecisionReader,
    Decisions,
    Staff,
    decider_of,
)
from services.decision.api.views import AssessmentAnswer, CouncilLine, DecisionView
from services.decision.commands import Adoption, Escalation, Incentive, Rejection
from services.decision.fairness import Thresholds
from shared.authorisation import DepartmentStaff, department_named, require_sight
from shared.contract import AssessmentInputs
from shared.paging import PAGED, Paging, paged
from shared.staff_auth import CorrelationId, staff_acting

router = APIRouter(prefix="/api/v1/municipalities/{municipality}", tags=["decision"])

# A department's first act right after its take-on can come before routing's word of it.
NOT_YET_HEARD: dict[int | str, dict[str, Any]] = {
    409: {
        "description": "The state does not allow it now (decided, escalated, withdrawn); or "
        "decision has not yet heard the department's take-on: retry after Retry-After",
        "headers": {
            "Retry-After": {
                "schema": {"type": "integer"},
                "description": "Seconds to wait before trying again (only when not yet heard)",
            }
        },
    }
}


def _view(decisions: Decisions, proposal_id: UUID, municipality: str) -> DecisionView:
    return DecisionView.of(decisions.record(proposal_id, municipality))


@router.get("/fairness/thresholds", summary="選定の判断基準 / The fairness thresholds")
def fairness_thresholds(municipality: str, decisions: Decisions) -> Thresholds:
    return decisions.fairness_thresholds(municipality)


@router.post("/fairness/assess", summary="選定方法の試算 / Assess without deciding")
def fairness_assess(
    municipality: str, inputs: AssessmentInputs, decisions: Decisions, staff: Staff
) -> AssessmentAnswer:
    assessment = decisions.assess_fairness(municipality, inputs)
    return AssessmentAnswer(
        **dict(assessment),
        earliest_budget=decisions.earliest_budget_today(municipality, inputs),
    )


@router.get(
    "/council/inbox",
    summary="推進会議の案件 / Escalated proposals awaiting the council",
    responses=PAGED,
)
def council_inbox(
    municipality: str, decisions: Decisions, staff: CouncilReader, page: Paging, response: Response
) -> list[CouncilLine]:
    return paged(decisions.awaiting_council(municipality), page, response, CouncilLine.of)


@router.get("/decisions/{proposal_id}", summary="One proposal's decision, with its history")
def decision_of(
    municipality: str, proposal_id: UUID, decisions: Decisions, staff: DecisionReader
) -> DecisionView:
    """The desk and the auditor read every decision of their city, the department only
    the one on what it took on, the council only what was escalated to it; for anyone
    else there is none (404)."""
    decision = decisions.decision(proposal_id, municipality)
    require_sight(
        staff,
        [decision.department],
        f"no decision for proposal {proposal_id} in {municipality}",
        escalated=decision.escalated,
    )
    return _view(decisions, proposal_id, municipality)


@router.post(
    "/decisions/{proposal_id}/adopt",
    summary="実施 / Adopt, with the fairness assessment",
    responses=NOT_YET_HEARD,
)
def adopt(
    municipality: str,
    proposal_id: UUID,
    body: Adoption,
    decisions: Decisions,
    staff: DeciderStaff,
    correlation_id: CorrelationId = None,
) -> DecisionView:
    decisions.adopt(
        proposal_id,
        decider_of(staff),
        body.inputs,
        staff_acting(staff, correlation_id),
        agreement=body.agreement,
        involvement=body.involvement,
        experiment=body.experiment,
        note=body.note,
    )
    return _view(decisions, proposal_id, municipality)


@router.post(
    "/decisions/{proposal_id}/reject",
    summary="不実施 / Reject, with reasons",
    responses=NOT_YET_HEARD,
)
def reject(
    municipality: str,
    proposal_id: UUID,
    body: Rejection,
    decisions: Decisions,
    staff: DeciderStaff,
    correlation_id: CorrelationId = None,
) -> DecisionView:
    decisions.reject(
        proposal_id,
        decider_of(staff),
        list(dict.fromkeys(body.reasons)),
        body.explanation,
        staff_acting(staff, correlation_id),
    )
    return _view(decisions, proposal_id, municipality)


@router.post(
    "/decisions/{proposal_id}/infeasible",
    summary="実施困難の早期回答 / Answer infeasible before taking the proposal on",
)
def answer_infeasible(
    municipality: str,
    proposal_id: UUID,
    body: Rejection,
    decisions: Decisions,
    staff: DepartmentStaff,
    correlation_id: CorrelationId = None,
) -> DecisionView:
    """The lead department the proposal is routed to rejects it, with coded reasons and
    an explanation the proposer reads, before any dialogue (Aomori 000: 実施困難と判断
    した場合は検討過程において早めに回答します). Another department finds nothing (404)."""
    decisions.answer_infeasible(
        proposal_id,
        department_named(staff),
        list(dict.fromkeys(body.reasons)),
        body.explanation,
        staff_acting(staff, correlation_id),
    )
    return _view(decisions, proposal_id, municipality)


@router.post(
    "/decisions/{proposal_id}/escalate",
    summary="推進会議へ / Escalate to the council",
    responses=NOT_YET_HEARD,
)
def escalate(
    municipality: str,
    proposal_id: UUID,
    body: Escalation,
    decisions: Decisions,
    staff: DeciderStaff,
    correlation_id: CorrelationId = None,
) -> DecisionView:
    decisions.escalate(
        proposal_id, decider_of(staff), body.reason, staff_acting(staff, correlation_id)
    )
    return _view(decisions, proposal_id, municipality)


@router.post(
    "/decisions/{proposal_id}/incentive", summary="提案者への加点 / The proposer's bonus points"
)
def incentive(
    municipality: str,
    proposal_id: UUID,
    body: Incentive,
    decisions: Decisions,
    staff: DeciderStaff,
    correlation_id: CorrelationId = None,
) -> DecisionView:
    decisions.record_incentive(
        proposal_id,
        decider_of(staff),
        body.bonus_points,
        body.total_points,
        body.announced_in,
        staff_acting(staff, correlation_id),
    )
    return _view(decisions, proposal_id, municipality)
