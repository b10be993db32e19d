"""Events the routing service publishes: where a proposal is, and how it got there.

Every hop is an event of its own, so the history of who held a proposal (and who
declined it, and why) is kept and visible: たらい回しはしない (Kitakyushu).
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Any
from uuid import UUID

from pydantic import Field

from shared.contract.base import EVENT_REGISTRY, IntegrationEvent
from shared.contract.vocabulary import MESSAGE_MAX_LENGTH


class RoutingMethod(StrEnum):
    THEME_OWNER = "theme_owner"  # a theme proposal goes to the theme's owning department
    MATCH = "match"  # fields and keywords of the department directory
    TRIAGE = "triage"  # nothing matched well enough: the desk's own queue
    DESK = "desk"  # the desk chose the departments itself


class DialogueMilestone(StrEnum):
    """Steps of the dialogue (対話), DOMAIN.md lifecycle step 4."""

    STARTED = "started"
    CONFIDENTIALITY_AGREED = "confidentiality_agreed"  # scope agreed at the start
    SKELETON_AGREED = "skeleton_agreed"  # why, what, roles, business model
    FEASIBILITY_REVIEWED = "feasibility_reviewed"  # laws, risks
    KPIS_REVIEWED = "kpis_reviewed"


class DeadlineKind(StrEnum):
    ROUTING = "routing"  # a department must take the proposal on (default 14 days)
    DIALOGUE = "dialogue"  # the dialogue must reach a decision (default 90 days)


class ProposalRouted(IntegrationEvent):
    """The proposal was sent to department(s), or to the desk's triage queue (no lead)."""

    event_type = "routing.proposal.routed"
    version = 1

    proposal_id: UUID
    hop: int = Field(ge=1, description="1 for the first routing, +1 for every reroute")
    lead_department: str | None = Field(description="None: the desk's triage queue")
    departments: list[str] = Field(description="The lead first, then co-owning departments")
    method: RoutingMethod
    reason: str
    due_on: date = Field(description="By when a department should take it on")


class ProposalTakenOn(IntegrationEvent):
    """A department accepted the proposal: the dialogue starts."""

    event_type = "routing.proposal.taken_on"
    version = 1

    proposal_id: UUID
    department: str
    dialogue_due_on: date


class ProposalDeclined(IntegrationEvent):
    """A department declined, with its reason; a reroute follows in the same breath."""

    event_type = "routing.proposal.declined"
    version = 1

    proposal_id: UUID
    department: str
    reason: str = Field(min_length=1)


# Version 1, before the agreed confidentiality scope was a field of its own: kept as it
# was so that stored and published version-1 events still read (upcast to version 2 below).
class DialogueMilestoneReachedV1(IntegrationEvent):
    event_type = "routing.dialogue.milestone"
    version = 1

    proposal_id: UUID
    milestone: DialogueMilestone
    note: str | None = None


class DialogueMilestoneReached(IntegrationEvent):
    """A step of the dialogue. Version 2 adds the agreed confidentiality scope: Kitakyushu
    (seeds/003_6cefa70e5dc5551c.txt) 「対話の初期段階で、情報の取り扱いや秘密保持の範囲について
    双方で確認し」 — what the department and the proposer agreed stays confidential, in
    their words, recorded with the milestone `confidentiality_agreed` (and only with it)."""

    event_type = "routing.dialogue.milestone"
    version = 2

    proposal_id: UUID
    milestone: DialogueMilestone
    note: str | None = None
    confidentiality_scope: str | None = Field(
        None,
        description="The agreed scope of confidentiality (秘密保持の範囲); "
        "only with the milestone confidentiality_agreed",
    )


def _milestone_v1_to_v2(data: dict[str, Any]) -> dict[str, Any]:
    # Version 1 recorded no scope: absent (None) in version 2, also for a version-1
    # confidentiality_agreed, whose scope (if any) is in its note.
    return data


EVENT_REGISTRY.register_upcaster(DialogueMilestoneReached.event_type, 1, _milestone_v1_to_v2)


class StatusLineSet(IntegrationEvent):
    """The line the proposer sees, e.g. 「まちづくり部と協議中」 / "In talks with ..."."""

    event_type = "routing.proposal.status_line"
    version = 1

    proposal_id: UUID
    ja: str = Field(min_length=1)
    en: str = Field(min_length=1)


class MessageToProposer(IntegrationEvent):
    """A message of the dialogue (対話) to the proposer, from the department that took the
    proposal on or from the desk: shown on the proposer's status page and e-mailed to
    them by intake. Internal notes of the dialogue log never leave routing."""

    event_type = "routing.dialogue.message_to_proposer"
    version = 1

    proposal_id: UUID
    message_id: UUID
    department: str | None = Field(description="The department that wrote it; None: the desk")
    text: str = Field(min_length=1, max_length=MESSAGE_MAX_LENGTH)


class DeadlinePassed(IntegrationEvent):
    """A proposal waited past its deadline: it shows on the desk's dashboard."""

    event_type = "routing.proposal.overdue"
    version = 1

    proposal_id: UUID
    deadline: DeadlineKind
    due_on: date
    department: str | None
