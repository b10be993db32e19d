"""What staff and companies ask intake to do with a sounding: validated request models
(a missing or malformed field gets a 422 naming it; the aggregate checks the rest)."""

from __future__ import annotations

from datetime import date
from typing import Annotated
from uuid import UUID

from pydantic import BaseModel, ConfigDict, EmailStr, Field, model_validator

from services.intake.commands import LongText, Phone, ShortText
from services.intake.soundings import MOST_QUESTIONS

Answer = Annotated[str, Field(max_length=4000)]


class SoundingDraft(BaseModel):
    """A sounding as the desk or a department drafts it: subject, questions, period.
    A department drafts for itself; the desk names the department it is for."""

    model_config = ConfigDict(extra="forbid")

    subject: ShortText = Field(description="What the city asks the market about (件名)")
    description: LongText = Field(description="Background and what the city wants to learn")
    field: ShortText = Field(description="The field (分野), e.g. まちづくり")
    department: ShortText | None = Field(
        None, description="The department it is for (the desk names it; a department's own)"
    )
    questions: list[LongText] = Field(min_length=1, max_length=MOST_QUESTIONS)
    opens_on: date = Field(description="First day responses are taken")
    closes_on: date = Field(description="Last day responses are taken")

    @model_validator(mode="after")
    def period_is_ordered(self) -> SoundingDraft:
        if self.closes_on < self.opens_on:
            raise ValueError("closes_on: the period cannot end before it starts")
        return self


class SoundingResponse(BaseModel):
    """A company's response: who (kept in intake, never published) and an answer to each
    question, in the questions' order."""

    model_config = ConfigDict(extra="forbid")

    organisation: ShortText
    contact_person: ShortText
    email: EmailStr
    phone: Phone | None = None
    answers: list[Answer] = Field(min_length=1, max_length=MOST_QUESTIONS)
    response_key: UUID | None = Field(
        None,
        description="A new UUID per response: the same response sent again with it is "
        "answered with the same receipt and recorded once (the portal's confirmation page "
        "makes one)",
    )


class SoundingQuestion(BaseModel):
    """A company's question about the sounding; its answer is published for all."""

    model_config = ConfigDict(extra="forbid")

    organisation: ShortText
    email: EmailStr
    text: LongText


class QuestionAndAnswer(BaseModel):
    """A question and its answer as published to all respondents alike: `question_id` of a
    company's question, or none for a clarification nobody asked."""

    model_config = ConfigDict(extra="forbid")

    question_id: UUID | None = None
    question: LongText = Field(description="The question as published (naming no one)")
    answer: LongText


class SoundingSummary(BaseModel):
    model_config = ConfigDict(extra="forbid")

    summary: LongText = Field(description="What the market said, naming no respondent")


class SoundingTheme(BaseModel):
    """The theme a sounding leads to: its field and department are the sounding's."""

    model_config = ConfigDict(extra="forbid")

    number: int = Field(ge=1)
    title: ShortText
    background: Annotated[str, Field(max_length=4000)] = ""
    expected_outcome: Annotated[str, Field(max_length=4000)] = ""
    opens_on: date | None = None
    closes_on: date | None = None

    @model_validator(mode="after")
    def period_is_ordered(self) -> SoundingTheme:
        if self.opens_on and self.closes_on and self.closes_on < self.opens_on:
            raise ValueError("closes_on: the call cannot close before it opens")
        return self


class SoundingCall(BaseModel):
    model_config = ConfigDict(extra="forbid")

    call: ShortText = Field(description="The call (公募) the sounding led to")
