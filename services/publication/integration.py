"""Publication's topics, and the translation of its cases into PUBLIC events and, for the
desk's own services, the consultation of the proposer (which intake mails them)."""

from __future__ import annotations

from typing import Any

from services.publication.domain import AnnouncedCall, Case, ProposerNotices
from shared.contract import (
    CaseConsultationStarted,
    CaseRetracted,
    IntegrationEvent,
    PublicCall,
    PublicCallPublished,
    PublicCase,
)
from shared.contract.envelope import envelope_translator
from shared.contract.public import as_corrected, as_published

SERVICE = "publication"


def to_integration_event(domain_event: Any) -> IntegrationEvent | None:
    match domain_event:
        case ProposerNotices.ConsultationTold():
            # Not public: on publication.proposals, for intake, which alone knows the
            # proposer's address (DESIGN.md §7) and mails them the link to the case.
            return CaseConsultationStarted(
                proposal_id=domain_event.originator_id,
                case_id=domain_event.case_id,
                objection_due_on=domain_event.objection_due_on,
            )
        case Case.Published():
            # Version 1 while the case has no outcome, so that its readers keep it.
            return as_published(PublicCase.model_validate(domain_event.disclosed))
        case Case.Corrected():
            return as_corrected(
                PublicCase.model_validate(domain_event.disclosed), note=domain_event.note
            )
        case AnnouncedCall.Announced():
            # Public: any company may apply, any city may read it.
            return PublicCallPublished(call=PublicCall.model_validate(domain_event.disclosed))
        case Case.Retracted():
            return CaseRetracted(
                case_id=domain_event.originator_id,
                municipality=domain_event.meta["municipality"],
                reason=domain_event.reason,
            )
    return None  # drafts, the proposer's answers and what publication heard stay inside


to_envelope = envelope_translator(SERVICE, to_integration_event)
