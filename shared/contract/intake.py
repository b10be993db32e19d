"""Events the intake service publishes.

What is NOT here is as deliberate as what is: the proposer's contact person, e-mail and
phone and the protected part of the proposal never leave intake (DESIGN.md §7).
"""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from shared.contract.base import EVENT_REGISTRY, IntegrationEvent
from shared.contract.vocabulary import (
    MESSAGE_MAX_LENGTH,
    AgreementScope,
    Channel,
    ProposerKind,
    ScreeningReason,
)


class PublicProposer(BaseModel):
    """The proposer as other services may know it: the organisation, not the people."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    organisation: str
    kind: ProposerKind


# Version 1, before the channel's own fields and the attached document: kept as it was so
# that stored and published version-1 events still read (upcast to version 2 below).
class ProposalSubmittedV1(IntegrationEvent):
    event_type = "intake.proposal.submitted"
    version = 1

    proposal_id: UUID
    municipality: str
    receipt_number: str = Field(description="Readable receipt number, e.g. NAGASAKI-2025-0001")
    fiscal_year: int = Field(description="Japanese fiscal year (April–March) of receipt")
    received_on: date = Field(description="Date of receipt in Japan (受付日)")
    channel: Channel
    theme_number: int | None = None
    theme_department: str | None = Field(
        None, description="The theme's owning department when the proposal was submitted"
    )
    proposer: PublicProposer
    title: str
    field: str
    summary: str = Field(description="Summary the proposer wrote for publication")
    content: str
    has_protected_part: bool = Field(
        description="True when the proposer gave know-how to keep confidential; "
        "the protected text itself stays in intake"
    )


class ExperimentPlan(BaseModel):
    """What a demonstration experiment (実証実験) asks of the city. Aomori's 実証実験サポート
    (000_4783c11d099f2101.txt): the city offers 「実証実験フィールドの提供・斡旋、行政データの
    提供、PR機会の提供、規制緩和の検討、市内活動拠点の提供」; the proposer bears
    「実証実験に係る費用負担」, though 「実費程度の予算措置をする場合があります」."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    area: str = Field(description="Where the experiment runs (実施場所)")
    starts_on: date = Field(description="First day of the experiment (実施期間)")
    ends_on: date = Field(description="Last day of the experiment, on or after starts_on")
    city_support: str = Field(description="What the city is asked to provide")
    cost_share_yen: int = Field(ge=0, description="Share of the cost asked of the city, in 円")


class AgreementPlan(BaseModel):
    """A partnership agreement (連携協定): on one field (事業連携協定) or several (包括連携協定),
    Aomori's two kinds (000_4783c11d099f2101.txt)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    scope: AgreementScope
    fields: list[str] = Field(min_length=1, description="The fields the agreement covers")


class DocumentReference(BaseModel):
    """The proposal document the proposer attached: intake keeps the file itself (never on
    the bus); this says which file it is, so that anyone can check a copy against it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    size: int = Field(ge=1, description="Bytes")
    content_type: str
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")


class ProposalSubmitted(IntegrationEvent):
    """A proposal (or a pre-consultation, channel pre_consultation) arrived at the desk.
    Version 2 adds the channel's own fields and the attached document's reference."""

    event_type = "intake.proposal.submitted"
    version = 2

    proposal_id: UUID
    municipality: str
    receipt_number: str = Field(description="Readable receipt number, e.g. NAGASAKI-2025-0001")
    fiscal_year: int = Field(description="Japanese fiscal year (April–March) of receipt")
    received_on: date = Field(description="Date of receipt in Japan (受付日)")
    channel: Channel
    theme_number: int | None = None
    theme_department: str | None = Field(
        None, description="The theme's owning department when the proposal was submitted"
    )
    proposer: PublicProposer
    title: str
    field: str
    summary: str = Field(description="Summary the proposer wrote for publication")
    content: str
    has_protected_part: bool = Field(
        description="True when the proposer gave know-how to keep confidential; "
        "the protected text itself stays in intake"
    )
    experiment: ExperimentPlan | None = Field(None, description="Demonstration experiments only")
    agreement: AgreementPlan | None = Field(None, description="Partnership agreements only")
    document: DocumentReference | None = Field(
        None, description="The attached proposal document (the file stays in intake)"
    )


def _submitted_v1_to_v2(data: dict[str, Any]) -> dict[str, Any]:
    # Version 1 had none of the new fields: each is absent (None) in version 2.
    return data


EVENT_REGISTRY.register_upcaster(ProposalSubmitted.event_type, 1, _submitted_v1_to_v2)


class ProposalAccepted(IntegrationEvent):
    """The desk screened the proposal and takes it on (受付)."""

    event_type = "intake.proposal.accepted"
    version = 1

    proposal_id: UUID
    note: str | None = None


class ProposalRejected(IntegrationEvent):
    """Not accepted at screening, automatically or by the desk, always with reasons."""

    event_type = "intake.proposal.rejected"
    version = 1

    proposal_id: UUID
    reasons: list[ScreeningReason] = Field(min_length=1)
    explanation: str
    automatic: bool


class ProposalWithdrawn(IntegrationEvent):
    event_type = "intake.proposal.withdrawn"
    version = 1

    proposal_id: UUID
    reason: str | None = None


class ProposalStatusLinkReissued(IntegrationEvent):
    """The desk issued the proposer a new status link: the earlier ones no longer open the
    proposal (a link that leaked, or that the proposer asked to be replaced). Every service
    that checks a proposer's token counts the links by `generation`."""

    event_type = "intake.proposal.status_link_reissued"
    version = 1

    proposal_id: UUID
    generation: int = Field(ge=1)


class ProposerAnswered(IntegrationEvent):
    """The proposer's message in the dialogue, written on the status page (the status
    token opened it): routing keeps it in the proposal's dialogue log, where the department
    reads it. Only the text leaves intake, never who wrote it or their address."""

    event_type = "intake.dialogue.proposer_answered"
    version = 1

    proposal_id: UUID
    message_id: UUID
    in_reply_to: UUID | None = Field(
        None, description="The department's message this answers, when it answers one"
    )
    text: str = Field(min_length=1, max_length=MESSAGE_MAX_LENGTH)


class ThemePublished(IntegrationEvent):
    """The city publishes a numbered challenge (テーマ) with its call period."""

    event_type = "intake.theme.published"
    version = 1

    theme_id: UUID
    municipality: str
    number: int
    title: str
    field: str
    department: str
    opens_on: date | None = None
    closes_on: date | None = None


class ThemeClosed(IntegrationEvent):
    """The call for a theme is over (募集期間終了): no more proposals are taken."""

    event_type = "intake.theme.closed"
    version = 1

    theme_id: UUID
    municipality: str
    number: int
