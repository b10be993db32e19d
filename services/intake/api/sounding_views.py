"""How a sounding is shown: to the public (what was said to the whole market) and to the
staff who run it (with the responses, which only they read)."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from pydantic import BaseModel

from services.intake.soundings import Sounding, SoundingState

STATUS = {
    SoundingState.DRAFT: ("下書き", "draft"),
    SoundingState.OPEN: ("受付中", "open"),
    SoundingState.CLOSED: ("終了", "closed"),
}


class PublishedAnswer(BaseModel):
    question_id: UUID
    question: str
    answer: str


class PublicSoundingView(BaseModel):
    """A published sounding: the announcement, the Q&A every respondent reads alike, and
    afterwards the summary and what it led to. Never who responded or asked."""

    sounding_id: UUID
    department: str
    field: str
    subject: str
    description: str
    questions: list[str]
    opens_on: date
    closes_on: date
    open: bool  # responses are taken today
    state: str
    status_ja: str
    status_en: str
    qa: list[PublishedAnswer]
    responses: int | None  # how many, once closed
    summary: str | None
    theme_number: int | None
    call: str | None

    @classmethod
    def of(cls, sounding: Sounding, today: date) -> PublicSoundingView:
        is_open = sounding.is_open_on(today)
        status_ja, status_en = STATUS[sounding.state]
        if sounding.state == SoundingState.OPEN and not is_open:
            status_ja, status_en = (
                ("受付前", "not yet open")
                if today < sounding.opens_on
                else ("受付期間終了", "period ended")
            )
        return cls(
            sounding_id=sounding.id,
            department=sounding.department,
            field=sounding.field,
            subject=sounding.subject,
            description=sounding.description,
            questions=sounding.questions,
            opens_on=sounding.opens_on,
            closes_on=sounding.closes_on,
            open=is_open,
            state=sounding.state,
            status_ja=status_ja,
            status_en=status_en,
            qa=[PublishedAnswer.model_validate(qa) for qa in sounding.qa],
            responses=len(sounding.responses) if sounding.state == SoundingState.CLOSED else None,
            summary=sounding.summary,
            theme_number=sounding.theme_number,
            call=sounding.call,
        )


class SoundingResponseView(BaseModel):
    response_id: UUID
    organisation: str
    contact_person: str | None
    email: str | None
    phone: str | None
    answers: list[str]
    responded_on: date


class AskedQuestionView(BaseModel):
    question_id: UUID
    organisation: str
    email: str
    text: str
    answered: bool


class StaffSoundingView(PublicSoundingView):
    """For the desk, the sounding's department and the auditor: with every response and
    every question as asked (by whom), which stay in intake."""

    response_list: list[SoundingResponseView]
    asked: list[AskedQuestionView]

    @classmethod
    def of_staff(cls, sounding: Sounding, today: date) -> StaffSoundingView:
        answered = {qa["question_id"] for qa in sounding.qa}
        return cls(
            **PublicSoundingView.of(sounding, today).model_dump(exclude={"responses"}),
            responses=len(sounding.responses),
            response_list=[
                SoundingResponseView(
                    response_id=rid,
                    organisation=r["organisation"],
                    contact_person=r["contact"].get("contact_person"),
                    email=r["contact"].get("email"),
                    phone=r["contact"].get("phone"),
                    answers=r["answers"],
                    responded_on=r["responded_on"],
                )
                for rid, r in sounding.responses.items()
            ],
            asked=[
                AskedQuestionView(
                    question_id=qid,
                    organisation=q["organisation"],
                    email=q["email"],
                    text=q["text"],
                    answered=qid in answered,
                )
                for qid, q in sounding.asked.items()
            ],
        )


class SoundingReceipt(BaseModel):
    """What a company is answered when its response is kept (受付)."""

    response_id: UUID
    sounding_id: UUID
    subject: str
    organisation: str
    responded_on: date


class QuestionReceipt(BaseModel):
    question_id: UUID
    sounding_id: UUID
