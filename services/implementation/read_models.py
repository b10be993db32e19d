"""Implementation's read model: every project with its phase and its verification's due
date; an overdue verification shows once its `VerificationOverdue` is raised, like
routing's deadlines (Sapporo 001: 「事業を実施後、必ず…効果検証を行います」)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import date
from typing import Any
from uuid import UUID

from services.implementation.domain import Project
from shared.projection import CatchingUpProjection, Snapshot


@dataclass(frozen=True)
class ProjectLine:
    proposal_id: UUID
    department: str | None  # None: adopted by the council, run by the lead department
    route: str
    phase: str
    ended_on: date | None = None
    verification_due_on: date | None = None
    verdict: str | None = None
    overdue: bool = False  # VerificationOverdue raised, no verdict since

    def row(self, municipality: str) -> dict[str, Any]:
        return {
            "municipality": municipality,
            "proposal_id": str(self.proposal_id),
            "department": self.department,
            "route": self.route,
            "phase": self.phase,
            "ended_on": None if self.ended_on is None else self.ended_on.isoformat(),
            "verification_due_on": None
            if self.verification_due_on is None
            else self.verification_due_on.isoformat(),
            "verdict": self.verdict,
            "overdue": self.overdue,
        }


# The phase each event leads to (the aggregate's `phase`, told from its events alone).
PHASE_AFTER: dict[type[Any], str] = {
    Project.CallPublished: "selection",
    Project.ImplementerSelected: "agreement",
    Project.AgreementConcluded: "implementation_pending",
    Project.Started: "implementation",
    Project.Ended: "verification",
    Project.VerdictGiven: "verified",
    Project.Closed: "closed",
}


class Projects(CatchingUpProjection):
    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self._lines: dict[str, dict[UUID, ProjectLine]] = defaultdict(dict)
        self._city: dict[UUID, str] = {}

    def apply(self, domain_event: Any) -> None:
        pid = domain_event.originator_id
        match domain_event:
            case Project.Opened():
                self._city[pid] = domain_event.municipality
                partnership = domain_event.route == "partnership_without_selection"
                self._lines[domain_event.municipality][pid] = ProjectLine(
                    proposal_id=pid,
                    department=domain_event.department,
                    route=domain_event.route,
                    phase="agreement" if partnership else "selection",
                )
                return
            case Project.Ended():
                self._change(
                    pid,
                    phase="verification",
                    ended_on=domain_event.ended_on,
                    verification_due_on=domain_event.verification_due_on,
                )
            case Project.VerificationOverdue():
                self._change(pid, overdue=True)
            case Project.VerdictGiven():
                self._change(pid, phase="verified", verdict=domain_event.verdict, overdue=False)
            case _ if type(domain_event) in PHASE_AFTER:
                self._change(pid, phase=PHASE_AFTER[type(domain_event)])

    def _change(self, pid: UUID, **changes: Any) -> None:
        lines = self._lines[self._city[pid]]
        lines[pid] = replace(lines[pid], **changes)

    def lines(self, municipality: str, department: str | None = None) -> list[ProjectLine]:
        """The projects, overdue verifications first, then by due date."""
        self.catch_up()
        lines = [
            line
            for line in self._lines[municipality].values()
            if department is None or line.department in (department, None)
        ]
        return sorted(
            lines,
            key=lambda line: (
                not line.overdue,
                line.verification_due_on or date.max,
                str(line.proposal_id),
            ),
        )

    def awaiting_verification(self, today: date) -> list[UUID]:
        """Projects past their verification's due date, not verified, not yet flagged."""
        self.catch_up()
        return [
            line.proposal_id
            for lines in self._lines.values()
            for line in lines.values()
            if line.phase == "verification"
            and not line.overdue
            and line.verification_due_on is not None
            and today > line.verification_due_on
        ]

    def view(self) -> Snapshot:
        return {
            "projects": [
                line.row(municipality)
                for municipality, lines in sorted(self._lines.items())
                for _, line in sorted(lines.items(), key=lambda item: str(item[0]))
            ]
        }
