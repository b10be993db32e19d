"""Implementation's eventsourcing application: it opens a project when decision adopts a
proposal, and the department that owns the proposal takes it from the implementer's
selection to the effect verification."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, ProcessingEvent

from services.implementation.domain import Project
from services.implementation.integration import SERVICE, to_envelope
from services.implementation.read_models import ProjectLine, Projects
from services.implementation.rules import CityRules, city_rules
from shared.acting import Acting
from shared.clock import Clock, utc_now
from shared.consumer import ConsumingApplication, consumes
from shared.contract import (
    ActorRole,
    AgreementKind,
    CouncilMatter,
    Envelope,
    ExperimentStep,
    Involvement,
    LogicModel,
    ProposalAdopted,
    ProposalWithdrawn,
    Verdict,
)
from shared.contract.topics import INTAKE_PROPOSALS, ROUTING_PROPOSALS
from shared.errors import NotFound, not_served
from shared.municipalities import today_in_japan
from shared.projection import CatchingUpProjection
from shared.proposal import ProposalState
from shared.settings import CommonSettings

COUNCIL = "council"  # decision's name for the council as the decider

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ProjectRecord:
    """One proposal's project, with the proposal as heard and the project's history as it
    went out to the other services."""

    project: Project
    proposal: ProposalState | None
    owner: str | None
    history: list[Envelope]


class ImplementationApplication(ConsumingApplication):
    service = SERVICE
    name = "implementation"
    aggregate_cache_size = None

    def __init__(self, settings: CommonSettings, clock: Clock = utc_now) -> None:
        super().__init__(settings)
        self.clock = clock
        self.projects = Projects(self)

    def read_models(self) -> dict[str, CatchingUpProjection]:
        """The read models by name, for comparing them with a rebuild from history."""
        return {"projects": self.projects}

    def today(self) -> date:
        return today_in_japan(self.clock())

    # -- what implementation hears --------------------------------------------------

    def _hear(self, envelope: Envelope, processing: ProcessingEvent[Any]) -> None:
        """Keep what intake and routing say of each proposal: its receipt number and
        title, and which department took it on (it owns the project when the council
        decided)."""
        self.keep_heard(envelope, processing)

    def _open_project(self, envelope: Envelope, processing: ProcessingEvent[Any]) -> None:
        """An adopted proposal becomes a project, with the assessment's route, the earliest
        budget and the experiment the deciding department described."""
        adopted = envelope.event
        assert isinstance(adopted, ProposalAdopted)
        if self._find(adopted.proposal_id) is not None:
            return  # opened already (a copy the tracking did not catch, e.g. a replay)
        project = Project.open(
            proposal_id=adopted.proposal_id,
            municipality=envelope.meta.municipality,
            department=None if adopted.decided_by == COUNCIL else adopted.decided_by,
            route=adopted.assessment.route,
            budget_entry=None
            if adopted.budget_entry is None
            else adopted.budget_entry.model_dump(mode="json"),
            experiment=None
            if adopted.experiment is None
            else adopted.experiment.model_dump(mode="json"),
            agreement_hint=adopted.agreement,
            involvement_hint=adopted.involvement,
            meta=Acting.caused_by(envelope.meta).as_meta(),
        )
        processing.collect_events(project)

    def _withdraw_project(self, envelope: Envelope, processing: ProcessingEvent[Any]) -> None:
        """The proposer withdrew: kept like intake's other news and, when the proposal
        was adopted, its project ends by withdrawal (unless the agreement is signed:
        `Project.withdraw` says why such a withdrawal is ignored; logged for whoever looks
        into a copy or a forgery on the bus)."""
        self.keep_heard(envelope, processing)
        withdrawn = envelope.event
        assert isinstance(withdrawn, ProposalWithdrawn)
        project = self._find(withdrawn.proposal_id)
        if project is None:
            return  # not adopted (or the adoption not heard yet: decision refuses it then)
        ignored = project.withdraw(
            withdrawn_on=today_in_japan(envelope.meta.time),
            reason=withdrawn.reason,
            meta=Acting.caused_by(envelope.meta).as_meta(),
        )
        if ignored is not None:
            log.warning(
                "withdrawal of proposal %s ignored (event %s): %s",
                withdrawn.proposal_id,
                envelope.meta.event_id,
                ignored,
            )
            return
        processing.collect_events(project)

    handlers = consumes(
        {
            **dict.fromkeys(INTAKE_PROPOSALS.events + ROUTING_PROPOSALS.events, _hear),
            ProposalAdopted: _open_project,
            ProposalWithdrawn: _withdraw_project,
        }
    )

    def proposal_state(self, proposal_id: UUID) -> ProposalState | None:
        observed = self.observed(proposal_id)
        return None if observed is None else observed.state()

    # -- reading ------------------------------------------------------------------

    def _find(self, proposal_id: UUID) -> Project | None:
        try:
            found: object = self.repository.get(Project.create_id(proposal_id))
        except AggregateNotFoundError:
            return None
        return found if isinstance(found, Project) else None

    def project(self, proposal_id: UUID, municipality: str) -> Project:
        found = self._find(proposal_id)
        if found is None or found.municipality != municipality:
            raise NotFound(
                f"no project for proposal {proposal_id} in {municipality} (not adopted?)",
                field="proposal_id",
            )
        return found

    def owner(self, project: Project) -> str | None:
        """The department that owns the project: the one that adopted it, or, when the
        council decided, the one that took the proposal on (as heard from routing)."""
        if project.department is not None:
            return project.department
        state = self.proposal_state(project.id)
        return None if state is None else state.lead_department

    def record(self, proposal_id: UUID, municipality: str) -> ProjectRecord:
        project = self.project(proposal_id, municipality)
        history = [e for e in map(to_envelope, self.events.get(project.id)) if e is not None]
        return ProjectRecord(
            project, self.proposal_state(proposal_id), self.owner(project), history
        )

    def project_lines(self, municipality: str, department: str | None = None) -> list[ProjectLine]:
        """The municipality's projects (one department's when given), overdue flagged."""
        return self.projects.lines(municipality, department)

    def overdue_verifications(self, municipality: str) -> list[ProjectLine]:
        """Ended projects whose effect verification was flagged past due (Sapporo 001:
        必ず…効果検証), as `check_verification_deadlines` raised it."""
        return [line for line in self.project_lines(municipality) if line.overdue]

    def check_verification_deadlines(self) -> int:
        """Raise `VerificationOverdue` once for every project whose verification is past its
        due date without a verdict; return how many were raised (routing's timer does the
        same for its deadlines)."""
        today, flagged = self.today(), 0
        for proposal_id in self.projects.awaiting_verification(today):
            project = self._find(proposal_id)
            if project is None:
                continue
            acting = Acting.new(
                ActorRole.SYSTEM, project.municipality, f"verification-check:{today}"
            )
            if project.flag_overdue_verification(today, self.owner(project), acting.as_meta()):
                self.save(project)
                flagged += 1
        return flagged

    def rules(self, municipality: str) -> CityRules:
        try:
            return city_rules(municipality)
        except LookupError:
            raise not_served(municipality) from None

    # -- what the owning department does -------------------------------------------------

    def _changing(
        self,
        proposal_id: UUID,
        department: str,
        acting: Acting,
        command: Callable[[Project, CityRules], None],
    ) -> Project:
        project = self.project(proposal_id, acting.municipality)
        owner = self.owner(project)
        if department != owner:
            # Another department's project is, for it, not there (shared.authorisation).
            raise NotFound(
                f"no project for proposal {proposal_id} in {acting.municipality} (not adopted?)",
                field="proposal_id",
            )
        command(project, self.rules(project.municipality))
        self.save(project)
        return project

    def publish_call(
        self,
        proposal_id: UUID,
        department: str,
        acting: Acting,
        *,
        opens_on: date,
        closes_on: date,
        announcement: str,
        proposer_bonus_ratio: float | None,
    ) -> Project:
        return self._changing(
            proposal_id,
            department,
            acting,
            lambda p, rules: p.publish_call(
                opens_on, closes_on, announcement, proposer_bonus_ratio, rules, acting.as_meta()
            ),
        )

    def record_applicant(
        self,
        proposal_id: UUID,
        department: str,
        acting: Acting,
        *,
        applicant: str,
        applied_on: date,
    ) -> Project:
        return self._changing(
            proposal_id,
            department,
            acting,
            lambda p, _: p.record_applicant(applicant, applied_on, acting.as_meta()),
        )

    def select(
        self,
        proposal_id: UUID,
        department: str,
        acting: Acting,
        *,
        implementer: str,
        reasons: str,
        selected_on: date,
        uniqueness_justification: str | None,
    ) -> Project:
        return self._changing(
            proposal_id,
            department,
            acting,
            lambda p, _: p.select(
                implementer,
                reasons,
                selected_on,
                acting.as_meta(),
                uniqueness_justification=uniqueness_justification,
            ),
        )

    def conclude_agreement(
        self,
        proposal_id: UUID,
        department: str,
        acting: Acting,
        *,
        kind: AgreementKind,
        parties: list[str],
        signed_on: date,
        term_from: date,
        term_until: date,
        fields: list[str],
        involvement: Involvement | None,
        council_vote: tuple[tuple[CouncilMatter, ...], date] | None,
    ) -> Project:
        return self._changing(
            proposal_id,
            department,
            acting,
            lambda p, rules: p.conclude_agreement(
                kind,
                parties,
                signed_on,
                term_from,
                term_until,
                fields,
                involvement,
                council_vote,
                rules,
                acting.as_meta(),
            ),
        )

    def start(
        self,
        proposal_id: UUID,
        department: str,
        acting: Acting,
        *,
        started_on: date,
        city_cost_share_yen: int,
    ) -> Project:
        return self._changing(
            proposal_id,
            department,
            acting,
            lambda p, rules: p.start(started_on, city_cost_share_yen, rules, acting.as_meta()),
        )

    def reach_milestone(
        self,
        proposal_id: UUID,
        department: str,
        acting: Acting,
        *,
        milestone: str,
        reached_on: date,
    ) -> Project:
        return self._changing(
            proposal_id,
            department,
            acting,
            lambda p, _: p.reach_milestone(milestone, reached_on, acting.as_meta()),
        )

    def complete_step(
        self,
        proposal_id: UUID,
        department: str,
        acting: Acting,
        *,
        step: ExperimentStep,
        done_on: date,
        city_present: bool,
        note: str | None,
    ) -> Project:
        return self._changing(
            proposal_id,
            department,
            acting,
            lambda p, _: p.complete_step(step, done_on, city_present, note, acting.as_meta()),
        )

    def end(
        self,
        proposal_id: UUID,
        department: str,
        acting: Acting,
        *,
        ended_on: date,
        verification_due_on: date | None,
    ) -> Project:
        return self._changing(
            proposal_id,
            department,
            acting,
            lambda p, rules: p.end(ended_on, verification_due_on, rules, acting.as_meta()),
        )

    def set_logic_model(
        self, proposal_id: UUID, department: str, acting: Acting, *, logic_model: LogicModel
    ) -> Project:
        return self._changing(
            proposal_id,
            department,
            acting,
            lambda p, _: p.set_logic_model(logic_model, acting.as_meta()),
        )

    def define_kpi(
        self,
        proposal_id: UUID,
        department: str,
        acting: Acting,
        *,
        name: str,
        unit: str,
        baseline: float,
        target: float,
    ) -> Project:
        return self._changing(
            proposal_id,
            department,
            acting,
            lambda p, _: p.define_kpi(name, unit, baseline, target, acting.as_meta()),
        )

    def measure_kpi(
        self,
        proposal_id: UUID,
        department: str,
        acting: Acting,
        *,
        name: str,
        measured_on: date,
        value: float,
    ) -> Project:
        return self._changing(
            proposal_id,
            department,
            acting,
            lambda p, _: p.measure_kpi(name, measured_on, value, acting.as_meta()),
        )

    def give_verdict(
        self,
        proposal_id: UUID,
        department: str,
        acting: Acting,
        *,
        verdict: Verdict,
        reasons: str,
        verified_on: date,
    ) -> Project:
        return self._changing(
            proposal_id,
            department,
            acting,
            lambda p, _: p.give_verdict(verdict, reasons, verified_on, acting.as_meta()),
        )

    def close_project(
        self, proposal_id: UUID, department: str, acting: Acting, *, closed_on: date
    ) -> Project:
        return self._changing(
            proposal_id, department, acting, lambda p, _: p.close(closed_on, acting.as_meta())
        )
