"""What a department or the council asks decision to do: the request bodies, validated
by FastAPI, so a missing or malformed field gets a 422 that names it."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from shared.contract import (
    AgreementKind,
    AssessmentInputs,
    Experiment,
    Involvement,
    RejectionReason,
)

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000)]


class Adoption(BaseModel):
    model_config = ConfigDict(extra="forbid")
    inputs: AssessmentInputs
    agreement: AgreementKind | None = Field(None, description="事業連携協定, 包括連携協定, …")
    involvement: Involvement | None = Field(None, description="For events: 主催, 共催, …")
    experiment: Experiment | None = Field(None, description="A demonstration experiment")
    note: Text | None = None


class Rejection(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reasons: list[RejectionReason] = Field(min_length=1, max_length=6)
    explanation: Text


class Escalation(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: Text


class Incentive(BaseModel):
    model_config = ConfigDict(extra="forbid")
    bonus_points: float = Field(gt=0)
    total_points: float = Field(gt=0, description="The call's total score, bonus excluded")
    announced_in: Text = Field(description="Where the call announces the bonus (公告文等)")
