"""The PUBLIC event contract: what other cities receive on `{prefix}.public.cases`.

Separate from the internal events, stable and versioned (docs/asyncapi.yaml). It carries
only what was disclosed: never contact details, personal data or the parts of a case
the desk marked as protected (Aomori principle 5, Sapporo, Setagaya).

Version 2 of a published or corrected case adds its outcome: the effect verification's
verdict, its reasons and the KPIs with their measured values, so another city reads what
worked, not only what was planned (Sapporo 001: 「事業の実施結果を官民連携の事例として発信」).
A case without an outcome still goes out as version 1 (shared.contract.public_v1), so a
consumer of version 1 keeps receiving it; version 1 is read as version 2 with no outcome.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from shared.contract import public_v1
from shared.contract.base import EVENT_REGISTRY, IntegrationEvent
from shared.contract.public_v1 import CaseSection


class CaseMeasurement(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    measured_on: date
    value: float


class CaseKpi(BaseModel):
    """A KPI of the case: what was measured, in which unit, from where to where."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    unit: str
    baseline: float
    target: float
    measurements: list[CaseMeasurement]


class CaseOutcome(BaseModel):
    """The effect verification of the case's project (効果検証)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    verdict: str = Field(description="continue, scale_up, end or spread (他地域への展開)")
    verdict_ja: str
    verdict_en: str
    reasons: str
    verified_on: date
    kpis: list[CaseKpi] = Field(min_length=1)


class PublicCase(BaseModel):
    """A realised co-creation case as any city may read and reuse it (横展開)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    case_id: UUID
    municipality: str
    municipality_name_ja: str
    municipality_name_en: str
    version: int = Field(ge=1, description="1 when published, +1 for every correction")
    title: str
    summary: str
    field: str
    channel: str
    theme_number: int | None = None
    theme_title: str | None = None
    partner: str = Field(description="The proposer's organisation (withheld for sole proprietors)")
    sections: list[CaseSection]
    received_on: date
    published_on: date
    outcome: CaseOutcome | None = Field(None, description="None: not verified yet")


class CasePublished(IntegrationEvent):
    """A case was published; version 2 may carry its outcome."""

    names_the_actor = False  # no staff member's name leaves the city

    event_type = "public.case.published"
    version = 2

    case: PublicCase


class CaseCorrected(IntegrationEvent):
    """A published case was corrected (a higher version replaces the lower); version 2 may
    carry its outcome."""

    names_the_actor = False  # no staff member's name leaves the city

    event_type = "public.case.corrected"
    version = 2

    case: PublicCase
    note: str = Field(min_length=1, description="What was corrected, and why")


class CaseRetracted(IntegrationEvent):
    names_the_actor = False  # no staff member's name leaves the city
    event_type = "public.case.retracted"
    version = 1

    case_id: UUID
    municipality: str
    reason: str = Field(min_length=1)


def _no_outcome(data: dict[str, Any]) -> dict[str, Any]:
    """Version 1 → 2: the case was published before (or without) a verification."""
    return {**data, "case": {**data["case"], "outcome": None}}


EVENT_REGISTRY.register_upcaster(CasePublished.event_type, 1, _no_outcome)
EVENT_REGISTRY.register_upcaster(CaseCorrected.event_type, 1, _no_outcome)


def as_published(case: PublicCase) -> IntegrationEvent:
    """The event publishing `case`: version 1 while it has no outcome, else version 2."""
    if case.outcome is None:
        return public_v1.CasePublished(case=_as_v1(case))
    return CasePublished(case=case)


def as_corrected(case: PublicCase, note: str) -> IntegrationEvent:
    if case.outcome is None:
        return public_v1.CaseCorrected(case=_as_v1(case), note=note)
    return CaseCorrected(case=case, note=note)


def _as_v1(case: PublicCase) -> public_v1.PublicCase:
    return public_v1.PublicCase.model_validate(case.model_dump(exclude={"outcome"}))
