"""One city's rules for what follows an adoption (services/implementation/data/<city>.json),
kept as data with their dates, as decision keeps its fairness thresholds: a cap that
changes in a fiscal year is a new entry with its effective date, not a new constant.

Each file's `note` says which values are the seed's and which are this service's choice.
The caps on an experiment's cost share are not here: decision checks them too, so both
read the one dated list of shared/data (shared.cost_share)."""

from __future__ import annotations

import json
from datetime import date
from functools import cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from shared.cost_share import CostShareCaps, DatedCap, cost_share_caps

DATA_DIR = Path(__file__).parent / "data"


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
    # From shared/data/experiment_cost_share_caps.json (city_rules puts them in).
    experiment_cost_share_caps: tuple[DatedCap, ...] = ()
    proposer_bonus_cap_ratio: float | None = Field(None, gt=0, le=1)
    council_sittings: tuple[CouncilSitting, ...] = Field(min_length=1)
    verification_due_days: int = Field(ge=1)

    def cost_share_cap_on(self, day: date) -> int | None:
        """The city's cap on its share of one experiment's cost in force on `day`
        (None: no cost sharing in force then); the same answer decision gets."""
        return CostShareCaps(caps=self.experiment_cost_share_caps).on(day)

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
    return CityRules.model_validate(
        {
            **json.loads(path.read_text(encoding="utf-8")),
            "experiment_cost_share_caps": cost_share_caps(municipality).caps,
        }
    )
