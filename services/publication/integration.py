"""Publication's topics, and the translation of its cases into PUBLIC events."""

from __future__ import annotations

from typing import Any

from services.publication.domain import Case
from shared.contract import CaseRetracted, IntegrationEvent, PublicCase
from shared.contract.envelope import envelope_translator
from shared.contract.public import as_corrected, as_published

SERVICE = "publication"


def to_integration_event(domain_event: Any) -> IntegrationEvent | None:
    match domain_event:
        case Case.Published():
            # Version 1 while the case has no outcome, so that its readers keep it.
            return as_published(PublicCase.model_validate(domain_event.disclosed))
        case Case.Corrected():
            return as_corrected(
                PublicCase.model_validate(domain_event.disclosed), note=domain_event.note
            )
        case Case.Retracted():
            return CaseRetracted(
                case_id=domain_event.originator_id,
                municipality=domain_event.meta["municipality"],
                reason=domain_event.reason,
            )
    return None  # drafts, consultations and what publication heard stay inside


to_envelope = envelope_translator(SERVICE, to_integration_event)
