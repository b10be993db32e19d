"""What the owning department asks implementation to do: the request bodies, validated
by FastAPI, so a missing or malformed field gets a 422 that names it."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StringConstraints

from shared.contract import AgreementKind, CouncilMatter, ExperimentStep, Involvement, Verdict

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Call(Body):
    opens_on: date
    closes_on: date
    announcement: Text = Field(description="The call's text or where it is announced (公告文等)")
    proposer_bonus_ratio: float | None = Field(
        None, gt=0, le=1, description="The proposer's bonus, a share of the total (Setagaya ≤ 0.1)"
    )


class Applicant(Body):
    applicant: Name
    applied_on: date


class Selection(Body):
    implementer: Name
    reasons: Text
    selected_on: date
    uniqueness_justification: Text | None = Field(
        None, description="Required for a direct selection; shown to auditors"
    )


class Vote(Body):
    matters: list[CouncilMatter] = Field(min_length=1, max_length=2)
    voted_on: date


class Agreement(Body):
    kind: AgreementKind
    parties: list[Name] = Field(min_length=2, max_length=20)
    signed_on: date
    term_from: date
    term_until: date
    fields: list[Name] = Field(default_factory=list, max_length=20)
    involvement: Involvement | None = Field(None, description="For events: 主催, 共催, …")
    council_vote: Vote | None = Field(
        None, description="Required when the project needs city money or a by-law change"
    )


class Start(Body):
    started_on: date
    city_cost_share_yen: int = Field(0, ge=0, description="Experiments only, within the cap")


class Milestone(Body):
    milestone: Name
    reached_on: date


class Step(Body):
    step: ExperimentStep
    done_on: date
    city_present: StrictBool = Field(False, description="The run: the city was there (立ち合い)")
    note: Text | None = None


class End(Body):
    ended_on: date
    verification_due_on: date | None = Field(
        None, description="Default: the city's verification period after the end"
    )


class LogicModelBody(Body):
    inputs: list[Text] = Field(min_length=1, max_length=20)
    activities: list[Text] = Field(min_length=1, max_length=20)
    outputs: list[Text] = Field(min_length=1, max_length=20)
    outcomes: list[Text] = Field(min_length=1, max_length=20)
    impact: list[Text] = Field(min_length=1, max_length=20)


class KpiBody(Body):
    name: Name
    unit: Name = Field(description="%, 人, 件, 円 …: a KPI without a unit is refused")
    baseline: float
    target: float


class Measurement(Body):
    name: Name = Field(description="The KPI measured")
    measured_on: date
    value: float


class VerdictBody(Body):
    verdict: Verdict
    reasons: Text
    verified_on: date


class Closing(Body):
    closed_on: date
