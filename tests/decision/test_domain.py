"""The Decision aggregate's rules, one by one: who decides, adopting with the fairness
assessment, rejecting with coded reasons, escalating to the council, and the proposer's
incentive within Setagaya's caps (004_9a4ea9356e37e13f.txt). No store, no broker."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import uuid4

import pytest

from services.decision.domain import COUNCIL, Decision
from services.decision.fairness import thresholds
from shared.contract import AssessmentInputs, Experiment, RejectionReason
from shared.errors import DomainError, InvalidValue, StateConflict
from shared.observed import fold_heard
from shared.proposal import ProposalState
from tests.factories import taken_on

NAGASAKI = thresholds("nagasaki")
SETAGAYA = thresholds("setagaya")
BEFORE_THE_BUDGET_REQUESTS = date(2025, 10, 30)  # Kitakyushu 003: requests by 31 October
META: dict[str, Any] = {"role": "department", "municipality": "nagasaki"}
NO_INPUTS = AssessmentInputs()
ROLES = {"city_roles": ("場所の提供", "広報"), "proposer_roles": ("運営", "報告")}


def proposal(department: str = "kyoiku", *, heard: int = 4, **submission: Any) -> ProposalState:
    """The proposal as decision heard it: by default submitted, accepted, routed to
    `department` and taken on by it (`heard` cuts the story short)."""
    envelopes = taken_on(uuid4(), department, **submission)[:heard]
    state = fold_heard(envelopes)
    assert state is not None
    return state


def nagasakis() -> Decision:
    """A decision Nagasaki's education department (kyoiku) started on a proposal it took on."""
    return Decision.start(proposal(), "kyoiku", META)


def setagayas() -> Decision:
    """A decision Setagaya's Co-Lab started."""
    state = proposal("co-lab", municipality="setagaya", receipt_number="SET-2025-0001")
    return Decision.start(state, "co-lab", META)


def refused(kind: type[DomainError], field: str, message: str, command: Any) -> None:
    """`command` is refused with the message a user reads, naming `field`."""
    with pytest.raises(kind) as refusal:
        command()
    assert (refusal.value.field, refusal.value.reason) == (field, message)


def adopt(decision: Decision, decider: str, **kwargs: Any) -> None:
    inputs = kwargs.pop("inputs", NO_INPUTS)
    rules = kwargs.pop("rules", NAGASAKI)
    decided_on = kwargs.pop("decided_on", BEFORE_THE_BUDGET_REQUESTS)
    decision.adopt(decider, inputs, rules, decided_on, META, **kwargs)


def last_event(decision: Decision) -> Any:
    return decision.collect_events()[-1]


# -- who decides ------------------------------------------------------------------------


def test_the_department_that_took_the_proposal_on_starts_its_decision() -> None:
    decision = nagasakis()
    assert decision.who_decides() == "kyoiku" and decision.receipt_number == "NGS-2025-0001"
    assert decision.outcome is None and not decision.escalated


@pytest.mark.parametrize(
    ("decider", "heard", "message"),
    [
        (COUNCIL, 4, "NGS-2025-0001 was not escalated"),
        (
            "kankyo",
            4,
            "NGS-2025-0001 is decided by the department that took it on (kyoiku), not kankyo",
        ),
        (
            "kyoiku",
            2,  # accepted, not yet routed
            "NGS-2025-0001 is decided by the department that took it on (none yet), not kyoiku",
        ),
    ],
    ids=["the council", "another department", "before anyone took it on"],
)
def test_nobody_else_starts_a_decision(decider: str, heard: int, message: str) -> None:
    state = proposal(heard=heard)
    refused(StateConflict, "proposal", message, lambda: Decision.start(state, decider, META))


def test_another_department_cannot_act_on_a_decision_it_does_not_own() -> None:
    decision = nagasakis()
    message = "NGS-2025-0001 is decided by kyoiku, who took it on"
    refused(StateConflict, "proposal", message, lambda: adopt(decision, "kankyo"))
    refused(StateConflict, "proposal", message, lambda: decision.escalate("kankyo", "x", META))
    refused(
        StateConflict,
        "reasons",
        message,
        lambda: decision.reject("kankyo", ["cost"], "予算の見込みが立たない", META),
    )
    refused(StateConflict, "proposal", message, lambda: adopt(decision, COUNCIL))
    assert decision.outcome is None and len(decision.collect_events()) == 1  # started only


# -- adopting, with the fairness assessment ---------------------------------------------


@pytest.mark.parametrize(
    ("inputs", "route"),
    [
        ({}, "partnership_without_selection"),
        ({"occupancy_days": 365}, "open_call"),  # Sapporo 001: 占用性が高い → 公募
        ({"uniqueness_evidence": ["patent"]}, "direct_selection"),  # 001: 特許権 …
        ({"recurring_cost_yen_per_year": 120_000}, "procurement"),  # 001: 保守管理 … 含まれます
    ],
)
def test_an_adoption_carries_the_route_the_fairness_rules_give(
    inputs: dict[str, Any], route: str
) -> None:
    decision = nagasakis()
    adopt(decision, "kyoiku", inputs=AssessmentInputs.model_validate(inputs))
    assert (decision.outcome, decision.route, decision.decided_by) == ("adopted", route, "kyoiku")
    assessment = last_event(decision).assessment
    assert assessment["route"] == route and assessment["trace"][0]["rule"] == "fiscal_burden"
    assert assessment["thresholds_version"] == "nagasaki-2026.1"


@pytest.mark.parametrize(
    ("inputs", "cost_share", "decided_on", "fiscal_year"),
    [
        ({}, 0, BEFORE_THE_BUDGET_REQUESTS, None),  # no city money, no budget
        ({"initial_cost_yen": 3_000_000}, 0, date(2025, 10, 31), 2026),  # the last day
        ({"initial_cost_yen": 3_000_000}, 0, date(2025, 11, 1), 2027),  # a day late
        ({}, 500_000, BEFORE_THE_BUDGET_REQUESTS, 2026),  # the experiment's share is money
    ],
)
def test_city_money_enters_the_earliest_initial_budget(
    inputs: dict[str, Any], cost_share: int, decided_on: date, fiscal_year: int | None
) -> None:
    decision = setagayas()
    experiment = Experiment(city_cost_share_yen=cost_share, **ROLES) if cost_share else None
    adopt(
        decision,
        "co-lab",
        inputs=AssessmentInputs.model_validate(inputs),
        rules=SETAGAYA,
        decided_on=decided_on,
        experiment=experiment,
    )
    budget = last_event(decision).budget_entry
    assert (None if budget is None else budget["fiscal_year"]) == fiscal_year


def test_setagaya_shares_an_experiments_cost_up_to_one_million_yen() -> None:
    # 004: 区が一部経費(令和8年度から100万円を上限)を負担: decided by the budget requests of
    # October 2025, the share is in the FY2026 budget, when ¥1,000,000 is the cap.
    over = setagayas()
    refused(
        InvalidValue,
        "experiment.city_cost_share_yen",
        "¥1,000,001 is above setagaya's cap per demonstration experiment on 2026-04-01, "
        "when the FY2026 budget is available: ¥1,000,000",
        lambda: adopt(
            over,
            "co-lab",
            rules=SETAGAYA,
            experiment=Experiment(city_cost_share_yen=1_000_001, **ROLES),
        ),
    )
    assert over.outcome is None
    at_the_cap = setagayas()
    experiment = Experiment(city_cost_share_yen=1_000_000, **ROLES)
    adopt(at_the_cap, "co-lab", rules=SETAGAYA, experiment=experiment)
    assert at_the_cap.outcome == "adopted"
    assert last_event(at_the_cap).experiment["city_cost_share_yen"] == 1_000_000


def test_setagayas_cap_is_taken_on_the_day_the_budget_is_available() -> None:
    # The cap starts with FY2026 (令和8年度から): decided in FY2024 before its budget
    # requests, the share would be spent in FY2025, when no cap is in force yet.
    early = setagayas()
    refused(
        InvalidValue,
        "experiment.city_cost_share_yen",
        "¥1 is above setagaya's cap per demonstration experiment on 2025-04-01, when the "
        "FY2025 budget is available: no cost sharing in force",
        lambda: adopt(
            early,
            "co-lab",
            rules=SETAGAYA,
            decided_on=date(2024, 10, 1),
            experiment=Experiment(city_cost_share_yen=1, **ROLES),
        ),
    )
    # Decided in FY2024 after its requests were due: the FY2026 budget, the cap in force.
    later = setagayas()
    adopt(
        later,
        "co-lab",
        rules=SETAGAYA,
        decided_on=date(2024, 11, 15),
        experiment=Experiment(city_cost_share_yen=1_000_000, **ROLES),
    )
    assert last_event(later).budget_entry["fiscal_year"] == 2026
    # No share, no city money: nothing to cap, at any date.
    none = setagayas()
    adopt(
        none,
        "co-lab",
        rules=SETAGAYA,
        decided_on=date(2024, 10, 1),
        experiment=Experiment(city_cost_share_yen=0, **ROLES),
    )
    assert none.outcome == "adopted"


def test_a_city_without_a_cost_sharing_scheme_pays_nothing_towards_an_experiment() -> None:
    refused(
        InvalidValue,
        "experiment.city_cost_share_yen",
        "¥1 is above nagasaki's cap per demonstration experiment on 2026-04-01, when the "
        "FY2026 budget is available: no cost sharing in force",
        lambda: adopt(nagasakis(), "kyoiku", experiment=Experiment(city_cost_share_yen=1, **ROLES)),
    )


def test_a_decision_is_final() -> None:
    decision = nagasakis()
    adopt(decision, "kyoiku")
    message = "NGS-2025-0001 is already adopted"
    refused(StateConflict, "proposal", message, lambda: adopt(decision, "kyoiku"))
    refused(StateConflict, "proposal", message, lambda: decision.escalate("kyoiku", "x", META))
    refused(
        StateConflict, "reasons", message, lambda: decision.reject("kyoiku", ["cost"], "x", META)
    )


# -- rejecting, with coded reasons ------------------------------------------------------


def test_a_rejection_carries_its_coded_reasons_and_explanation() -> None:
    decision = nagasakis()
    reasons = [RejectionReason.OVERLAP_WITH_EXISTING.value, RejectionReason.LAW_CONFLICT.value]
    decision.reject("kyoiku", reasons, "既存の通学路安全プログラムと重複します", META)
    assert (decision.outcome, decision.decided_by) == ("rejected", "kyoiku")
    rejected = last_event(decision)
    assert rejected.reasons == ["overlap_with_existing", "law_conflict"]
    assert rejected.explanation == "既存の通学路安全プログラムと重複します"
    message = "NGS-2025-0001 is already rejected"
    refused(StateConflict, "proposal", message, lambda: adopt(decision, "kyoiku"))
    refused(
        StateConflict, "reasons", message, lambda: decision.reject("kyoiku", reasons, "x", META)
    )


@pytest.mark.parametrize(("reasons", "explanation"), [([], "理由"), (["cost"], "  ")])
def test_no_rejection_without_a_reason_and_an_explanation(
    reasons: list[str], explanation: str
) -> None:
    decision = nagasakis()
    refused(
        StateConflict,
        "reasons",
        "a rejection needs at least one reason and an explanation",
        lambda: decision.reject("kyoiku", reasons, explanation, META),
    )
    assert decision.outcome is None


# -- the council ------------------------------------------------------------------------


def test_an_escalated_proposal_is_decided_by_the_council() -> None:
    # Sapporo 001: 判断が難航する場合は、『札幌市官民連携推進本部会議』によって … 意思決定
    decision = nagasakis()
    decision.escalate("kyoiku", "複数部局にまたがる", META)
    assert decision.escalated and decision.who_decides() == COUNCIL
    refused(
        StateConflict,
        "proposal",
        "NGS-2025-0001 was escalated: the council decides",
        lambda: adopt(decision, "kyoiku"),
    )
    refused(
        StateConflict,
        "proposal",
        "NGS-2025-0001 is already with the council",
        lambda: decision.escalate("kyoiku", "again", META),
    )
    adopt(decision, COUNCIL, inputs=AssessmentInputs(initial_cost_yen=3_000_000))
    assert (decision.outcome, decision.decided_by, decision.route) == (
        "adopted",
        COUNCIL,
        "procurement",
    )


def test_the_council_may_reject_what_was_escalated_to_it() -> None:
    decision = nagasakis()
    decision.escalate("kyoiku", "複数部局にまたがる", META)
    decision.reject(COUNCIL, ["cost"], "予算の見込みが立たない", META)
    assert (decision.outcome, decision.decided_by) == ("rejected", COUNCIL)


# -- the proposer's incentive (Setagaya 004 §5(3)) --------------------------------------


def adopted_for_an_open_call() -> Decision:
    decision = setagayas()
    adopt(decision, "co-lab", rules=SETAGAYA, inputs=AssessmentInputs(occupancy_days=365))
    assert decision.route == "open_call"
    return decision


def record(decision: Decision, bonus: float, *, by: str = "co-lab", rules: Any = SETAGAYA) -> None:
    decision.record_incentive(by, bonus, 100, "公告文", rules, META)


def test_setagayas_bonus_is_at_most_ten_percent_of_the_total_without_the_bonus() -> None:
    # 004 §5(3): 総配点(加点部分を除く)の10%を上限
    decision = adopted_for_an_open_call()
    refused(
        InvalidValue,
        "bonus_points",
        "10.5 is above the cap of 10 (setagaya: a share of the total 100, bonus excluded)",
        lambda: record(decision, 10.5),
    )
    record(decision, 10)
    assert decision.incentive == 10
    recorded = last_event(decision)
    assert (recorded.cap_points, recorded.announced_in) == (10, "公告文")
    refused(
        StateConflict, "proposal", "the incentive is already recorded", lambda: record(decision, 5)
    )


def test_the_incentive_is_recorded_by_whoever_adopted_the_proposal() -> None:
    refused(
        StateConflict,
        "proposal",
        "the incentive is recorded by co-lab",
        lambda: record(adopted_for_an_open_call(), 5, by="other"),
    )


def test_an_incentive_belongs_to_an_open_call_or_a_competition() -> None:
    message = (
        "an incentive belongs to an open call or competition built on an adopted proposal's idea"
    )
    not_decided = setagayas()
    refused(StateConflict, "proposal", message, lambda: record(not_decided, 5))
    no_selection = setagayas()
    adopt(no_selection, "co-lab", rules=SETAGAYA)
    refused(StateConflict, "proposal", message, lambda: record(no_selection, 5))


def test_a_city_without_an_incentive_scheme_gives_no_bonus() -> None:
    decision = nagasakis()
    adopt(decision, "kyoiku", inputs=AssessmentInputs(occupancy_days=365))
    refused(
        InvalidValue,
        "bonus_points",
        "nagasaki has no incentive scheme",
        lambda: record(decision, 5, by="kyoiku", rules=NAGASAKI),
    )


# -- the early "infeasible" answer, before any dialogue ---------------------------------


def answer_early(state: ProposalState, department: str = "kyoiku") -> Decision:
    return Decision.answer_infeasible(
        state, department, ["law_conflict"], "条例により公園内での営業はできません", META
    )


def test_the_lead_department_answers_infeasible_before_taking_the_proposal_on() -> None:
    # Aomori 000: 実施困難と判断した場合は検討過程において早めに回答します.
    decision = answer_early(proposal(heard=3))  # routed to kyoiku, not taken on
    assert (decision.outcome, decision.decided_by, decision.early) == (
        "rejected",
        "kyoiku",
        True,
    )
    events = decision.collect_events()
    assert [type(e) for e in events] == [Decision.Started, Decision.AnsweredInfeasible]
    answered = events[-1]
    assert isinstance(answered, Decision.AnsweredInfeasible)
    assert answered.reasons == ["law_conflict"]
    assert answered.explanation == "条例により公園内での営業はできません"
    message = "NGS-2025-0001 is already rejected"
    refused(StateConflict, "proposal", message, lambda: adopt(decision, "kyoiku"))


def test_the_early_answer_is_only_the_lead_departments_and_only_before_take_on() -> None:
    refused(
        StateConflict,
        "proposal",
        "NGS-2025-0001 is answered early only by its lead department (kyoiku) before it "
        "is taken on, not by kankyo",
        lambda: answer_early(proposal(heard=3), "kankyo"),
    )
    refused(
        StateConflict,
        "proposal",
        "NGS-2025-0001 is already taken on by kyoiku: reject it with reasons in the decision",
        lambda: answer_early(proposal()),
    )
    refused(
        StateConflict,
        "reasons",
        "a rejection needs at least one reason and an explanation",
        lambda: Decision.answer_infeasible(proposal(heard=3), "kyoiku", [], "理由", META),
    )
