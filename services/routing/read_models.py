"""Routing's read model: the department inboxes, the desk's dashboard, the open routings."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from uuid import UUID

from services.routing.domain import Routing
from shared.projection import CatchingUpProjection, Snapshot


@dataclass
class RoutingLine:
    proposal_id: UUID
    receipt_number: str
    title: str
    routing_due_on: date
    hop: int = 0
    lead_department: str | None = None
    departments: list[str] = field(default_factory=list)
    taken_on_by: str | None = None
    dialogue_due_on: date | None = None
    declines: int = 0
    reassignments: int = 0
    overdue: list[str] = field(default_factory=list)
    closed: bool = False
    # The proposer wrote last in the dialogue: their message waits for the department.
    awaiting_department: bool = False

    def row(self, municipality: str) -> dict[str, Any]:
        return {
            "municipality": municipality,
            "proposal_id": str(self.proposal_id),
            "receipt_number": self.receipt_number,
            "title": self.title,
            "routing_due_on": self.routing_due_on.isoformat(),
            "hop": self.hop,
            "lead_department": self.lead_department,
            "departments": list(self.departments),  # in routing order: the lead first
            "taken_on_by": self.taken_on_by,
            "dialogue_due_on": None
            if self.dialogue_due_on is None
            else self.dialogue_due_on.isoformat(),
            "declines": self.declines,
            "reassignments": self.reassignments,
            "overdue": list(self.overdue),
            "awaiting_department": self.awaiting_department,
            "stage": self.stage,
        }

    @property
    def stage(self) -> str:
        if self.closed:
            return "closed"
        if self.taken_on_by is not None:
            return "in_dialogue"
        if self.lead_department is None:
            return "triage"
        return "waiting"


@dataclass(frozen=True)
class DeskDashboard:
    """The desk's view of one municipality's open routings: nothing waits unseen."""

    municipality: str
    waiting: int
    in_dialogue: int
    reroutes: int
    overdue: list[RoutingLine]
    triage: list[RoutingLine]


class RoutingBoard(CatchingUpProjection):
    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self._lines: dict[str, dict[UUID, RoutingLine]] = defaultdict(dict)
        self._municipality_of: dict[UUID, str] = {}

    def apply(self, domain_event: Any) -> None:
        if isinstance(domain_event, Routing.Started):
            pid = domain_event.originator_id
            self._municipality_of[pid] = domain_event.municipality
            self._lines[domain_event.municipality][pid] = RoutingLine(
                pid, domain_event.receipt_number, domain_event.title, domain_event.routing_due_on
            )
            return
        if not isinstance(domain_event, Routing.Event):
            return
        line = self._lines[self._municipality_of[domain_event.originator_id]][
            domain_event.originator_id
        ]
        match domain_event:
            case Routing.Routed():
                if domain_event.method == "desk":
                    line.reassignments += 1
                line.hop = domain_event.hop
                line.lead_department = domain_event.lead_department
                line.departments = list(domain_event.departments)
            case Routing.TakenOn():
                line.taken_on_by = line.lead_department = domain_event.department
                line.dialogue_due_on = domain_event.dialogue_due_on
            case Routing.Declined():
                line.declines += 1
                line.departments = [d for d in line.departments if d != domain_event.department]
                if line.lead_department == domain_event.department:
                    line.lead_department = None
            case Routing.DeadlinePassed():
                line.overdue.append(domain_event.deadline)
            case Routing.MessageSent():
                line.awaiting_department = False
            case Routing.ProposerAnswered():
                line.awaiting_department = True
            case Routing.Closed():
                line.closed = True

    def lines(self, municipality: str) -> list[RoutingLine]:
        self.catch_up()
        return list(self._lines[municipality].values())

    def line(self, municipality: str, proposal_id: UUID) -> RoutingLine:
        self.catch_up()
        return self._lines[municipality][proposal_id]

    def inbox(self, municipality: str, department: str) -> list[RoutingLine]:
        return [
            line
            for line in self.lines(municipality)
            if not line.closed
            and (department in line.departments or line.taken_on_by == department)
        ]

    def dashboard(self, municipality: str) -> DeskDashboard:
        every = self.lines(municipality)
        lines = [line for line in every if not line.closed]
        return DeskDashboard(
            municipality=municipality,
            waiting=sum(line.stage == "waiting" for line in lines),
            in_dialogue=sum(line.stage == "in_dialogue" for line in lines),
            # Declines and the desk's reassignments, of closed routings too: how often
            # proposals were rerouted, which the desk keeps rare (たらい回しはしない).
            reroutes=sum(line.declines + line.reassignments for line in every),
            overdue=self.overdue(municipality),
            triage=[line for line in lines if line.stage == "triage"],
        )

    def overdue(self, municipality: str) -> list[RoutingLine]:
        """The open routings a deadline has passed for (routing's or the dialogue's)."""
        return [line for line in self.lines(municipality) if not line.closed and line.overdue]

    def open_routings(self) -> list[UUID]:
        self.catch_up()
        return [
            line.proposal_id
            for lines in self._lines.values()
            for line in lines.values()
            if not line.closed
        ]

    def view(self) -> Snapshot:
        return {
            "routings": [
                line.row(municipality)
                for municipality, lines in sorted(self._lines.items())
                for _, line in sorted(lines.items(), key=lambda item: str(item[0]))
            ]
        }
