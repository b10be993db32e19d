"""Response models of the routing API."""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

from pydantic import BaseModel, Field

from services.routing.application import DialogueEntry, RoutingRecord
from services.routing.directory import Department
from services.routing.domain import Routing
from services.routing.read_models import DeskDashboard, RoutingLine
from shared.history_step import HistoryStep


class DepartmentView(BaseModel):
    code: str
    name_ja: str
    name_en: str
    fields: list[str]

    @classmethod
    def of(cls, department: Department) -> DepartmentView:
        return cls(
            code=department.code,
            name_ja=department.name_ja,
            name_en=department.name_en,
            fields=list(department.fields),
        )


class RoutingLineView(BaseModel):
    proposal_id: UUID
    receipt_number: str
    title: str
    stage: str
    hop: int
    lead_department: str | None
    departments: list[str]
    routing_due_on: date
    dialogue_due_on: date | None
    overdue: list[str]
    awaiting_department: bool = Field(
        description="The proposer wrote last in the dialogue: their message waits for an answer"
    )

    @classmethod
    def of(cls, line: RoutingLine) -> RoutingLineView:
        return cls(
            proposal_id=line.proposal_id,
            receipt_number=line.receipt_number,
            title=line.title,
            stage=line.stage,
            hop=line.hop,
            lead_department=line.lead_department,
            departments=list(line.departments),
            routing_due_on=line.routing_due_on,
            dialogue_due_on=line.dialogue_due_on,
            overdue=list(line.overdue),
            awaiting_department=line.awaiting_department,
        )


class RoutingView(RoutingLineView):
    milestones: list[str]
    confidentiality_scope: str | None = Field(
        None, description="What the department and the proposer agreed stays confidential"
    )
    declined_by: list[str]
    history: list[HistoryStep]

    @classmethod
    def of_record(cls, record: RoutingRecord) -> RoutingView:
        line = RoutingLineView.of(record.line)
        if record.as_left:
            line.stage = "declined"
        return cls(
            **line.model_dump(),
            milestones=list(record.routing.milestones),
            confidentiality_scope=record.routing.confidentiality_scope,
            declined_by=list(record.routing.declined_by),
            history=[HistoryStep.of(e) for e in record.history],
        )


class Dashboard(BaseModel):
    """The desk's view: nothing waits unseen (たらい回しはしない)."""

    municipality: str
    triage: int
    waiting: int
    in_dialogue: int
    overdue: int
    reroutes: int
    overdue_proposals: list[RoutingLineView]
    triage_proposals: list[RoutingLineView]

    @classmethod
    def of(cls, dashboard: DeskDashboard) -> Dashboard:
        return cls(
            municipality=dashboard.municipality,
            triage=len(dashboard.triage),
            waiting=dashboard.waiting,
            in_dialogue=dashboard.in_dialogue,
            overdue=len(dashboard.overdue),
            reroutes=dashboard.reroutes,
            overdue_proposals=[RoutingLineView.of(line) for line in dashboard.overdue],
            triage_proposals=[RoutingLineView.of(line) for line in dashboard.triage],
        )


class DialogueEntryView(BaseModel):
    """One entry of the dialogue log: an internal note (`note`, staff only), a message to
    the proposer (`to_proposer`, which the proposer reads on the status page), or the
    proposer's answer (`from_proposer`)."""

    entry_id: UUID
    kind: str
    at: datetime
    actor_role: str
    department: str | None
    actor_name: str | None = Field(
        None, description="The staff member who wrote it (display name); staff read it only"
    )
    text: str
    in_reply_to: UUID | None

    @classmethod
    def of(cls, entry: DialogueEntry) -> DialogueEntryView:
        return cls(
            entry_id=entry.entry_id,
            kind=entry.kind,
            at=entry.at,
            actor_role=entry.actor_role,
            department=entry.department,
            actor_name=entry.actor_name,
            text=entry.text,
            in_reply_to=entry.in_reply_to,
        )


class DialogueView(BaseModel):
    """A proposal's dialogue log (対話の記録), oldest first."""

    proposal_id: UUID
    receipt_number: str
    taken_on_by: str | None
    closed: bool
    entries: list[DialogueEntryView]

    @classmethod
    def of(cls, routing: Routing, entries: list[DialogueEntry]) -> DialogueView:
        return cls(
            proposal_id=routing.id,
            receipt_number=routing.receipt_number,
            taken_on_by=routing.taken_on_by,
            closed=routing.closed,
            entries=[DialogueEntryView.of(entry) for entry in entries],
        )
