"""The project's rules, one at a time: the aggregate alone, no store, no broker."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import uuid4

import pytest

from services.implementation.domain import Project
from services.implementation.rules import city_rules
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
from shared.municipalities import municipalities

META: dict[str, Any] = {"role": "department"}
SETAGAYA = city_rules("setagaya")
KITAKYUSHU = city_rules("kitakyushu")
BUDGET = {
    "fiscal_year": 2026,
    "kind": "initial",
    "request_by": "2025-10-31",
    "available_from": "2026-04-01",
    "because": "decided by the budget requests",
}
EXPERIMENT = {"city_cost_share_yen": 0, "city_roles": ["場所"], "proposer_roles": ["運営"]}
LOGIC = LogicModel(
    inputs=("センサー10台",),
    activities=("通学路の計測",),
    outputs=("危険箇所マップ",),
    outcomes=("ヒヤリハットの減少",),
    impact=("通学路の事故ゼロ",),
)


def project(
    route: SelectionRoute,
    *,
    municipality: str = "setagaya",
    budget: dict[str, Any] | None = None,
    experiment: dict[str, Any] | None = None,
) -> Project:
    return Project.open(
        proposal_id=uuid4(),
        municipality=municipality,
        department="kyoiku",
        route=route,
        budget_entry=budget,
        experiment=experiment,
        agreement_hint=None,
        involvement_hint=None,
        meta=META,
    )


def memorandum(p: Project, *, signed_on: date = date(2026, 5, 1), **kw: Any) -> None:
    arguments: dict[str, Any] = {
        "kind": AgreementKind.MEMORANDUM,
        "parties": ["世田谷区", p.implementer or "株式会社みなと観光"],
        "signed_on": signed_on,
        "term_from": signed_on,
        "term_until": date(2027, 3, 31),
        "fields": [],
        "involvement": None,
        "council_vote": None,
        "rules": SETAGAYA,
        "meta": META,
    }
    p.conclude_agreement(**{**arguments, **kw})


def running(experiment: dict[str, Any] | None = None) -> Project:
    p = project(SelectionRoute.PARTNERSHIP_WITHOUT_SELECTION, experiment=experiment)
    memorandum(p)
    p.start(date(2026, 5, 10), 0, SETAGAYA, META)
    return p


def ended(experiment: dict[str, Any] | None = None) -> Project:
    p = running(experiment)
    p.end(date(2026, 9, 30), None, SETAGAYA, META)
    return p


# -- 1. selection follows the assessment's route -------------------------------------------


def test_an_open_call_is_published_with_its_period_applicants_apply_and_one_is_selected() -> None:
    p = project(SelectionRoute.OPEN_CALL)
    assert p.phase == "selection"
    p.publish_call(date(2026, 5, 1), date(2026, 5, 31), "区HPで公告", 0.1, SETAGAYA, META)
    p.record_applicant("株式会社みなと観光", date(2026, 5, 10), META)
    p.record_applicant("ながさき交通株式会社", date(2026, 5, 20), META)
    with pytest.raises(InvalidValue, match="outside the call's period") as refused:
        p.record_applicant("遅れた株式会社", date(2026, 6, 1), META)
    assert refused.value.field == "applied_on"
    with pytest.raises(InvalidValue, match="before the call closes"):
        p.select("株式会社みなと観光", "評価点が最も高い", date(2026, 5, 30), META)
    with pytest.raises(InvalidValue, match="did not apply") as refused:
        p.select("よその株式会社", "評価点が最も高い", date(2026, 6, 5), META)
    assert refused.value.field == "implementer"
    p.select("株式会社みなと観光", "評価点が最も高い", date(2026, 6, 5), META)
    assert (p.implementer, p.phase) == ("株式会社みなと観光", "agreement")


def test_the_proposers_bonus_in_the_call_is_within_setagayas_ten_percent() -> None:
    p = project(SelectionRoute.OPEN_CALL)
    with pytest.raises(InvalidValue, match="11% is above setagaya's cap of 10%") as refused:
        p.publish_call(date(2026, 5, 1), date(2026, 5, 31), "公告", 0.11, SETAGAYA, META)
    assert refused.value.field == "proposer_bonus_ratio"
    elsewhere = project(SelectionRoute.OPEN_CALL, municipality="kitakyushu")
    with pytest.raises(InvalidValue, match="no incentive scheme"):
        elsewhere.publish_call(date(2026, 5, 1), date(2026, 5, 31), "公告", 0.05, KITAKYUSHU, META)


def test_a_call_closes_after_it_opens() -> None:
    p = project(SelectionRoute.OPEN_CALL)
    with pytest.raises(InvalidValue, match="not after the opening") as refused:
        p.publish_call(date(2026, 5, 31), date(2026, 5, 31), "公告", None, SETAGAYA, META)
    assert refused.value.field == "closes_on"


def test_a_procurement_opens_only_once_the_money_is_in_the_budget() -> None:
    p = project(SelectionRoute.PROCUREMENT, budget=BUDGET)
    with pytest.raises(InvalidValue, match="before the budget is available") as refused:
        p.publish_call(date(2026, 3, 1), date(2026, 4, 30), "入札公告", None, SETAGAYA, META)
    assert refused.value.field == "opens_on"
    p.publish_call(date(2026, 4, 1), date(2026, 4, 30), "入札公告", None, SETAGAYA, META)


def test_a_direct_selection_needs_its_uniqueness_justification_and_keeps_it() -> None:
    p = project(SelectionRoute.DIRECT_SELECTION)
    with pytest.raises(StateConflict, match="not chosen by a call") as conflict:
        p.publish_call(date(2026, 5, 1), date(2026, 5, 31), "公告", None, SETAGAYA, META)
    assert conflict.value.field == "route"
    with pytest.raises(InvalidValue, match="uniqueness") as refused:
        p.select("株式会社みなと観光", "特許技術", date(2026, 5, 1), META)
    assert refused.value.field == "uniqueness_justification"
    p.select(
        "株式会社みなと観光",
        "特許技術",
        date(2026, 5, 1),
        META,
        uniqueness_justification="特許第1234567号の技術を他に有する者がいない",
    )
    assert p.uniqueness_justification == "特許第1234567号の技術を他に有する者がいない"


def test_an_open_call_cannot_be_replaced_by_a_direct_selection() -> None:
    p = project(SelectionRoute.OPEN_CALL)
    with pytest.raises(StateConflict, match="among the call's applicants, not directly"):
        p.select(
            "株式会社みなと観光", "速い", date(2026, 5, 1), META, uniqueness_justification="独自"
        )
    with pytest.raises(StateConflict, match="publish the call first"):
        p.select("株式会社みなと観光", "速い", date(2026, 5, 1), META)


def test_a_partnership_without_selection_goes_straight_to_the_agreement() -> None:
    p = project(SelectionRoute.PARTNERSHIP_WITHOUT_SELECTION)
    assert p.phase == "agreement"
    with pytest.raises(StateConflict, match="straight to the agreement") as conflict:
        p.select("株式会社みなと観光", "良い", date(2026, 5, 1), META)
    assert conflict.value.field == "route"
    memorandum(p)
    assert p.phase == "implementation_pending"


# -- 2. the agreement or contract -------------------------------------------------------------


def test_an_agreement_needs_the_selected_implementer_first_and_among_its_parties() -> None:
    p = project(SelectionRoute.DIRECT_SELECTION)
    with pytest.raises(StateConflict, match="select the implementer first"):
        memorandum(p)
    p.select("株式会社みなと観光", "独自", date(2026, 4, 1), META, uniqueness_justification="特許")
    with pytest.raises(InvalidValue, match="selected implementer 株式会社みなと観光 is missing"):
        memorandum(p, parties=["世田谷区", "別の株式会社"])


def test_an_agreements_term_ends_after_it_starts() -> None:
    p = project(SelectionRoute.PARTNERSHIP_WITHOUT_SELECTION)
    with pytest.raises(InvalidValue, match="not after the start") as refused:
        memorandum(p, term_from=date(2026, 5, 1), term_until=date(2026, 5, 1))
    assert refused.value.field == "term_until"


def test_several_fields_only_for_a_comprehensive_agreement() -> None:
    p = project(SelectionRoute.PARTNERSHIP_WITHOUT_SELECTION)
    with pytest.raises(InvalidValue, match="covers several fields") as refused:
        memorandum(p, kind=AgreementKind.COMPREHENSIVE_AGREEMENT, fields=["教育"])
    assert refused.value.field == "fields"
    with pytest.raises(InvalidValue, match="only a comprehensive agreement"):
        memorandum(p, kind=AgreementKind.BUSINESS_AGREEMENT, fields=["教育", "観光"])
    with pytest.raises(InvalidValue, match="names its field"):
        memorandum(p, kind=AgreementKind.BUSINESS_AGREEMENT, fields=[])
    memorandum(
        p,
        kind=AgreementKind.COMPREHENSIVE_AGREEMENT,
        fields=["教育", "観光", "防災"],
        involvement=Involvement.CO_ORGANISER,
    )
    assert p.agreement is not None and p.agreement["involvement"] == "co_organiser"


def test_city_money_needs_the_councils_budget_vote_in_one_of_its_sittings() -> None:
    p = project(SelectionRoute.DIRECT_SELECTION, municipality="kitakyushu", budget=BUDGET)
    p.select("株式会社みなと観光", "独自", date(2026, 4, 1), META, uniqueness_justification="特許")
    contract: dict[str, Any] = {
        "kind": AgreementKind.CONTRACT,
        "rules": KITAKYUSHU,
        "signed_on": date(2026, 4, 1),
    }
    with pytest.raises(InvalidValue, match="council's vote on the budget") as refused:
        memorandum(p, **contract)
    assert refused.value.field == "council_vote"
    with pytest.raises(InvalidValue, match="add budget"):
        memorandum(p, **contract, council_vote=((CouncilMatter.BYLAW,), date(2026, 3, 10)))
    # Kitakyushu 003: the council sits in Feb–Mar, June, September and December.
    with pytest.raises(InvalidValue, match="does not sit in month 7") as refused:
        memorandum(p, **contract, council_vote=((CouncilMatter.BUDGET,), date(2025, 7, 10)))
    assert refused.value.field == "council_vote.voted_on"
    with pytest.raises(InvalidValue, match="before the budget request is due"):
        memorandum(p, **contract, council_vote=((CouncilMatter.BUDGET,), date(2025, 9, 20)))
    with pytest.raises(InvalidValue, match="before the council's vote") as refused:
        memorandum(
            p,
            **{**contract, "signed_on": date(2026, 3, 1)},
            council_vote=((CouncilMatter.BUDGET,), date(2026, 3, 10)),
        )
    assert refused.value.field == "signed_on"
    memorandum(p, **contract, council_vote=((CouncilMatter.BUDGET,), date(2026, 3, 10)))
    assert p.agreement is not None
    assert p.agreement["council_vote"]["sitting_ja"] == "2～3月定例会"
    assert p.budget_entry == BUDGET  # kept from the decision


# -- 3. implementation ------------------------------------------------------------------------


def test_the_implementation_starts_after_the_signing_with_milestones_while_it_runs() -> None:
    p = project(SelectionRoute.PARTNERSHIP_WITHOUT_SELECTION)
    with pytest.raises(StateConflict, match="conclude the agreement"):
        p.start(date(2026, 5, 10), 0, SETAGAYA, META)
    memorandum(p, signed_on=date(2026, 5, 1))
    with pytest.raises(InvalidValue, match="before the signing"):
        p.start(date(2026, 4, 30), 0, SETAGAYA, META)
    with pytest.raises(InvalidValue, match="belongs to a demonstration experiment"):
        p.start(date(2026, 5, 10), 1, SETAGAYA, META)
    p.start(date(2026, 5, 10), 0, SETAGAYA, META)
    p.reach_milestone("システム稼働", date(2026, 6, 1), META)
    with pytest.raises(InvalidValue, match="before the start"):
        p.reach_milestone("準備", date(2026, 5, 1), META)
    assert p.milestones == [("システム稼働", date(2026, 6, 1))]


def test_the_experiments_cost_share_is_checked_against_the_cap_in_force_that_day() -> None:
    def started(on: date, yen: int) -> Project:
        p = project(SelectionRoute.PARTNERSHIP_WITHOUT_SELECTION, experiment=EXPERIMENT)
        memorandum(p, signed_on=date(2026, 3, 1))
        p.start(on, yen, SETAGAYA, META)
        return p

    # Setagaya 004: 令和8年度から100万円を上限 — in force from 1 April 2026, not before.
    with pytest.raises(InvalidValue, match="no cost sharing in force") as refused:
        started(date(2026, 3, 31), 500_000)
    assert refused.value.field == "city_cost_share_yen"
    with pytest.raises(InvalidValue, match=r"¥1,000,001 is above setagaya's cap on 2026-04-01"):
        started(date(2026, 4, 1), 1_000_001)
    assert started(date(2026, 4, 1), 1_000_000).city_cost_share_yen == 1_000_000
    assert started(date(2026, 3, 31), 0).started_on == date(2026, 3, 31)


def test_an_experiment_follows_aomoris_steps_in_order_with_the_city_present() -> None:
    p = running(EXPERIMENT)
    with pytest.raises(StateConflict, match="comes after site_coordination, permits"):
        p.complete_step(ExperimentStep.AREA_NOTICE, date(2026, 6, 1), False, None, META)
    p.complete_step(ExperimentStep.SITE_COORDINATION, date(2026, 5, 15), False, "地権者", META)
    p.complete_step(ExperimentStep.PERMITS, date(2026, 5, 20), False, "道路使用許可", META)
    p.complete_step(ExperimentStep.AREA_NOTICE, date(2026, 5, 25), False, None, META)
    with pytest.raises(InvalidValue, match="with the city present") as refused:
        p.complete_step(ExperimentStep.RUN_WITH_CITY, date(2026, 6, 1), False, None, META)
    assert refused.value.field == "city_present"
    p.complete_step(ExperimentStep.RUN_WITH_CITY, date(2026, 6, 1), True, None, META)
    with pytest.raises(StateConflict, match="when its report is received"):
        p.end(date(2026, 9, 30), None, SETAGAYA, META)
    p.complete_step(ExperimentStep.REPORT_RECEIVED, date(2026, 9, 1), False, None, META)
    p.end(date(2026, 9, 30), None, SETAGAYA, META)
    assert p.verification_due_on == date(2026, 12, 29)  # 90 days, the city's data


def test_only_an_experiment_has_experiment_steps() -> None:
    with pytest.raises(StateConflict, match="not a demonstration experiment"):
        running().complete_step(
            ExperimentStep.SITE_COORDINATION, date(2026, 6, 1), False, None, META
        )


# -- 4. effect verification -----------------------------------------------------------------


def test_a_kpi_without_a_unit_is_refused() -> None:
    p = running()
    with pytest.raises(InvalidValue, match="needs a unit") as refused:
        p.define_kpi("ヒヤリハット件数", " ", 40, 20, META)
    assert refused.value.field == "unit"
    p.define_kpi("ヒヤリハット件数", "件", 40, 20, META)
    with pytest.raises(StateConflict, match="already defined"):
        p.define_kpi("ヒヤリハット件数", "件", 40, 10, META)
    with pytest.raises(InvalidValue, match="no KPI 利用者数"):
        p.measure_kpi("利用者数", date(2026, 6, 1), 3, META)


def test_a_verdict_needs_the_end_a_logic_model_and_measured_values() -> None:
    p = running()
    p.define_kpi("ヒヤリハット件数", "件", 40, 20, META)
    with pytest.raises(StateConflict, match="has not ended"):
        p.give_verdict(Verdict.CONTINUE, "目標達成", date(2026, 10, 1), META)
    p.end(date(2026, 9, 30), None, SETAGAYA, META)
    with pytest.raises(StateConflict, match="logic model"):
        p.give_verdict(Verdict.CONTINUE, "目標達成", date(2026, 10, 1), META)
    p.set_logic_model(LOGIC, META)
    with pytest.raises(StateConflict, match="needs measured values: none yet for ヒヤリハット件数"):
        p.give_verdict(Verdict.CONTINUE, "目標達成", date(2026, 10, 1), META)
    p.measure_kpi("ヒヤリハット件数", date(2026, 7, 1), 31, META)
    p.measure_kpi("ヒヤリハット件数", date(2026, 9, 30), 18, META)
    p.give_verdict(Verdict.SPREAD, "目標を上回り、他地域でも有効", date(2026, 10, 15), META)
    assert (p.verdict, p.phase) == ("spread", "verified")
    assert [m["value"] for m in p.kpis["ヒヤリハット件数"]["measurements"]] == [31, 18]
    with pytest.raises(StateConflict, match="the verdict is given"):
        p.measure_kpi("ヒヤリハット件数", date(2026, 10, 20), 17, META)


def test_a_project_is_closed_only_once_verified_even_without_city_money() -> None:
    p = ended()
    # Sapporo 001: 必ず…効果検証を行います（札幌市の財政負担がない場合も含む）.
    with pytest.raises(StateConflict, match="effect verification comes first") as conflict:
        p.close(date(2026, 10, 1), META)
    assert conflict.value.field == "closed_on"
    p.set_logic_model(LOGIC, META)
    p.define_kpi("利用者数", "人", 0, 500, META)
    p.measure_kpi("利用者数", date(2026, 9, 1), 620, META)
    p.give_verdict(Verdict.SCALE_UP, "目標超過", date(2026, 10, 1), META)
    p.close(date(2026, 10, 2), META)
    assert p.phase == "closed"
    with pytest.raises(StateConflict, match="closed"):
        p.reach_milestone("後日", date(2026, 10, 3), META)


def test_a_verification_is_overdue_after_its_due_date_until_the_verdict() -> None:
    p = running()
    p.end(date(2026, 9, 30), date(2026, 10, 31), SETAGAYA, META)
    assert not p.is_overdue(date(2026, 10, 31))
    assert p.is_overdue(date(2026, 11, 1))
    with pytest.raises(InvalidValue, match="not after the end") as refused:
        running().end(date(2026, 9, 30), date(2026, 9, 30), SETAGAYA, META)
    assert refused.value.field == "verification_due_on"


def test_an_overdue_verification_is_raised_once_and_not_after_the_verdict() -> None:
    # Sapporo 001: 「事業を実施後、必ず…効果検証を行います」: past its due date, flagged once.
    p = running()
    p.end(date(2026, 9, 30), date(2026, 10, 31), SETAGAYA, META)
    p.collect_events()
    assert not p.flag_overdue_verification(date(2026, 10, 31), "co-lab", META)
    assert p.flag_overdue_verification(date(2026, 11, 1), "co-lab", META)
    assert not p.flag_overdue_verification(date(2026, 11, 2), "co-lab", META)
    [raised] = p.collect_events()
    assert isinstance(raised, Project.VerificationOverdue)
    assert (raised.due_on, raised.department) == (date(2026, 10, 31), "co-lab")

    verified = running()
    verified.end(date(2026, 9, 30), date(2026, 10, 31), SETAGAYA, META)
    verified.set_logic_model(LOGIC, META)
    verified.define_kpi("利用者数", "人", 0, 500, META)
    verified.measure_kpi("利用者数", date(2026, 10, 1), 620, META)
    verified.give_verdict(Verdict.SCALE_UP, "目標超過", date(2026, 10, 20), META)
    assert not verified.flag_overdue_verification(date(2026, 11, 1), "co-lab", META)
    assert not running().flag_overdue_verification(date(2030, 1, 1), "co-lab", META)  # not ended


def test_the_caps_are_the_citys_data_with_their_dates() -> None:
    assert SETAGAYA.cost_share_cap_on(date(2026, 3, 31)) is None
    assert SETAGAYA.cost_share_cap_on(date(2026, 4, 1)) == 1_000_000
    assert KITAKYUSHU.cost_share_cap_on(date(2030, 1, 1)) is None
    assert [s.months for s in KITAKYUSHU.council_sittings] == [(2, 3), (6,), (9,), (12,)]


def test_every_served_municipality_has_its_rules_after_adoption() -> None:
    for code in municipalities():
        rules = city_rules(code)
        assert rules.municipality == code and rules.note


# -- withdrawal by the proposer, heard from intake -------------------------------------


def test_a_withdrawal_before_the_signing_ends_the_project_and_refuses_every_further_step() -> None:
    p = project(SelectionRoute.OPEN_CALL)
    p.publish_call(date(2026, 5, 1), date(2026, 5, 31), "区HPで公告", None, SETAGAYA, META)
    assert p.withdraw(date(2026, 5, 12), "社内で再検討します", META) is None
    assert (p.phase, p.withdrawn_on, p.withdrawal_reason) == (
        "withdrawn",
        date(2026, 5, 12),
        "社内で再検討します",
    )
    with pytest.raises(StateConflict, match="withdrew the proposal on 2026-05-12") as refused:
        p.record_applicant("株式会社みなと観光", date(2026, 5, 20), META)
    assert (refused.value.field, refused.value.code) == ("applicant", "withdrawn")
    with pytest.raises(StateConflict, match="ended by withdrawal"):
        p.select("株式会社みなと観光", "評価点が最も高い", date(2026, 6, 5), META)
    with pytest.raises(StateConflict, match="ended by withdrawal"):
        memorandum(p)


def test_a_withdrawal_while_the_agreement_is_prepared_refuses_the_call_and_the_signing() -> None:
    p = project(SelectionRoute.PARTNERSHIP_WITHOUT_SELECTION)
    assert p.phase == "agreement"
    assert p.withdraw(date(2026, 4, 20), None, META) is None
    with pytest.raises(StateConflict, match="ended by withdrawal") as refused:
        memorandum(p)
    assert refused.value.field == "kind"
    open_call = project(SelectionRoute.OPEN_CALL)
    assert open_call.withdraw(date(2026, 4, 20), None, META) is None
    with pytest.raises(StateConflict, match="ended by withdrawal") as refused:
        open_call.publish_call(date(2026, 5, 1), date(2026, 5, 31), "公告", None, SETAGAYA, META)
    assert refused.value.field == "call"


def test_a_withdrawal_after_the_signing_is_ignored_and_the_project_runs_on() -> None:
    p = running()
    ignored = p.withdraw(date(2026, 6, 1), "やめます", META)
    assert ignored is not None and "signed on 2026-05-01" in ignored
    assert (p.phase, p.withdrawn_on) == ("implementation", None)
    p.reach_milestone("説明会", date(2026, 6, 2), META)  # still runs
    p.end(date(2026, 9, 30), None, SETAGAYA, META)
    assert p.is_overdue(date(2027, 12, 1))  # its verification still owed


def test_a_second_withdrawal_changes_nothing() -> None:
    p = project(SelectionRoute.DIRECT_SELECTION)
    assert p.withdraw(date(2026, 5, 1), "一度目", META) is None
    version = p.version
    assert p.withdraw(date(2026, 5, 2), "二度目", META) == "already withdrawn on 2026-05-01"
    assert (p.version, p.withdrawal_reason) == (version, "一度目")
    assert not p.is_overdue(date(2030, 1, 1))
