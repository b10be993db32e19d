"""Publication's topics, and the translation of its cases into PUBLIC events."""

from __future__ import annotations

from typing import Any

from services.publication.domain import Case
from shared.contract import (
    CaseCorrected,
    CasePublished,
    CaseRetracted,
    Envelope,
    IntegrationEvent,
    PublicCase,
)
from shared.contract.envelope import envelope_of
from shared.relay import Translator, to_one_topic
from shared.settings import CommonSettings

SERVICE = "publication"


def public_topic(settings: CommonSettings) -> str:
    """The topic other cities follow (docs/asyncapi.yaml)."""
    return settings.topic("public", "cases")


def dead_letter_topic(settings: CommonSettings) -> str:
    return settings.topic(SERVICE, "dead-letters")


def consumed_topics(settings: CommonSettings) -> list[str]:
    return [
        settings.topic("intake", "proposals"),
        settings.topic("intake", "themes"),
        settings.topic("routing", "proposals"),
        settings.topic("decision", "proposals"),
    ]


def to_public_event(domain_event: Any) -> IntegrationEvent | None:
    match domain_event:
        case Case.Published():
            return CasePublished(case=PublicCase.model_validate(domain_event.disclosed))
        case Case.Corrected():
            return CaseCorrected(
                case=PublicCase.model_validate(domain_event.disclosed), note=domain_event.note
            )
        case Case.Retracted():
            return CaseRetracted(
                case_id=domain_event.originator_id,
                municipality=domain_event.meta["municipality"],
                reason=domain_event.reason,
            )
    return None  # drafts, consultations and what publication heard stay inside


def to_envelope(domain_event: Any, notification_id: int | None = None) -> Envelope | None:
    event = to_public_event(domain_event)
    return None if event is None else envelope_of(SERVICE, domain_event, event, notification_id)


def translator(settings: CommonSettings) -> Translator:
    return to_one_topic(public_topic(settings), to_envelope)
