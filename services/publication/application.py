"""Publication's eventsourcing application: it hears every service, keeps the register,
and takes a case from draft through the proposer's consultation to publication."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, ProcessingEvent

from services.publication.disclosure import disclosed_case, objection_due_on, public_call
from services.publication.domain import (
    AnnouncedCall,
    Case,
    Disclose,
    ProposerNotices,
    Section,
    ThemeTitle,
)
from services.publication.feed import json_feed
from services.publication.integration import SERVICE
from services.publication.read_models import Register, RegisterLine
from shared.acting import Acting
from shared.clock import Clock, utc_now
from shared.consumer import ConsumingApplication, consumes
from shared.contract import (
    ActorRole,
    CallPublished,
    Envelope,
    ProposalWithdrawn,
    PublicCall,
    PublicCase,
    ThemePublished,
)
from shared.contract.topics import (
    DECISION_PROPOSALS,
    IMPLEMENTATION_PROJECTS,
    INTAKE_PROPOSALS,
    ROUTING_PROPOSALS,
)
from shared.errors import NotFound, StateConflict, not_served
from shared.municipalities import municipalities, today_in_japan
from shared.observed import fold_heard
from shared.projection import CatchingUpProjection
from shared.proposal import ProposalStatus
from shared.settings import CommonSettings

# Cases in one page of the JSON Feed; the page names the next (`next_url`).
FEED_PAGE = 100


class PublicationApplication(ConsumingApplication):
    service = SERVICE
    name = "publication"
    aggregate_cache_size = None

    def __init__(self, settings: CommonSettings, clock: Clock = utc_now) -> None:
        super().__init__(settings)
        self.clock = clock
        self.register = Register(self)

    def read_models(self) -> dict[str, CatchingUpProjection]:
        """The read models by name, for comparing them with a rebuild from history
        (`kyoso rebuild`, `GET /audit/read-models`)."""
        return {"register": self.register}

    def today(self) -> date:
        return today_in_japan(self.clock())

    # -- what publication hears -----------------------------------------------------

    def _keep_theme_title(self, envelope: Envelope, processing: ProcessingEvent[Any]) -> None:
        """The register shows a theme proposal's theme by its title."""
        event = envelope.event
        assert isinstance(event, ThemePublished)
        if ThemeTitle.create_id(event.municipality, event.number) not in self.repository:
            processing.collect_events(
                ThemeTitle(municipality=event.municipality, number=event.number, title=event.title)
            )

    def _hear(self, envelope: Envelope, processing: ProcessingEvent[Any]) -> None:
        # The topics of intake, routing and decision are read independently, so any of
        # them may speak of a proposal first: the record is found or opened either way.
        self.keep_heard(envelope, processing)

    def _announce_call(self, envelope: Envelope, processing: ProcessingEvent[Any]) -> None:
        """A call for the implementer is heard: kept like every word on the proposal, and
        announced on the public topic in the same transaction (publication owns it)."""
        self._hear(envelope, processing)
        call = envelope.event
        assert isinstance(call, CallPublished)
        if AnnouncedCall.create_id(call.proposal_id) in self.repository:
            return  # announced already (a copy the tracking did not catch)
        observed = self.observed(call.proposal_id)
        heard = [*(observed.heard if observed is not None else []), envelope]
        state = fold_heard(heard)
        call_id = AnnouncedCall.create_id(call.proposal_id)
        processing.collect_events(
            AnnouncedCall(
                proposal_id=call.proposal_id,
                municipality=envelope.meta.municipality,
                disclosed=public_call(
                    call_id,
                    envelope.meta.municipality,
                    call,
                    state,
                    today_in_japan(envelope.meta.time),
                ),
                meta=Acting.caused_by(envelope.meta).as_meta(),
            )
        )

    # The reason a case carries when it leaves the public because its proposer withdrew.
    WITHDRAWN_REASON = "提案者による提案の取り下げ (the proposer withdrew the proposal)"

    def _retract_on_withdrawal(self, envelope: Envelope, processing: ProcessingEvent[Any]) -> None:
        """The proposer withdrew after adoption, before the agreement (the project ends by
        withdrawal, services.implementation): a case already published no longer tells
        a project the city is carrying out, so it leaves the public in the same
        transaction, retracted on the public topic for the cities that reuse it."""
        self._hear(envelope, processing)
        withdrawn = envelope.event
        assert isinstance(withdrawn, ProposalWithdrawn)
        case = self.case_of(withdrawn.proposal_id)
        if case is None or case.stage != "published":
            return  # no case in public (a draft is refused publication from now on)
        case.retract(self.WITHDRAWN_REASON, Acting.caused_by(envelope.meta).as_meta())
        processing.collect_events(case)

    # What publication consumes: every word on a proposal, for the register and the
    # cases (the effect verification's verdict and KPIs: the case's outcome), the calls
    # for an implementer (announced to the public), a withdrawal (its case retracted),
    # and the themes' titles.
    handlers = consumes(
        {
            **dict.fromkeys(
                INTAKE_PROPOSALS.events
                + ROUTING_PROPOSALS.events
                + DECISION_PROPOSALS.events
                + IMPLEMENTATION_PROJECTS.events,
                _hear,
            ),
            CallPublished: _announce_call,
            ProposalWithdrawn: _retract_on_withdrawal,
            ThemePublished: _keep_theme_title,
        }
    )

    def open_calls(self, municipality: str) -> list[PublicCall]:
        """The municipality's calls that still take applications (today is on or before
        the last day), the soonest to close first; a call not yet open is listed too,
        with the day it opens."""
        self.serves(municipality)
        today = self.today()
        calls = [PublicCall.model_validate(c) for c in self.register.calls(municipality)]
        return sorted(
            (c for c in calls if today <= c.closes_on),
            key=lambda c: (c.closes_on, c.opens_on, str(c.call_id)),
        )

    def status_link_generation(self, proposal_id: UUID) -> int:
        """Which of the proposer's status links is valid, as heard from intake (a link the
        desk replaced stops opening the case consultation here too)."""
        observed = self.observed(proposal_id)
        state = None if observed is None else observed.state()
        return 0 if state is None else state.status_link_generation

    def closed_since(self, proposal_id: UUID) -> datetime | None:
        """When the proposal closed, as heard (its last news); None while it is open."""
        observed = self.observed(proposal_id)
        state = None if observed is None else observed.state()
        return state.updated_at if state is not None and state.status.is_closed else None

    # -- reading ------------------------------------------------------------------

    def case(self, case_id: UUID, municipality: str) -> Case:
        try:
            case: Case = self.repository.get(case_id)
        except AggregateNotFoundError:
            raise NotFound(f"no case {case_id}") from None
        if not isinstance(case, Case) or case.municipality != municipality:
            raise NotFound(f"no case {case_id} in {municipality}")
        return case

    def case_of(self, proposal_id: UUID) -> Case | None:
        try:
            case: Case = self.repository.get(Case.create_id(proposal_id))
        except AggregateNotFoundError:
            return None
        return case

    def cases(self, municipality: str) -> list[Case]:
        """The municipality's cases, drafts included (the desk's list)."""
        return [
            self.case(case_id, municipality) for case_id in self.register.case_ids(municipality)
        ]

    def proposers_case(self, proposal_id: UUID) -> Case:
        """The case prepared from the proposer's proposal."""
        case = self.case_of(proposal_id)
        if case is None:
            raise NotFound("no case is being prepared for this proposal")
        return case

    def serves(self, municipality: str) -> None:
        """NotFound, on the path's `municipality`, unless the desk serves it."""
        if municipality not in municipalities():
            raise not_served(municipality)

    def register_lines(self, municipality: str) -> list[RegisterLine]:
        """The municipality's public register of proposals (提案受付状況)."""
        self.serves(municipality)
        return self.register.lines(municipality)

    def published_cases(self, municipality: str) -> list[PublicCase]:
        """The municipality's cases as the public reads them, the latest published first."""
        self.serves(municipality)
        public = [case.in_public for case in self.cases(municipality)]
        cases = [PublicCase.model_validate(disclosed) for disclosed in public if disclosed]
        return sorted(cases, key=lambda c: c.published_on, reverse=True)

    def published_case(self, case_id: UUID, municipality: str) -> PublicCase:
        """One case as the public reads it; a draft, a withdrawn case and one that does
        not exist are all the same NotFound, so the public learns nothing of drafts."""
        self.serves(municipality)
        try:
            disclosed = self.case(case_id, municipality).in_public
        except NotFound:
            disclosed = None
        if disclosed is None:
            raise NotFound("no such published case", field="case_id")
        return PublicCase.model_validate(disclosed)

    def case_feed(
        self, municipality: str, base_url: str, *, limit: int = FEED_PAGE, offset: int = 0
    ) -> dict[str, Any]:
        """The published cases as a JSON Feed, for cities that do not read Kafka, a page
        at a time (the latest first)."""
        self.serves(municipality)
        cases = self.published_cases(municipality)
        city = municipalities()[municipality]
        return json_feed(city, cases, base_url, limit=limit, offset=offset)

    # -- the desk's disclosure workflow ---------------------------------------------

    def draft(
        self,
        proposal_id: UUID,
        title: str | None,
        summary: str | None,
        sections: list[Section],
        acting: Acting,
    ) -> Case:
        state = self.register.proposal(proposal_id)
        if state is None or state.municipality != acting.municipality:
            raise NotFound(f"proposal {proposal_id} is not known here")
        case = Case.draft(
            state, self.case_of(proposal_id), title, summary, sections, acting.as_meta()
        )
        self.save(case)
        return case

    def revise(
        self, case_id: UUID, title: str, summary: str, sections: list[Section], acting: Acting
    ) -> Case:
        return self._change(
            case_id, acting, lambda case: case.revise(title, summary, sections, acting.as_meta())
        )

    def consult(self, case_id: UUID, acting: Acting) -> Case:
        """The proposer is consulted; in the same transaction intake is told, to mail them."""
        due = objection_due_on(acting.municipality, self.today())
        case = self.case(case_id, acting.municipality)
        case.consult(due, acting.as_meta())
        notices = self._notices(case.proposal_id, case.municipality)
        notices.tell_consultation(case.id, due, acting.as_meta())
        self.save(case, notices)
        return case

    def _notices(self, proposal_id: UUID, municipality: str) -> ProposerNotices:
        try:
            notices: ProposerNotices = self.repository.get(ProposerNotices.create_id(proposal_id))
        except AggregateNotFoundError:
            notices = ProposerNotices(proposal_id=proposal_id, municipality=municipality)
        return notices

    def publish(self, case_id: UUID, acting: Acting) -> Case:
        today = self.today()
        self._refuse_if_withdrawn(self.case(case_id, acting.municipality))
        return self._change(
            case_id,
            acting,
            lambda case: case.publish(today, self._discloser(case), acting.as_meta()),
        )

    def correct(
        self,
        case_id: UUID,
        title: str,
        summary: str,
        sections: list[Section],
        note: str,
        acting: Acting,
    ) -> Case:
        return self._change(
            case_id,
            acting,
            lambda case: case.correct(
                title, summary, sections, note, self._discloser(case), acting.as_meta()
            ),
        )

    def retract(self, case_id: UUID, reason: str, acting: Acting) -> Case:
        return self._change(case_id, acting, lambda case: case.retract(reason, acting.as_meta()))

    def _change(self, case_id: UUID, acting: Acting, change: Callable[[Case], None]) -> Case:
        case = self.case(case_id, acting.municipality)
        change(case)
        self.save(case)
        return case

    def _refuse_if_withdrawn(self, case: Case) -> None:
        """A case drafted while its proposal was adopted is not published once the
        proposer withdrew it: the project ended by withdrawal (services.implementation)
        with no result to tell, and the proposal is no longer the desk's to disclose."""
        state = self.register.proposal(case.proposal_id)
        if state is not None and state.status is ProposalStatus.WITHDRAWN:
            raise StateConflict(
                "case",
                f"{state.receipt_number} was withdrawn by the proposer: its case is not published",
                code="withdrawn",
            )

    def _discloser(self, case: Case) -> Disclose:
        state = self.register.proposal(case.proposal_id)
        assert state is not None, "a case is drafted from a proposal publication has heard of"

        def disclose(
            title: str, summary: str, sections: list[Section], version: int, published_on: date
        ) -> dict[str, Any]:
            return disclosed_case(
                case.id,
                state,
                self.register.theme_title(state.municipality, state.theme_number),
                title,
                summary,
                sections,
                version,
                published_on,
            )

        return disclose

    # -- the proposer's consultation ------------------------------------------------

    def object(self, proposal_id: UUID, reason: str, correlation_id: str | None = None) -> Case:
        case = self.proposers_case(proposal_id)
        case.object(reason, self._proposer(case, correlation_id).as_meta())
        self.save(case)
        return case

    def consent(self, proposal_id: UUID, correlation_id: str | None = None) -> Case:
        case = self.proposers_case(proposal_id)
        case.consent(self._proposer(case, correlation_id).as_meta())
        self.save(case)
        return case

    @staticmethod
    def _proposer(case: Case, correlation_id: str | None) -> Acting:
        """The proposer acts in the municipality of its case."""
        return Acting.new(ActorRole.PROPOSER, case.municipality, correlation_id)
