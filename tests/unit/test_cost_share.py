"""The dated caps on a city's share of an experiment's cost: one data source, read by
decision at adoption and by implementation at the start (Setagaya 004: 「区が一部経費
(令和8年度から100万円を上限)を負担」)."""

from __future__ import annotations

from datetime import date

import pytest
from pydantic import ValidationError

from services.implementation.rules import city_rules
from shared.cost_share import CostShareCaps, DatedCap, cost_share_caps


def test_setagayas_cap_is_one_million_yen_from_fiscal_2026_and_none_before() -> None:
    caps = cost_share_caps("setagaya")
    assert caps.on(date(2026, 3, 31)) is None
    assert caps.on(date(2026, 4, 1)) == 1_000_000
    assert caps.on(date(2035, 1, 1)) == 1_000_000


def test_a_city_the_seeds_give_no_scheme_shares_nothing() -> None:
    for city in ("nagasaki", "aomori", "sapporo", "kitakyushu"):
        assert cost_share_caps(city).on(date(2030, 1, 1)) is None


def test_implementation_reads_the_same_caps_as_decision() -> None:
    for city in ("setagaya", "nagasaki"):
        rules = city_rules(city)
        assert rules.experiment_cost_share_caps == cost_share_caps(city).caps
        for day in (date(2026, 3, 31), date(2026, 4, 1)):
            assert rules.cost_share_cap_on(day) == cost_share_caps(city).on(day)


def test_a_later_cap_replaces_the_earlier_from_its_date() -> None:
    caps = CostShareCaps(
        caps=(
            DatedCap(effective_from=date(2026, 4, 1), cap_yen=1_000_000),
            DatedCap(effective_from=date(2028, 4, 1), cap_yen=1_500_000),
        )
    )
    assert [caps.on(date(y, 4, 1)) for y in (2025, 2026, 2027, 2028)] == [
        None,
        1_000_000,
        1_000_000,
        1_500_000,
    ]
    with pytest.raises(ValidationError, match="effective dates must rise"):
        CostShareCaps(caps=tuple(reversed(caps.caps)))
