"""Translate intake's stored domain events into integration events for Kafka.

The contract models decide what leaves intake: each is built from the domain event's
attributes, and contact details and the protected part are simply not in them.
"""

from __future__ import annotations

from typing import Any

from services.intake.domain import Proposal, Theme
from services.intake.sounding_integration import sounding_integration_event
from shared.contract import (
    IntegrationEvent,
    ProposalAccepted,
    ProposalRejected,
    ProposalStatusLinkReissued,
    ProposalSubmitted,
    ProposalWithdrawn,
    ProposerAnswered,
    PublicProposer,
    ThemeClosed,
    ThemePublished,
)
from shared.contract.envelope import envelope_translator
from shared.municipalities import today_in_japan

SERVICE = "intake"


def to_integration_event(domain_event: Any) -> IntegrationEvent | None:
    subject = domain_event.originator_id
    match domain_event:
        case Proposal.Submitted():
            return ProposalSubmitted(
                proposal_id=subject,
                municipality=domain_event.municipality,
                receipt_number=domain_event.receipt_number,
                fiscal_year=domain_event.fiscal_year,
                received_on=domain_event.received_on or today_in_japan(domain_event.timestamp),
                channel=domain_event.channel,
                theme_number=domain_event.theme_number,
                theme_department=domain_event.theme_department,
                proposer=PublicProposer(
                    organisation=domain_event.organisation, kind=domain_event.proposer_kind
                ),
                title=domain_event.title,
                field=domain_event.field,
                summary=domain_event.summary,
                content=domain_event.content,
                has_protected_part=bool(domain_event.protected_part),
                experiment=domain_event.experiment,
                agreement=domain_event.agreement,
                # The document's reference only: the file stays in intake.
                document=domain_event.document,
            )
        case Proposal.Accepted():
            return ProposalAccepted(proposal_id=subject, note=domain_event.note)
        case Proposal.Rejected():
            return ProposalRejected(
                proposal_id=subject,
                reasons=domain_event.reasons,
                explanation=domain_event.explanation,
                automatic=domain_event.automatic,
            )
        case Proposal.Withdrawn():
            return ProposalWithdrawn(proposal_id=subject, reason=domain_event.reason)
        case Proposal.StatusLinkReissued():
            return ProposalStatusLinkReissued(
                proposal_id=subject, generation=domain_event.generation
            )
        case Proposal.Answered():
            return ProposerAnswered(
                proposal_id=subject,
                message_id=domain_event.message_id,
                in_reply_to=domain_event.in_reply_to,
                text=domain_event.text,
            )
        case Theme.Published():
            return ThemePublished(
                theme_id=subject,
                municipality=domain_event.municipality,
                number=domain_event.number,
                title=domain_event.title,
                field=domain_event.field,
                department=domain_event.department,
                opens_on=domain_event.opens_on,
                closes_on=domain_event.closes_on,
            )
        case Theme.Closed():
            return ThemeClosed(
                theme_id=subject,
                municipality=domain_event.meta["municipality"],
                number=domain_event.number,
            )
    # A sounding's news to the market; receipt books and idempotency records are intake's
    # own business.
    return sounding_integration_event(domain_event)


to_envelope = envelope_translator(SERVICE, to_integration_event)
