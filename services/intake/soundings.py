"""The sounding (サウンディング型市場調査): the city asks the market before it designs a project.

Setagaya (seeds/004_9a4ea9356e37e13f.txt), 「(2) サウンディング型市場調査」:
「市場調査手法の一つであり、市場性の有無や実現可能性、アイデア等の把握、公募に向けた条件整理等を
目的として、事業を決定する前に、民間に広く呼びかけ、直接対話によって意見を聴く手法。」
Sapporo (seeds/001_432515fecfa00518.txt), サウンディング調査: 「発案・事業化段階の事業内容・
スキーム等に関して、直接の対話から民間の意見や新たな提案の把握等を行い、検討を進展させることを
目的とした手法です。」
Kitakyushu (seeds/003_6cefa70e5dc5551c.txt), サウンディングの戦略的実施, gives the rules this
aggregate guards: 「公平性・透明性を確保することや複数の事業者と機会を均等に、又は、オープンに
対話の機会を設けながらも、民間のノウハウや提案内容に対する知財保護の視点に配慮する必要があります。」

So: the desk or a department drafts and publishes a sounding (subject, questions, period);
any company responds within the period; a question is answered for every respondent alike
(the published Q&A list — there is no answer to one company only); each response stays in
intake (Setagaya 5(2): 「提案に関するアイデア等の知的財産について協議のうえ適切に保護する」);
after the period a summary is published that names no respondent; and the sounding may lead
to a theme or a call (Setagaya: 「公募に向けた条件整理」).

As in domain.py, command methods check the rules and the `@event` bodies only change state.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from shared.errors import InvalidValue, StateConflict

Meta = dict[str, Any]

MOST_QUESTIONS = 20
# A summary must not let a reader tell whose idea was what: no respondent's name in it.
# Names shorter than this are too common to refuse a text for (e.g. "A社").
SHORTEST_NAME_CHECKED = 2


def _folded(text: str) -> str:
    """A name as compared: full- and half-width alike (NFKC), any case, without spaces, so
    that 「ＭＩＤＯＲＩ 株式会社」 is found as "midori株式会社"."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)).casefold()


class SoundingState:
    DRAFT = "draft"
    OPEN = "published"
    CLOSED = "closed"


class Sounding(Aggregate):
    """One sounding of one city, owned by one department (the desk may act for it)."""

    class Drafted(Aggregate.Created):
        municipality: str
        department: str
        field: str
        subject: str
        description: str
        questions: list[str]
        opens_on: date
        closes_on: date
        meta: Meta

    class Published(Aggregate.Event):
        """The sounding as announced to the market (a copy of the draft, so that the
        published event says all of it on its own)."""

        department: str
        field: str
        subject: str
        description: str
        questions: list[str]
        opens_on: date
        closes_on: date
        meta: Meta

    class Responded(Aggregate.Event):
        """A company's response. It stays in intake: the integration event leaves it out."""

        response_id: UUID
        organisation: str
        contact: dict[str, str | None]
        answers: list[str]
        responded_on: date
        meta: Meta

    class QuestionAsked(Aggregate.Event):
        """A company's question about the sounding, kept with who asked (never published)."""

        question_id: UUID
        organisation: str
        email: str
        text: str
        meta: Meta

    class QuestionAnswered(Aggregate.Event):
        """A question and its answer, as published to every respondent alike."""

        question_id: UUID
        question: str
        answer: str
        meta: Meta

    class Closed(Aggregate.Event):
        responses: int
        meta: Meta

    class SummaryPublished(Aggregate.Event):
        summary: str
        meta: Meta

    class LedToTheme(Aggregate.Event):
        theme_number: int
        meta: Meta

    class LedToCall(Aggregate.Event):
        call: str
        meta: Meta

    @classmethod
    def draft(
        cls,
        *,
        municipality: str,
        department: str,
        field: str,
        subject: str,
        description: str,
        questions: list[str],
        opens_on: date,
        closes_on: date,
        meta: Meta,
    ) -> Sounding:
        questions = [q.strip() for q in questions if q.strip()]
        if not questions:
            raise InvalidValue("questions", "a sounding asks the market at least one question")
        if len(questions) > MOST_QUESTIONS:
            raise InvalidValue("questions", f"at most {MOST_QUESTIONS} questions")
        if closes_on < opens_on:
            raise InvalidValue("closes_on", "the period cannot end before it starts")
        return cls(
            municipality=municipality,
            department=department,
            field=field,
            subject=subject,
            description=description,
            questions=questions,
            opens_on=opens_on,
            closes_on=closes_on,
            meta=meta,
        )

    @event(Drafted)
    def __init__(
        self,
        *,
        municipality: str,
        department: str,
        field: str,
        subject: str,
        description: str,
        questions: list[str],
        opens_on: date,
        closes_on: date,
        meta: Meta,
    ) -> None:
        self.municipality = municipality
        self.department = department
        self.field = field
        self.subject = subject
        self.description = description
        self.questions = list(questions)
        self.opens_on = opens_on
        self.closes_on = closes_on
        self.state = SoundingState.DRAFT
        self.responses: dict[UUID, Meta] = {}  # response id → organisation, contact, answers
        self.asked: dict[UUID, Meta] = {}  # question id → organisation, email, text
        self.qa: list[Meta] = []  # the published Q&A: question_id, question, answer
        self.summary: str | None = None
        self.theme_number: int | None = None
        self.call: str | None = None

    # -- reading ------------------------------------------------------------------------

    @property
    def is_published(self) -> bool:
        return self.state != SoundingState.DRAFT

    def is_open_on(self, day: date) -> bool:
        return self.state == SoundingState.OPEN and self.opens_on <= day <= self.closes_on

    def respondents(self) -> list[str]:
        """Every organisation that responded or asked, once each, as they wrote it."""
        names = [r["organisation"] for r in self.responses.values()]
        names += [q["organisation"] for q in self.asked.values()]
        return list(dict.fromkeys(names))

    def unanswered(self) -> list[tuple[UUID, Meta]]:
        answered = {qa["question_id"] for qa in self.qa}
        return [(qid, q) for qid, q in self.asked.items() if qid not in answered]

    # -- the desk or the department --------------------------------------------------------

    def publish(self, meta: Meta) -> None:
        if self.is_published:
            raise StateConflict("sounding_id", "the sounding is already published", where="path")
        self._published(
            department=self.department,
            field=self.field,
            subject=self.subject,
            description=self.description,
            questions=self.questions,
            opens_on=self.opens_on,
            closes_on=self.closes_on,
            meta=meta,
        )

    @event(Published)
    def _published(
        self,
        department: str,
        field: str,
        subject: str,
        description: str,
        questions: list[str],
        opens_on: date,
        closes_on: date,
        meta: Meta,
    ) -> None:
        self.state = SoundingState.OPEN

    def answer_question(
        self, question_id: UUID, question: str, answer: str, today: date, meta: Meta
    ) -> None:
        """Publish a question with its answer to every respondent alike (Kitakyushu:
        「複数の事業者と機会を均等に」). The question is worded for all: whoever asked it is
        never named, so neither text may name a respondent. The desk may also publish a
        question nobody asked (a clarification): a new id, not one of `asked`."""
        if self.state != SoundingState.OPEN:
            raise StateConflict(
                "sounding_id", "questions are answered while the sounding is open", where="path"
            )
        if any(qa["question_id"] == question_id for qa in self.qa):
            raise StateConflict("question_id", "this question is already answered for all")
        question, answer = question.strip(), answer.strip()
        if not question:
            raise InvalidValue("question", "write the question as it is published (it is empty)")
        if not answer:
            raise InvalidValue("answer", "write the answer (it is empty)")
        self._require_names_no_respondent("question", question)
        self._require_names_no_respondent("answer", answer)
        self._question_answered(
            question_id=question_id, question=question, answer=answer, meta=meta
        )

    @event(QuestionAnswered)
    def _question_answered(self, question_id: UUID, question: str, answer: str, meta: Meta) -> None:
        self.qa.append({"question_id": question_id, "question": question, "answer": answer})

    def close(self, today: date, meta: Meta) -> None:
        """End the sounding. Not before its last day: the period announced is the period
        every company was given (機会を均等に)."""
        if self.state != SoundingState.OPEN:
            raise StateConflict(
                "sounding_id",
                f"only a published, open sounding closes (it is {self.state})",
                where="path",
            )
        if today <= self.closes_on:
            raise StateConflict(
                "sounding_id",
                f"the period runs until {self.closes_on.isoformat()}: close it after that day",
                where="path",
            )
        self._closed(responses=len(self.responses), meta=meta)

    @event(Closed)
    def _closed(self, responses: int, meta: Meta) -> None:
        self.state = SoundingState.CLOSED

    def publish_summary(self, summary: str, meta: Meta) -> None:
        """Afterwards, what the market said, without saying who said what (Setagaya 5(2):
        ideas are protected; 「保護すべき情報以外は広く公開し、新たな取組みの形成に活かす」)."""
        if self.state != SoundingState.CLOSED:
            raise StateConflict("summary", "the summary is published after the sounding is closed")
        if self.summary is not None:
            raise StateConflict("summary", "the summary is already published")
        summary = summary.strip()
        if not summary:
            raise InvalidValue("summary", "write the summary (it is empty)")
        self._require_names_no_respondent("summary", summary)
        self._summary_published(summary=summary, meta=meta)

    @event(SummaryPublished)
    def _summary_published(self, summary: str, meta: Meta) -> None:
        self.summary = summary

    def lead_to_theme(self, theme_number: int, meta: Meta) -> None:
        """The sounding's outcome is a theme the city calls proposals for."""
        self._require_outcome_open("theme_number")
        self._led_to_theme(theme_number=theme_number, meta=meta)

    @event(LedToTheme)
    def _led_to_theme(self, theme_number: int, meta: Meta) -> None:
        self.theme_number = theme_number

    def lead_to_call(self, call: str, meta: Meta) -> None:
        """The sounding's outcome is a call (公募) whose conditions it helped to set
        (Setagaya: 「公募に向けた条件整理」); the call itself is published where the project
        is selected. `call` says which, for the record and the public page."""
        self._require_outcome_open("call")
        call = call.strip()
        if not call:
            raise InvalidValue("call", "name the call the sounding led to (it is empty)")
        self._require_names_no_respondent("call", call)
        self._led_to_call(call=call, meta=meta)

    @event(LedToCall)
    def _led_to_call(self, call: str, meta: Meta) -> None:
        self.call = call

    def _require_outcome_open(self, field: str) -> None:
        if self.state != SoundingState.CLOSED:
            raise StateConflict(field, "a sounding leads somewhere once it is closed")
        if self.theme_number is not None or self.call is not None:
            led = f"theme {self.theme_number}" if self.theme_number else f"the call {self.call}"
            raise StateConflict(field, f"the sounding already led to {led}")

    def _require_names_no_respondent(self, field: str, text: str) -> None:
        folded = _folded(text)
        for name in self.respondents():
            wanted = _folded(name)
            if len(wanted) >= SHORTEST_NAME_CHECKED and wanted in folded:
                raise InvalidValue(
                    field,
                    "names a respondent: what is published must not tell whose idea was what "
                    "(回答者名を含めないでください)",
                    code="names_a_respondent",
                )

    # -- any company ---------------------------------------------------------------------

    def _require_open_on(self, field: str, day: date) -> None:
        if self.state == SoundingState.DRAFT:
            raise StateConflict("sounding_id", "the sounding is not published", where="path")
        if not self.is_open_on(day):
            when = (
                f"opens on {self.opens_on.isoformat()}"
                if day < self.opens_on and self.state == SoundingState.OPEN
                else f"ended on {self.closes_on.isoformat()}"
            )
            raise StateConflict(
                field, f"the sounding's period {when} (受付期間外)", code="outside_period"
            )

    def respond(
        self,
        *,
        response_id: UUID,
        organisation: str,
        contact: dict[str, str | None],
        answers: list[str],
        today: date,
        meta: Meta,
    ) -> bool:
        """A company's response, within the period only, one answer per question (an
        answer may be left empty, not all of them). False when this very response was
        already kept, under `response_id` (a form sent twice) or under another id (the
        same form filled in again): nothing new is recorded, so no company counts twice."""
        if self.kept_response(organisation, answers) not in (None, response_id):
            return False
        earlier = self.responses.get(response_id)
        if earlier is not None:
            same = (earlier["organisation"], earlier["answers"]) == (
                organisation.strip(),
                [a.strip() for a in answers],
            )
            if not same:
                raise StateConflict(
                    "response_key", "this key was already used for a different response"
                )
            return False
        answers = self.check_response(answers, today)
        self._responded(
            response_id=response_id,
            organisation=organisation.strip(),
            contact=contact,
            answers=answers,
            responded_on=today,
            meta=meta,
        )
        return True

    def kept_response(self, organisation: str, answers: list[str]) -> UUID | None:
        """The id of the response already kept from this organisation (its name folded as
        in a summary's check) with the same answers, if any."""
        name, given = _folded(organisation), [a.strip() for a in answers]
        return next(
            (
                response_id
                for response_id, kept in self.responses.items()
                if _folded(kept["organisation"]) == name and kept["answers"] == given
            ),
            None,
        )

    def check_response(self, answers: list[str], today: date) -> list[str]:
        """Refuse now what `respond` would refuse (the portal checks a form before its
        confirmation step); the answers as they would be kept."""
        self._require_open_on("answers", today)
        if len(answers) != len(self.questions):
            raise InvalidValue(
                "answers",
                f"one answer per question: {len(self.questions)} questions, {len(answers)} answers",
            )
        answers = [a.strip() for a in answers]
        if not any(answers):
            raise InvalidValue("answers", "answer at least one question", code="no_answer")
        return answers

    @event(Responded)
    def _responded(
        self,
        response_id: UUID,
        organisation: str,
        contact: dict[str, str | None],
        answers: list[str],
        responded_on: date,
        meta: Meta,
    ) -> None:
        self.responses[response_id] = {
            "organisation": organisation,
            "contact": contact,
            "answers": answers,
            "responded_on": responded_on,
        }

    def ask(
        self,
        *,
        question_id: UUID,
        organisation: str,
        email: str,
        text: str,
        today: date,
        meta: Meta,
    ) -> None:
        """A company asks about the sounding, within the period; the answer is published
        for all (answer_question), never sent to the asker alone."""
        self._require_open_on("text", today)
        text = text.strip()
        if not text:
            raise InvalidValue("text", "write your question (it is empty)")
        self._question_asked(
            question_id=question_id,
            organisation=organisation.strip(),
            email=email,
            text=text,
            meta=meta,
        )

    @event(QuestionAsked)
    def _question_asked(
        self, question_id: UUID, organisation: str, email: str, text: str, meta: Meta
    ) -> None:
        self.asked[question_id] = {"organisation": organisation, "email": email, "text": text}
