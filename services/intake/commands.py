"""What a proposer or desk staff asks intake to do: validated pydantic models.

FastAPI validates request bodies against these, so a missing or malformed field gets a
422 that names it; the application takes the same models.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, EmailStr, Field, StringConstraints, model_validator

from shared.contract.vocabulary import MESSAGE_MAX_LENGTH, Channel, ProposerKind, ScreeningReason

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Phone = Annotated[
    str, StringConstraints(strip_whitespace=True, pattern=r"^\+?[0-9][0-9\- ()]{5,20}$")
]


class Proposer(BaseModel):
    model_config = ConfigDict(extra="forbid")

    organisation: ShortText = Field(description="Company, university, NPO or association name")
    kind: ProposerKind
    contact_person: ShortText
    email: EmailStr
    phone: Phone | None = None


class ProposalSubmission(BaseModel):
    """A proposal as the proposer sends it (DOMAIN.md: organisation, contact person,
    contact details, subject and content are required). A theme proposal names its
    theme_number; any other channel names none."""

    # The rule of `theme_number_matches_channel`, in the OpenAPI too.
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "if": {"properties": {"channel": {"const": Channel.THEME.value}}},
            "then": {
                "required": ["theme_number"],
                "properties": {"theme_number": {"type": "integer"}},
            },
            "else": {"properties": {"theme_number": {"type": "null"}}},
        },
    )

    channel: Channel
    theme_number: int | None = Field(None, ge=1, description="Required for theme proposals")
    proposer: Proposer
    title: ShortText
    field: ShortText = Field(description="Field (分野), e.g. 福祉, まちづくり, DX")
    summary: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=400)
    ] = Field(description="Summary for publication (提案概要)")
    content: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20000)
    ]
    protected: Annotated[str, StringConstraints(strip_whitespace=True, max_length=20000)] | None = (
        Field(None, description="Know-how the proposer wants kept confidential; never published")
    )

    @model_validator(mode="after")
    def theme_number_matches_channel(self) -> ProposalSubmission:
        if self.channel is Channel.THEME and self.theme_number is None:
            raise ValueError("theme_number: required for a theme proposal")
        if self.channel is not Channel.THEME and self.theme_number is not None:
            raise ValueError(f"theme_number: only theme proposals name a theme, not {self.channel}")
        return self


class Screening(BaseModel):
    """The desk's screening decision: accept, or reject with at least one coded reason
    and an explanation for the proposer."""

    # The rule of `rejection_has_reasons`, in the OpenAPI too.
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "if": {"properties": {"decision": {"const": "reject"}}},
            "then": {
                "required": ["reasons", "explanation"],
                "properties": {"reasons": {"minItems": 1}, "explanation": {"minLength": 1}},
            },
        },
    )

    decision: Literal["accept", "reject"]
    reasons: list[ScreeningReason] = Field(default_factory=list)
    explanation: Annotated[str, StringConstraints(strip_whitespace=True, max_length=4000)] = ""

    @model_validator(mode="after")
    def rejection_has_reasons(self) -> Screening:
        if self.decision == "reject" and not self.reasons:
            raise ValueError("reasons: a rejection needs at least one coded reason")
        if self.decision == "reject" and not self.explanation:
            raise ValueError("explanation: tell the proposer why, in a sentence or two")
        return self


class Withdrawal(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)] | None = None


class ThemeDraft(BaseModel):
    """A theme the desk publishes.

    Its call cannot close before it opens: closes_on is on or after opens_on."""

    model_config = ConfigDict(extra="forbid")

    number: int = Field(ge=1)
    title: ShortText
    field: ShortText
    department: ShortText = Field(description="Code of the owning department")
    opens_on: date | None = None
    closes_on: date | None = None

    @model_validator(mode="after")
    def period_is_ordered(self) -> ThemeDraft:
        if self.opens_on and self.closes_on and self.closes_on < self.opens_on:
            raise ValueError("closes_on: the call cannot close before it opens")
        return self


class StatusLinkRequest(BaseModel):
    """A proposer who lost the status link asks for it again (it is sent to this address
    only if a proposal to this municipality was submitted with it)."""

    model_config = ConfigDict(extra="forbid")

    municipality: Annotated[str, StringConstraints(max_length=40)]
    email: EmailStr


class ProposerMessage(BaseModel):
    """The proposer's message in the dialogue, answering the department."""

    model_config = ConfigDict(extra="forbid")

    text: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MESSAGE_MAX_LENGTH)
    ]
    in_reply_to: UUID | None = Field(None, description="The department's message answered")
