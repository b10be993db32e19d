"""What the desk or the proposer asks publication to do: the request bodies, validated
by FastAPI, so a missing or malformed field gets a 422 that names it."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StringConstraints

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20000)]
Line = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=400)]


class SectionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    heading: Line
    text: Text
    # Strict: 0 or "no" is not a yes-or-no answer about what stays protected.
    protected: StrictBool = Field(False, description="True: kept inside, never published")


class CaseDraft(BaseModel):
    model_config = ConfigDict(extra="forbid")

    proposal_id: UUID
    title: Line | None = None
    summary: Text | None = None
    sections: list[SectionIn] = Field(default_factory=list, max_length=50)


class CaseRevision(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: Line
    summary: Text
    sections: list[SectionIn] = Field(default_factory=list, max_length=50)


class CaseCorrection(CaseRevision):
    note: Line


class Reason(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: Line
