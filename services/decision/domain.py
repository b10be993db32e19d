"""Decision's aggregate: what was decided about one proposal, by whom, and why.

The aggregate guards its own rules and refuses with the shared domain errors
(shared.errors: InvalidValue for a value no state allows, StateConflict for a step the
decision's state does not allow), naming the field the refusal concerns."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from services.decision.fairness import Thresholds, assess, earliest_budget, incentive_cap
from shared.contract import AgreementKind, AssessmentInputs, BudgetEntry, Experiment, Involvement
from shared.cost_share import cost_share_caps
from shared.errors import InvalidValue, StateConflict
from shared.proposal import ProposalState, ProposalStatus

Meta = dict[str, Any]
COUNCIL = "council"


class Decision(Aggregate):
    """One proposal's decision (実施可否判断). Its id is the proposal id.

    A department that took the proposal on adopts it, rejects it with reasons, or
    escalates it to the council (官民連携推進本部会議, Sapporo), which then decides.
    A decision is final; an adopted proposal may carry the proposer's incentive."""

    class Started(Aggregate.Created):
        proposal_id: UUID
        municipality: str
        receipt_number: str
        department: str
        meta: Meta

    class Adopted(Aggregate.Event):
        decided_by: str
        assessment: dict[str, Any]
        agreement: str | None
        involvement: str | None
        experiment: dict[str, Any] | None
        budget_entry: dict[str, Any] | None
        note: str | None
        meta: Meta

    class Rejected(Aggregate.Event):
        decided_by: str
        reasons: list[str]
        explanation: str
        meta: Meta

    class AnsweredInfeasible(Aggregate.Event):
        """Rejected early, before the lead department took the proposal on."""

        decided_by: str
        reasons: list[str]
        explanation: str
        meta: Meta

    class Escalated(Aggregate.Event):
        department: str
        reason: str
        meta: Meta

    class IncentiveRecorded(Aggregate.Event):
        bonus_points: float
        total_points: float
        cap_points: float
        announced_in: str
        meta: Meta

    @staticmethod
    def create_id(proposal_id: UUID) -> UUID:
        return proposal_id

    @classmethod
    def start(cls, proposal: ProposalState, decider: str, meta: Meta) -> Decision:
        """The decision on a proposal, started by the first act of the one who decides it.

        The department that took the proposal on decides it; the council decides only
        what that department escalated to it. Sapporo 001: 「市関係部署における判断が
        難航する場合は、『札幌市官民連携推進本部会議』によって庁内横断的な意思決定を行います」."""
        if decider == COUNCIL:
            raise StateConflict(
                "proposal", f"{proposal.receipt_number} was not escalated", code="not_escalated"
            )
        if proposal.status is not ProposalStatus.IN_DIALOGUE or (
            proposal.lead_department != decider
        ):
            raise StateConflict(
                "proposal",
                f"{proposal.receipt_number} is decided by the department that took it on "
                f"({proposal.lead_department or 'none yet'}), not {decider}",
                code="decided_by_another",
            )
        return cls(
            proposal_id=proposal.proposal_id,
            municipality=proposal.municipality,
            receipt_number=proposal.receipt_number,
            department=decider,
            meta=meta,
        )

    @event(Started)
    def __init__(
        self,
        *,
        proposal_id: UUID,
        municipality: str,
        receipt_number: str,
        department: str,
        meta: Meta,
    ) -> None:
        self.municipality = municipality
        self.receipt_number = receipt_number
        self.department = department
        self.escalated = False
        self.outcome: str | None = None  # "adopted" | "rejected"
        self.decided_by: str | None = None
        self.route: str | None = None
        self.incentive: float | None = None
        self.early = False  # answered infeasible before it was taken on

    @classmethod
    def answer_infeasible(
        cls,
        proposal: ProposalState,
        department: str,
        reasons: list[str],
        explanation: str,
        meta: Meta,
    ) -> Decision:
        """The lead department answers "infeasible" before any dialogue: a decision that is
        started and rejected at once, with coded reasons and an explanation the proposer
        reads, as any rejection. Aomori 000: 「※実施困難と判断した場合は検討過程において
        早めに回答します」; Sapporo 001: 「事業実施に至らない場合は、その理由を提案者に
        説明します」. Once taken on, the department rejects through the decision itself."""
        _require_reasons(reasons, explanation)
        if proposal.status is ProposalStatus.IN_DIALOGUE and (
            proposal.lead_department == department
        ):
            raise StateConflict(
                "proposal",
                f"{proposal.receipt_number} is already taken on by {department}: "
                "reject it with reasons in the decision",
            )
        if proposal.status is not ProposalStatus.ROUTED or (proposal.lead_department != department):
            raise StateConflict(
                "proposal",
                f"{proposal.receipt_number} is answered early only by its lead department "
                f"({proposal.lead_department or 'none yet'}) before it is taken on, "
                f"not by {department}",
            )
        decision = cls(
            proposal_id=proposal.proposal_id,
            municipality=proposal.municipality,
            receipt_number=proposal.receipt_number,
            department=department,
            meta=meta,
        )
        decision._answered_infeasible(
            decided_by=department, reasons=reasons, explanation=explanation, meta=meta
        )
        return decision

    @event(AnsweredInfeasible)
    def _answered_infeasible(
        self, decided_by: str, reasons: list[str], explanation: str, meta: Meta
    ) -> None:
        self.outcome = "rejected"
        self.decided_by = decided_by
        self.early = True

    def who_decides(self) -> str:
        return COUNCIL if self.escalated else self.department

    def _require_decider(self, decider: str, field: str) -> None:
        """A decision is final, and only the one who decides may act on it."""
        if self.outcome is not None:
            raise StateConflict(
                field, f"{self.receipt_number} is already {self.outcome}", code="already_decided"
            )
        if decider != self.who_decides():
            if self.escalated:
                raise StateConflict(
                    field,
                    f"{self.receipt_number} was escalated: the council decides",
                    code="council_decides",
                )
            raise StateConflict(
                field,
                f"{self.receipt_number} is decided by {self.department}, who took it on",
                code="decided_by_another",
            )

    def adopt(
        self,
        decider: str,
        inputs: AssessmentInputs,
        rules: Thresholds,
        decided_on: date,
        meta: Meta,
        *,
        agreement: AgreementKind | None = None,
        involvement: Involvement | None = None,
        experiment: Experiment | None = None,
        note: str | None = None,
    ) -> None:
        """Adopt the proposal with the fairness assessment of how its implementer is
        chosen, and the earliest budget its city money can enter (fairness.py)."""
        assessment = assess(inputs, rules)
        needs_money = (
            inputs.initial_cost_yen
            + inputs.recurring_cost_yen_per_year
            + (experiment.city_cost_share_yen if experiment else 0)
        ) > 0
        budget = earliest_budget(decided_on, rules) if needs_money else None
        if experiment is not None and experiment.city_cost_share_yen > 0:
            assert budget is not None  # the share is city money
            self._require_within_cost_share_cap(experiment.city_cost_share_yen, budget)
        self._require_decider(decider, "proposal")
        self._adopted(
            decided_by=decider,
            assessment=assessment.model_dump(mode="json"),
            agreement=None if agreement is None else agreement.value,
            involvement=None if involvement is None else involvement.value,
            experiment=None if experiment is None else experiment.model_dump(mode="json"),
            budget_entry=None if budget is None else budget.model_dump(mode="json"),
            note=note,
            meta=meta,
        )

    def _require_within_cost_share_cap(self, share_yen: int, budget: BudgetEntry) -> None:
        """Setagaya 004: 「区が一部経費(令和8年度から100万円を上限)を負担」: a cap with an
        effective date. The share is city money, spent no earlier than the budget it
        enters: the cap is the one in force when that budget is available, from the
        dated caps implementation checks again when the experiment starts."""
        day = budget.available_from
        cap = cost_share_caps(self.municipality).on(day)
        if cap is None or share_yen > cap:
            raise InvalidValue(
                "experiment.city_cost_share_yen",
                f"¥{share_yen:,} is above {self.municipality}'s cap per demonstration "
                f"experiment on {day}, when the FY{budget.fiscal_year} budget is available: "
                + ("no cost sharing in force" if cap is None else f"¥{cap:,}"),
            )

    @event(Adopted)
    def _adopted(
        self,
        decided_by: str,
        assessment: dict[str, Any],
        agreement: str | None,
        involvement: str | None,
        experiment: dict[str, Any] | None,
        budget_entry: dict[str, Any] | None,
        note: str | None,
        meta: Meta,
    ) -> None:
        self.outcome = "adopted"
        self.decided_by = decided_by
        self.route = str(assessment["route"])

    def reject(self, decider: str, reasons: list[str], explanation: str, meta: Meta) -> None:
        """Reject, always with coded reasons and an explanation the proposer reads
        (Kitakyushu 003: 「その判断理由(例:関連法規との整合性の課題、類似事業との重複など)を
        具体的にお伝えする」). A rejection's refusals all name its `reasons`."""
        _require_reasons(reasons, explanation)
        self._require_decider(decider, "reasons")
        self._rejected(decided_by=decider, reasons=reasons, explanation=explanation, meta=meta)

    @event(Rejected)
    def _rejected(self, decided_by: str, reasons: list[str], explanation: str, meta: Meta) -> None:
        self.outcome = "rejected"
        self.decided_by = decided_by

    def escalate(self, department: str, reason: str, meta: Meta) -> None:
        """The department hands a hard case to the council, once."""
        if self.escalated:
            raise StateConflict(
                "proposal",
                f"{self.receipt_number} is already with the council",
                code="already_escalated",
            )
        self._require_decider(department, "proposal")
        self._escalated(department=department, reason=reason, meta=meta)

    @event(Escalated)
    def _escalated(self, department: str, reason: str, meta: Meta) -> None:
        self.escalated = True

    def record_incentive(
        self,
        decider: str,
        bonus_points: float,
        total_points: float,
        announced_in: str,
        rules: Thresholds,
        meta: Meta,
    ) -> None:
        """The proposer's bonus points in the open call or competition built on its idea,
        within the municipality's cap."""
        cap = incentive_cap(total_points, rules)
        if cap is None:
            raise InvalidValue("bonus_points", f"{self.municipality} has no incentive scheme")
        if bonus_points > cap:
            # Setagaya 004 §5(3): 総配点(加点部分を除く)の10%を上限.
            raise InvalidValue(
                "bonus_points",
                f"{bonus_points:g} is above the cap of {cap:g} "
                f"({self.municipality}: a share of the total {total_points:g}, bonus excluded)",
            )
        if self.outcome != "adopted" or self.route not in ("open_call", "procurement"):
            raise StateConflict(
                "proposal",
                "an incentive belongs to an open call or competition built on an adopted "
                "proposal's idea",
            )
        if decider != self.decided_by:
            raise StateConflict("proposal", f"the incentive is recorded by {self.decided_by}")
        if self.incentive is not None:
            raise StateConflict("proposal", "the incentive is already recorded")
        self._incentive(
            bonus_points=bonus_points,
            total_points=total_points,
            cap_points=cap,
            announced_in=announced_in,
            meta=meta,
        )

    @event(IncentiveRecorded)
    def _incentive(
        self,
        bonus_points: float,
        total_points: float,
        cap_points: float,
        announced_in: str,
        meta: Meta,
    ) -> None:
        self.incentive = bonus_points


def _require_reasons(reasons: list[str], explanation: str) -> None:
    if not reasons or not explanation.strip():
        raise StateConflict("reasons", "a rejection needs at least one reason and an explanation")
