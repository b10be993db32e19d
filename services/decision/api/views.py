"""Response models of the decision API."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from pydantic import BaseModel, Field

from services.decision.application import DecisionRecord
from services.decision.read_models import AwaitingCouncil
from shared.contract import Assessment, BudgetEntry
from shared.history_step import HistoryStep


class AssessmentAnswer(Assessment):
    """The assessment, and when city money could first be budgeted if adopted today."""

    earliest_budget: BudgetEntry | None = Field(
        None, description="None when the city pays nothing (Kitakyushu 003: requests by October)"
    )


class DecisionView(BaseModel):
    proposal_id: UUID
    receipt_number: str
    department: str
    escalated: bool
    outcome: str | None
    early: bool = Field(False, description="Answered infeasible before it was taken on")
    decided_by: str | None
    route: str | None
    incentive_points: float | None
    history: list[HistoryStep]

    @classmethod
    def of(cls, record: DecisionRecord) -> DecisionView:
        decision = record.decision
        return cls(
            proposal_id=decision.id,
            receipt_number=decision.receipt_number,
            department=decision.department,
            escalated=decision.escalated,
            outcome=decision.outcome,
            early=decision.early,
            decided_by=decision.decided_by,
            route=decision.route,
            incentive_points=decision.incentive,
            history=[HistoryStep.of(e) for e in record.history],
        )


class CouncilLine(BaseModel):
    """An escalated proposal awaiting the council's decision."""

    proposal_id: UUID
    receipt_number: str
    title: str | None
    escalated_by: str = Field(description="The department that took it on and escalated it")
    reason: str
    escalated_at: datetime

    @classmethod
    def of(cls, waiting: AwaitingCouncil) -> CouncilLine:
        escalation = waiting.escalation
        return cls(
            proposal_id=escalation.proposal_id,
            receipt_number=escalation.receipt_number,
            title=waiting.title,
            escalated_by=escalation.department,
            reason=escalation.reason,
            escalated_at=escalation.escalated_at,
        )
