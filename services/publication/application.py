"""Publication's eventsourcing application: it hears every service, keeps the register,
and takes a case from draft through the proposer's consultation to publication."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, timedelta
from functools import cache
from pathlib import Path
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, ProcessingEvent

from services.publication.domain import Case, CaseRuleViolation, Section, ThemeTitle
from services.publication.integration import SERVICE
from services.publication.register import Register
from shared.acting import Acting
from shared.clock import Clock, utc_now
from shared.consumer import ConsumingApplication, consumes
from shared.contract import Envelope, ProposerKind, ThemePublished
from shared.contract.topics import DECISION_PROPOSALS, INTAKE_PROPOSALS, ROUTING_PROPOSALS
from shared.errors import NotFound, StateConflict
from shared.municipalities import municipalities, today_in_japan
from shared.observed import ObservedProposal
from shared.projection import CatchingUpProjection
from shared.proposal import ProposalState, ProposalStatus
from shared.settings import CommonSettings

DISCLOSURE = Path(__file__).parent / "data" / "disclosure.json"
SOLE_PROPRIETOR = "個人事業主（氏名は非公開） / Sole proprietor (name withheld)"


@cache
def objection_days(municipality: str) -> int:
    days: dict[str, int] = json.loads(DISCLOSURE.read_text(encoding="utf-8"))["objection_days"]
    return days.get(municipality, 14)


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
        proposal_id = envelope.proposal_id
        if proposal_id is None:
            return
        # The topics of intake, routing and decision are read independently, so any of
        # them may speak of a proposal first: the record is found or opened either way.
        observed = self._observed(proposal_id) or ObservedProposal(proposal_id=proposal_id)
        observed.hear(envelope)
        processing.collect_events(observed)

    # What publication consumes: every word on a proposal, for the register and the
    # cases, and the themes' titles.
    handlers = consumes(
        {
            **dict.fromkeys(
                INTAKE_PROPOSALS.events + ROUTING_PROPOSALS.events + DECISION_PROPOSALS.events,
                _hear,
            ),
            ThemePublished: _keep_theme_title,
        }
    )

    def _observed(self, proposal_id: UUID) -> ObservedProposal | None:
        try:
            observed: ObservedProposal = self.repository.get(
                ObservedProposal.create_id(proposal_id)
            )
        except AggregateNotFoundError:
            return None
        return observed

    # -- the desk's disclosure workflow ---------------------------------------------

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
        if state.status is not ProposalStatus.ADOPTED:
            raise StateConflict(
                "proposal_id",
                f"a case is prepared from an adopted proposal, not a {state.status.value} one",
            )
        if self.case_of(proposal_id) is not None:
            raise StateConflict("proposal_id", "this proposal already has a case")
        case = Case(
            proposal_id=proposal_id,
            municipality=state.municipality,
            title=title or state.title,
            summary=summary or state.summary,
            sections=sections,
            meta=acting.as_meta(),
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
        due = self.today() + timedelta(days=objection_days(acting.municipality))
        return self._change(case_id, acting, lambda case: case.consult(due, acting.as_meta()))

    def object(self, proposal_id: UUID, reason: str, acting: Acting) -> Case:
        case = self._proposers_case(proposal_id)
        return self._change(case.id, acting, lambda c: c.object(reason, acting.as_meta()))

    def consent(self, proposal_id: UUID, acting: Acting) -> Case:
        case = self._proposers_case(proposal_id)
        return self._change(case.id, acting, lambda c: c.consent(acting.as_meta()))

    def publish(self, case_id: UUID, acting: Acting) -> Case:
        today = self.today()
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

    def _proposers_case(self, proposal_id: UUID) -> Case:
        case = self.case_of(proposal_id)
        if case is None:
            raise NotFound(f"no case is being prepared for proposal {proposal_id}")
        return case

    def _change(self, case_id: UUID, acting: Acting, change: Callable[[Case], None]) -> Case:
        case = self.case(case_id, acting.municipality)
        try:
            change(case)
        except CaseRuleViolation as violation:
            raise StateConflict("case", str(violation)) from None
        self.save(case)
        return case

    def _discloser(
        self, case: Case
    ) -> Callable[[str, str, list[Section], int, date], dict[str, Any]]:
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


def disclosed_case(
    case_id: UUID,
    state: ProposalState,
    theme_title: str | None,
    title: str,
    summary: str,
    sections: list[Section],
    version: int,
    published_on: date,
) -> dict[str, Any]:
    """The public form of a case: the one place where protection is applied.

    Protected sections are left out; the proposer's organisation is named unless it is a
    sole proprietor, whose name is personal data. Contact details and the proposal's
    protected part never reach this service at all (intake keeps them)."""
    city = municipalities()[state.municipality]
    partner = (
        SOLE_PROPRIETOR
        if state.proposer.kind is ProposerKind.SOLE_PROPRIETOR
        else state.proposer.organisation
    )
    return {
        "case_id": str(case_id),
        "municipality": state.municipality,
        "municipality_name_ja": city.name_ja,
        "municipality_name_en": city.name_en,
        "version": version,
        "title": title,
        "summary": summary,
        "field": state.field,
        "channel": state.channel.value,
        "theme_number": state.theme_number,
        "theme_title": theme_title,
        "partner": partner,
        "sections": [
            {"heading": s["heading"], "text": s["text"]} for s in sections if not s.get("protected")
        ],
        "received_on": state.received_on.isoformat(),
        "published_on": published_on.isoformat(),
    }
