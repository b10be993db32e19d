"""The implementation service's aggregate: one adopted proposal's project (事業), from the
implementer's selection to the effect verification that closes it.

The project opens when decision's adoption is heard, with the route the fairness
assessment gave, the earliest budget its city money can enter and the experiment the
department described. Every later step is a command the project guards; a refusal is a
shared domain error naming the field (shared.errors: InvalidValue for a value no state
allows, StateConflict for a step the project's state does not allow now)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from services.implementation.rules import CityRules
from shared.contract import (
    AgreementKind,
    CouncilMatter,
    ExperimentStep,
    Involvement,
    LogicModel,
    SelectionRoute,
    Verdict,
)
from shared.errors import InvalidValue, StateConflict

Meta = dict[str, Any]

CALLED_ROUTES = (SelectionRoute.OPEN_CALL.value, SelectionRoute.PROCUREMENT.value)
STEPS = tuple(ExperimentStep)


class Project(Aggregate):
    """One adopted proposal's project. Its id is the proposal id.

    Phases: selection → agreement → implementation → verification → closed."""

    class Opened(Aggregate.Created):
        proposal_id: UUID
        municipality: str
        department: str | None
        route: str
        budget_entry: dict[str, Any] | None
        experiment: dict[str, Any] | None
        agreement_hint: str | None
        involvement_hint: str | None
        meta: Meta

    class CallPublished(Aggregate.Event):
        route: str
        opens_on: date
        closes_on: date
        announcement: str
        proposer_bonus_ratio: float | None
        meta: Meta

    class ApplicantRecorded(Aggregate.Event):
        applicant: str
        applied_on: date
        meta: Meta

    class ImplementerSelected(Aggregate.Event):
        route: str
        implementer: str
        reasons: str
        uniqueness_justification: str | None
        selected_on: date
        meta: Meta

    class AgreementConcluded(Aggregate.Event):
        kind: str
        parties: list[str]
        signed_on: date
        term_from: date
        term_until: date
        fields: list[str]
        involvement: str | None
        council_vote: dict[str, Any] | None
        budget_entry: dict[str, Any] | None
        meta: Meta

    class Started(Aggregate.Event):
        started_on: date
        experiment: bool
        city_cost_share_yen: int
        cost_share_cap_yen: int | None
        meta: Meta

    class MilestoneReached(Aggregate.Event):
        milestone: str
        reached_on: date
        meta: Meta

    class ExperimentStepDone(Aggregate.Event):
        step: str
        done_on: date
        note: str | None
        meta: Meta

    class Ended(Aggregate.Event):
        ended_on: date
        verification_due_on: date
        meta: Meta

    class VerificationOverdue(Aggregate.Event):
        due_on: date
        department: str | None
        meta: Meta

    class LogicModelSet(Aggregate.Event):
        logic_model: dict[str, Any]
        meta: Meta

    class KpiDefined(Aggregate.Event):
        name: str
        unit: str
        baseline: float
        target: float
        meta: Meta

    class KpiMeasured(Aggregate.Event):
        name: str
        measured_on: date
        value: float
        meta: Meta

    class VerdictGiven(Aggregate.Event):
        verdict: str
        reasons: str
        verified_on: date
        kpis: list[dict[str, Any]]  # as they stood: what the verdict rests on
        meta: Meta

    class Closed(Aggregate.Event):
        closed_on: date
        verdict: str
        meta: Meta

    class Withdrawn(Aggregate.Event):
        withdrawn_on: date
        reason: str | None
        meta: Meta

    @staticmethod
    def create_id(proposal_id: UUID) -> UUID:
        return proposal_id

    @classmethod
    def open(
        cls,
        proposal_id: UUID,
        municipality: str,
        department: str | None,
        route: SelectionRoute,
        budget_entry: dict[str, Any] | None,
        experiment: dict[str, Any] | None,
        agreement_hint: AgreementKind | None,
        involvement_hint: Involvement | None,
        meta: Meta,
    ) -> Project:
        """The project of a proposal just adopted; `department` is the one that decided
        it (None when the council did: the lead department heard from routing owns it)."""
        return cls(
            proposal_id=proposal_id,
            municipality=municipality,
            department=department,
            route=route.value,
            budget_entry=budget_entry,
            experiment=experiment,
            agreement_hint=None if agreement_hint is None else agreement_hint.value,
            involvement_hint=None if involvement_hint is None else involvement_hint.value,
            meta=meta,
        )

    @event(Opened)
    def __init__(
        self,
        *,
        proposal_id: UUID,
        municipality: str,
        department: str | None,
        route: str,
        budget_entry: dict[str, Any] | None,
        experiment: dict[str, Any] | None,
        agreement_hint: str | None,
        involvement_hint: str | None,
        meta: Meta,
    ) -> None:
        self.municipality = municipality
        self.department = department
        self.route = route
        self.budget_entry = budget_entry
        self.experiment = experiment
        self.agreement_hint = agreement_hint
        self.involvement_hint = involvement_hint
        self.call: dict[str, Any] | None = None
        self.applicants: dict[str, date] = {}
        self.implementer: str | None = None
        self.uniqueness_justification: str | None = None
        self.agreement: dict[str, Any] | None = None
        self.started_on: date | None = None
        self.city_cost_share_yen = 0
        self.milestones: list[tuple[str, date]] = []
        self.steps_done: dict[str, date] = {}
        self.ended_on: date | None = None
        self.verification_due_on: date | None = None
        self.verification_overdue = False  # flagged once past its due date
        self.logic_model: dict[str, Any] | None = None
        self.kpis: dict[str, dict[str, Any]] = {}
        self.verdict: str | None = None
        self.verdict_reasons: str | None = None
        self.verified_on: date | None = None
        self.closed_on: date | None = None
        self.withdrawn_on: date | None = None
        self.withdrawal_reason: str | None = None

    # -- where the project is ------------------------------------------------------

    @property
    def is_experiment(self) -> bool:
        return self.experiment is not None

    @property
    def phase(self) -> str:
        if self.withdrawn_on is not None:
            return "withdrawn"
        if self.closed_on is not None:
            return "closed"
        if self.verdict is not None:
            return "verified"
        if self.ended_on is not None:
            return "verification"
        if self.started_on is not None:
            return "implementation"
        if self.agreement is not None:
            return "implementation_pending"
        if self.implementer is not None or not self._needs_selection:
            return "agreement"
        return "selection"

    @property
    def _needs_selection(self) -> bool:
        return self.route != SelectionRoute.PARTNERSHIP_WITHOUT_SELECTION.value

    def _require_open(self, field: str) -> None:
        if self.withdrawn_on is not None:
            raise StateConflict(
                field,
                f"the proposer withdrew the proposal on {self.withdrawn_on}: the project "
                "ended by withdrawal, no further step is taken",
                code="withdrawn",
            )
        if self.closed_on is not None:
            raise StateConflict(field, "the project is closed", code="project_closed")

    # -- 1. selection, by the route the fairness assessment gave --------------------

    def publish_call(
        self,
        opens_on: date,
        closes_on: date,
        announcement: str,
        proposer_bonus_ratio: float | None,
        rules: CityRules,
        meta: Meta,
    ) -> None:
        """Publish the open call (公募) or the procurement for the implementer."""
        self._require_open("call")
        if self.route not in CALLED_ROUTES:
            raise StateConflict(
                "route",
                f"the fairness assessment gave {self.route}: the implementer is not chosen "
                "by a call",
                code="route_has_no_call",
                values={"route": self.route},
            )
        if self.call is not None:
            raise StateConflict("call", "the call is already published", code="call_published")
        if closes_on <= opens_on:
            raise InvalidValue(
                "closes_on",
                f"{closes_on} is not after the opening {opens_on}",
                code="call_closes_before_opening",
                values={"closes_on": closes_on, "opens_on": opens_on},
            )
        if self.route == SelectionRoute.PROCUREMENT.value and self.budget_entry is not None:
            # Sapporo 001: 「財政負担がある場合…予算化を経て、事業者を選定する」: the
            # procurement opens once the money is in the budget.
            available = date.fromisoformat(str(self.budget_entry["available_from"]))
            if opens_on < available:
                raise InvalidValue(
                    "opens_on",
                    f"{opens_on} is before the budget is available ({available}, "
                    f"FY{self.budget_entry['fiscal_year']}): procurement follows budgeting",
                    code="procurement_before_budget",
                    values={
                        "opens_on": opens_on,
                        "available_on": available,
                        "fiscal_year": self.budget_entry["fiscal_year"],
                    },
                )
        if proposer_bonus_ratio is not None:
            # Setagaya 004 §5(3): 「公告文等に明示したうえで…総配点(加点部分を除く。)の
            # 10%を上限として合計への加点を行う可能性がある」.
            cap = rules.proposer_bonus_cap_ratio
            if cap is None:
                raise InvalidValue(
                    "proposer_bonus_ratio",
                    f"{self.municipality} has no incentive scheme for proposers",
                    code="no_incentive_scheme",
                )
            if proposer_bonus_ratio > cap:
                raise InvalidValue(
                    "proposer_bonus_ratio",
                    f"{proposer_bonus_ratio:.0%} is above {self.municipality}'s cap of "
                    f"{cap:.0%} of the total score (bonus excluded)",
                    code="bonus_above_cap",
                    values={"ratio": f"{proposer_bonus_ratio:.0%}", "cap": f"{cap:.0%}"},
                )
        self._call_published(
            route=self.route,
            opens_on=opens_on,
            closes_on=closes_on,
            announcement=announcement,
            proposer_bonus_ratio=proposer_bonus_ratio,
            meta=meta,
        )

    @event(CallPublished)
    def _call_published(
        self,
        route: str,
        opens_on: date,
        closes_on: date,
        announcement: str,
        proposer_bonus_ratio: float | None,
        meta: Meta,
    ) -> None:
        self.call = {
            "opens_on": opens_on,
            "closes_on": closes_on,
            "announcement": announcement,
            "proposer_bonus_ratio": proposer_bonus_ratio,
        }

    def record_applicant(self, applicant: str, applied_on: date, meta: Meta) -> None:
        self._require_open("applicant")
        if self.call is None:
            raise StateConflict(
                "applicant", "no call is published: nobody can apply yet", code="no_call_yet"
            )
        if self.implementer is not None:
            raise StateConflict(
                "applicant",
                f"{self.implementer} is already selected",
                code="implementer_selected",
                values={"implementer": self.implementer},
            )
        if not self.call["opens_on"] <= applied_on <= self.call["closes_on"]:
            raise InvalidValue(
                "applied_on",
                f"{applied_on} is outside the call's period "
                f"({self.call['opens_on']} – {self.call['closes_on']})",
                code="applied_outside_call",
                values={
                    "applied_on": applied_on,
                    "opens_on": self.call["opens_on"],
                    "closes_on": self.call["closes_on"],
                },
            )
        if applicant in self.applicants:
            raise StateConflict(
                "applicant",
                f"{applicant} has already applied",
                code="already_applied",
                values={"applicant": applicant},
            )
        self._applicant(applicant=applicant, applied_on=applied_on, meta=meta)

    @event(ApplicantRecorded)
    def _applicant(self, applicant: str, applied_on: date, meta: Meta) -> None:
        self.applicants[applicant] = applied_on

    def select(
        self,
        implementer: str,
        reasons: str,
        selected_on: date,
        meta: Meta,
        *,
        uniqueness_justification: str | None = None,
    ) -> None:
        """Select the implementer by the project's route (Sapporo 001; Kitakyushu 003 STEP 4)."""
        self._require_open("implementer")
        if self.implementer is not None:
            raise StateConflict(
                "implementer",
                f"{self.implementer} is already selected",
                code="implementer_selected",
                values={"implementer": self.implementer},
            )
        if self.route == SelectionRoute.PARTNERSHIP_WITHOUT_SELECTION.value:
            # Setagaya 004 §5(4): 協定書や覚書は必要に応じて締結する — no selection.
            raise StateConflict(
                "route",
                "the fairness assessment gave a partnership without selection: "
                "the project goes straight to the agreement",
                code="no_selection_on_route",
            )
        if not reasons.strip():
            raise InvalidValue(
                "reasons", "a selection needs its reasons", code="selection_without_reasons"
            )
        if self.route == SelectionRoute.DIRECT_SELECTION.value:
            # Sapporo 001: 「その提案を行える事業者が他にいないことが明確なものの場合は、
            # 公募によらず、その事業者を選定」: the justification is what auditors read.
            if uniqueness_justification is None or not uniqueness_justification.strip():
                raise InvalidValue(
                    "uniqueness_justification",
                    "a direct selection needs the uniqueness that justifies it "
                    "(patents, copyrights, special technology, no other capable provider)",
                    code="uniqueness_missing",
                )
        else:
            if uniqueness_justification is not None:
                raise StateConflict(
                    "uniqueness_justification",
                    f"the fairness assessment gave {self.route}: the implementer is chosen "
                    "among the call's applicants, not directly",
                    code="not_direct_selection",
                    values={"route": self.route},
                )
            if self.call is None:
                raise StateConflict(
                    "implementer",
                    f"{self.route}: publish the call first",
                    code="call_first",
                    values={"route": self.route},
                )
            if selected_on < self.call["closes_on"]:
                raise InvalidValue(
                    "selected_on",
                    f"{selected_on} is before the call closes ({self.call['closes_on']})",
                    code="selected_before_call_closes",
                    values={"selected_on": selected_on, "closes_on": self.call["closes_on"]},
                )
            if implementer not in self.applicants:
                raise InvalidValue(
                    "implementer",
                    f"{implementer} did not apply to the call "
                    f"(applicants: {', '.join(self.applicants) or 'none'})",
                    code="not_an_applicant",
                    values={"implementer": implementer, "applicants": ", ".join(self.applicants)},
                )
        self._selected(
            route=self.route,
            implementer=implementer,
            reasons=reasons,
            uniqueness_justification=uniqueness_justification,
            selected_on=selected_on,
            meta=meta,
        )

    @event(ImplementerSelected)
    def _selected(
        self,
        route: str,
        implementer: str,
        reasons: str,
        uniqueness_justification: str | None,
        selected_on: date,
        meta: Meta,
    ) -> None:
        self.implementer = implementer
        self.uniqueness_justification = uniqueness_justification

    # -- 2. the agreement or contract -------------------------------------------------

    def conclude_agreement(
        self,
        kind: AgreementKind,
        parties: list[str],
        signed_on: date,
        term_from: date,
        term_until: date,
        fields: list[str],
        involvement: Involvement | None,
        council_vote: tuple[tuple[CouncilMatter, ...], date] | None,
        rules: CityRules,
        meta: Meta,
    ) -> None:
        """Sign the agreement or contract (Kitakyushu 003 STEP 5: 「具体的な契約や協定を
        締結し、事業を開始します。※予算や条例の改正が必要な場合は、市議会での議決を経ます」)."""
        self._require_open("kind")
        if self.agreement is not None:
            raise StateConflict(
                "kind", "the agreement is already concluded", code="agreement_concluded"
            )
        if self._needs_selection and self.implementer is None:
            raise StateConflict(
                "kind",
                f"the fairness assessment gave {self.route}: select the implementer first",
                code="select_first",
                values={"route": self.route},
            )
        if len(set(parties)) < 2:
            raise InvalidValue(
                "parties", "an agreement has at least two different parties", code="too_few_parties"
            )
        if self.implementer is not None and self.implementer not in parties:
            raise InvalidValue(
                "parties",
                f"the selected implementer {self.implementer} is missing",
                code="implementer_not_a_party",
                values={"implementer": self.implementer},
            )
        if term_until <= term_from:
            raise InvalidValue(
                "term_until",
                f"{term_until} is not after the start {term_from}",
                code="term_ends_before_start",
                values={"term_until": term_until, "term_from": term_from},
            )
        # Aomori 000: 事業連携協定 「特定の分野での連携」, 包括連携協定 「複数の分野での連携」.
        if kind is AgreementKind.COMPREHENSIVE_AGREEMENT and len(set(fields)) < 2:
            raise InvalidValue(
                "fields",
                "a comprehensive agreement (包括連携協定) covers several fields",
                code="comprehensive_needs_fields",
            )
        if kind is not AgreementKind.COMPREHENSIVE_AGREEMENT and len(set(fields)) > 1:
            raise InvalidValue(
                "fields",
                "only a comprehensive agreement (包括連携協定) covers several fields",
                code="one_field_only",
            )
        if kind is AgreementKind.BUSINESS_AGREEMENT and not fields:
            raise InvalidValue(
                "fields",
                "a business agreement (事業連携協定) names its field",
                code="business_agreement_field",
            )
        vote = self._council_vote(council_vote, signed_on, rules)
        self._agreement(
            kind=kind.value,
            parties=list(parties),
            signed_on=signed_on,
            term_from=term_from,
            term_until=term_until,
            fields=list(fields),
            involvement=None if involvement is None else involvement.value,
            council_vote=vote,
            budget_entry=self.budget_entry,
            meta=meta,
        )

    def _council_vote(
        self,
        council_vote: tuple[tuple[CouncilMatter, ...], date] | None,
        signed_on: date,
        rules: CityRules,
    ) -> dict[str, Any] | None:
        """The council's vote, checked against the city's sittings (Kitakyushu 003:
        「市議会は、年に4回(おおむね2-3月、6月、9月、12月)開かれます」)."""
        needs_budget = self.budget_entry is not None
        if council_vote is None:
            if needs_budget:
                raise InvalidValue(
                    "council_vote",
                    "the project needs city money: the council's vote on the budget comes first",
                    code="council_vote_needed",
                )
            return None
        matters, voted_on = council_vote
        if needs_budget and CouncilMatter.BUDGET not in matters:
            raise InvalidValue(
                "council_vote.matters",
                "the project needs city money: add budget",
                code="budget_matter_needed",
            )
        sitting = rules.sitting_of(voted_on)
        if sitting is None:
            names = ", ".join(s.name_ja for s in rules.council_sittings)
            raise InvalidValue(
                "council_vote.voted_on",
                f"the council does not sit in month {voted_on.month} ({names})",
                code="council_not_sitting",
                values={"month": voted_on.month, "sittings": names},
            )
        if needs_budget:
            assert self.budget_entry is not None
            request_by = date.fromisoformat(str(self.budget_entry["request_by"]))
            if voted_on <= request_by:
                raise InvalidValue(
                    "council_vote.voted_on",
                    f"{voted_on} is before the budget request is due ({request_by}): the "
                    f"earliest budget is FY{self.budget_entry['fiscal_year']}",
                    code="vote_before_budget_request",
                    values={
                        "voted_on": voted_on,
                        "request_by": request_by,
                        "fiscal_year": self.budget_entry["fiscal_year"],
                    },
                )
        if signed_on < voted_on:
            raise InvalidValue(
                "signed_on",
                f"{signed_on} is before the council's vote {voted_on}",
                code="signed_before_vote",
                values={"signed_on": signed_on, "voted_on": voted_on},
            )
        return {
            "matters": [m.value for m in matters],
            "voted_on": voted_on.isoformat(),
            "sitting_ja": sitting.name_ja,
            "sitting_en": sitting.name_en,
        }

    @event(AgreementConcluded)
    def _agreement(
        self,
        kind: str,
        parties: list[str],
        signed_on: date,
        term_from: date,
        term_until: date,
        fields: list[str],
        involvement: str | None,
        council_vote: dict[str, Any] | None,
        budget_entry: dict[str, Any] | None,
        meta: Meta,
    ) -> None:
        self.agreement = {
            "kind": kind,
            "parties": parties,
            "signed_on": signed_on,
            "term_from": term_from,
            "term_until": term_until,
            "fields": fields,
            "involvement": involvement,
            "council_vote": council_vote,
        }

    # -- 3. implementation -------------------------------------------------------------

    def start(
        self, started_on: date, city_cost_share_yen: int, rules: CityRules, meta: Meta
    ) -> None:
        self._require_open("started_on")
        if self.agreement is None:
            raise StateConflict(
                "started_on", "conclude the agreement or contract first", code="agreement_first"
            )
        if self.started_on is not None:
            raise StateConflict(
                "started_on",
                f"the project started on {self.started_on}",
                code="already_started",
                values={"started_on": self.started_on},
            )
        if started_on < self.agreement["signed_on"]:
            raise InvalidValue(
                "started_on",
                f"{started_on} is before the signing {self.agreement['signed_on']}",
                code="started_before_signing",
                values={"started_on": started_on, "signed_on": self.agreement["signed_on"]},
            )
        cap: int | None = None
        if self.is_experiment:
            # Setagaya 004: 「区が一部経費(令和8年度から100万円を上限)を負担」: the cap in
            # force on the day the experiment starts, from the city's dated caps.
            cap = rules.cost_share_cap_on(started_on)
            if city_cost_share_yen > (cap or 0):
                raise InvalidValue(
                    "city_cost_share_yen",
                    f"¥{city_cost_share_yen:,} is above {self.municipality}'s cap on "
                    f"{started_on}: "
                    + ("no cost sharing in force" if cap is None else f"¥{cap:,}"),
                    code="no_cost_sharing" if cap is None else "cost_share_above_cap",
                    values={
                        "amount": f"¥{city_cost_share_yen:,}",
                        "on": started_on,
                        "cap": "" if cap is None else f"¥{cap:,}",
                    },
                )
        elif city_cost_share_yen:
            raise InvalidValue(
                "city_cost_share_yen",
                "a cost share belongs to a demonstration experiment",
                code="cost_share_not_experiment",
            )
        self._started(
            started_on=started_on,
            experiment=self.is_experiment,
            city_cost_share_yen=city_cost_share_yen,
            cost_share_cap_yen=cap,
            meta=meta,
        )

    @event(Started)
    def _started(
        self,
        started_on: date,
        experiment: bool,
        city_cost_share_yen: int,
        cost_share_cap_yen: int | None,
        meta: Meta,
    ) -> None:
        self.started_on = started_on
        self.city_cost_share_yen = city_cost_share_yen

    def _require_running(self, field: str, day: date) -> None:
        self._require_open(field)
        if self.started_on is None:
            raise StateConflict(field, "the implementation has not started", code="not_started")
        if self.ended_on is not None:
            raise StateConflict(
                field,
                f"the implementation ended on {self.ended_on}",
                code="already_ended",
                values={"ended_on": self.ended_on},
            )
        if day < self.started_on:
            raise InvalidValue(
                field,
                f"{day} is before the start {self.started_on}",
                code="before_start",
                values={"day": day, "started_on": self.started_on},
            )

    def reach_milestone(self, milestone: str, reached_on: date, meta: Meta) -> None:
        self._require_running("reached_on", reached_on)
        self._milestone(milestone=milestone, reached_on=reached_on, meta=meta)

    @event(MilestoneReached)
    def _milestone(self, milestone: str, reached_on: date, meta: Meta) -> None:
        self.milestones.append((milestone, reached_on))

    def complete_step(
        self, step: ExperimentStep, done_on: date, city_present: bool, note: str | None, meta: Meta
    ) -> None:
        """One of Aomori's experiment steps, in their order (000: 土地・施設管理者との調整 →
        使用許可申請等 → 地域への周知 → 実証実験の実施・立ち合い → 報告書受領)."""
        self._require_open("step")
        if not self.is_experiment:
            raise StateConflict(
                "step", "the project is not a demonstration experiment", code="not_an_experiment"
            )
        self._require_running("done_on", done_on)
        if step.value in self.steps_done:
            raise StateConflict(
                "step",
                f"{step.value} is already done",
                code="step_done",
                values={"step": step.value},
            )
        before = STEPS[: STEPS.index(step)]
        missing = [s.value for s in before if s.value not in self.steps_done]
        if missing:
            raise StateConflict(
                "step",
                f"{step.value} comes after {', '.join(missing)}",
                code="step_out_of_order",
                values={"step": step.value, "missing": ", ".join(missing)},
            )
        if step is ExperimentStep.RUN_WITH_CITY and not city_present:
            # Aomori 000: 「実証実験の実施・立ち合い」: the city is there when it runs.
            raise InvalidValue(
                "city_present",
                "the experiment runs with the city present",
                code="city_not_present",
            )
        self._step(step=step.value, done_on=done_on, note=note, meta=meta)

    @event(ExperimentStepDone)
    def _step(self, step: str, done_on: date, note: str | None, meta: Meta) -> None:
        self.steps_done[step] = done_on

    def end(
        self, ended_on: date, verification_due_on: date | None, rules: CityRules, meta: Meta
    ) -> None:
        self._require_running("ended_on", ended_on)
        if self.is_experiment and ExperimentStep.REPORT_RECEIVED.value not in self.steps_done:
            # Aomori 000: the experiment ends with 「報告書受領」.
            raise StateConflict(
                "ended_on",
                "an experiment ends when its report is received",
                code="report_not_received",
            )
        due = verification_due_on or ended_on + timedelta(days=rules.verification_due_days)
        if due <= ended_on:
            raise InvalidValue(
                "verification_due_on",
                f"{due} is not after the end {ended_on}",
                code="verification_due_before_end",
                values={"due_on": due, "ended_on": ended_on},
            )
        self._ended(ended_on=ended_on, verification_due_on=due, meta=meta)

    @event(Ended)
    def _ended(self, ended_on: date, verification_due_on: date, meta: Meta) -> None:
        self.ended_on = ended_on
        self.verification_due_on = verification_due_on

    # -- 4. effect verification ---------------------------------------------------------

    def _require_verifiable(self, field: str) -> None:
        self._require_open(field)
        if self.verdict is not None:
            raise StateConflict(
                field,
                f"the verdict is given ({self.verdict})",
                code="verdict_given",
                values={"verdict": self.verdict},
            )
        if self.started_on is None:
            raise StateConflict(field, "the implementation has not started", code="not_started")

    def set_logic_model(self, logic_model: LogicModel, meta: Meta) -> None:
        """Kitakyushu 003 ア) ロジックモデルの作成: 「事業の因果関係を可視化する」."""
        self._require_verifiable("logic_model")
        self._logic_model(logic_model=logic_model.model_dump(mode="json"), meta=meta)

    @event(LogicModelSet)
    def _logic_model(self, logic_model: dict[str, Any], meta: Meta) -> None:
        self.logic_model = logic_model

    def define_kpi(self, name: str, unit: str, baseline: float, target: float, meta: Meta) -> None:
        """Kitakyushu 003 イ) 「測定可能な評価指標(KPI)を設定します」: measurable means a unit."""
        self._require_verifiable("name")
        if not name.strip():
            raise InvalidValue("name", "a KPI needs a name", code="kpi_without_name")
        if not unit.strip():
            raise InvalidValue(
                "unit",
                f"KPI {name} needs a unit (%, 人, 件, 円 …)",
                code="kpi_without_unit",
                values={"kpi": name},
            )
        if name in self.kpis:
            raise StateConflict(
                "name", f"KPI {name} is already defined", code="kpi_defined", values={"kpi": name}
            )
        if target == baseline:
            raise InvalidValue(
                "target",
                f"the target of {name} equals its baseline",
                code="target_equals_baseline",
                values={"kpi": name},
            )
        self._kpi(name=name, unit=unit, baseline=baseline, target=target, meta=meta)

    @event(KpiDefined)
    def _kpi(self, name: str, unit: str, baseline: float, target: float, meta: Meta) -> None:
        self.kpis[name] = {
            "name": name,
            "unit": unit,
            "baseline": baseline,
            "target": target,
            "measurements": [],
        }

    def measure_kpi(self, name: str, measured_on: date, value: float, meta: Meta) -> None:
        self._require_verifiable("name")
        if name not in self.kpis:
            raise InvalidValue(
                "name",
                f"no KPI {name} (defined: {', '.join(self.kpis) or 'none'})",
                code="no_such_kpi",
                values={"kpi": name, "defined": ", ".join(self.kpis)},
            )
        assert self.started_on is not None
        if measured_on < self.started_on:
            raise InvalidValue(
                "measured_on",
                f"{measured_on} is before the start {self.started_on}",
                code="before_start",
                values={"day": measured_on, "started_on": self.started_on},
            )
        self._measured(name=name, measured_on=measured_on, value=value, meta=meta)

    @event(KpiMeasured)
    def _measured(self, name: str, measured_on: date, value: float, meta: Meta) -> None:
        self.kpis[name]["measurements"].append(
            {"measured_on": measured_on.isoformat(), "value": value}
        )

    def give_verdict(self, verdict: Verdict, reasons: str, verified_on: date, meta: Meta) -> None:
        """The verification's verdict, with the partner (Kitakyushu 003 STEP 6: 「設定した
        KPIに基づき、事業の成果を共に評価・検証します」…「事業の改善、本格実施、そして
        他分野や他地域への展開」)."""
        self._require_verifiable("verdict")
        if self.ended_on is None:
            raise StateConflict("verdict", "the implementation has not ended", code="not_ended")
        if verified_on < self.ended_on:
            raise InvalidValue(
                "verified_on",
                f"{verified_on} is before the end {self.ended_on}",
                code="verified_before_end",
                values={"verified_on": verified_on, "ended_on": self.ended_on},
            )
        if self.logic_model is None:
            raise StateConflict("verdict", "set the logic model first", code="logic_model_first")
        if not self.kpis:
            raise StateConflict(
                "verdict", "a verdict rests on KPIs: define at least one", code="kpis_first"
            )
        unmeasured = [name for name, kpi in self.kpis.items() if not kpi["measurements"]]
        if unmeasured:
            raise StateConflict(
                "verdict",
                f"a verdict needs measured values: none yet for {', '.join(unmeasured)}",
                code="kpis_unmeasured",
                values={"kpis": ", ".join(unmeasured)},
            )
        if not reasons.strip():
            raise InvalidValue(
                "reasons", "a verdict needs its reasons", code="verdict_without_reasons"
            )
        self._verdict(
            verdict=verdict.value,
            reasons=reasons,
            verified_on=verified_on,
            kpis=[{**kpi, "measurements": list(kpi["measurements"])} for kpi in self.kpis.values()],
            meta=meta,
        )

    @event(VerdictGiven)
    def _verdict(
        self,
        verdict: str,
        reasons: str,
        verified_on: date,
        kpis: list[dict[str, Any]],
        meta: Meta,
    ) -> None:
        self.verdict = verdict
        self.verdict_reasons = reasons
        self.verified_on = verified_on

    def close(self, closed_on: date, meta: Meta) -> None:
        """Close the project, only once verified: Sapporo 001 「事業を実施後、必ず、…事業の
        効果検証を行います（札幌市の財政負担がない場合も含む）」."""
        self._require_open("closed_on")
        if self.verdict is None:
            raise StateConflict(
                "closed_on",
                "the effect verification comes first: give the verdict, then close",
                code="verification_first",
            )
        self._closed(closed_on=closed_on, verdict=self.verdict, meta=meta)

    @event(Closed)
    def _closed(self, closed_on: date, verdict: str, meta: Meta) -> None:
        self.closed_on = closed_on

    # -- withdrawal by the proposer (heard from intake) -----------------------------

    def withdraw(self, withdrawn_on: date, reason: str | None, meta: Meta) -> str | None:
        """The proposer withdrew the adopted proposal (intake's event): the project ends
        by withdrawal. Returns why the withdrawal is ignored, None when it is taken.

        Intake lets a proposer withdraw only until the agreement or contract is signed
        (services.intake.domain.withdrawal_refused; Sapporo 001: 「事業実施主体となる民間
        事業者と札幌市役所における役割分担と責任の所在を明確にすることが重要となります。
        このため、必要に応じ、協定や契約書等を締結します」): once signed, the agreement
        governs how the project ends. A withdrawal heard after the signing is therefore a
        copy or a forgery, not the proposer's word: it is ignored, not raised, because the
        consumer cannot refuse a published event, and an auditor expects the project's
        history to show only what its parties did — a signed project kept running, the
        stray event logged by the application for whoever looks into it. A second
        withdrawal (a redelivered copy) is ignored the same way."""
        if self.withdrawn_on is not None:
            return f"already withdrawn on {self.withdrawn_on}"
        if self.agreement is not None:
            return (
                f"the agreement was signed on {self.agreement['signed_on']}: the project is "
                "bound by it, and intake refuses a withdrawal after the signing"
            )
        if self.closed_on is not None:  # closing needs a verdict, which needs the signing
            return "the project is closed"
        self._withdrawn(withdrawn_on=withdrawn_on, reason=reason, meta=meta)
        return None

    @event(Withdrawn)
    def _withdrawn(self, withdrawn_on: date, reason: str | None, meta: Meta) -> None:
        self.withdrawn_on = withdrawn_on
        self.withdrawal_reason = reason

    def is_overdue(self, today: date) -> bool:
        """Ended, not verified, and past the verification's due date (a withdrawn project
        has nothing left to verify)."""
        return (
            self.withdrawn_on is None
            and self.verdict is None
            and self.closed_on is None
            and self.verification_due_on is not None
            and today > self.verification_due_on
        )

    def flag_overdue_verification(self, today: date, department: str | None, meta: Meta) -> bool:
        """Raise `VerificationOverdue` once, when the verification is past its due date and
        still has no verdict (Sapporo 001: 「事業を実施後、必ず…効果検証を行います」), as
        routing flags its deadlines; True when it was raised now."""
        if self.verification_overdue or not self.is_overdue(today):
            return False
        assert self.verification_due_on is not None
        self._verification_overdue(
            due_on=self.verification_due_on, department=department, meta=meta
        )
        return True

    @event(VerificationOverdue)
    def _verification_overdue(self, due_on: date, department: str | None, meta: Meta) -> None:
        self.verification_overdue = True
