"""Version 1 of the public case events, kept as they were published (DESIGN.md §4:
changing an event is adding a version with an upcaster, never editing the old one).
Version 2 (shared.contract.public) adds the outcome of the effect verification; a
message of version 1 is read as version 2 with no outcome."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from shared.contract.base import IntegrationEvent


class CaseSection(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    heading: str
    text: str


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


class CasePublished(IntegrationEvent):
    names_the_actor = False  # no staff member's name leaves the city
    event_type = "public.case.published"
    version = 1

    case: PublicCase


class CaseCorrected(IntegrationEvent):
    names_the_actor = False  # no staff member's name leaves the city
    event_type = "public.case.corrected"
    version = 1

    case: PublicCase
    note: str = Field(min_length=1, description="What was corrected, and why")
