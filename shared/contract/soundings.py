"""Events of the sounding (サウンディング型市場調査) that intake publishes.

Only what the city says to the whole market leaves intake: the sounding as announced, the
questions answered for all alike, the close (with how many responded), the summary and
what the sounding led to. Who responded, their contact details, their answers and who asked
which question never do (Setagaya 5(2), 「提案に関するアイデア等の知的財産について協議の
うえ適切に保護する」; DESIGN.md §7). They travel on intake's themes topic beside the themes:
both are what the city asks of the market (shared.contract.topics).
"""

from __future__ import annotations

from datetime import date
from uuid import UUID

from pydantic import Field

from shared.contract.base import IntegrationEvent


class SoundingPublished(IntegrationEvent):
    """The city asks the market: subject, questions and the period for responses."""

    event_type = "intake.sounding.published"
    version = 1

    sounding_id: UUID
    municipality: str
    department: str = Field(description="The department the sounding is for")
    field: str
    subject: str
    description: str
    questions: list[str] = Field(min_length=1)
    opens_on: date
    closes_on: date


class SoundingQuestionAnswered(IntegrationEvent):
    """A question about the sounding and its answer, published to every respondent alike;
    the question is worded for all and never says who asked it."""

    event_type = "intake.sounding.question_answered"
    version = 1

    sounding_id: UUID
    municipality: str
    question_id: UUID
    question: str
    answer: str


class SoundingClosed(IntegrationEvent):
    """The sounding's period is over; `responses` counts them, naming none."""

    event_type = "intake.sounding.closed"
    version = 1

    sounding_id: UUID
    municipality: str
    responses: int = Field(ge=0)


class SoundingSummaryPublished(IntegrationEvent):
    """What the market said, without saying who said what."""

    event_type = "intake.sounding.summary_published"
    version = 1

    sounding_id: UUID
    municipality: str
    summary: str


class SoundingLedToTheme(IntegrationEvent):
    """The sounding's outcome: the theme (テーマ) the city published from it."""

    event_type = "intake.sounding.led_to_theme"
    version = 1

    sounding_id: UUID
    municipality: str
    theme_number: int = Field(ge=1)


class SoundingLedToCall(IntegrationEvent):
    """The sounding's outcome: a call (公募) whose conditions it helped to set."""

    event_type = "intake.sounding.led_to_call"
    version = 1

    sounding_id: UUID
    municipality: str
    call: str
