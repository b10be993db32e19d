"""The cap on a city's share of one demonstration experiment's cost, by date: one data
source (shared/data/experiment_cost_share_caps.json) for decision, which checks the share
at adoption, and implementation, which checks it when the experiment starts.

Setagaya 004: 「区が一部経費(令和8年度から100万円を上限)を負担」 — a cap with an effective
date, not a constant: a new cap from a later fiscal year is a new entry with its date."""

from __future__ import annotations

import json
from datetime import date
from functools import cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, model_validator

DATA_FILE = Path(__file__).parent / "data" / "experiment_cost_share_caps.json"


class DatedCap(BaseModel):
    """A cap in yen, in force from `effective_from` until the next entry."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    effective_from: date
    cap_yen: int = Field(ge=0)


class CostShareCaps(BaseModel):
    """One city's caps, their effective dates rising."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    caps: tuple[DatedCap, ...] = ()

    @model_validator(mode="after")
    def dates_rise(self) -> CostShareCaps:
        starts = [cap.effective_from for cap in self.caps]
        if starts != sorted(set(starts)):
            raise ValueError("experiment cost-share caps: effective dates must rise")
        return self

    def on(self, day: date) -> int | None:
        """The cap in force on `day`; None: no cost sharing in force then."""
        in_force = [cap for cap in self.caps if cap.effective_from <= day]
        return in_force[-1].cap_yen if in_force else None


class _CapsFile(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    note: str
    caps: dict[str, tuple[DatedCap, ...]]


@cache
def _all_caps() -> dict[str, CostShareCaps]:
    loaded = _CapsFile.model_validate(json.loads(DATA_FILE.read_text(encoding="utf-8")))
    return {city: CostShareCaps(caps=caps) for city, caps in loaded.caps.items()}


def cost_share_caps(municipality: str) -> CostShareCaps:
    """The city's dated caps (none for a city that shares no experiment's cost)."""
    return _all_caps().get(municipality, CostShareCaps())
