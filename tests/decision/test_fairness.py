"""The fairness rules, case by case from the seeds, and their properties.

Seeds: 001_432515fecfa00518.txt (Sapporo), 003_6cefa70e5dc5551c.txt (Kitakyushu),
004_9a4ea9356e37e13f.txt (Setagaya)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from services.decision.domain import Decision
from services.decision.fairness import (
    assess,
    earliest_budget,
    incentive_cap,
    known_municipalities,
    thresholds,
)
from shared.contract import (
    AssessmentInputs,
    ProposalRejectedAfterReview,
    RejectionReason,
    SelectionRoute,
    UniquenessEvidence,
)
from shared.errors import StateConflict
from shared.municipalities import fiscal_year

pytestmark = pytest.mark.unit  # no broker, database or server (tests/unit_level.py)

SAPPORO = thresholds("sapporo")  # 180 days, 100 m², 3 facilities (our figures, see note)

P, OC, D, N = (
    SelectionRoute.PROCUREMENT,
    SelectionRoute.OPEN_CALL,
    SelectionRoute.DIRECT_SELECTION,
    SelectionRoute.PARTNERSHIP_WITHOUT_SELECTION,
)

CASES: list[tuple[str, dict[str, Any], SelectionRoute]] = [
    # 001 Sapporo: 財政負担 → 予算化を経て事業者を選定 (procurement)
    ("initial cost is a burden", {"initial_cost_yen": 5_000_000}, P),
    ("one yen is already a burden (boundary)", {"initial_cost_yen": 1}, P),
    # 001: 「保守管理など事業実施後に生じるものも含まれます」
    ("upkeep alone is a burden", {"recurring_cost_yen_per_year": 120_000}, P),
    ("burden wins over uniqueness", {"initial_cost_yen": 1, "other_capable_providers": False}, P),
    ("burden wins over occupancy", {"initial_cost_yen": 1, "occupancy_days": 365}, P),
    # 001: 時間的な占用 (期間や時間の長短) → 公募
    ("long occupancy: open call", {"occupancy_days": 365}, OC),
    ("occupancy at the threshold is high (boundary)", {"occupancy_days": 180}, OC),
    ("a day under the threshold is low (boundary)", {"occupancy_days": 179}, N),
    # 001: 物理的な占用 (面積や数量等の多少)
    ("large area: open call", {"occupancy_area_m2": 100}, OC),
    ("just under the area (boundary)", {"occupancy_area_m2": 99.9}, N),
    ("many facilities: open call", {"occupancy_quantity": 3}, OC),
    ("two facilities are few (boundary)", {"occupancy_quantity": 2}, N),
    (
        "occupancy wins over uniqueness",
        {"occupancy_days": 200, "uniqueness_evidence": ["patent"]},
        OC,
    ),
    # 001: 特許権、著作権、特殊な技術… 公募によらず、その事業者を選定
    ("a patent: direct selection", {"uniqueness_evidence": ["patent"]}, D),
    ("a copyright: direct selection", {"uniqueness_evidence": ["copyright"]}, D),
    ("special technology", {"uniqueness_evidence": ["special_technology"]}, D),
    # 001: その提案を行える事業者が他にいないことが明確なもの
    ("clearly nobody else", {"other_capable_providers": False}, D),
    (
        "evidence but others can do it",
        {"uniqueness_evidence": ["patent"], "other_capable_providers": True},
        N,
    ),
    # otherwise: 連携 without selection (004 Setagaya §5(4) 協定・覚書は必要に応じて)
    ("nothing at all", {}, N),
    (
        "short, small, common",
        {"occupancy_days": 30, "occupancy_area_m2": 20, "occupancy_quantity": 1},
        N,
    ),
]


@pytest.mark.parametrize(("case", "given_inputs", "route"), CASES, ids=[c[0] for c in CASES])
def test_the_seeds_fairness_cases(
    case: str, given_inputs: dict[str, Any], route: SelectionRoute
) -> None:
    assessment = assess(AssessmentInputs.model_validate(given_inputs), SAPPORO)
    assert assessment.route is route, [t.because for t in assessment.trace]
    assert assessment.trace[0].rule == "fiscal_burden"
    assert all(t.source.endswith(".txt") for t in assessment.trace)
    assert assessment.thresholds_version == SAPPORO.version


def test_every_city_has_thresholds_with_a_note() -> None:
    assert known_municipalities() == ["aomori", "kitakyushu", "nagasaki", "sapporo", "setagaya"]
    assert all(thresholds(c).note for c in known_municipalities())


@pytest.mark.parametrize(
    ("decided_on", "fiscal_year", "request_by"),
    [
        (date(2025, 4, 1), 2026, date(2025, 10, 31)),  # start of FY2025
        (date(2025, 10, 31), 2026, date(2025, 10, 31)),  # the last day of requests (boundary)
        (date(2025, 11, 1), 2027, date(2026, 10, 31)),  # one day late: a year later
        (date(2026, 3, 31), 2027, date(2026, 10, 31)),  # still FY2025 (April–March)
        (date(2026, 4, 1), 2027, date(2026, 10, 31)),  # FY2026 begins
    ],
)
def test_the_earliest_budget_follows_kitakyushus_calendar(
    decided_on: date, fiscal_year: int, request_by: date
) -> None:
    # 003: 「10 予算編成方針の策定 各局予算要求」「※新規テーマ提案は10月頃までに」
    entry = earliest_budget(decided_on, thresholds("kitakyushu"))
    assert (entry.fiscal_year, entry.request_by) == (fiscal_year, request_by)
    assert entry.available_from == date(fiscal_year, 4, 1) and entry.kind == "initial"


def test_fiscal_years_run_april_to_march() -> None:
    assert fiscal_year(date(2026, 3, 31)) == 2025 and fiscal_year(date(2026, 4, 1)) == 2026


def test_setagayas_incentive_cap_is_ten_percent_of_the_total_without_bonus() -> None:
    # 004 §5(3): 総配点(加点部分を除く)の10%を上限
    assert incentive_cap(100, thresholds("setagaya")) == 10
    assert incentive_cap(100, thresholds("sapporo")) is None  # no such scheme in the seed


inputs_strategy = st.builds(
    AssessmentInputs,
    initial_cost_yen=st.integers(0, 10**9),
    recurring_cost_yen_per_year=st.integers(0, 10**8),
    occupancy_days=st.integers(0, 3650),
    occupancy_area_m2=st.floats(0, 10_000, allow_nan=False),
    occupancy_quantity=st.integers(0, 50),
    uniqueness_evidence=st.lists(st.sampled_from(list(UniquenessEvidence)), max_size=3).map(tuple),
    other_capable_providers=st.sampled_from([None, True, False]),
)


@settings(max_examples=300, deadline=None)
@given(inputs=inputs_strategy, city=st.sampled_from(known_municipalities()))
def test_the_assessment_is_deterministic_and_replayable(
    inputs: AssessmentInputs, city: str
) -> None:
    first = assess(inputs, thresholds(city))
    stored = first.model_dump(mode="json")  # what the event carries
    replayed = assess(AssessmentInputs.model_validate(stored["inputs"]), thresholds(city))
    assert replayed == first
    burden = inputs.initial_cost_yen + inputs.recurring_cost_yen_per_year > 0
    assert (first.route is SelectionRoute.PROCUREMENT) == burden


@settings(max_examples=200, deadline=None)
@given(
    reasons=st.lists(st.sampled_from(list(RejectionReason)), max_size=3),
    explanation=st.text(max_size=20),
)
def test_no_rejection_exists_without_a_reason(
    reasons: list[RejectionReason], explanation: str
) -> None:
    from uuid import uuid4

    decision = Decision(
        proposal_id=uuid4(),
        municipality="nagasaki",
        receipt_number="NGS-2026-00001",
        department="kyoiku",
        meta={},
    )
    try:
        decision.reject("kyoiku", [r.value for r in reasons], explanation, meta={})
    except StateConflict:
        assert not reasons or not explanation.strip()
        assert decision.outcome is None
        return
    assert reasons and explanation.strip() and decision.outcome == "rejected"
    with pytest.raises(ValidationError):
        ProposalRejectedAfterReview(
            proposal_id=uuid4(), decided_by="kyoiku", reasons=(), explanation=explanation or "x"
        )
