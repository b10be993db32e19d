"""Decision's eventsourcing application: hears intake and routing, records decisions."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, ProcessingEvent
from eventsourcing.persistence import IntegrityError

from services.decision.domain import COUNCIL, Decision
from services.decision.fairness import (
    Thresholds,
    assess,
    earliest_budget,
    known_municipalities,
    thresholds,
)
from services.decision.integration import SERVICE, to_envelope
from services.decision.read_models import AwaitingCouncil, CouncilInbox
from shared.acting import Acting
from shared.clock import Clock, utc_now
from shared.consumer import ConsumingApplication, consumes
from shared.contract import (
    AgreementKind,
    Assessment,
    AssessmentInputs,
    BudgetEntry,
    Envelope,
    Experiment,
    Involvement,
    RejectionReason,
)
from shared.contract.topics import INTAKE_PROPOSALS, ROUTING_PROPOSALS
from shared.errors import DomainError, NotFound, NotYetHeard, StateConflict, not_served
from shared.municipalities import today_in_japan
from shared.observed import ObservedProposal, envelope_from, fold_heard
from shared.projection import CatchingUpProjection
from shared.proposal import ProposalState, ProposalStatus
from shared.settings import CommonSettings


@dataclass(frozen=True)
class DecisionRecord:
    """One proposal's decision, with its history as the other services heard it."""

    decision: Decision
    history: list[Envelope]


class DecisionApplication(ConsumingApplication):
    service = SERVICE
    name = "decision"
    aggregate_cache_size = None

    def __init__(self, settings: CommonSettings, clock: Clock = utc_now) -> None:
        super().__init__(settings)
        self.clock = clock
        self.council_inbox = CouncilInbox(self)

    def read_models(self) -> dict[str, CatchingUpProjection]:
        """The read models by name, for comparing them with a rebuild from history
        (`kyoso rebuild`, `GET /audit/read-models`)."""
        return {"council_inbox": self.council_inbox}

    def today(self) -> date:
        return today_in_japan(self.clock())

    # -- what decision hears ------------------------------------------------------

    def _hear(self, envelope: Envelope, processing: ProcessingEvent[Any]) -> None:
        """Keep what intake and routing say of each proposal: who took it on, mainly."""
        event = envelope.event
        proposal_id = envelope.proposal_id
        if proposal_id is None:
            return
        # What is heard never depends on what was heard before, so it is appended after
        # the record's last event without rebuilding the record: one small read, which
        # also finds the record when routing's word on a proposal comes before intake's
        # (the two topics are read independently). A concurrent writer makes the insert
        # conflict, and the stream tries again.
        observed_id = ObservedProposal.create_id(proposal_id)
        last = self.recorder.select_events(observed_id, desc=True, limit=1)
        if not last:
            observed = ObservedProposal(proposal_id=proposal_id)
            observed.hear(envelope)
            processing.collect_events(observed)
            return
        # The event ObservedProposal.hear() records (the library's dataclass constructor
        # takes the fields as keywords, which mypy cannot see).
        heard: dict[str, Any] = {
            "originator_id": observed_id,
            "originator_version": last[0].originator_version + 1,
            "timestamp": ObservedProposal.Heard.create_timestamp(),
            "event_type": event.event_type,
            "event_version": event.version,
            "data": event.model_dump(mode="json"),
            "meta": envelope.meta.model_dump(mode="json"),
        }
        processing.collect_events(ObservedProposal.Heard(**heard))

    # What decision consumes: a proposal as intake tells it, and routing's word on who
    # took it on.
    handlers = consumes(dict.fromkeys(INTAKE_PROPOSALS.events + ROUTING_PROPOSALS.events, _hear))

    def proposal_state(self, proposal_id: UUID) -> ProposalState | None:
        """The proposal as heard, folded once: the stored events are read as they are,
        without rebuilding the record they belong to."""
        heard = [
            envelope_from(e.event_type, e.event_version, e.data, e.meta)
            for e in self.repository.event_store.get(
                originator_id=ObservedProposal.create_id(proposal_id)
            )
            if isinstance(e, ObservedProposal.Heard)
        ]
        return fold_heard(heard)

    # -- reading ------------------------------------------------------------------

    def _find(self, proposal_id: UUID) -> Decision | None:
        try:
            found: object = self.repository.get(proposal_id)
        except AggregateNotFoundError:
            return None
        return found if isinstance(found, Decision) else None

    def decision(self, proposal_id: UUID, municipality: str) -> Decision:
        found = self._find(proposal_id)
        if found is None or found.municipality != municipality:
            raise NotFound(f"no decision for proposal {proposal_id} in {municipality}")
        return found

    def record(self, proposal_id: UUID, municipality: str) -> DecisionRecord:
        """The decision with its history, as it went out to the other services."""
        decision = self.decision(proposal_id, municipality)
        history = [e for e in map(to_envelope, self.events.get(proposal_id)) if e is not None]
        return DecisionRecord(decision, history)

    def awaiting_council(self, municipality: str) -> list[AwaitingCouncil]:
        """What the council has to decide, oldest first, with each proposal's title."""
        waiting = []
        for escalation in self.council_inbox.waiting(municipality):
            state = self.proposal_state(escalation.proposal_id)
            waiting.append(AwaitingCouncil(escalation, None if state is None else state.title))
        return waiting

    def fairness_thresholds(self, municipality: str) -> Thresholds:
        """A served municipality's fairness thresholds."""
        if municipality not in known_municipalities():
            raise not_served(municipality)
        return thresholds(municipality)

    def assess_fairness(self, municipality: str, inputs: AssessmentInputs) -> Assessment:
        """How the implementer would be chosen, without deciding anything."""
        return assess(inputs, thresholds(municipality))

    def earliest_budget_today(
        self, municipality: str, inputs: AssessmentInputs
    ) -> BudgetEntry | None:
        """The earliest budget city money could enter if adopted today (as adopting
        records it, Decision.adopt); none when the city pays nothing."""
        if inputs.initial_cost_yen + inputs.recurring_cost_yen_per_year == 0:
            return None
        return earliest_budget(self.today(), thresholds(municipality))

    # -- who may decide ----------------------------------------------------------------

    def _for_decider(self, proposal_id: UUID, decider: str, acting: Acting) -> Decision:
        """The proposal's decision, started when its department first acts."""
        found = self._find(proposal_id)
        if found is not None:
            if found.municipality != acting.municipality:
                raise NotFound(f"no proposal {proposal_id} in {acting.municipality}")
            self.require_sight(found, decider)
            _refuse_if_withdrawn(self.proposal_state(proposal_id))
            return found
        return self._started(proposal_id, decider, acting)

    @staticmethod
    def require_sight(decision: Decision, decider: str) -> None:
        """A department acts only on the decision of a proposal it took on; for any other
        department it does not exist (DESIGN.md §8: a department sees only what was
        routed to it). The council is told why it may not act (409), as before."""
        if decider != COUNCIL and decider != decision.department:
            raise NotFound(f"no decision for proposal {decision.id} in {decision.municipality}")

    def _started(self, proposal_id: UUID, decider: str, acting: Acting) -> Decision:
        """A new decision on the proposal as heard, if `decider` may start one."""
        state = self.proposal_state(proposal_id)
        absent = NotFound(f"no proposal {proposal_id} in {acting.municipality}")
        if state is None or state.municipality != acting.municipality:
            raise absent
        # A department sees only what was routed to it: anything else is, for it, not
        # there. (The council is told by Decision.start that it was not escalated.)
        if decider != COUNCIL and decider not in state.departments:
            raise absent
        _refuse_if_withdrawn(state)
        if decider != COUNCIL and state.status is ProposalStatus.ROUTED:
            # Routed to this department, and its take-on not heard yet: right after a
            # take-on, routing's event reaches this service within about a second.
            raise NotYetHeard(
                "proposal",
                f"{state.receipt_number}: decision has not yet heard that {decider} took it "
                "on; if it did just now, retry in a moment",
            )
        return Decision.start(state, decider, acting.as_meta())

    def _deciding(
        self,
        proposal_id: UUID,
        decider: str,
        acting: Acting,
        command: Callable[[Decision], None],
    ) -> Decision:
        """Run `command` on the proposal's decision and save it.

        A department acting first on a proposal it took on is the common case, so that is
        tried first without looking for an existing decision: if there is one, its first
        event makes the insert conflict. Anything but success takes the careful path,
        which looks first and answers exactly (already decided, with the council, …)."""
        if decider != COUNCIL:
            try:
                decision = self._started(proposal_id, decider, acting)
                command(decision)
                self.save(decision)
                return decision
            except (IntegrityError, NotFound, DomainError):
                pass
        decision = self._for_decider(proposal_id, decider, acting)
        command(decision)
        self.save(decision)
        return decision

    # -- what departments and the council do ----------------------------------------

    def adopt(
        self,
        proposal_id: UUID,
        decider: str,
        inputs: AssessmentInputs,
        acting: Acting,
        *,
        agreement: AgreementKind | None = None,
        involvement: Involvement | None = None,
        experiment: Experiment | None = None,
        note: str | None = None,
    ) -> Decision:
        def adopt(decision: Decision) -> None:
            decision.adopt(
                decider,
                inputs,
                thresholds(decision.municipality),
                self.today(),
                acting.as_meta(),
                agreement=agreement,
                involvement=involvement,
                experiment=experiment,
                note=note,
            )

        return self._deciding(proposal_id, decider, acting, adopt)

    def reject(
        self,
        proposal_id: UUID,
        decider: str,
        reasons: list[RejectionReason],
        explanation: str,
        acting: Acting,
    ) -> Decision:
        def reject(decision: Decision) -> None:
            decision.reject(decider, [r.value for r in reasons], explanation, acting.as_meta())

        return self._deciding(proposal_id, decider, acting, reject)

    def answer_infeasible(
        self,
        proposal_id: UUID,
        department: str,
        reasons: list[RejectionReason],
        explanation: str,
        acting: Acting,
    ) -> Decision:
        """The lead department's early "infeasible" before it takes the proposal on
        (Decision.answer_infeasible). A department the proposal is not routed to finds
        nothing (404), as for every other act."""
        state = self.proposal_state(proposal_id)
        if (
            state is None
            or state.municipality != acting.municipality
            or department not in state.departments
        ):
            raise NotFound(f"no proposal {proposal_id} in {acting.municipality}")
        _refuse_if_withdrawn(state)
        decision = Decision.answer_infeasible(
            state, department, [r.value for r in reasons], explanation, acting.as_meta()
        )
        try:
            self.save(decision)
        except IntegrityError:
            # Answered already, or a decision was started before (taken on, escalated,
            # then routed anew): say which.
            found = self._find(proposal_id)
            under_way = found.outcome if found and found.outcome else "being decided"
            raise StateConflict(
                "proposal", f"{state.receipt_number} is already {under_way}", code="already_decided"
            ) from None
        return decision

    def escalate(self, proposal_id: UUID, department: str, reason: str, acting: Acting) -> Decision:
        def escalate(decision: Decision) -> None:
            decision.escalate(department, reason, acting.as_meta())

        return self._deciding(proposal_id, department, acting, escalate)

    def record_incentive(
        self,
        proposal_id: UUID,
        decider: str,
        bonus_points: float,
        total_points: float,
        announced_in: str,
        acting: Acting,
    ) -> Decision:
        decision = self.decision(proposal_id, acting.municipality)
        self.require_sight(decision, decider)
        decision.record_incentive(
            decider,
            bonus_points,
            total_points,
            announced_in,
            thresholds(decision.municipality),
            acting.as_meta(),
        )
        self.save(decision)
        return decision


def _refuse_if_withdrawn(state: ProposalState | None) -> None:
    """A withdrawn proposal is not decided: say so, rather than who would decide it."""
    if state is not None and state.status is ProposalStatus.WITHDRAWN:
        raise StateConflict(
            "proposal",
            f"{state.receipt_number} was withdrawn by the proposer: nothing to decide",
            code="withdrawn",
        )
