"""Events the intake service publishes.

What is NOT here is as deliberate as what is: the proposer's contact person, e-mail and
phone and the protected part of the proposal never leave intake (DESIGN.md §7).
"""

from __future__ import annotations

from datetime import date
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from shared.contract.base import IntegrationEvent
from shared.contract.vocabulary import (
    MESSAGE_MAX_LENGTH,
    Channel,
    ProposerKind,
    ScreeningReason,
)


class PublicProposer(BaseModel):
    """The proposer as other services may know it: the organisation, not the people."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    organisation: str
    kind: ProposerKind


class ProposalSubmitted(IntegrationEvent):
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
