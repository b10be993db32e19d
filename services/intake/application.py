"""Intake's eventsourcing application: submission, screening, withdrawal and themes."""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, ProcessingEvent
from eventsourcing.persistence import IntegrityError

from services.intake.catalogue import IntakeCatalogue
from services.intake.commands import ProposalSubmission, Screening, ThemeDraft
from services.intake.domain import (
    IdempotencyRecord,
    IntakeRuleViolation,
    Proposal,
    ReceiptBook,
    Theme,
)
from services.intake.integration import SERVICE, to_envelope
from shared.acting import Acting
from shared.clock import Clock, utc_now
from shared.consumer import ConsumingApplication, consumes
from shared.contract import Envelope
from shared.contract.topics import DECISION_PROPOSALS, ROUTING_PROPOSALS
from shared.contract.vocabulary import ActorRole, ProposerKind, ScreeningReason
from shared.errors import DomainError, InvalidValue, NotFound, StateConflict
from shared.municipalities import fiscal_year, municipalities
from shared.observed import ObservedProposal
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


class IntakeApplication(ConsumingApplication):
    service = SERVICE
    name = "intake"
    # The receipt book grows by one event per proposal; snapshots keep a cold start fast.
    snapshotting_intervals = {ReceiptBook: 200}  # noqa: RUF012

    def __init__(self, settings: CommonSettings, clock: Clock = utc_now) -> None:
        super().__init__(settings)
        self.clock = clock
        self.catalogue = IntakeCatalogue(self)
        # Submissions in one process take receipt numbers one at a time; without this,
        # concurrent requests would mostly conflict on the receipt book and retry.
        # Other processes sharing the store are still kept correct by the conflict retry.
        self._submission_lock = threading.Lock()

    def read_models(self) -> dict[str, CatchingUpProjection]:
        """The read models by name, for comparing them with a rebuild from history
        (`kyoso rebuild`, `GET /audit/read-models`)."""
        return {"catalogue": self.catalogue}

    # -- themes -------------------------------------------------------------------

    def publish_theme(self, municipality: str, draft: ThemeDraft, acting: Acting) -> Theme:
        self._known_municipality(municipality)
        if self.find_theme(municipality, draft.number) is not None:
            raise StateConflict("number", f"theme {draft.number} already exists in {municipality}")
        theme = Theme(municipality=municipality, meta=acting.as_meta(), **draft.model_dump())
        try:
            self.save(theme)
        except IntegrityError:
            raise StateConflict("number", f"theme {draft.number} already exists") from None
        return theme

    def close_theme(self, municipality: str, number: int, acting: Acting) -> Theme:
        theme = self.theme(municipality, number)
        try:
            theme.close(acting.as_meta())
        except IntakeRuleViolation as error:
            raise StateConflict("number", str(error), where="path") from None
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
        outcomes: list[Submitted | Exception] = []
        books: dict[tuple[str, int], ReceiptBook] = {}
        in_this_group: dict[tuple[str, str], tuple[str, Proposal]] = {}
        new_records: list[Any] = []
        for request in requests:
            try:
                self._known_municipality(request.municipality)
                self._check_theme_is_open(request.municipality, request.submission, request.today)
                fingerprint = _fingerprint(request.municipality, request.submission)
                key = request.idempotency_key
                if key is not None:
                    earlier = in_this_group.get((request.municipality, key))
                    if earlier is not None:
                        if earlier[0] != fingerprint:
                            raise _key_reused()
                        outcomes.append(Submitted(earlier[1], replayed=True))
                        continue
                    replayed = self._earlier_submission(request.municipality, key, fingerprint)
                    if replayed is not None:
                        outcomes.append(Submitted(replayed, replayed=True))
                        continue
                year = fiscal_year(request.today)
                book = books.get((request.municipality, year))
                if book is None:
                    book = books[(request.municipality, year)] = self._receipt_book(
                        request.municipality, year
                    )
                proposal = self._new_proposal(request, book, year)
                new_records.append(proposal)
                if key is not None:
                    in_this_group[(request.municipality, key)] = (fingerprint, proposal)
                    new_records.append(
                        IdempotencyRecord(
                            municipality=request.municipality,
                            key=key,
                            fingerprint=fingerprint,
                            proposal_id=proposal.id,
                        )
                    )
                outcomes.append(Submitted(proposal, replayed=False))
            except (DomainError, NotFound) as refusal:
                outcomes.append(refusal)
        if new_records:
            self.save(*books.values(), *new_records)
        return outcomes

    def _new_proposal(self, request: SubmissionRequest, book: ReceiptBook, year: int) -> Proposal:
        number = request.submission.theme_number
        theme = self.find_theme(request.municipality, number) if number is not None else None
        book.issue()
        prefix = municipalities()[request.municipality].receipt_prefix
        submission, acting = request.submission, request.acting
        proposer = submission.proposer
        proposal = Proposal(
            municipality=request.municipality,
            receipt_number=f"{prefix}-{year}-{book.last_issued:04d}",
            fiscal_year=year,
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
            summary=submission.summary,
            content=submission.content,
            protected_part=submission.protected,
            meta=acting.as_meta(),
            theme_department=theme.department if theme is not None else None,
            received_on=request.today,
        )
        if proposer.kind is ProposerKind.INDIVIDUAL:
            # Aomori: a private individual who is not a sole proprietor may not propose.
            # The proposal is kept and answered with the reason, as every proposal is.
            proposal.reject(
                [ScreeningReason.INELIGIBLE_PROPOSER],
                "個人（個人事業主を除く）からの提案は受け付けていません。"
                " Proposals from private individuals (other than sole proprietors) are not accepted.",
                automatic=True,
                meta=acting.as_role(ActorRole.SYSTEM).as_meta(),
            )
        return proposal

    def _receipt_book(self, municipality: str, year: int) -> ReceiptBook:
        try:
            book: ReceiptBook = self.repository.get(ReceiptBook.create_id(municipality, year))
        except AggregateNotFoundError:
            book = ReceiptBook(municipality=municipality, fiscal_year=year)
        return book

    def _earlier_submission(self, municipality: str, key: str, fingerprint: str) -> Proposal | None:
        try:
            record: IdempotencyRecord = self.repository.get(
                IdempotencyRecord.create_id(municipality, key)
            )
        except AggregateNotFoundError:
            return None
        if record.fingerprint != fingerprint:
            raise _key_reused()
        return self.proposal(record.proposal_id)

    def _check_theme_is_open(
        self, municipality: str, submission: ProposalSubmission, today: date
    ) -> None:
        if submission.theme_number is None:
            return
        theme = self.find_theme(municipality, submission.theme_number)
        if theme is None:
            raise InvalidValue(
                "theme_number",
                f"theme {submission.theme_number} does not exist in {municipality}",
            )
        if not theme.is_open_on(today):
            raise StateConflict(
                "theme_number",
                f"the call for theme {theme.number} is closed (募集期間終了)"
                if theme.closed or (theme.closes_on and today > theme.closes_on)
                else f"the call for theme {theme.number} opens on {theme.opens_on}",
            )

    # -- screening and withdrawal ------------------------------------------------------

    def screen(self, proposal_id: UUID, screening: Screening, acting: Acting) -> Proposal:
        proposal = self.proposal(proposal_id, municipality=acting.municipality)
        try:
            if screening.decision == "accept":
                proposal.accept(screening.explanation or None, acting.as_meta())
            else:
                proposal.reject(
                    screening.reasons, screening.explanation, automatic=False, meta=acting.as_meta()
                )
        except IntakeRuleViolation as error:
            raise StateConflict("decision", str(error)) from None
        self.save(proposal)
        return proposal

    def withdraw(self, proposal_id: UUID, reason: str | None, acting: Acting) -> Proposal:
        proposal = self.proposal(proposal_id)
        try:
            proposal.withdraw(reason, acting.as_meta())
        except IntakeRuleViolation as error:
            raise StateConflict("proposal_id", str(error), where="path") from None
        self.save(proposal)
        return proposal

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
        self._known_municipality(municipality)
        return [
            self.repository.get(pid) for pid in self.catalogue.proposal_ids(municipality, status)
        ]

    def history(self, proposal_id: UUID) -> list[Envelope]:
        """Intake's events of the proposal, exactly as they go out on Kafka, and what the
        other services said of it since, in the order it happened."""
        own = [e for e in (to_envelope(d) for d in self.events.get(proposal_id)) if e is not None]
        heard = self._observed(proposal_id)
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
        proposal_id = envelope.proposal_id
        if proposal_id is None:
            return
        observed = self._observed(proposal_id) or ObservedProposal(proposal_id=proposal_id)
        observed.hear(envelope)
        processing.collect_events(observed)

    # What intake consumes: everything routing and decision say about a proposal.
    handlers = consumes(dict.fromkeys(ROUTING_PROPOSALS.events + DECISION_PROPOSALS.events, _hear))

    def _observed(self, proposal_id: UUID) -> ObservedProposal | None:
        try:
            observed: ObservedProposal = self.repository.get(
                ObservedProposal.create_id(proposal_id)
            )
        except AggregateNotFoundError:
            return None
        return observed

    def _known_municipality(self, municipality: str) -> None:
        if municipality not in municipalities():
            raise NotFound(f"municipality '{municipality}' is not served by this desk")


def _key_reused() -> InvalidValue:
    return InvalidValue(
        "Idempotency-Key",
        "this key was already used for a different proposal; use a new key",
        where="header",
    )


def _fingerprint(municipality: str, submission: ProposalSubmission) -> str:
    canonical = json.dumps(
        [municipality, submission.model_dump(mode="json")], sort_keys=True, ensure_ascii=False
    )
    return hashlib.sha256(canonical.encode()).hexdigest()
