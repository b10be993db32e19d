"""Decisions by departments and the council, the proposer's incentive, and the assessment."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, HTTPException
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from services.decision.api.dependencies import (
    CouncilStaff,
    DeciderStaff,
    Decisions,
    Staff,
    decider_of,
)
from services.decision.fairness import Thresholds, assess, known_municipalities, thresholds
from services.decision.integration import to_envelope
from shared.contract import (
    AgreementKind,
    Assessment,
    AssessmentInputs,
    Experiment,
    Involvement,
    RejectionReason,
)
from shared.staff_auth import CorrelationId, staff_acting

router = APIRouter(prefix="/api/v1/municipalities/{municipality}", tags=["decision"])

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000)]


class Adoption(BaseModel):
    model_config = ConfigDict(extra="forbid")
    inputs: AssessmentInputs
    agreement: AgreementKind | None = Field(None, description="事業連携協定, 包括連携協定, …")
    involvement: Involvement | None = Field(None, description="For events: 主催, 共催, …")
    experiment: Experiment | None = Field(None, description="A demonstration experiment")
    note: Text | None = None


class Rejection(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reasons: list[RejectionReason] = Field(min_length=1, max_length=6)
    explanation: Text


class Escalation(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: Text


class Incentive(BaseModel):
    model_config = ConfigDict(extra="forbid")
    bonus_points: float = Field(gt=0)
    total_points: float = Field(gt=0, description="The call's total score, bonus excluded")
    announced_in: Text = Field(description="Where the call announces the bonus (公告文等)")


class HistoryLine(BaseModel):
    at: datetime
    actor_role: str
    event: str
    details: dict[str, object]


class DecisionView(BaseModel):
    proposal_id: UUID
    receipt_number: str
    department: str
    escalated: bool
    outcome: str | None
    decided_by: str | None
    route: str | None
    incentive_points: float | None
    history: list[HistoryLine]


class CouncilLine(BaseModel):
    """An escalated proposal awaiting the council's decision."""

    proposal_id: UUID
    receipt_number: str
    title: str | None
    escalated_by: str = Field(description="The department that took it on and escalated it")
    reason: str
    escalated_at: datetime


def _known(municipality: str) -> None:
    if municipality not in known_municipalities():
        raise HTTPException(
            404,
            detail=[{"loc": ["path", "municipality"], "msg": f"'{municipality}' is not served"}],
        )


def _view(decisions: Decisions, proposal_id: UUID, municipality: str) -> DecisionView:
    current = decisions.decision(proposal_id, municipality)
    envelopes = [
        e for e in (to_envelope(d) for d in decisions.events.get(proposal_id)) if e is not None
    ]
    return DecisionView(
        proposal_id=proposal_id,
        receipt_number=current.receipt_number,
        department=current.department,
        escalated=current.escalated,
        outcome=current.outcome,
        decided_by=current.decided_by,
        route=current.route,
        incentive_points=current.incentive,
        history=[
            HistoryLine(
                at=e.meta.time,
                actor_role=e.meta.actor_role.value,
                event=e.event.event_type,
                details=e.event.model_dump(mode="json", exclude={"proposal_id"}),
            )
            for e in envelopes
        ],
    )


@router.get("/fairness/thresholds", summary="選定の判断基準 / The fairness thresholds")
def fairness_thresholds(municipality: str) -> Thresholds:
    _known(municipality)
    return thresholds(municipality)


@router.post("/fairness/assess", summary="選定方法の試算 / Assess without deciding")
def fairness_assess(municipality: str, inputs: AssessmentInputs, staff: Staff) -> Assessment:
    return assess(inputs, thresholds(municipality))


@router.get("/council/inbox", summary="推進会議の案件 / Escalated proposals awaiting the council")
def council_inbox(
    municipality: str, decisions: Decisions, staff: CouncilStaff
) -> list[CouncilLine]:
    lines = []
    for waiting in decisions.council_inbox.waiting(municipality):
        state = decisions.proposal_state(waiting.proposal_id)
        lines.append(
            CouncilLine(
                proposal_id=waiting.proposal_id,
                receipt_number=waiting.receipt_number,
                title=None if state is None else state.title,
                escalated_by=waiting.department,
                reason=waiting.reason,
                escalated_at=waiting.escalated_at,
            )
        )
    return lines


@router.get("/decisions/{proposal_id}", summary="One proposal's decision, with its history")
def decision_of(
    municipality: str, proposal_id: UUID, decisions: Decisions, staff: Staff
) -> DecisionView:
    return _view(decisions, proposal_id, municipality)


@router.post("/decisions/{proposal_id}/adopt", summary="実施 / Adopt, with the fairness assessment")
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


@router.post("/decisions/{proposal_id}/reject", summary="不実施 / Reject, with reasons")
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


@router.post("/decisions/{proposal_id}/escalate", summary="推進会議へ / Escalate to the council")
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
