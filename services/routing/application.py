"""Routing's eventsourcing application: hears intake, routes, and keeps the deadlines."""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any
from uuid import UUID, uuid4

from eventsourcing.application import AggregateNotFoundError, ProcessingEvent

from services.routing.directory import Department, destination, directory, known_municipalities
from services.routing.domain import Routing
from services.routing.integration import SERVICE, to_envelope
from services.routing.read_models import DeskDashboard, RoutingBoard, RoutingLine
from shared.acting import Acting
from shared.clock import Clock, utc_now
from shared.consumer import ConsumingApplication, consumes
from shared.contract import (
    Envelope,
    ProposalAccepted,
    ProposalDeclined,
    ProposalEscalated,
    ProposalRejected,
    ProposalRejectedAfterReview,
    ProposalSubmitted,
    ProposalWithdrawn,
    ProposerAnswered,
    RoutingMethod,
    VerificationOverdue,
)
from shared.contract.vocabulary import ActorRole
from shared.errors import NotFound, not_served
from shared.municipalities import today_in_japan
from shared.observed import ObservedProposal
from shared.projection import CatchingUpProjection
from shared.proposal import ProposalState
from shared.settings import CommonSettings

log = logging.getLogger(__name__)


class RoutingApplication(ConsumingApplication):
    service = SERVICE
    name = "routing"
    aggregate_cache_size = None

    def __init__(self, settings: CommonSettings, clock: Clock = utc_now) -> None:
        super().__init__(settings)
        self.clock = clock
        self.board = RoutingBoard(self)

    def read_models(self) -> dict[str, CatchingUpProjection]:
        """The read models by name, for comparing them with a rebuild from history
        (`kyoso rebuild`, `GET /audit/read-models`)."""
        return {"board": self.board}

    def today(self) -> date:
        return today_in_japan(self.clock())

    # -- what routing hears -------------------------------------------------------

    def _hear_submitted(self, envelope: Envelope, processing: ProcessingEvent[Any]) -> None:
        # A submission is the first thing heard of a proposal: no need to look it up.
        observed = ObservedProposal(proposal_id=_proposal_of(envelope))
        observed.hear(envelope)
        processing.collect_events(observed)

    def _start_routing(self, envelope: Envelope, processing: ProcessingEvent[Any]) -> None:
        """Accepted by the desk's screening: routing starts here. Accepted happens once per
        proposal, and the tracking drops copies."""
        observed = self.observed_or_new(_proposal_of(envelope))
        observed.hear(envelope)
        processing.collect_events(observed)
        state = observed.state()
        if state is not None:
            processing.collect_events(self._start(state, Acting.caused_by(envelope.meta)))

    def _close_routing(self, envelope: Envelope, processing: ProcessingEvent[Any]) -> None:
        """Rejected in screening or after review, or withdrawn by the proposer: nothing
        more to route."""
        proposal_id = _proposal_of(envelope)
        observed = self.observed_or_new(proposal_id)
        observed.hear(envelope)
        processing.collect_events(observed)
        routing = self._find(proposal_id)
        if routing is not None:
            acting = Acting.caused_by(envelope.meta)
            routing.close(type(envelope.event).__name__, acting.as_meta())
            processing.collect_events(routing)

    def _hear_escalated(self, envelope: Envelope, processing: ProcessingEvent[Any]) -> None:
        observed = self.observed_or_new(_proposal_of(envelope))
        observed.hear(envelope)
        processing.collect_events(observed)

    def _keep_answer(self, envelope: Envelope, processing: ProcessingEvent[Any]) -> None:
        """The proposer answered on the status page: into the proposal's dialogue log,
        where the department reads it."""
        event = envelope.event
        assert isinstance(event, ProposerAnswered)
        routing = self._find(event.proposal_id)
        if routing is None:
            # Intake takes an answer only once the proposer was written to, which routing
            # did: an answer to no routing is not ours to keep.
            log.warning(
                "an answer of the proposer of %s, which routing never routed", event.proposal_id
            )
            return
        acting = Acting.caused_by(envelope.meta).as_role(ActorRole.PROPOSER)
        if routing.hear_answer(event.message_id, event.in_reply_to, event.text, acting.as_meta()):
            processing.collect_events(routing)

    def _hear_verification_overdue(
        self, envelope: Envelope, processing: ProcessingEvent[Any]
    ) -> None:
        """An effect verification went past its due date (implementation's deadline): the
        department that runs the project is e-mailed, as for routing's own deadlines."""
        event = envelope.event
        assert isinstance(event, VerificationOverdue)
        routing = self._find(event.proposal_id)
        if routing is None:
            return  # a project routing never routed (demo data): nobody to tell here
        meta = Acting.caused_by(envelope.meta).as_meta()
        if routing.hear_verification_overdue(event.due_on, event.department, meta):
            processing.collect_events(routing)

    # What routing consumes. Theme proposals carry their theme's owning department, so
    # the themes topic is not needed.
    handlers = consumes(
        {
            ProposalSubmitted: _hear_submitted,
            ProposalAccepted: _start_routing,
            ProposalRejected: _close_routing,
            ProposalWithdrawn: _close_routing,
            # Decided not to implement, also early, before any take-on (Aomori: 実施困難と
            # 判断した場合は検討過程において早めに回答します): no routing or dialogue
            # deadline may run on, and no department inbox may keep it waiting.
            ProposalRejectedAfterReview: _close_routing,
            ProposerAnswered: _keep_answer,
            # The council reads the routing and the dialogue of what was escalated to it
            # (shared.authorisation.sees): routing keeps that it was.
            ProposalEscalated: _hear_escalated,
            VerificationOverdue: _hear_verification_overdue,
        }
    )

    def escalated(self, proposal_id: UUID) -> bool:
        """Whether a department escalated the proposal to the council, as routing heard."""
        state = self.proposal_state(proposal_id)
        return state is not None and state.escalated_by is not None

    def _start(self, state: ProposalState, acting: Acting) -> Routing:
        rules = directory(state.municipality)
        routing = Routing(
            proposal_id=state.proposal_id,
            municipality=state.municipality,
            receipt_number=state.receipt_number,
            title=state.title,
            routing_due_on=rules.routing_due_on(self.today()),
            meta=acting.as_meta(),
        )
        self._route_onward(routing, state, acting)
        return routing

    @staticmethod
    def _route_onward(routing: Routing, state: ProposalState, acting: Acting) -> None:
        """Send the proposal where it fits best, never back to who declined it."""
        to = destination(
            state, directory(routing.municipality), excluding=frozenset(routing.declined_by)
        )
        routing.route(to.lead, list(to.departments), to.method.value, to.reason, acting.as_meta())

    # -- what staff do ---------------------------------------------------------------

    def routing(self, proposal_id: UUID, municipality: str) -> Routing:
        routing = self._find(proposal_id)
        if routing is None or routing.municipality != municipality:
            raise NotFound(f"no routing for proposal {proposal_id} in {municipality}")
        return routing

    def _find(self, proposal_id: UUID) -> Routing | None:
        try:
            found: object = self.repository.get(proposal_id)
        except AggregateNotFoundError:
            return None
        return found if isinstance(found, Routing) else None

    def proposal_state(self, proposal_id: UUID) -> ProposalState | None:
        return self.observed_or_new(proposal_id).state()

    def take_on(self, proposal_id: UUID, department: str, acting: Acting) -> Routing:
        routing = self.routing(proposal_id, acting.municipality)
        dialogue_due_on = directory(routing.municipality).dialogue_due_on(self.today())
        routing.take_on(department, dialogue_due_on, acting.as_meta())
        self.save(routing)
        return routing

    def decline(self, proposal_id: UUID, department: str, reason: str, acting: Acting) -> Routing:
        """A department declines; in the same transaction the desk routes onward."""
        routing = self.routing(proposal_id, acting.municipality)
        routing.decline(department, reason, acting.as_meta())
        state = self.proposal_state(proposal_id)
        assert state is not None, "a routed proposal has been heard of"
        self._route_onward(routing, state, acting.as_role(ActorRole.SYSTEM))
        self.save(routing)
        return routing

    def reassign(
        self, proposal_id: UUID, departments: list[str], reason: str, acting: Acting
    ) -> Routing:
        routing = self.routing(proposal_id, acting.municipality)
        directory(routing.municipality).require_departments(departments)
        routing.route(
            departments[0], departments, RoutingMethod.DESK.value, reason, acting.as_meta()
        )
        self.save(routing)
        return routing

    def reach_milestone(
        self,
        proposal_id: UUID,
        milestone: str,
        note: str | None,
        acting: Acting,
        confidentiality_scope: str | None = None,
    ) -> Routing:
        routing = self.routing(proposal_id, acting.municipality)
        routing.reach(milestone, note, acting.as_meta(), confidentiality_scope)
        self.save(routing)
        return routing

    def set_status_line(self, proposal_id: UUID, ja: str, en: str, acting: Acting) -> Routing:
        routing = self.routing(proposal_id, acting.municipality)
        routing.set_status_line(ja=ja, en=en, meta=acting.as_meta())
        self.save(routing)
        return routing

    # -- the dialogue log ------------------------------------------------------------

    def write_note(
        self, proposal_id: UUID, department: str | None, text: str, acting: Acting
    ) -> Routing:
        """An internal note; `department` None: the desk writes it."""
        routing = self.routing(proposal_id, acting.municipality)
        routing.write_note(uuid4(), department, text, acting.as_meta())
        self.save(routing)
        return routing

    def message_proposer(
        self, proposal_id: UUID, department: str | None, text: str, acting: Acting
    ) -> Routing:
        """A message to this proposal's proposer (intake shows and mails it to them)."""
        routing = self.routing(proposal_id, acting.municipality)
        routing.message_proposer(uuid4(), department, text, acting.as_meta())
        self.save(routing)
        return routing

    def dialogue(
        self, proposal_id: UUID, municipality: str, department: str | None
    ) -> tuple[Routing, list[DialogueEntry]]:
        """The dialogue log in the order it was written, for the desk (`department` None)
        or a department that has the proposal; to any other it does not exist."""
        routing = self.routing(proposal_id, municipality)
        if department is not None and not routing.holds(department):
            raise NotFound(f"no dialogue of proposal {proposal_id} with {department}")
        entries = [
            entry
            for entry in (DialogueEntry.of(e) for e in self.events.get(proposal_id))
            if entry is not None
        ]
        return routing, entries

    # -- deadlines ------------------------------------------------------------------

    def check_deadlines(self) -> int:
        """Flag every open routing that went past a deadline; return how many were flagged."""
        today, flagged = self.today(), 0
        for proposal_id in self.board.open_routings():
            routing = self._find(proposal_id)
            if routing is None:
                continue
            acting = Acting.new(ActorRole.SYSTEM, routing.municipality, f"deadline-check:{today}")
            if routing.flag_passed_deadline(today, acting.as_meta()):
                self.save(routing)
                flagged += 1
        return flagged

    # -- what staff read ---------------------------------------------------------------

    def record(self, proposal_id: UUID, municipality: str) -> RoutingRecord:
        """One proposal's routing with every hop, as staff and the auditor read it."""
        routing = self.routing(proposal_id, municipality)
        return RoutingRecord(
            line=self.board.line(municipality, proposal_id),
            routing=routing,
            history=self.history(proposal_id),
        )

    def history(self, proposal_id: UUID) -> list[Envelope]:
        """Routing's events of the proposal, exactly as they go out on Kafka."""
        return [e for e in (to_envelope(d) for d in self.events.get(proposal_id)) if e is not None]

    def departments(self, municipality: str) -> tuple[Department, ...]:
        """The municipality's department directory, in its own order."""
        if municipality not in known_municipalities():
            raise not_served(municipality)
        return directory(municipality).departments

    def inbox(self, municipality: str, department: str) -> list[RoutingLine]:
        return self.board.inbox(municipality, department)

    def dashboard(self, municipality: str) -> DeskDashboard:
        return self.board.dashboard(municipality)

    def overdue(self, municipality: str) -> list[RoutingLine]:
        return self.board.overdue(municipality)


@dataclass(frozen=True)
class RoutingRecord:
    """One proposal's routing: its line on the board, the aggregate, and its history."""

    line: RoutingLine
    routing: Routing
    history: list[Envelope]
    # The record as the department that declined the proposal last saw it.
    as_left: bool = False

    def as_left_by_decliner(self) -> RoutingRecord:
        """The routing as the department that declined it left it: where the proposal went
        next is no longer routed to it, so it is not told (DESIGN.md §8)."""
        declined = max(
            i for i, sent in enumerate(self.history) if isinstance(sent.event, ProposalDeclined)
        )
        return replace(
            self,
            line=replace(self.line, lead_department=None, departments=[]),
            history=self.history[: declined + 1],
            as_left=True,
        )


@dataclass(frozen=True)
class DialogueEntry:
    """One entry of the dialogue log, as staff read it."""

    entry_id: UUID
    kind: str  # note | to_proposer | from_proposer
    at: datetime
    actor_role: str
    department: str | None  # who wrote it (None: the desk, or the proposer)
    text: str
    in_reply_to: UUID | None = None
    # The person who wrote it (the identity provider's display name), for staff to read;
    # None for the proposer and for entries a person did not write.
    actor_name: str | None = None

    @classmethod
    def of(cls, domain_event: Any) -> DialogueEntry | None:
        entry = cls._of(domain_event)
        name = domain_event.meta.get("name") if entry is not None else None
        return replace(entry, actor_name=name) if entry is not None and name else entry

    @classmethod
    def _of(cls, domain_event: Any) -> DialogueEntry | None:
        at, role = domain_event.timestamp, domain_event.meta["role"]
        match domain_event:
            case Routing.NoteWritten():
                return cls(
                    domain_event.entry_id,
                    "note",
                    at,
                    role,
                    domain_event.department,
                    domain_event.text,
                )
            case Routing.MessageSent():
                return cls(
                    domain_event.message_id,
                    "to_proposer",
                    at,
                    role,
                    domain_event.department,
                    domain_event.text,
                )
            case Routing.ProposerAnswered():
                return cls(
                    domain_event.message_id,
                    "from_proposer",
                    at,
                    role,
                    None,
                    domain_event.text,
                    domain_event.in_reply_to,
                )
        return None


def _proposal_of(envelope: Envelope) -> UUID:
    assert envelope.proposal_id is not None  # every event routing consumes is a proposal's
    return envelope.proposal_id
