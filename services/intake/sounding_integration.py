"""What of a sounding leaves intake: only what was said to the whole market.

The responses (Sounding.Responded) and the questions as asked (Sounding.QuestionAsked) carry
the companies' names, contacts and ideas: they have no integration event, so no topic ever
carries them (Setagaya 5(2): 「提案に関するアイデア等の知的財産について協議のうえ適切に保護
する」). A draft is not published either until the sounding is.
"""

from __future__ import annotations

from typing import Any

from services.intake.soundings import Sounding
from shared.contract import (
    IntegrationEvent,
    SoundingClosed,
    SoundingLedToCall,
    SoundingLedToTheme,
    SoundingPublished,
    SoundingQuestionAnswered,
    SoundingSummaryPublished,
)

_TOLD_TO_THE_MARKET = (
    Sounding.Published,
    Sounding.QuestionAnswered,
    Sounding.Closed,
    Sounding.SummaryPublished,
    Sounding.LedToTheme,
    Sounding.LedToCall,
)


def sounding_integration_event(domain_event: Any) -> IntegrationEvent | None:
    """The integration event of a sounding's stored event, or None when it stays here."""
    if not isinstance(domain_event, _TOLD_TO_THE_MARKET):
        return None
    subject = domain_event.originator_id
    municipality = domain_event.meta["municipality"]
    match domain_event:
        case Sounding.Published():
            return SoundingPublished(
                sounding_id=subject,
                municipality=municipality,
                department=domain_event.department,
                field=domain_event.field,
                subject=domain_event.subject,
                description=domain_event.description,
                questions=domain_event.questions,
                opens_on=domain_event.opens_on,
                closes_on=domain_event.closes_on,
            )
        case Sounding.QuestionAnswered():
            return SoundingQuestionAnswered(
                sounding_id=subject,
                municipality=municipality,
                question_id=domain_event.question_id,
                question=domain_event.question,
                answer=domain_event.answer,
            )
        case Sounding.Closed():
            return SoundingClosed(
                sounding_id=subject, municipality=municipality, responses=domain_event.responses
            )
        case Sounding.SummaryPublished():
            return SoundingSummaryPublished(
                sounding_id=subject, municipality=municipality, summary=domain_event.summary
            )
        case Sounding.LedToTheme():
            return SoundingLedToTheme(
                sounding_id=subject,
                municipality=municipality,
                theme_number=domain_event.theme_number,
            )
        case Sounding.LedToCall():
            return SoundingLedToCall(
                sounding_id=subject, municipality=municipality, call=domain_event.call
            )
    return None
