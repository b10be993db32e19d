"""Decision's aggregate: what was decided about one proposal, by whom, and why."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

Meta = dict[str, Any]
COUNCIL = "council"


class DecisionRuleViolation(Exception):
    """A command the decision's current state does not allow (answered with 409)."""


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

    def who_decides(self) -> str:
        return COUNCIL if self.escalated else self.department

    def _require_decider(self, decider: str) -> None:
        if self.outcome is not None:
            raise DecisionRuleViolation(f"{self.receipt_number} is already {self.outcome}")
        if decider != self.who_decides():
            if self.escalated:
                raise DecisionRuleViolation(
                    f"{self.receipt_number} was escalated: the council decides"
                )
            raise DecisionRuleViolation(
                f"{self.receipt_number} is decided by {self.department}, who took it on"
            )

    def adopt(
        self,
        decider: str,
        assessment: dict[str, Any],
        agreement: str | None,
        involvement: str | None,
        experiment: dict[str, Any] | None,
        budget_entry: dict[str, Any] | None,
        note: str | None,
        meta: Meta,
    ) -> None:
        self._require_decider(decider)
        self._adopted(
            decided_by=decider,
            assessment=assessment,
            agreement=agreement,
            involvement=involvement,
            experiment=experiment,
            budget_entry=budget_entry,
            note=note,
            meta=meta,
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
        if not reasons or not explanation.strip():
            raise DecisionRuleViolation("a rejection needs at least one reason and an explanation")
        self._require_decider(decider)
        self._rejected(decided_by=decider, reasons=reasons, explanation=explanation, meta=meta)

    @event(Rejected)
    def _rejected(self, decided_by: str, reasons: list[str], explanation: str, meta: Meta) -> None:
        self.outcome = "rejected"
        self.decided_by = decided_by

    def escalate(self, department: str, reason: str, meta: Meta) -> None:
        if self.escalated:
            raise DecisionRuleViolation(f"{self.receipt_number} is already with the council")
        self._require_decider(department)
        self._escalated(department=department, reason=reason, meta=meta)

    @event(Escalated)
    def _escalated(self, department: str, reason: str, meta: Meta) -> None:
        self.escalated = True

    def record_incentive(
        self,
        decider: str,
        bonus_points: float,
        total_points: float,
        cap_points: float,
        announced_in: str,
        meta: Meta,
    ) -> None:
        if self.outcome != "adopted" or self.route not in ("open_call", "procurement"):
            raise DecisionRuleViolation(
                "an incentive belongs to an open call or competition built on an adopted "
                "proposal's idea"
            )
        if decider != self.decided_by:
            raise DecisionRuleViolation(f"the incentive is recorded by {self.decided_by}")
        if self.incentive is not None:
            raise DecisionRuleViolation("the incentive is already recorded")
        self._incentive(
            bonus_points=bonus_points,
            total_points=total_points,
            cap_points=cap_points,
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
