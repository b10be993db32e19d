"""The topics of the bus, and which integration events travel on each (DESIGN.md §4).

Every topic has one owning service, the only one that writes it; the others subscribe.
A consuming service names the event types it handles, and this table gives the topics
it must read, so no service imports another service's package for a topic name.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from shared.contract import public_v1
from shared.contract.base import IntegrationEvent
from shared.contract.decision import (
    IncentiveRecorded,
    ProposalAdopted,
    ProposalEscalated,
    ProposalRejectedAfterReview,
)
from shared.contract.implementation import (
    AgreementConcluded,
    ApplicantRecorded,
    CallPublished,
    ExperimentStepDone,
    ImplementationEnded,
    ImplementationStarted,
    ImplementerSelected,
    KpiDefined,
    KpiMeasured,
    LogicModelSet,
    MilestoneReached,
    ProjectClosed,
    VerdictGiven,
    VerificationOverdue,
)
from shared.contract.intake import (
    ProposalAccepted,
    ProposalRejected,
    ProposalStatusLinkReissued,
    ProposalSubmitted,
    ProposalWithdrawn,
    ProposerAnswered,
    ThemeClosed,
    ThemePublished,
)
from shared.contract.public import CaseCorrected, CasePublished, CaseRetracted
from shared.contract.public_calls import PublicCallPublished
from shared.contract.publication import CaseConsultationStarted
from shared.contract.routing import (
    DeadlinePassed,
    DialogueMilestoneReached,
    MessageToProposer,
    ProposalDeclined,
    ProposalRouted,
    ProposalTakenOn,
    StatusLineSet,
)
from shared.contract.soundings import (
    SoundingClosed,
    SoundingLedToCall,
    SoundingLedToTheme,
    SoundingPublished,
    SoundingQuestionAnswered,
    SoundingSummaryPublished,
)


class HasTopicPrefix(Protocol):
    @property
    def topic_prefix(self) -> str: ...


@dataclass(frozen=True)
class Topic:
    """A topic, named without the deployment's prefix (`intake.proposals`)."""

    owner: str  # the service that writes it
    stem: str
    events: tuple[type[IntegrationEvent], ...] = ()

    def name(self, settings: HasTopicPrefix) -> str:
        return f"{settings.topic_prefix}.{self.stem}"


INTAKE_PROPOSALS = Topic(
    "intake",
    "intake.proposals",
    (
        ProposalSubmitted,
        ProposalAccepted,
        ProposalRejected,
        ProposalWithdrawn,
        ProposalStatusLinkReissued,
        ProposerAnswered,
    ),
)
# What the city asks of the market: its themes, and its soundings (サウンディング), keyed by
# the theme's or the sounding's id. Soundings share the topic rather than adding one: the
# same owner and readers, and no new topic, ACL or manifest for what is one kind of news.
INTAKE_THEMES = Topic(
    "intake",
    "intake.themes",
    (
        ThemePublished,
        ThemeClosed,
        SoundingPublished,
        SoundingQuestionAnswered,
        SoundingClosed,
        SoundingSummaryPublished,
        SoundingLedToTheme,
        SoundingLedToCall,
    ),
)
ROUTING_PROPOSALS = Topic(
    "routing",
    "routing.proposals",
    (
        ProposalRouted,
        ProposalTakenOn,
        ProposalDeclined,
        DialogueMilestoneReached,
        StatusLineSet,
        DeadlinePassed,
        MessageToProposer,
    ),
)
DECISION_PROPOSALS = Topic(
    "decision",
    "decision.proposals",
    (ProposalAdopted, ProposalRejectedAfterReview, ProposalEscalated, IncentiveRecorded),
)
# After adoption: selection, agreement, implementation, effect verification.
IMPLEMENTATION_PROJECTS = Topic(
    "implementation",
    "implementation.projects",
    (
        CallPublished,
        ApplicantRecorded,
        ImplementerSelected,
        AgreementConcluded,
        ImplementationStarted,
        MilestoneReached,
        ExperimentStepDone,
        ImplementationEnded,
        VerificationOverdue,
        LogicModelSet,
        KpiDefined,
        KpiMeasured,
        VerdictGiven,
        ProjectClosed,
    ),
)
# What publication tells the desk's own services of a proposal's case (never other cities),
# with the proposal as the subject (services/publication/domain.py, ProposerNotices).
PUBLICATION_PROPOSALS = Topic("publication", "publication.proposals", (CaseConsultationStarted,))
# The topic other cities follow (docs/asyncapi.yaml): its name says public, not whose.
PUBLIC_CASES = Topic(
    "publication",
    "public.cases",
    (
        CasePublished,
        CaseCorrected,
        CaseRetracted,
        # Still published for a case without an outcome (shared.contract.public).
        public_v1.CasePublished,
        public_v1.CaseCorrected,
        # The open calls and procurements for an implementer (shared.contract.public_calls).
        PublicCallPublished,
    ),
)

TOPICS: tuple[Topic, ...] = (
    INTAKE_PROPOSALS,
    INTAKE_THEMES,
    ROUTING_PROPOSALS,
    DECISION_PROPOSALS,
    IMPLEMENTATION_PROJECTS,
    PUBLICATION_PROPOSALS,
    PUBLIC_CASES,
)


def dead_letters(service: str) -> Topic:
    """Where a service sets aside what it could not take, with the reason."""
    return Topic(service, f"{service}.dead-letters")


def published_by(service: str) -> list[Topic]:
    return [topic for topic in TOPICS if topic.owner == service]


def topic_of(event_type: type[IntegrationEvent]) -> Topic:
    for topic in TOPICS:
        if event_type in topic.events:
            return topic
    raise LookupError(f"{event_type.__name__} travels on no topic of the contract")


def topics_carrying(event_types: Iterable[type[IntegrationEvent]]) -> list[Topic]:
    """The topics a consumer of these event types reads, in the contract's order."""
    wanted = {topic_of(event_type) for event_type in event_types}
    return [topic for topic in TOPICS if topic in wanted]
