"""Decision's eventsourcing application: hears intake and routing, records decisions."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, ProcessingEvent
from eventsourcing.persistence import IntegrityError

from services.decision.board import CouncilInbox
from services.decision.domain import COUNCIL, Decision, DecisionRuleViolation
from services.decision.fairness import assess, earliest_budget, incentive_cap, thresholds
from services.decision.integration import SERVICE
from shared.acting import Acting
from shared.clock import Clock, utc_now
from shared.consumer import ConsumingApplication, consumes
from shared.contract import (
    AgreementKind,
    Assessment,
    AssessmentInputs,
    Envelope,
    Experiment,
    Involvement,
    RejectionReason,
)
from shared.contract.topics import INTAKE_PROPOSALS, ROUTING_PROPOSALS
from shared.errors import DomainError, InvalidValue, NotFound, StateConflict
from shared.municipalities import today_in_japan
from shared.observed import ObservedProposal, envelope_from, fold_heard
from shared.projection import CatchingUpProjection
from shared.proposal import ProposalState, ProposalStatus
from shared.settings import CommonSettings


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

    # -- who may decide ----------------------------------------------------------------

    def _for_decider(self, proposal_id: UUID, decider: str, acting: Acting) -> Decision:
        """The proposal's decision, started when its department first acts."""
        found = self._find(proposal_id)
        if found is not None:
            if found.municipality != acting.municipality:
                raise NotFound(f"no proposal {proposal_id} in {acting.municipality}")
            return found
        return self._started(proposal_id, decider, acting)

    def _started(self, proposal_id: UUID, decider: str, acting: Acting) -> Decision:
        """A new decision, when the proposal as heard lets `decider` start one."""
        state = self.proposal_state(proposal_id)
        if state is None or state.municipality != acting.municipality:
            raise NotFound(f"no proposal {proposal_id} in {acting.municipality}")
        if decider == COUNCIL:
            raise StateConflict("proposal", f"{state.receipt_number} was not escalated")
        if state.status is not ProposalStatus.IN_DIALOGUE or state.lead_department != decider:
            raise StateConflict(
                "proposal",
                f"{state.receipt_number} is decided by the department that took it on "
                f"({state.lead_department or 'none yet'}), not {decider}",
            )
        return Decision(
            proposal_id=proposal_id,
            municipality=state.municipality,
            receipt_number=state.receipt_number,
            department=decider,
            meta=acting.as_meta(),
        )

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
            rules = thresholds(decision.municipality)
            if experiment is not None and experiment.city_cost_share_yen > (
                rules.experiment_cost_share_cap_yen
            ):
                # Setagaya 004: 区が一部経費(令和8年度から100万円を上限)を負担.
                raise InvalidValue(
                    "experiment.city_cost_share_yen",
                    f"¥{experiment.city_cost_share_yen:,} is above {decision.municipality}'s "
                    f"cap of ¥{rules.experiment_cost_share_cap_yen:,} per demonstration "
                    "experiment",
                )
            assessment: Assessment = assess(inputs, rules)
            needs_money = (
                inputs.initial_cost_yen
                + inputs.recurring_cost_yen_per_year
                + (experiment.city_cost_share_yen if experiment else 0)
            ) > 0
            budget = earliest_budget(self.today(), rules) if needs_money else None
            with _as_refusal("proposal"):
                decision.adopt(
                    decider,
                    assessment.model_dump(mode="json"),
                    None if agreement is None else agreement.value,
                    None if involvement is None else involvement.value,
                    None if experiment is None else experiment.model_dump(mode="json"),
                    None if budget is None else budget.model_dump(mode="json"),
                    note,
                    acting.as_meta(),
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
            with _as_refusal("reasons"):
                decision.reject(decider, [r.value for r in reasons], explanation, acting.as_meta())

        return self._deciding(proposal_id, decider, acting, reject)

    def escalate(self, proposal_id: UUID, department: str, reason: str, acting: Acting) -> Decision:
        def escalate(decision: Decision) -> None:
            with _as_refusal("proposal"):
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
        cap = incentive_cap(total_points, thresholds(decision.municipality))
        if cap is None:
            raise InvalidValue("bonus_points", f"{decision.municipality} has no incentive scheme")
        if bonus_points > cap:
            # Setagaya 004 §5(3): 総配点(加点部分を除く)の10%を上限.
            raise InvalidValue(
                "bonus_points",
                f"{bonus_points:g} is above the cap of {cap:g} "
                f"({decision.municipality}: a share of the total {total_points:g}, bonus excluded)",
            )
        with _as_refusal("proposal"):
            decision.record_incentive(
                decider, bonus_points, total_points, cap, announced_in, acting.as_meta()
            )
        self.save(decision)
        return decision


@contextmanager
def _as_refusal(field: str) -> Iterator[None]:
    try:
        yield
    except DecisionRuleViolation as violation:
        raise StateConflict(field, str(violation)) from None
