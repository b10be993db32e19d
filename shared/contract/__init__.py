"""The one versioned event contract of Kyoso Desk (DESIGN.md §4)."""

from shared.contract.base import EVENT_REGISTRY, IntegrationEvent, UnknownEventType
from shared.contract.envelope import (
    Envelope,
    EventMetadata,
    MalformedMessage,
    from_kafka,
    stable_event_id,
    to_kafka,
)
from shared.contract.intake import (
    ProposalAccepted,
    ProposalRejected,
    ProposalSubmitted,
    ProposalWithdrawn,
    PublicProposer,
    ThemeClosed,
    ThemePublished,
)
from shared.contract.routing import (
    DeadlineKind,
    DeadlinePassed,
    DialogueMilestone,
    DialogueMilestoneReached,
    ProposalDeclined,
    ProposalRouted,
    ProposalTakenOn,
    RoutingMethod,
    StatusLineSet,
)
from shared.contract.vocabulary import ActorRole, Channel, ProposerKind, ScreeningReason

__all__ = [
    "EVENT_REGISTRY",
    "ActorRole",
    "Channel",
    "DeadlineKind",
    "DeadlinePassed",
    "DialogueMilestone",
    "DialogueMilestoneReached",
    "Envelope",
    "EventMetadata",
    "IntegrationEvent",
    "MalformedMessage",
    "ProposalAccepted",
    "ProposalDeclined",
    "ProposalRejected",
    "ProposalRouted",
    "ProposalSubmitted",
    "ProposalTakenOn",
    "ProposalWithdrawn",
    "ProposerKind",
    "PublicProposer",
    "RoutingMethod",
    "ScreeningReason",
    "StatusLineSet",
    "ThemeClosed",
    "ThemePublished",
    "UnknownEventType",
    "from_kafka",
    "stable_event_id",
    "to_kafka",
]
