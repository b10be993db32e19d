"""Intake's work on soundings (サウンディング型市場調査), beside proposals and themes.

Intake owns soundings because it already holds what a sounding needs: the themes a sounding
may lead to, and the only store of the market's personal data (DESIGN.md §7) — a response
names a company's contact person and carries its ideas, which stay here."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import TYPE_CHECKING, Any
from uuid import UUID, uuid4

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import IntegrityError

from services.intake.commands import ThemeDraft
from services.intake.domain import Theme
from services.intake.sounding_commands import (
    QuestionAndAnswer,
    SoundingDraft,
    SoundingQuestion,
    SoundingResponse,
)
from services.intake.sounding_commands import SoundingTheme as SoundingThemeDraft
from services.intake.soundings import Sounding
from shared.acting import Acting
from shared.contract.vocabulary import ActorRole
from shared.errors import InvalidValue, NotFound, StateConflict
from shared.projection import CatchingUpProjection, Snapshot


class SoundingCatalogue(CatchingUpProjection):
    """Which soundings each city has (id → department), oldest first, and which are
    published (the public sees only those)."""

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self._soundings: dict[str, dict[UUID, str]] = defaultdict(dict)
        self._published: set[UUID] = set()

    def apply(self, domain_event: Any) -> None:
        match domain_event:
            case Sounding.Drafted(municipality=municipality, department=department):
                self._soundings[municipality][domain_event.originator_id] = department
            case Sounding.Published():
                self._published.add(domain_event.originator_id)

    def sounding_ids(
        self, municipality: str, *, department: str | None = None, published_only: bool = False
    ) -> list[UUID]:
        self.catch_up()
        return [
            sid
            for sid, owner in self._soundings[municipality].items()
            if (department is None or owner == department)
            and (not published_only or sid in self._published)
        ]

    def view(self) -> Snapshot:
        return {
            "soundings": [
                {
                    "municipality": municipality,
                    "sounding_id": str(sid),
                    "department": department,
                    "published": sid in self._published,
                }
                for municipality, soundings in sorted(self._soundings.items())
                for sid, department in soundings.items()
            ]
        }


class SoundingDesk:
    """The sounding commands and queries of IntakeApplication (mixed into it)."""

    # What IntakeApplication gives (declared for the type checker only: at run time the
    # application's own methods are found first).
    repository: Any
    sounding_catalogue: SoundingCatalogue
    if TYPE_CHECKING:

        def save(self, *objs: Any, **kwargs: Any) -> Any: ...
        def find_theme(self, municipality: str, number: int) -> Theme | None: ...
        def known_municipality(self, municipality: str) -> None: ...

    # -- staff -------------------------------------------------------------------------

    def draft_sounding(
        self, municipality: str, department: str, draft: SoundingDraft, acting: Acting
    ) -> Sounding:
        self.known_municipality(municipality)
        sounding = Sounding.draft(
            municipality=municipality,
            department=department,
            field=draft.field,
            subject=draft.subject,
            description=draft.description,
            questions=draft.questions,
            opens_on=draft.opens_on,
            closes_on=draft.closes_on,
            meta=acting.as_meta(),
        )
        self.save(sounding)
        return sounding

    def publish_sounding(self, municipality: str, sounding_id: UUID, acting: Acting) -> Sounding:
        sounding = self.sounding(municipality, sounding_id)
        sounding.publish(acting.as_meta())
        self.save(sounding)
        return sounding

    def answer_sounding_question(
        self,
        municipality: str,
        sounding_id: UUID,
        published: QuestionAndAnswer,
        today: date,
        acting: Acting,
    ) -> Sounding:
        sounding = self.sounding(municipality, sounding_id)
        question_id = published.question_id
        if question_id is None:
            question_id = uuid4()  # a clarification nobody asked
        elif question_id not in sounding.asked:
            raise InvalidValue("question_id", "no company asked this question of this sounding")
        sounding.answer_question(
            question_id, published.question, published.answer, today, acting.as_meta()
        )
        self.save(sounding)
        return sounding

    def close_sounding(
        self, municipality: str, sounding_id: UUID, today: date, acting: Acting
    ) -> Sounding:
        sounding = self.sounding(municipality, sounding_id)
        sounding.close(today, acting.as_meta())
        self.save(sounding)
        return sounding

    def publish_sounding_summary(
        self, municipality: str, sounding_id: UUID, summary: str, acting: Acting
    ) -> Sounding:
        sounding = self.sounding(municipality, sounding_id)
        sounding.publish_summary(summary, acting.as_meta())
        self.save(sounding)
        return sounding

    def lead_sounding_to_theme(
        self, municipality: str, sounding_id: UUID, draft: SoundingThemeDraft, acting: Acting
    ) -> tuple[Sounding, Theme]:
        """Publish a theme from the sounding (its field and department): both are saved at
        once, so the sounding never names a theme that is not there."""
        sounding = self.sounding(municipality, sounding_id)
        if self.find_theme(municipality, draft.number) is not None:
            raise StateConflict("number", f"theme {draft.number} already exists in {municipality}")
        sounding.lead_to_theme(draft.number, acting.as_meta())
        theme_draft = ThemeDraft(
            number=draft.number,
            title=draft.title,
            field=sounding.field,
            department=sounding.department,
            background=draft.background,
            expected_outcome=draft.expected_outcome,
            opens_on=draft.opens_on,
            closes_on=draft.closes_on,
        )
        theme = Theme(municipality=municipality, meta=acting.as_meta(), **theme_draft.model_dump())
        try:
            self.save(theme, sounding)
        except IntegrityError:
            raise StateConflict(
                "number", f"theme {draft.number} already exists, or the sounding changed"
            ) from None
        return sounding, theme

    def lead_sounding_to_call(
        self, municipality: str, sounding_id: UUID, call: str, acting: Acting
    ) -> Sounding:
        sounding = self.sounding(municipality, sounding_id)
        sounding.lead_to_call(call, acting.as_meta())
        self.save(sounding)
        return sounding

    # -- any company ---------------------------------------------------------------------

    def respond_to_sounding(
        self,
        municipality: str,
        sounding_id: UUID,
        response: SoundingResponse,
        today: date,
        correlation_id: str | None = None,
    ) -> tuple[Sounding, UUID]:
        """A company's response; answered with its id (the receipt). Sent again, with the
        same `response_key` or from a new form, the same response is answered with the
        same receipt."""
        sounding = self.published_sounding(municipality, sounding_id)
        response_id = (
            sounding.kept_response(response.organisation, response.answers)
            or response.response_key
            or uuid4()
        )
        recorded = sounding.respond(
            response_id=response_id,
            organisation=response.organisation,
            contact={
                "contact_person": response.contact_person,
                "email": str(response.email),
                "phone": response.phone,
            },
            answers=response.answers,
            today=today,
            meta=Acting.new(ActorRole.PROPOSER, municipality, correlation_id).as_meta(),
        )
        if recorded:
            self.save(sounding)
        return sounding, response_id

    def check_sounding_response(
        self, municipality: str, sounding_id: UUID, response: SoundingResponse, today: date
    ) -> None:
        """What `respond_to_sounding` would refuse, recording nothing."""
        self.published_sounding(municipality, sounding_id).check_response(response.answers, today)

    def ask_about_sounding(
        self,
        municipality: str,
        sounding_id: UUID,
        question: SoundingQuestion,
        today: date,
        correlation_id: str | None = None,
    ) -> UUID:
        sounding = self.published_sounding(municipality, sounding_id)
        question_id = uuid4()
        sounding.ask(
            question_id=question_id,
            organisation=question.organisation,
            email=str(question.email),
            text=question.text,
            today=today,
            meta=Acting.new(ActorRole.PROPOSER, municipality, correlation_id).as_meta(),
        )
        self.save(sounding)
        return question_id

    # -- reading ---------------------------------------------------------------------------

    def sounding(self, municipality: str, sounding_id: UUID) -> Sounding:
        try:
            found: object = self.repository.get(sounding_id)
        except AggregateNotFoundError:
            found = None
        if not isinstance(found, Sounding) or found.municipality != municipality:
            raise NotFound(f"no sounding {sounding_id} in {municipality}")
        return found

    def published_sounding(self, municipality: str, sounding_id: UUID) -> Sounding:
        """A sounding as the public may see it: a draft is, for them, not there."""
        sounding = self.sounding(municipality, sounding_id)
        if not sounding.is_published:
            raise NotFound(f"no sounding {sounding_id} in {municipality}")
        return sounding

    def soundings(
        self, municipality: str, *, department: str | None = None, published_only: bool = False
    ) -> list[Sounding]:
        """A city's soundings, newest first (of one department if named)."""
        self.known_municipality(municipality)
        ids = self.sounding_catalogue.sounding_ids(
            municipality, department=department, published_only=published_only
        )
        return [self.sounding(municipality, sid) for sid in reversed(ids)]
