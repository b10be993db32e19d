"""Intake's aggregates, in the style of the eventsourcing library's example applications."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from shared.contract.vocabulary import ScreeningReason
from shared.proposal.status import ProposalStatus

_NAMESPACE = uuid5(NAMESPACE_URL, "urn:kyoso:intake")

Meta = dict[str, Any]


class IntakeRuleViolation(Exception):
    """A command the current state does not allow (answered with 409)."""


class Proposal(Aggregate):
    """One proposal as the desk received it, including what must never leave intake:
    the contact details and the protected part (know-how kept confidential)."""

    # The stored events, declared so that their shape is explicit (and type-checked).
    class Submitted(Aggregate.Created):
        municipality: str
        receipt_number: str
        fiscal_year: int
        channel: str
        theme_number: int | None
        organisation: str
        proposer_kind: str
        contact: dict[str, str | None]
        title: str
        field: str
        summary: str
        content: str
        protected_part: str | None
        meta: Meta
        theme_department: str | None = None  # the theme's owner at submission
        received_on: date | None = None  # the date of receipt in Japan

    class Accepted(Aggregate.Event):
        note: str | None
        meta: Meta

    class Rejected(Aggregate.Event):
        reasons: list[str]
        explanation: str
        automatic: bool
        meta: Meta

    class Withdrawn(Aggregate.Event):
        reason: str | None
        meta: Meta

    @event(Submitted)
    def __init__(
        self,
        *,
        municipality: str,
        receipt_number: str,
        fiscal_year: int,
        channel: str,
        theme_number: int | None,
        organisation: str,
        proposer_kind: str,
        contact: dict[str, str | None],
        title: str,
        field: str,
        summary: str,
        content: str,
        protected_part: str | None,
        meta: Meta,
        theme_department: str | None = None,
        received_on: date | None = None,
    ) -> None:
        self.municipality = municipality
        self.theme_department = theme_department
        self.received_on = received_on
        self.receipt_number = receipt_number
        self.fiscal_year = fiscal_year
        self.channel = channel
        self.theme_number = theme_number
        self.organisation = organisation
        self.proposer_kind = proposer_kind
        self.contact = contact
        self.title = title
        self.field = field
        self.summary = summary
        self.content = content
        self.protected_part = protected_part
        self.status = ProposalStatus.RECEIVED
        self.screening_reasons: list[str] = []
        self.screening_explanation: str | None = None

    def _require_status(self, action: str, *allowed: ProposalStatus) -> None:
        if self.status not in allowed:
            raise IntakeRuleViolation(
                f"cannot {action}: proposal {self.receipt_number} is {self.status.value}"
            )

    def accept(self, note: str | None, meta: Meta) -> None:
        self._require_status("accept", ProposalStatus.RECEIVED)
        self._accepted(note=note, meta=meta)

    @event(Accepted)
    def _accepted(self, note: str | None, meta: Meta) -> None:
        self.status = ProposalStatus.ACCEPTED

    def reject(
        self, reasons: list[ScreeningReason], explanation: str, automatic: bool, meta: Meta
    ) -> None:
        self._require_status("reject", ProposalStatus.RECEIVED)
        if not reasons:
            raise IntakeRuleViolation("a rejection needs at least one coded reason")
        self._rejected(
            reasons=[r.value for r in reasons],
            explanation=explanation,
            automatic=automatic,
            meta=meta,
        )

    @event(Rejected)
    def _rejected(self, reasons: list[str], explanation: str, automatic: bool, meta: Meta) -> None:
        self.status = ProposalStatus.REJECTED
        self.screening_reasons = reasons
        self.screening_explanation = explanation

    def withdraw(self, reason: str | None, meta: Meta) -> None:
        if self.status.is_closed:
            raise IntakeRuleViolation(
                f"cannot withdraw: proposal {self.receipt_number} is already {self.status.value}"
            )
        self._withdrawn(reason=reason, meta=meta)

    @event(Withdrawn)
    def _withdrawn(self, reason: str | None, meta: Meta) -> None:
        self.status = ProposalStatus.WITHDRAWN


class Theme(Aggregate):
    """A numbered challenge the city publishes (テーマ), with its call period."""

    class Published(Aggregate.Created):
        municipality: str
        number: int
        title: str
        field: str
        department: str
        opens_on: date | None
        closes_on: date | None
        meta: Meta

    class Closed(Aggregate.Event):
        number: int
        meta: Meta

    @staticmethod
    def create_id(municipality: str, number: int) -> UUID:
        return uuid5(_NAMESPACE, f"theme/{municipality}/{number}")

    @event(Published)
    def __init__(
        self,
        *,
        municipality: str,
        number: int,
        title: str,
        field: str,
        department: str,
        opens_on: date | None,
        closes_on: date | None,
        meta: Meta,
    ) -> None:
        self.municipality = municipality
        self.number = number
        self.title = title
        self.field = field
        self.department = department
        self.opens_on = opens_on
        self.closes_on = closes_on
        self.closed = False

    def is_open_on(self, day: date) -> bool:
        if self.closed:
            return False
        if self.opens_on is not None and day < self.opens_on:
            return False
        return self.closes_on is None or day <= self.closes_on

    def close(self, meta: Meta) -> None:
        if self.closed:
            raise IntakeRuleViolation(f"theme {self.number} is already closed")
        self._closed(number=self.number, meta=meta)

    @event(Closed)
    def _closed(self, number: int, meta: Meta) -> None:
        self.closed = True


class ReceiptBook(Aggregate):
    """Issues receipt numbers per municipality and fiscal year: 1, 2, 3 ... with no gaps.

    Saved in the same transaction as the proposal, so two concurrent submissions cannot
    get the same number: the second one conflicts and is retried."""

    class Opened(Aggregate.Created):
        municipality: str
        fiscal_year: int

    class Issued(Aggregate.Event):
        pass

    @staticmethod
    def create_id(municipality: str, fiscal_year: int) -> UUID:
        return uuid5(_NAMESPACE, f"receipts/{municipality}/{fiscal_year}")

    @event(Opened)
    def __init__(self, *, municipality: str, fiscal_year: int) -> None:
        self.municipality = municipality
        self.fiscal_year = fiscal_year
        self.last_issued = 0

    @event(Issued)
    def issue(self) -> None:
        self.last_issued += 1


class IdempotencyRecord(Aggregate):
    """Remembers which proposal an Idempotency-Key created, so a retry creates nothing."""

    class Recorded(Aggregate.Created):
        municipality: str
        key: str
        fingerprint: str
        proposal_id: UUID

    @staticmethod
    def create_id(municipality: str, key: str) -> UUID:
        return uuid5(_NAMESPACE, f"idempotency/{municipality}/{key}")

    @event(Recorded)
    def __init__(self, *, municipality: str, key: str, fingerprint: str, proposal_id: UUID) -> None:
        self.municipality = municipality
        self.key = key
        self.fingerprint = fingerprint
        self.proposal_id = proposal_id
