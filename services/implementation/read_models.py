"""Implementation's read model: every project with its phase and its verification's due
date; an overdue verification shows once its `VerificationOverdue` is raised, like
routing's deadlines (Sapporo 001: 「事業を実施後、必ず…効果検証を行います」); and the
proposal's receipt number and title, so a list names each project without a call per line.

The receipt number and title come from intake's submission, which implementation already
hears and keeps (ObservedProposal): decision's adoption does not carry them, and intake is
where they are given (once, at receipt; nothing changes them later). Copying them into
the adoption would make decision repeat intake's data in the contract."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import date
from typing import Any
from uuid import UUID

from services.implementation.domain import Project
from shared.contract import ProposalSubmitted
from shared.observed import ObservedProposal, envelope_from
from shared.projection import CatchingUpProjection, Snapshot


@dataclass(frozen=True)
class Named:
    """What a list shows of the proposal behind a project: as intake gave it at receipt."""

    receipt_number: str
    title: str


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
    receipt_number: str | None = None  # set when read; None: the submission is not heard yet
    title: str | None = None

    def row(self, municipality: str) -> dict[str, Any]:
        return {
            "municipality": municipality,
            "proposal_id": str(self.proposal_id),
            "receipt_number": self.receipt_number,
            "title": self.title,
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
    Project.Withdrawn: "withdrawn",
}


class Projects(CatchingUpProjection):
    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self._lines: dict[str, dict[UUID, ProjectLine]] = defaultdict(dict)
        self._city: dict[UUID, str] = {}
        # Every proposal heard of, adopted or not yet: an adoption may be heard before
        # the submission (they come on different topics).
        self._named: dict[UUID, Named] = {}

    def apply(self, domain_event: Any) -> None:
        pid = domain_event.originator_id
        match domain_event:
            case ObservedProposal.Heard(event_type=ProposalSubmitted.event_type):
                submitted = envelope_from(
                    domain_event.event_type,
                    domain_event.event_version,
                    domain_event.data,
                    domain_event.meta,
                ).event
                assert isinstance(submitted, ProposalSubmitted)
                self._named[submitted.proposal_id] = Named(
                    submitted.receipt_number, submitted.title
                )
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
            self._with_names(line)
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

    def _with_names(self, line: ProjectLine) -> ProjectLine:
        named = self._named.get(line.proposal_id)
        if named is None:
            return line
        return replace(line, receipt_number=named.receipt_number, title=named.title)

    def view(self) -> Snapshot:
        return {
            "projects": [
                self._with_names(line).row(municipality)
                for municipality, lines in sorted(self._lines.items())
                for _, line in sorted(lines.items(), key=lambda item: str(item[0]))
            ]
        }
