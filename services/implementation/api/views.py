"""Response models of the implementation API."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from pydantic import BaseModel, Field

from services.implementation.application import ProjectRecord
from services.implementation.read_models import ProjectLine
from shared.history_step import HistoryStep


class ProjectView(BaseModel):
    proposal_id: UUID
    receipt_number: str | None
    title: str | None
    department: str | None = Field(description="The department that runs the project")
    route: str
    phase: str
    experiment: dict[str, Any] | None
    budget_entry: dict[str, Any] | None = Field(description="Kept from the decision")
    call: dict[str, Any] | None
    applicants: list[str]
    implementer: str | None
    uniqueness_justification: str | None = Field(description="Shown to auditors")
    agreement: dict[str, Any] | None
    started_on: date | None
    city_cost_share_yen: int
    milestones: list[dict[str, Any]]
    experiment_steps: dict[str, date]
    ended_on: date | None
    verification_due_on: date | None
    logic_model: dict[str, Any] | None
    kpis: list[dict[str, Any]]
    verdict: str | None
    verdict_reasons: str | None
    verified_on: date | None
    closed_on: date | None
    withdrawn_on: date | None = Field(
        description="The proposer withdrew the proposal on that day: the project ended by "
        "withdrawal and takes no further step"
    )
    withdrawal_reason: str | None
    history: list[HistoryStep]

    @classmethod
    def of(cls, record: ProjectRecord) -> ProjectView:
        project = record.project
        proposal = record.proposal
        return cls(
            proposal_id=project.id,
            receipt_number=None if proposal is None else proposal.receipt_number,
            title=None if proposal is None else proposal.title,
            department=record.owner,
            route=project.route,
            phase=project.phase,
            experiment=project.experiment,
            budget_entry=project.budget_entry,
            call=project.call,
            applicants=list(project.applicants),
            implementer=project.implementer,
            uniqueness_justification=project.uniqueness_justification,
            agreement=project.agreement,
            started_on=project.started_on,
            city_cost_share_yen=project.city_cost_share_yen,
            milestones=[{"milestone": m, "reached_on": on} for m, on in project.milestones],
            experiment_steps=dict(project.steps_done),
            ended_on=project.ended_on,
            verification_due_on=project.verification_due_on,
            logic_model=project.logic_model,
            kpis=list(project.kpis.values()),
            verdict=project.verdict,
            verdict_reasons=project.verdict_reasons,
            verified_on=project.verified_on,
            closed_on=project.closed_on,
            withdrawn_on=project.withdrawn_on,
            withdrawal_reason=project.withdrawal_reason,
            history=[HistoryStep.of(e) for e in record.history],
        )


class ProjectSummary(BaseModel):
    """A line of the projects list; `overdue`: the verification is past its due date."""

    proposal_id: UUID
    receipt_number: str | None = Field(description="None until intake's submission is heard")
    title: str | None
    department: str | None
    route: str
    phase: str
    ended_on: date | None
    verification_due_on: date | None
    verdict: str | None
    overdue: bool

    @classmethod
    def of(cls, line: ProjectLine) -> ProjectSummary:
        return cls(
            proposal_id=line.proposal_id,
            receipt_number=line.receipt_number,
            title=line.title,
            department=line.department,
            route=line.route,
            phase=line.phase,
            ended_on=line.ended_on,
            verification_due_on=line.verification_due_on,
            verdict=line.verdict,
            overdue=line.overdue,
        )
