"""How the implementer of an adopted proposal must be chosen: a pure function of the
department's stated inputs and the municipality's thresholds (DOMAIN.md, "Fairness rules").

The same inputs and thresholds always give the same route and the same trace; every
assessment stores both, so an auditor can replay it and see which rule decided.

The rules, in the order they are applied (each quoted from its seed):
  1. Fiscal burden — 001_432515fecfa00518.txt (Sapporo): 「札幌市の財政負担とは、事業実施時に
     必要な財政負担はもちろんのこと、…保守管理など事業実施後に生じるものも含まれます」;
     「財政負担がある場合…予算化を経て、事業者を選定する」 → procurement.
  2. Occupancy — 001 (Sapporo): 「占用性が高い事業を実施する際の民間事業者の選定は、より公平性が
     求められ」; 「時間的な占用：…期間や時間の長短」「物理的な占用：…面積や数量等の多少」
     → open call (公募). 003_6cefa70e5dc5551c.txt (Kitakyushu) STEP 4: 「行政資源の占用性」.
  3. Uniqueness — 001 (Sapporo): 「特許権、著作権、特殊な技術など他の者が有し得ない排他的権利を
     有するもの、専門的な知識・技術等を必要とするもの、その提案を行える事業者が他にいないことが
     明確なものの場合は、公募によらず、その事業者を選定」 → direct selection.
     003 (Kitakyushu): 「随意契約等の可能性を検討するための重要な判断材料」.
  4. Otherwise — no burden, low occupancy, nothing unique: a partnership without a
     selection procedure (協定・覚書 as needed, 004_9a4ea9356e37e13f.txt Setagaya §5(4)).

Where occupancy is high and the proposal is also unique, the open call wins: high
occupancy restricts other companies' entry, which is what Sapporo guards against, and a
truly unique proposer still wins an open call. The trace records both findings.
"""

from __future__ import annotations

import json
from datetime import date
from functools import cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from shared.contract.decision import (
    Assessment,
    AssessmentInputs,
    BudgetEntry,
    RuleFired,
    SelectionRoute,
)
from shared.municipalities import fiscal_year

DATA_DIR = Path(__file__).parent / "data"
SAPPORO = "001_432515fecfa00518.txt"
KITAKYUSHU = "003_6cefa70e5dc5551c.txt"
SETAGAYA = "004_9a4ea9356e37e13f.txt"


class Thresholds(BaseModel):
    """One municipality's fairness thresholds and caps (services/decision/data/<city>.json).
    The dated caps on an experiment's cost share are shared with implementation
    (shared.cost_share), not kept here."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    municipality: str
    version: str = Field(min_length=1, description="Stored with every assessment")
    note: str = ""
    fiscal_burden_min_yen: int = Field(1, ge=1, description="Any city money at all is a burden")
    occupancy_days_high: int = Field(ge=1, description="Temporal: at or above is high")
    occupancy_area_m2_high: float = Field(gt=0, description="Physical, area: at or above")
    occupancy_quantity_high: int = Field(ge=1, description="Physical, quantity: at or above")
    incentive_cap_ratio: float | None = Field(
        None, gt=0, le=1, description="Bonus cap as a share of the total (bonus excluded)"
    )
    budget_request_month: int = Field(10, ge=1, le=12)
    budget_request_day: int = Field(31, ge=1, le=31)


@cache
def thresholds(municipality: str) -> Thresholds:
    path = DATA_DIR / f"{municipality}.json"
    if not path.is_file():
        raise LookupError(f"no fairness thresholds for {municipality}")
    return Thresholds.model_validate(json.loads(path.read_text(encoding="utf-8")))


def known_municipalities() -> list[str]:
    return sorted(p.stem for p in DATA_DIR.glob("*.json"))


def assess(inputs: AssessmentInputs, rules: Thresholds) -> Assessment:
    """The route by which the implementer must be chosen, with the trace of every rule."""
    trace: list[RuleFired] = []

    city_money = inputs.initial_cost_yen + inputs.recurring_cost_yen_per_year
    burden = (
        inputs.initial_cost_yen >= rules.fiscal_burden_min_yen
        or inputs.recurring_cost_yen_per_year >= rules.fiscal_burden_min_yen
    )
    trace.append(
        RuleFired(
            rule="fiscal_burden",
            outcome=burden,
            because=(
                f"initial ¥{inputs.initial_cost_yen:,} + recurring "
                f"¥{inputs.recurring_cost_yen_per_year:,}/year (¥{city_money:,}); a burden "
                f"from ¥{rules.fiscal_burden_min_yen:,}, upkeep included"
            ),
            source=SAPPORO,
        )
    )
    if burden:
        return _done(inputs, rules, SelectionRoute.PROCUREMENT, trace)

    temporal = inputs.occupancy_days >= rules.occupancy_days_high
    area = inputs.occupancy_area_m2 >= rules.occupancy_area_m2_high
    quantity = inputs.occupancy_quantity >= rules.occupancy_quantity_high
    trace.append(
        RuleFired(
            rule="occupancy_temporal",
            outcome=temporal,
            because=f"{inputs.occupancy_days} days; high from {rules.occupancy_days_high}",
            source=SAPPORO,
        )
    )
    trace.append(
        RuleFired(
            rule="occupancy_physical",
            outcome=area or quantity,
            because=(
                f"{inputs.occupancy_area_m2:g} m² (high from {rules.occupancy_area_m2_high:g}), "
                f"quantity {inputs.occupancy_quantity} (high from "
                f"{rules.occupancy_quantity_high})"
            ),
            source=SAPPORO,
        )
    )
    unique, why_unique = _uniqueness(inputs)
    trace.append(RuleFired(rule="uniqueness", outcome=unique, because=why_unique, source=SAPPORO))
    if temporal or area or quantity:
        return _done(inputs, rules, SelectionRoute.OPEN_CALL, trace)
    if unique:
        return _done(inputs, rules, SelectionRoute.DIRECT_SELECTION, trace)
    trace.append(
        RuleFired(
            rule="no_selection_needed",
            outcome=True,
            because="no burden, low occupancy, nothing unique: a partnership, no selection",
            source=SETAGAYA,
        )
    )
    return _done(inputs, rules, SelectionRoute.PARTNERSHIP_WITHOUT_SELECTION, trace)


def _uniqueness(inputs: AssessmentInputs) -> tuple[bool, str]:
    evidence = ", ".join(sorted(e.value for e in inputs.uniqueness_evidence)) or "none"
    if inputs.other_capable_providers is False:
        return True, f"clearly no other capable provider (evidence: {evidence})"
    if inputs.other_capable_providers is True:
        return False, f"other providers can do it (evidence: {evidence})"
    if inputs.uniqueness_evidence:
        return True, f"exclusive rights or special skills: {evidence}"
    return False, "no evidence of uniqueness"


def _done(
    inputs: AssessmentInputs, rules: Thresholds, route: SelectionRoute, trace: list[RuleFired]
) -> Assessment:
    return Assessment(
        municipality=rules.municipality,
        thresholds_version=rules.version,
        inputs=inputs,
        route=route,
        trace=tuple(trace),
    )


def earliest_budget(decided_on: date, rules: Thresholds) -> BudgetEntry:
    """The earliest initial budget (当初予算) new city money can enter.

    Kitakyushu 003: 「10 予算編成方針の策定 各局予算要求」「※新規テーマ提案は10月頃までに」:
    requested by the end of October, the money is in next fiscal year's initial budget;
    decided later (November–March, 予算調整・査定 and council season), it waits a year.
    Supplementary budgets (補正予算) are not offered here: the department asks finance."""
    year = fiscal_year(decided_on)
    # The request deadline of the cycle for the next fiscal year falls in this fiscal year.
    deadline_year = year if rules.budget_request_month >= 4 else year + 1
    request_by = date(deadline_year, rules.budget_request_month, rules.budget_request_day)
    if decided_on <= request_by:
        target = year + 1
        because = f"decided by the budget requests of {request_by}: next year's initial budget"
    else:
        target = year + 2
        request_by = date(deadline_year + 1, rules.budget_request_month, rules.budget_request_day)
        because = (
            f"decided after this cycle's requests were due: requested by {request_by}, for "
            f"the initial budget of FY{target}"
        )
    return BudgetEntry(
        fiscal_year=target,
        kind="initial",
        request_by=request_by,
        available_from=date(target, 4, 1),
        because=because,
    )


def incentive_cap(total_points: float, rules: Thresholds) -> float | None:
    """Setagaya 004 §5(3): bonus at most 10% of the total score, bonus excluded."""
    if rules.incentive_cap_ratio is None:
        return None
    return round(total_points * rules.incentive_cap_ratio, 6)
