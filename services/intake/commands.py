"""What a proposer or desk staff asks intake to do: validated pydantic models.

FastAPI validates request bodies against these, so a missing or malformed field gets a
422 that names it; the application takes the same models.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal
from uuid import UUID

from pydantic import (
    BaseModel,
    ConfigDict,
    EmailStr,
    Field,
    StrictBool,
    StringConstraints,
    model_validator,
)

from shared.contract.vocabulary import (
    MESSAGE_MAX_LENGTH,
    AgreementScope,
    Channel,
    ProposerKind,
    ScreeningReason,
)

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


LongText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000)]


class Experiment(BaseModel):
    """A demonstration experiment's own fields (実証実験). Aomori's 実証実験サポート
    (seeds/000_4783c11d099f2101.txt) names what the city offers — 「実証実験フィールドの提供・
    斡旋、行政データの提供、PR機会の提供、規制緩和の検討、市内活動拠点の提供」 — and that the
    proposer bears 「実証実験に係る費用負担」 though the city 「実費程度の予算措置をする場合が
    あります」: hence the place, the period, what the city is asked for and the cost share.
    The period's order is the aggregate's rule (Proposal.receive)."""

    model_config = ConfigDict(extra="forbid")

    area: ShortText = Field(description="Where the experiment runs (実施場所)")
    starts_on: date = Field(description="First day of the experiment (実施期間)")
    ends_on: date = Field(description="Last day, on or after starts_on")
    city_support: LongText = Field(
        description="What the city is asked to provide (field, data, publicity, coordination)"
    )
    cost_share_yen: int = Field(
        ge=0, le=10**12, description="Share of the cost asked of the city, in 円 (0: none)"
    )


class Agreement(BaseModel):
    """A partnership agreement's own fields (連携協定): Aomori's 事業連携協定 covers
    「特定の分野」, its 包括連携協定 「複数の分野」 (seeds/000_4783c11d099f2101.txt). How many
    fields each kind takes is the aggregate's rule (Proposal.receive)."""

    model_config = ConfigDict(extra="forbid")

    scope: AgreementScope
    fields: list[ShortText] = Field(
        min_length=1, max_length=20, description="The fields the agreement covers (分野)"
    )


class AttachedDocument(BaseModel):
    """The proposal document uploaded before (POST …/documents answers its sha256); the
    submission names it by that hash and gives the name the proposer's file had."""

    model_config = ConfigDict(extra="forbid")

    sha256: Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=255)]


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
    summary: (
        Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=400)]
        | None
    ) = Field(
        None,
        description="Summary for publication (提案概要); required except for a pre-consultation",
    )
    content: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20000)
    ]
    protected: Annotated[str, StringConstraints(strip_whitespace=True, max_length=20000)] | None = (
        Field(None, description="Know-how the proposer wants kept confidential; never published")
    )
    experiment: Experiment | None = Field(None, description="Demonstration experiments only")
    agreement: Agreement | None = Field(None, description="Partnership agreements only")
    document: AttachedDocument | None = Field(
        None, description="One attached proposal document (PDF, up to 10 MB), uploaded first"
    )
    consultation_receipt_number: (
        Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)] | None
    ) = Field(
        None,
        description="The receipt number of the pre-consultation (事前相談) this proposal "
        "follows, when there was one: the desk sees the two linked",
    )
    terms_consent: StrictBool = Field(
        False,
        description="The proposer consents to the city's terms (規約への同意); "
        "a submission without it is refused. `/proposals/check` does not ask for it.",
    )
    terms_version: Annotated[str, StringConstraints(max_length=40)] | None = Field(
        None,
        description="The version of the terms the proposer read; refused when the terms "
        "have changed since (read them again)",
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
    # A theme tells proposers why the city asks and what it hopes for (背景, 期待する成果;
    # issue 16). Nagasaki's list (seeds/002) gives titles only, so both may be empty.
    background: Annotated[str, StringConstraints(strip_whitespace=True, max_length=4000)] = Field(
        "", description="Background of the challenge (背景)"
    )
    expected_outcome: Annotated[str, StringConstraints(strip_whitespace=True, max_length=4000)] = (
        Field("", description="What the city expects of a solution (期待する成果)")
    )
    opens_on: date | None = None
    closes_on: date | None = None

    @model_validator(mode="after")
    def period_is_ordered(self) -> ThemeDraft:
        if self.opens_on and self.closes_on and self.closes_on < self.opens_on:
            raise ValueError("closes_on: the call cannot close before it opens")
        return self


class ThemeRequestDraft(BaseModel):
    """A theme a department asks the desk to publish: what the theme would say, and the
    call period it wishes for (the desk sets the real one when it publishes)."""

    model_config = ConfigDict(extra="forbid")

    title: ShortText
    description: Annotated[str, StringConstraints(strip_whitespace=True, max_length=4000)] = Field(
        "", description="What the challenge is"
    )
    background: Annotated[str, StringConstraints(strip_whitespace=True, max_length=4000)] = Field(
        "", description="Background of the challenge (背景)"
    )
    expected_outcome: Annotated[str, StringConstraints(strip_whitespace=True, max_length=4000)] = (
        Field("", description="What the department expects of a solution (期待する成果)")
    )
    field: ShortText
    opens_on: date | None = Field(None, description="The call period wished: from")
    closes_on: date | None = Field(None, description="The call period wished: until")

    @model_validator(mode="after")
    def period_is_ordered(self) -> ThemeRequestDraft:
        if self.opens_on and self.closes_on and self.closes_on < self.opens_on:
            raise ValueError("closes_on: the call cannot close before it opens")
        return self


class ThemeRequestDecline(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000)]


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
