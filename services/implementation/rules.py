"""One city's rules for what follows an adoption (services/implementation/data/<city>.json),
kept as data with their dates, as decision keeps its fairness thresholds: a cap that
changes in a fiscal year is a new entry with its effective date, not a new constant.

Each file's `note` says which values are the seed's and which are this service's choice."""

from __future__ import annotations

import json
from datetime import date
from functools import cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, model_validator

DATA_DIR = Path(__file__).parent / "data"


class DatedCap(BaseModel):
    """A cap in yen, in force from `effective_from` until the next entry."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    effective_from: date
    cap_yen: int = Field(ge=0)


class CouncilSitting(BaseModel):
    """A regular sitting of the city council (定例会) and the months it sits in."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name_ja: str = Field(min_length=1)
    name_en: str = Field(min_length=1)
    months: tuple[int, ...] = Field(min_length=1)


class CityRules(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    municipality: str
    version: str = Field(min_length=1)
    note: str = ""
    experiment_cost_share_caps: tuple[DatedCap, ...] = ()
    proposer_bonus_cap_ratio: float | None = Field(None, gt=0, le=1)
    council_sittings: tuple[CouncilSitting, ...] = Field(min_length=1)
    verification_due_days: int = Field(ge=1)

    @model_validator(mode="after")
    def caps_in_order(self) -> CityRules:
        starts = [cap.effective_from for cap in self.experiment_cost_share_caps]
        if starts != sorted(set(starts)):
            raise ValueError("experiment_cost_share_caps: effective dates must rise")
        return self

    def cost_share_cap_on(self, day: date) -> int | None:
        """The city's cap on its share of one experiment's cost in force on `day`
        (None: no cost sharing in force then)."""
        in_force = [cap for cap in self.experiment_cost_share_caps if cap.effective_from <= day]
        return in_force[-1].cap_yen if in_force else None

    def sitting_of(self, day: date) -> CouncilSitting | None:
        """The regular sitting that `day` falls in (None: the council does not sit)."""
        for sitting in self.council_sittings:
            if day.month in sitting.months:
                return sitting
        return None


@cache
def city_rules(municipality: str) -> CityRules:
    path = DATA_DIR / f"{municipality}.json"
    if not path.is_file():
        raise LookupError(f"no implementation rules for {municipality}")
    return CityRules.model_validate(json.loads(path.read_text(encoding="utf-8")))
