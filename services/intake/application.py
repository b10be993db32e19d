"""Intake's eventsourcing application: submission, screening, withdrawal and themes."""

from __future__ import annotations

import hashlib
import json
import tempfile
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

from eventsourcing.application import AggregateNotFoundError, ProcessingEvent
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError

from services.intake.commands import (
    ProposalSubmission,
    Screening,
    ThemeDraft,
    ThemeRequestDraft,
)
from services.intake.consultations import Consultations, followed
from services.intake.documents import DocumentStore
from services.intake.domain import (
    IdempotencyRecord,
    Meta,
    Proposal,
    ReceiptBook,
    Theme,
    ThemeRequest,
    require_channel_shape,
    require_terms_consent,
)
from services.intake.integration import SERVICE, to_envelope
from services.intake.read_models import IntakeCatalogue
from services.intake.sounding_application import SoundingCatalogue, SoundingDesk
from shared.acting import Acting
from shared.clock import Clock, utc_now
from shared.consumer import ConsumingApplication, consumes
from shared.contract import Envelope
from shared.contract.topics import (
    DECISION_PROPOSALS,
    IMPLEMENTATION_PROJECTS,
    PUBLICATION_PROPOSALS,
    ROUTING_PROPOSALS,
)
from shared.contract.vocabulary import ActorRole
from shared.errors import DomainError, InvalidValue, NotFound, StateConflict
from shared.municipalities import Municipality, fiscal_year, municipalities
from shared.projection import CatchingUpProjection
from shared.proposal import PROPOSAL_FOLD, ProposalState
from shared.settings import CommonSettings


@dataclass(frozen=True)
class SubmissionRequest:
    municipality: str
    submission: ProposalSubmission
    acting: Acting
    today: date
    idempotency_key: str | None = None


@dataclass(frozen=True)
class Submitted:
    proposal: Proposal
    replayed: bool  # True when an Idempotency-Key retry returned the earlier proposal


MAX_CONFLICT_RETRIES = 20


class IntakeApplication(ConsumingApplication, SoundingDesk):
    service = SERVICE
    name = "intake"
    # The receipt book grows by one event per proposal; snapshots keep a cold start fast.
    snapshotting_intervals = {ReceiptBook: 200}  # noqa: RUF012

    def __init__(self, settings: CommonSettings, clock: Clock = utc_now) -> None:
        super().__init__(settings)
        self.clock = clock
        self.catalogue = IntakeCatalogue(self)
        self.sounding_catalogue = SoundingCatalogue(self)
        # Attached proposal documents: files beside the store, never in an event (see
        # services/intake/documents.py for why). An in-process store keeps nothing on
        # disk after it, and neither do its documents (a temporary folder).
        self._temporary = (
            tempfile.TemporaryDirectory(prefix="kyoso-intake-documents-")
            if settings.database_url == "memory:"
            else None
        )
        folder = Path(self._temporary.name) if self._temporary else settings.data_dir
        self.documents = DocumentStore(folder / "intake-documents")
        # Submissions in one process take receipt numbers one at a time; without this,
        # concurrent requests would mostly conflict on the receipt book and retry.
        # Other processes sharing the store are still kept correct by the conflict retry.
        self._submission_lock = threading.Lock()

    def read_models(self) -> dict[str, CatchingUpProjection]:
        """The read models by name, for comparing them with a rebuild from history
        (`kyoso rebuild`, `GET /audit/read-models`)."""
        return {"catalogue": self.catalogue, "soundings": self.sounding_catalogue}

    # -- themes -------------------------------------------------------------------

    def publish_theme(self, municipality: str, draft: ThemeDraft, acting: Acting) -> Theme:
        self._known_municipality(municipality)
        if self.find_theme(municipality, draft.number) is not None:
            raise StateConflict(
                "number",
                f"theme {draft.number} already exists in {municipality}",
                code="theme_number_taken",
            )
        theme = Theme(municipality=municipality, meta=acting.as_meta(), **draft.model_dump())
        try:
            self.save(theme)
        except IntegrityError:
            raise StateConflict(
                "number", f"theme {draft.number} already exists", code="theme_number_taken"
            ) from None
        return theme

    def close_theme(self, municipality: str, number: int, acting: Acting) -> Theme:
        theme = self.theme(municipality, number)
        theme.close(acting.as_meta())
        self.save(theme)
        return theme

    def find_theme(self, municipality: str, number: int) -> Theme | None:
        try:
            theme: Theme = self.repository.get(Theme.create_id(municipality, number))
        except AggregateNotFoundError:
            return None
        return theme

    def theme(self, municipality: str, number: int) -> Theme:
        theme = self.find_theme(municipality, number)
        if theme is None:
            raise NotFound(f"theme {number} does not exist in {municipality}")
        return theme

    def themes(self, municipality: str) -> list[Theme]:
        self._known_municipality(municipality)
        return [self.repository.get(tid) for tid in self.catalogue.theme_ids(municipality)]

    # -- theme requests from departments --------------------------------------------

    def request_theme(
        self, municipality: str, department: str, draft: ThemeRequestDraft, acting: Acting
    ) -> ThemeRequest:
        """A department asks its city's desk to publish a theme (ThemeRequest)."""
        self._known_municipality(municipality)
        request = ThemeRequest(
            municipality=municipality,
            department=department,
            meta=acting.as_meta(),
            **draft.model_dump(),
        )
        self.save(request)
        return request

    def theme_request(self, municipality: str, request_id: UUID) -> ThemeRequest:
        try:
            found: object = self.repository.get(request_id)
        except AggregateNotFoundError:
            found = None
        if not isinstance(found, ThemeRequest) or found.municipality != municipality:
            raise NotFound(f"no theme request {request_id} in {municipality}")
        return found

    def theme_requests(
        self, municipality: str, department: str | None = None
    ) -> list[ThemeRequest]:
        """A city's theme requests (of one department if named), oldest first."""
        self._known_municipality(municipality)
        return [
            self.theme_request(municipality, rid)
            for rid in self.catalogue.theme_request_ids(municipality, department)
        ]

    def publish_requested_theme(
        self, municipality: str, request_id: UUID, draft: ThemeDraft, acting: Acting
    ) -> Theme:
        """The desk publishes a theme from a department's request: both are saved at once,
        so a request is never left open beside the theme made of it."""
        request = self.theme_request(municipality, request_id)
        if self.find_theme(municipality, draft.number) is not None:
            raise StateConflict(
                "number",
                f"theme {draft.number} already exists in {municipality}",
                code="theme_number_taken",
            )
        request.publish(draft.number, acting.as_meta())
        theme = Theme(municipality=municipality, meta=acting.as_meta(), **draft.model_dump())
        try:
            self.save(theme, request)
        except IntegrityError:
            raise StateConflict(
                "number", f"theme {draft.number} already exists, or the request was answered"
            ) from None
        return theme

    def decline_theme_request(
        self, municipality: str, request_id: UUID, reason: str, acting: Acting
    ) -> ThemeRequest:
        request = self.theme_request(municipality, request_id)
        request.decline(reason, acting.as_meta())
        self.save(request)
        return request

    # -- submission ---------------------------------------------------------------

    def submit(
        self,
        municipality: str,
        submission: ProposalSubmission,
        acting: Acting,
        *,
        today: date,
        idempotency_key: str | None = None,
    ) -> Submitted:
        request = SubmissionRequest(municipality, submission, acting, today, idempotency_key)
        outcome = self.submit_many([request])[0]
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    def check_submission(
        self, municipality: str, submission: ProposalSubmission, today: date
    ) -> None:
        """Refuse now what `submit` would refuse for this proposal's municipality and
        theme, recording nothing (the portal checks a form before its confirmation step)."""
        self._known_municipality(municipality)
        self._theme_answered(municipality, submission.theme_number, today)
        _require_channel_shape(submission, municipalities()[municipality])
        self._document(submission)

    def submit_many(self, requests: Sequence[SubmissionRequest]) -> list[Submitted | Exception]:
        """Record several submissions in one transaction (group commit).

        Each request gets its own outcome: its receipt, or the refusal that concerns only
        it. When another process wrote first (a conflict on a receipt book or an
        idempotency key) the whole group is checked and recorded again."""
        for _ in range(MAX_CONFLICT_RETRIES):
            try:
                with self._submission_lock:
                    return self._record_submissions(requests)
            except IntegrityError:
                continue
        raise RuntimeError("too many concurrent submissions conflicted; please retry")

    def _record_submissions(
        self, requests: Sequence[SubmissionRequest]
    ) -> list[Submitted | Exception]:
        group = _Group()
        outcomes: list[Submitted | Exception] = []
        for request in requests:
            try:
                outcomes.append(self._record_submission(request, group))
            except (DomainError, NotFound) as refusal:
                outcomes.append(refusal)
        if group.new:
            self.save(*group.books.values(), *group.new)
        return outcomes

    def _record_submission(self, request: SubmissionRequest, group: _Group) -> Submitted:
        municipality, submission = request.municipality, request.submission
        self._known_municipality(municipality)
        theme = self._theme_answered(municipality, submission.theme_number, request.today)
        fingerprint = _fingerprint(municipality, submission)
        key = request.idempotency_key
        if key is not None:
            earlier = self._earlier_submission(group, municipality, key, fingerprint)
            if earlier is not None:
                return Submitted(earlier, replayed=True)
        year = fiscal_year(request.today)
        book = group.books.get((municipality, year))
        if book is None:
            book = group.books[(municipality, year)] = self._receipt_book(municipality, year)
        city = municipalities()[municipality]
        document = self._document(submission)
        # The proposal's own rules first (consent, the channel's shape): a refusal must not
        # take a receipt number.
        require_terms_consent(
            submission.terms_consent, submission.terms_version, city.terms_version
        )
        _require_channel_shape(submission, city)
        consultation = self._followed_consultation(municipality, submission)
        proposal = _received(
            request, book.next_receipt_number(city.receipt_prefix), theme, document
        )
        group.new.append(proposal)
        if consultation is not None:
            group.new.append(followed(proposal, consultation, request.acting))
        if key is not None:
            record = IdempotencyRecord(
                municipality=municipality, key=key, fingerprint=fingerprint, proposal_id=proposal.id
            )
            group.keys[(municipality, key)] = (record, proposal)
            group.new.append(record)
        return Submitted(proposal, replayed=False)

    def _followed_consultation(
        self, municipality: str, submission: ProposalSubmission
    ) -> Proposal | None:
        """The pre-consultation the proposal says it follows (refused, before a receipt
        number is taken, when it names none of this city's consultations)."""
        if submission.consultation_receipt_number is None:
            return None
        return Consultations(self).consultation_followed(
            municipality, submission.channel.value, submission.consultation_receipt_number
        )

    def _document(self, submission: ProposalSubmission) -> Meta | None:
        """The attached document's reference, from the file intake holds (refused when the
        named file was never uploaded here)."""
        if submission.document is None:
            return None
        return self.documents.reference(submission.document.sha256, submission.document.name)

    def _theme_answered(self, municipality: str, number: int | None, today: date) -> Theme | None:
        """The theme a theme proposal answers, which must exist and take proposals today."""
        if number is None:
            return None
        theme = self.find_theme(municipality, number)
        if theme is None:
            raise InvalidValue("theme_number", f"theme {number} does not exist in {municipality}")
        theme.require_open_on(today)
        return theme

    def _receipt_book(self, municipality: str, year: int) -> ReceiptBook:
        try:
            book: ReceiptBook = self.repository.get(ReceiptBook.create_id(municipality, year))
        except AggregateNotFoundError:
            book = ReceiptBook(municipality=municipality, fiscal_year=year)
        return book

    def proposal_of_idempotency_key(self, municipality: str, key: str) -> Proposal | None:
        """The proposal an Idempotency-Key created, whatever its body was."""
        try:
            stored: IdempotencyRecord = self.repository.get(
                IdempotencyRecord.create_id(municipality, key)
            )
        except AggregateNotFoundError:
            return None
        return self.proposal(stored.proposal_id)

    def _earlier_submission(
        self, group: _Group, municipality: str, key: str, fingerprint: str
    ) -> Proposal | None:
        """The proposal this Idempotency-Key already created, in this group or before."""
        in_group = group.keys.get((municipality, key))
        if in_group is not None:
            record, proposal = in_group
            record.replayed_proposal(fingerprint)
            return proposal
        try:
            stored: IdempotencyRecord = self.repository.get(
                IdempotencyRecord.create_id(municipality, key)
            )
        except AggregateNotFoundError:
            return None
        return self.proposal(stored.replayed_proposal(fingerprint))

    # -- screening and withdrawal ------------------------------------------------------

    def screen(self, proposal_id: UUID, screening: Screening, acting: Acting) -> Proposal:
        proposal = self.proposal(proposal_id, municipality=acting.municipality)
        if screening.decision == "accept":
            proposal.accept(screening.explanation or None, acting.as_meta())
        else:
            proposal.reject(
                screening.reasons, screening.explanation, automatic=False, meta=acting.as_meta()
            )
        self.save(proposal)
        return proposal

    def withdraw(
        self, proposal_id: UUID, reason: str | None, correlation_id: str | None = None
    ) -> Proposal:
        """The proposer withdraws (they showed the proposal's status token); they act in
        the proposal's own municipality."""
        proposal = self.proposal(proposal_id)
        state = self.state(proposal_id)
        acting = Acting.new(ActorRole.PROPOSER, proposal.municipality, correlation_id)
        proposal.withdraw(
            reason,
            acting.as_meta(),
            closed=state.status.is_closed,
            project_phase=state.project_phase,
        )
        self.save(proposal)
        return proposal

    def answer(
        self,
        proposal_id: UUID,
        text: str,
        in_reply_to: UUID | None,
        correlation_id: str | None = None,
    ) -> Proposal:
        """The proposer (they showed the status token) answers in the dialogue; routing
        hears it and keeps it in the dialogue log of this proposal only."""
        proposal = self.proposal(proposal_id)
        state = self.state(proposal_id)
        acting = Acting.new(ActorRole.PROPOSER, proposal.municipality, correlation_id)
        proposal.answer(
            uuid4(), text, in_reply_to, state.dialogue, state.status.is_closed, acting.as_meta()
        )
        self.save(proposal)
        return proposal

    def status_link_generation(self, proposal_id: UUID) -> int:
        """Which of the proposal's status links is the valid one (0: the first)."""
        generation: int = self.proposal(proposal_id).status_link_generation
        return generation

    def closed_since(self, proposal_id: UUID) -> datetime | None:
        """When the proposal closed, as its last news (None while it is open)."""
        state = self.state(proposal_id)
        return state.updated_at if state.status.is_closed else None

    def reissue_status_link(self, municipality: str, proposal_id: UUID, acting: Acting) -> Proposal:
        """The desk replaces the proposal's status link; the outbox mails the new one."""
        proposal = self.proposal(proposal_id, municipality)
        proposal.reissue_status_link(acting.as_meta())
        self.save(proposal)
        return proposal

    def resend_status_links(
        self, municipality: str, email: str, correlation_id: str | None = None
    ) -> int:
        """Ask for the status link of every proposal sent to `municipality` with this
        e-mail address to be sent again, to that address only. How many there were is
        for the log, never for the asker (it would tell whether an address is known)."""
        wanted = email.strip().casefold()
        acting = Acting.new(ActorRole.PROPOSER, municipality, correlation_id)
        found = [
            proposal
            for proposal in self.proposals(municipality)
            if (proposal.contact.get("email") or "").casefold() == wanted
        ]
        for proposal in found:
            proposal.request_status_link(acting.as_meta())
        if found:
            self.save(*found)
        return len(found)

    # -- reading ------------------------------------------------------------------

    def proposal(self, proposal_id: UUID, municipality: str | None = None) -> Proposal:
        try:
            proposal: Proposal = self.repository.get(proposal_id)
        except AggregateNotFoundError:
            raise NotFound(f"proposal {proposal_id} does not exist") from None
        if not isinstance(proposal, Proposal) or (
            municipality is not None and proposal.municipality != municipality
        ):
            # Another municipality's proposal is, for this caller, not there at all.
            raise NotFound(f"proposal {proposal_id} does not exist")
        return proposal

    def proposals(self, municipality: str, status: str | None = None) -> list[Proposal]:
        return [self.repository.get(pid) for pid in self.proposal_ids(municipality, status)]

    def proposal_ids(
        self, municipality: str, status: str | None = None, **filters: Any
    ) -> list[UUID]:
        """The municipality's proposals in the order they came in (cheap: from the
        catalogue, no proposal loaded), e.g. to load only one page of them; `filters`:
        channel, theme_number, field, text, among (IntakeCatalogue.proposal_ids)."""
        self._known_municipality(municipality)
        return self.catalogue.proposal_ids(municipality, status, **filters)

    def history(self, proposal_id: UUID) -> list[Envelope]:
        """Intake's events of the proposal, exactly as they go out on Kafka, and what the
        other services said of it since, in the order it happened."""
        own = [e for e in (to_envelope(d) for d in self.events.get(proposal_id)) if e is not None]
        heard = self.observed(proposal_id)
        return sorted([*own, *(heard.heard if heard else [])], key=lambda e: e.meta.time)

    def state(self, proposal_id: UUID) -> ProposalState:
        state = PROPOSAL_FOLD.fold(self.history(proposal_id))
        if state is None:
            raise NotFound(f"proposal {proposal_id} does not exist")
        return state

    # -- what intake hears from the other services ----------------------------------

    def _hear(self, envelope: Envelope, processing: ProcessingEvent[Any]) -> None:
        """Keep what routing and decision say about a proposal, so the proposer's status
        page shows where it is."""
        self.keep_heard(envelope, processing)

    # What intake consumes: everything routing, decision and implementation say about a
    # proposal, and publication's consultation of the proposer on its case (the proposer
    # is mailed). Implementation's steps after adoption reach the proposer's status page
    # here, worded for the proposer by the shared fold (an applicant's name is not).
    handlers = consumes(
        dict.fromkeys(
            ROUTING_PROPOSALS.events
            + DECISION_PROPOSALS.events
            + IMPLEMENTATION_PROJECTS.events
            + PUBLICATION_PROPOSALS.events,
            _hear,
        )
    )

    def known_municipality(self, municipality: str) -> None:
        self._known_municipality(municipality)

    def _known_municipality(self, municipality: str) -> None:
        if municipality not in municipalities():
            raise NotFound(f"municipality '{municipality}' is not served by this desk")


# Fields added to the submission after Idempotency-Keys were first recorded: left out of
# the fingerprint while absent, so a retry of an earlier proposal still matches its key.
_LATER_FIELDS = ("experiment", "agreement", "document", "consultation_receipt_number")
# Consent is the proposer's act, not the proposal's content: a retry is the same proposal.
_NOT_CONTENT = {"terms_consent", "terms_version"}


def _fingerprint(municipality: str, submission: ProposalSubmission) -> str:
    left_out = _NOT_CONTENT | {f for f in _LATER_FIELDS if getattr(submission, f) is None}
    canonical = json.dumps(
        [municipality, submission.model_dump(mode="json", exclude=left_out)],
        sort_keys=True,
        ensure_ascii=False,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


@dataclass
class _Group:
    """What one group commit records together: the receipt books it drew numbers from,
    the Idempotency-Keys it used (with the proposal each created), and the new aggregates."""

    books: dict[tuple[str, int], ReceiptBook] = field(default_factory=dict)
    keys: dict[tuple[str, str], tuple[IdempotencyRecord, Proposal]] = field(default_factory=dict)
    new: list[Aggregate] = field(default_factory=list)


def _require_channel_shape(submission: ProposalSubmission, city: Municipality) -> None:
    require_channel_shape(
        channel=submission.channel.value,
        summary=submission.summary,
        experiment=_experiment(submission),
        agreement=_agreement(submission),
        offers_pre_consultation=city.offers_pre_consultation,
    )


def _experiment(submission: ProposalSubmission) -> Meta | None:
    return submission.experiment.model_dump() if submission.experiment else None


def _agreement(submission: ProposalSubmission) -> Meta | None:
    return submission.agreement.model_dump(mode="json") if submission.agreement else None


def _received(
    request: SubmissionRequest, receipt_number: str, theme: Theme | None, document: Meta | None
) -> Proposal:
    """The proposal as intake keeps it, from what the proposer sent."""
    submission, proposer = request.submission, request.submission.proposer
    city = municipalities()[request.municipality]
    return Proposal.receive(
        municipality=request.municipality,
        receipt_number=receipt_number,
        fiscal_year=fiscal_year(request.today),
        channel=submission.channel.value,
        theme_number=submission.theme_number,
        organisation=proposer.organisation,
        proposer_kind=proposer.kind.value,
        contact={
            "contact_person": proposer.contact_person,
            "email": str(proposer.email),
            "phone": proposer.phone,
        },
        title=submission.title,
        field=submission.field,
        summary=submission.summary or "",
        content=submission.content,
        protected_part=submission.protected,
        meta=request.acting.as_meta(),
        theme_department=theme.department if theme is not None else None,
        received_on=request.today,
        terms_consented=submission.terms_consent,
        terms_version=submission.terms_version,
        current_terms_version=city.terms_version,
        offers_pre_consultation=city.offers_pre_consultation,
        experiment=_experiment(submission),
        agreement=_agreement(submission),
        document=document,
    )
