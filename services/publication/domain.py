"""Publication's aggregates: a case prepared from an adopted proposal, and theme titles.

The case guards its own workflow and refuses with the shared domain errors
(shared.errors.StateConflict), naming the field the refusal concerns."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from shared.errors import StateConflict
from shared.proposal import ProposalState, ProposalStatus

_NAMESPACE = uuid5(NAMESPACE_URL, "urn:kyoso:publication")

Meta = dict[str, Any]
Section = dict[str, Any]  # {"heading": str, "text": str, "protected": bool}
# Builds the public form of the case (title, summary, sections, version, published on):
# the protected sections are left out there, in one place (disclosure.disclosed_case).
Disclose = Callable[[str, str, list[Section], int, date], dict[str, Any]]


class Case(Aggregate):
    """One case per adopted proposal. The desk drafts it and marks protected sections;
    the proposer is consulted and may object within the municipality's period; only
    then is it published, and after that only corrected or retracted, never edited."""

    class Drafted(Aggregate.Created):
        proposal_id: UUID
        municipality: str
        title: str
        summary: str
        sections: list[Section]
        meta: Meta

    class Revised(Aggregate.Event):
        title: str
        summary: str
        sections: list[Section]
        meta: Meta

    class ConsultationStarted(Aggregate.Event):
        objection_due_on: date
        meta: Meta
        # Whose proposal, for intake to mail its proposer (absent from consultations
        # stored before intake was told of them: those were never promised by mail).
        proposal_id: UUID | None = None

    class Objected(Aggregate.Event):
        reason: str
        meta: Meta

    class Consented(Aggregate.Event):
        meta: Meta

    class Published(Aggregate.Event):
        published_on: date
        disclosed: dict[str, Any]  # exactly what went public (shared.contract.PublicCase)
        meta: Meta

    class Corrected(Aggregate.Event):
        title: str
        summary: str
        sections: list[Section]
        note: str
        disclosed: dict[str, Any]
        meta: Meta

    class Retracted(Aggregate.Event):
        reason: str
        meta: Meta

    @staticmethod
    def create_id(proposal_id: UUID) -> UUID:
        return uuid5(_NAMESPACE, f"case/{proposal_id}")

    @classmethod
    def draft(
        cls,
        proposal: ProposalState,
        existing: Case | None,
        title: str | None,
        summary: str | None,
        sections: list[Section],
        meta: Meta,
    ) -> Case:
        """A case is prepared from an adopted proposal, one case per proposal (`existing`
        is the proposal's case, if it has one); it starts from the proposal's own title
        and summary unless the desk writes its own."""
        if proposal.status is not ProposalStatus.ADOPTED:
            raise StateConflict(
                "proposal_id",
                f"a case is prepared from an adopted proposal, not a {proposal.status.value} one",
                code="not_adopted",
            )
        if existing is not None:
            raise StateConflict(
                "proposal_id", "this proposal already has a case", code="case_already_exists"
            )
        return cls(
            proposal_id=proposal.proposal_id,
            municipality=proposal.municipality,
            title=title or proposal.title,
            summary=summary or proposal.summary,
            sections=sections,
            meta=meta,
        )

    @event(Drafted)
    def __init__(
        self,
        *,
        proposal_id: UUID,
        municipality: str,
        title: str,
        summary: str,
        sections: list[Section],
        meta: Meta,
    ) -> None:
        self.proposal_id = proposal_id
        self.municipality = municipality
        self.title = title
        self.summary = summary
        self.sections = sections
        self.objection_due_on: date | None = None
        self.objection: str | None = None
        self.consented = False
        self.published_on: date | None = None
        self.public_version = 0
        self.disclosed: dict[str, Any] | None = None  # the public form, once published
        self.retracted = False

    @property
    def stage(self) -> str:
        if self.retracted:
            return "retracted"
        if self.published_on is not None:
            return "published"
        if self.objection is not None:
            return "objected"
        if self.objection_due_on is not None:
            return "consulting"
        return "draft"

    @property
    def in_public(self) -> dict[str, Any] | None:
        """What the public reads of the case: its disclosed form while it is published."""
        return self.disclosed if self.stage == "published" else None

    def revise(self, title: str, summary: str, sections: list[Section], meta: Meta) -> None:
        if self.stage not in ("draft", "objected", "consulting"):
            raise StateConflict("case", f"a {self.stage} case is corrected, not revised")
        self._revised(title=title, summary=summary, sections=sections, meta=meta)

    @event(Revised)
    def _revised(self, title: str, summary: str, sections: list[Section], meta: Meta) -> None:
        self.title, self.summary, self.sections = title, summary, sections
        # A revised text is a new text: the proposer must be consulted on it again.
        self.objection_due_on, self.objection, self.consented = None, None, False

    def consult(self, objection_due_on: date, meta: Meta) -> None:
        if self.stage != "draft":
            raise StateConflict(
                "case", f"the proposer is consulted on a draft, not a {self.stage} case"
            )
        self._consulting(objection_due_on=objection_due_on, meta=meta, proposal_id=self.proposal_id)

    @event(ConsultationStarted)
    def _consulting(
        self, objection_due_on: date, meta: Meta, proposal_id: UUID | None = None
    ) -> None:
        self.objection_due_on = objection_due_on

    def object(self, reason: str, meta: Meta) -> None:
        if self.stage != "consulting":
            raise StateConflict("case", f"there is nothing to object to in a {self.stage} case")
        self._objected(reason=reason, meta=meta)

    @event(Objected)
    def _objected(self, reason: str, meta: Meta) -> None:
        self.objection = reason

    def consent(self, meta: Meta) -> None:
        if self.stage != "consulting":
            raise StateConflict("case", f"there is nothing to consent to in a {self.stage} case")
        self._consented(meta=meta)

    @event(Consented)
    def _consented(self, meta: Meta) -> None:
        self.consented = True

    def publish(self, today: date, disclose: Disclose, meta: Meta) -> None:
        if self.stage != "consulting":
            raise StateConflict(
                "case",
                "only a case the proposer was consulted on, without objection, is published"
                f" (this one is {self.stage})",
                code="case_not_consulted",
            )
        assert self.objection_due_on is not None
        # Aomori 000: 「提案者の正当な利益を害するおそれがある情報等の意見を伺います」: the
        # proposer has its say, by consenting or by letting the period pass.
        if not self.consented and today <= self.objection_due_on:
            raise StateConflict(
                "case", f"the proposer may object until {self.objection_due_on}; publish after that"
            )
        self._published(
            published_on=today,
            disclosed=disclose(self.title, self.summary, self.sections, 1, today),
            meta=meta,
        )

    @event(Published)
    def _published(self, published_on: date, disclosed: dict[str, Any], meta: Meta) -> None:
        self.published_on = published_on
        self.public_version = 1
        self.disclosed = disclosed

    def correct(
        self,
        title: str,
        summary: str,
        sections: list[Section],
        note: str,
        disclose: Disclose,
        meta: Meta,
    ) -> None:
        if self.stage != "published":
            raise StateConflict(
                "case", f"only a published case is corrected (this one is {self.stage})"
            )
        assert self.published_on is not None
        self._corrected(
            title=title,
            summary=summary,
            sections=sections,
            note=note,
            disclosed=disclose(
                title, summary, sections, self.public_version + 1, self.published_on
            ),
            meta=meta,
        )

    @event(Corrected)
    def _corrected(
        self,
        title: str,
        summary: str,
        sections: list[Section],
        note: str,
        disclosed: dict[str, Any],
        meta: Meta,
    ) -> None:
        self.title, self.summary, self.sections = title, summary, sections
        self.public_version += 1
        self.disclosed = disclosed

    def retract(self, reason: str, meta: Meta) -> None:
        if self.stage != "published":
            raise StateConflict(
                "case", f"only a published case is retracted (this one is {self.stage})"
            )
        self._retracted(reason=reason, meta=meta)

    @event(Retracted)
    def _retracted(self, reason: str, meta: Meta) -> None:
        self.retracted = True


class ProposerNotices(Aggregate):
    """What publication tells the desk's own services of one proposal's case, under the
    proposal's own id: an event about a proposal travels with the proposal as its subject
    (shared.bus_trust), and a case's id is not the proposal's. Each consultation of the
    proposer is told here, and intake, which alone holds the proposer's address (DESIGN.md
    §7), mails them the link to read the case and answer."""

    class Opened(Aggregate.Created):
        proposal_id: UUID
        municipality: str

    class ConsultationTold(Aggregate.Event):
        case_id: UUID
        objection_due_on: date
        meta: Meta

    @staticmethod
    def create_id(proposal_id: UUID) -> UUID:
        return proposal_id

    @event(Opened)
    def __init__(self, proposal_id: UUID, municipality: str) -> None:
        self.proposal_id = proposal_id
        self.municipality = municipality

    @event(ConsultationTold)
    def tell_consultation(self, case_id: UUID, objection_due_on: date, meta: Meta) -> None:
        pass


class ThemeTitle(Aggregate):
    """A theme's title as intake published it, for the register's theme column."""

    class Heard(Aggregate.Created):
        municipality: str
        number: int
        title: str

    @staticmethod
    def create_id(municipality: str, number: int) -> UUID:
        return uuid5(_NAMESPACE, f"theme/{municipality}/{number}")

    @event(Heard)
    def __init__(self, municipality: str, number: int, title: str) -> None:
        self.municipality = municipality
        self.number = number
        self.title = title


class AnnouncedCall(Aggregate):
    """A call for the implementer (公募・調達) as publication announced it to the public,
    from implementation's `CallPublished`: what went public, exactly (disclosure.public_call).

    Publication owns the public topic (shared.contract.topics.PUBLIC_CASES); the call is
    announced once, when it is heard, and never edited: implementation publishes a call
    once per project."""

    class Announced(Aggregate.Created):
        proposal_id: UUID
        municipality: str
        disclosed: dict[str, Any]  # shared.contract.PublicCall
        meta: Meta

    @staticmethod
    def create_id(proposal_id: UUID) -> UUID:
        return uuid5(_NAMESPACE, f"call/{proposal_id}")

    @event(Announced)
    def __init__(
        self, *, proposal_id: UUID, municipality: str, disclosed: dict[str, Any], meta: Meta
    ) -> None:
        self.proposal_id = proposal_id
        self.municipality = municipality
        self.disclosed = disclosed
