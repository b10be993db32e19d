"""Intake's aggregates, in the style of the eventsourcing library's example applications.

Each command method checks the aggregate's own rules, then triggers its event; the
`@event` bodies only change state, so replaying the stored events never re-checks a rule
(the library's BankAccount example works the same way). A refusal is a shared domain
error (shared.errors) naming the field of the command it concerns, so applications pass
it on unchanged."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from shared.contract.vocabulary import (
    MESSAGE_MAX_LENGTH,
    ActorRole,
    AgreementScope,
    Channel,
    ProposerKind,
    ScreeningReason,
)
from shared.errors import InvalidValue, StateConflict
from shared.proposal.fold import DialogueMessage
from shared.proposal.status import ProposalStatus

_NAMESPACE = uuid5(NAMESPACE_URL, "urn:kyoso:intake")

Meta = dict[str, Any]

# How many messages the proposer may send in a row before the department writes again:
# a dialogue, not a mailbox to fill (the status page is reachable without signing in).
ANSWERS_IN_A_ROW = 10

# Aomori (seeds/000_4783c11d099f2101.txt): 「※個人(個人事業主を除く)の提案は不可」.
INDIVIDUALS_MAY_NOT_PROPOSE = (
    "個人（個人事業主を除く）からの提案は受け付けていません。"
    " Proposals from private individuals (other than sole proprietors) are not accepted."
)


def require_channel_shape(
    *,
    channel: str,
    summary: str | None,
    experiment: Meta | None,
    agreement: Meta | None,
    offers_pre_consultation: bool,
) -> None:
    """What each channel must bring, and only it (the proposal's shape, whoever checks it:
    the portal's check before its confirmation step, and `Proposal.receive`)."""
    if channel == Channel.PRE_CONSULTATION and not offers_pre_consultation:
        # Only where the seed describes one (shared/data/municipalities.json).
        raise InvalidValue("channel", "this city does not offer a pre-consultation (事前相談)")
    if channel != Channel.PRE_CONSULTATION and not summary:
        # The summary is what the register publishes; a pre-consultation is lighter
        # (Aomori: 「事前相談 ※必須ではありません」) and is not listed, so it needs none.
        raise InvalidValue("summary", "a summary for publication is required")
    is_experiment = channel == Channel.DEMONSTRATION_EXPERIMENT
    if is_experiment and experiment is None:
        raise InvalidValue("experiment", "a demonstration experiment names its area and period")
    if not is_experiment and experiment is not None:
        raise InvalidValue("experiment", f"only demonstration experiments have one, not {channel}")
    if experiment is not None and experiment["ends_on"] < experiment["starts_on"]:
        raise InvalidValue("experiment.ends_on", "the experiment cannot end before it starts")
    is_agreement = channel == Channel.PARTNERSHIP_AGREEMENT
    if is_agreement and agreement is None:
        raise InvalidValue("agreement", "a partnership agreement names its kind and fields")
    if not is_agreement and agreement is not None:
        raise InvalidValue("agreement", f"only partnership agreements have one, not {channel}")
    if agreement is not None:
        _require_agreement_fields(agreement)


def _require_agreement_fields(agreement: Meta) -> None:
    """Aomori (000_4783c11d099f2101.txt): 事業連携協定 is on 「特定の分野」 (one field);
    包括連携協定 on 「複数の分野」 (two or more)."""
    fields = agreement["fields"]
    if len(set(fields)) != len(fields):
        raise InvalidValue("agreement.fields", "each field is named once")
    if agreement["scope"] == AgreementScope.SINGLE_FIELD and len(fields) != 1:
        raise InvalidValue("agreement.fields", "a single-field agreement covers exactly one field")
    if agreement["scope"] == AgreementScope.COMPREHENSIVE and len(fields) < 2:
        raise InvalidValue(
            "agreement.fields", "a comprehensive agreement (包括連携協定) covers several fields"
        )


def require_terms_consent(consented: bool, version: str | None, current_version: str) -> None:
    """Every seed states terms the proposer accepts (eligibility, no compensation for
    proposing — Aomori; protection of ideas; disclosure): no proposal without consent, and
    consent to the terms as they are now."""
    if not consented:
        raise InvalidValue(
            "terms_consent", "consent to the city's terms (規約への同意) is required"
        )
    if version is not None and version != current_version:
        raise StateConflict(
            "terms_version",
            f"the terms changed (now version {current_version}); read them and consent again",
        )


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
        # Added with the channels' own fields (issue 16); absent from older events.
        experiment: Meta | None = None  # area, starts_on, ends_on, city_support, cost_share_yen
        agreement: Meta | None = None  # scope, fields
        document: Meta | None = None  # name, size, content_type, sha256 (the file is not here)
        terms_consent: Meta | None = None  # version, consented_on

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

    class StatusLinkRequested(Aggregate.Event):
        meta: Meta

    class StatusLinkReissued(Aggregate.Event):
        generation: int
        meta: Meta

    class Answered(Aggregate.Event):
        message_id: UUID
        in_reply_to: UUID | None
        text: str
        meta: Meta

    @classmethod
    def receive(
        cls,
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
        theme_department: str | None,
        received_on: date,
        terms_consented: bool,
        terms_version: str | None,
        current_terms_version: str,
        offers_pre_consultation: bool,
        experiment: Meta | None = None,
        agreement: Meta | None = None,
        document: Meta | None = None,
    ) -> Proposal:
        """Receive a proposal: it is kept whoever sent it, and a proposal from someone who
        may not propose is answered at once with the reason, as every proposal is. One
        without consent to the terms, or not shaped as its channel asks, is refused."""
        require_terms_consent(terms_consented, terms_version, current_terms_version)
        require_channel_shape(
            channel=channel,
            summary=summary,
            experiment=experiment,
            agreement=agreement,
            offers_pre_consultation=offers_pre_consultation,
        )
        proposal = cls(
            municipality=municipality,
            receipt_number=receipt_number,
            fiscal_year=fiscal_year,
            channel=channel,
            theme_number=theme_number,
            organisation=organisation,
            proposer_kind=proposer_kind,
            contact=contact,
            title=title,
            field=field,
            summary=summary,
            content=content,
            protected_part=protected_part,
            meta=meta,
            theme_department=theme_department,
            received_on=received_on,
            experiment=_stored(experiment),
            agreement=agreement,
            document=document,
            terms_consent={
                "version": current_terms_version,
                "consented_on": received_on.isoformat(),
            },
        )
        if proposer_kind == ProposerKind.INDIVIDUAL:
            # Aomori: a private individual who is not a sole proprietor may not propose
            # (「※個人(個人事業主を除く)の提案は不可」). The system answers, not the desk.
            proposal.reject(
                [ScreeningReason.INELIGIBLE_PROPOSER],
                INDIVIDUALS_MAY_NOT_PROPOSE,
                automatic=True,
                meta={**meta, "role": ActorRole.SYSTEM.value},
            )
        return proposal

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
        experiment: Meta | None = None,
        agreement: Meta | None = None,
        document: Meta | None = None,
        terms_consent: Meta | None = None,
    ) -> None:
        self.municipality = municipality
        self.experiment = experiment
        self.agreement = agreement
        self.document = document
        self.terms_consent = terms_consent
        self.theme_department = theme_department
        self.received_on = received_on
        self.receipt_number = receipt_number
        self.fiscal_year = fiscal_year
        self.channel = channel
        self.theme_number = theme_number
        self.organisation = organisation
        self.proposer_kind = proposer_kind
        self.contact = contact
        self.status_link_generation = 0
        self.title = title
        self.field = field
        self.summary = summary
        self.content = content
        self.protected_part = protected_part
        self.status = ProposalStatus.RECEIVED
        self.screening_reasons: list[str] = []
        self.screening_explanation: str | None = None

    # -- screening (the desk's decision is the command's `decision` field) -------------

    def _require_received(self, action: str) -> None:
        """A proposal is screened once: accepted or rejected while it is still received."""
        if self.status is not ProposalStatus.RECEIVED:
            raise StateConflict(
                "decision",
                f"cannot {action}: proposal {self.receipt_number} is {self.status.value}",
                code="already_screened",
            )

    def accept(self, note: str | None, meta: Meta) -> None:
        self._require_received("accept")
        self._accepted(note=note, meta=meta)

    @event(Accepted)
    def _accepted(self, note: str | None, meta: Meta) -> None:
        self.status = ProposalStatus.ACCEPTED

    def reject(
        self, reasons: list[ScreeningReason], explanation: str, automatic: bool, meta: Meta
    ) -> None:
        self._require_received("reject")
        if not reasons:
            # Rejections always carry reasons (DOMAIN.md, "Decided"; Aomori, Sapporo).
            raise InvalidValue("reasons", "a rejection needs at least one coded reason")
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

    # -- withdrawal (the proposal named in the path) -----------------------------------

    def withdraw(self, reason: str | None, meta: Meta) -> None:
        if self.status.is_closed:
            raise StateConflict(
                "proposal_id",
                f"cannot withdraw: proposal {self.receipt_number} is already {self.status.value}",
                where="path",
            )
        self._withdrawn(reason=reason, meta=meta)

    @event(Withdrawn)
    def _withdrawn(self, reason: str | None, meta: Meta) -> None:
        self.status = ProposalStatus.WITHDRAWN

    # -- a lost status link --------------------------------------------------------------

    def request_status_link(self, meta: Meta) -> None:
        """Someone asked for the status link to be sent again. It goes only to the e-mail
        address given with the proposal (the outbox sends it), so asking reveals nothing
        and gives the asker nothing; the request is kept for the record."""
        self._status_link_requested(meta=meta)

    @event(StatusLinkRequested)
    def _status_link_requested(self, meta: Meta) -> None:
        pass

    def reissue_status_link(self, meta: Meta) -> None:
        """The desk replaces the proposer's status link (one that leaked, or at the
        proposer's request): a new one is mailed to the proposal's address, and every
        earlier one stops opening the proposal, here and in every service that checks it."""
        self._status_link_reissued(generation=self.status_link_generation + 1, meta=meta)

    @event(StatusLinkReissued)
    def _status_link_reissued(self, generation: int, meta: Meta) -> None:
        self.status_link_generation = generation

    # -- the dialogue (対話): the proposer answers the department ---------------------------

    def answer(
        self,
        message_id: UUID,
        text: str,
        in_reply_to: UUID | None,
        dialogue: Sequence[DialogueMessage],
        closed: bool,
        meta: Meta,
    ) -> None:
        """The proposer writes in the dialogue the department (or the desk) opened with a
        message to them (`dialogue`: the messages so far, as the status page shows them;
        `closed`: the proposal has ended, by a decision as well as here)."""
        if closed or self.status.is_closed:
            raise StateConflict(
                "proposal_id",
                f"proposal {self.receipt_number} has ended: the dialogue is over",
                where="path",
            )
        to_proposer = [m.message_id for m in dialogue if not m.from_proposer]
        if not to_proposer:
            raise StateConflict(
                "text",
                "the department has not written to you yet: you may answer its messages here",
            )
        if in_reply_to is not None and in_reply_to not in to_proposer:
            raise InvalidValue(
                "in_reply_to", "is not a message the department sent about this proposal"
            )
        in_a_row = 0
        for message in reversed(dialogue):
            if not message.from_proposer:
                break
            in_a_row += 1
        if in_a_row >= ANSWERS_IN_A_ROW:
            raise StateConflict(
                "text",
                f"you sent {in_a_row} messages in a row: please wait for the department's answer",
            )
        stripped = text.strip()
        if not stripped:
            raise InvalidValue("text", "write your message (it is empty)")
        if len(stripped) > MESSAGE_MAX_LENGTH:
            raise InvalidValue(
                "text", f"a message is at most {MESSAGE_MAX_LENGTH} characters ({len(stripped)})"
            )
        self._answered(message_id=message_id, in_reply_to=in_reply_to, text=stripped, meta=meta)

    @event(Answered)
    def _answered(self, message_id: UUID, in_reply_to: UUID | None, text: str, meta: Meta) -> None:
        pass


def _stored(experiment: Meta | None) -> Meta | None:
    """The experiment as the event keeps it: its dates as ISO text, like every date in a
    stored dictionary."""
    if experiment is None:
        return None
    return {
        **experiment,
        "starts_on": experiment["starts_on"].isoformat(),
        "ends_on": experiment["ends_on"].isoformat(),
    }


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
        # Added with the theme page (issue 16); absent (empty) in older events.
        background: str = ""  # 背景
        expected_outcome: str = ""  # 期待する成果

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
        # Required when a theme is published (eventsourcing asks every keyword-only
        # argument); the defaults serve only older events, which have neither.
        background: str = "",
        expected_outcome: str = "",
    ) -> None:
        self.municipality = municipality
        self.number = number
        self.background = background
        self.expected_outcome = expected_outcome
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

    def require_open_on(self, day: date) -> None:
        """A closed call takes no more proposals (Nagasaki's theme 25 is marked
        「（募集期間終了）」, seeds/002_2a17031293640b66.txt); nor does one not yet open."""
        if self.is_open_on(day):
            return
        has_ended = self.closed or (self.closes_on is not None and day > self.closes_on)
        raise StateConflict(
            "theme_number",
            f"the call for theme {self.number} is closed (募集期間終了)"
            if has_ended
            else f"the call for theme {self.number} opens on {self.opens_on}",
        )

    def close(self, meta: Meta) -> None:
        if self.closed:
            raise StateConflict(
                "number",
                f"theme {self.number} is already closed",
                where="path",
                code="theme_already_closed",
            )
        self._closed(number=self.number, meta=meta)

    @event(Closed)
    def _closed(self, number: int, meta: Meta) -> None:
        self.closed = True


class ThemeRequest(Aggregate):
    """A theme a department asks its city's desk to publish (テーマの要望).

    Sapporo 001: 「SAPPORO CO-CREATION GATE は、庁内照会等を通じ、札幌市の地域・行政課題の
    収集を行います。各部署から官民連携を活用した課題解決に関する個別の相談も受け付けます」,
    then 「地域・行政課題の公表」. The desk publishes a theme from the request, or declines it
    with a reason the department reads; either answers it once."""

    class Requested(Aggregate.Created):
        municipality: str
        department: str
        title: str
        description: str
        background: str
        expected_outcome: str
        field: str
        opens_on: date | None
        closes_on: date | None
        meta: Meta

    class Published(Aggregate.Event):
        theme_number: int
        meta: Meta

    class Declined(Aggregate.Event):
        reason: str
        meta: Meta

    @event(Requested)
    def __init__(
        self,
        *,
        municipality: str,
        department: str,
        title: str,
        description: str,
        background: str,
        expected_outcome: str,
        field: str,
        opens_on: date | None,
        closes_on: date | None,
        meta: Meta,
    ) -> None:
        self.municipality = municipality
        self.department = department
        self.title = title
        self.description = description
        self.background = background
        self.expected_outcome = expected_outcome
        self.field = field
        self.opens_on = opens_on
        self.closes_on = closes_on
        self.state = "open"  # "open" | "published" | "declined"
        self.theme_number: int | None = None
        self.decline_reason: str | None = None

    def _require_open(self, field: str) -> None:
        if self.state != "open":
            raise StateConflict(
                field, f"the theme request is already {self.state}", code="theme_request_answered"
            )

    def publish(self, theme_number: int, meta: Meta) -> None:
        """The desk published theme `theme_number` from this request."""
        self._require_open("number")
        self._published(theme_number=theme_number, meta=meta)

    @event(Published)
    def _published(self, theme_number: int, meta: Meta) -> None:
        self.state = "published"
        self.theme_number = theme_number

    def decline(self, reason: str, meta: Meta) -> None:
        """The desk does not publish it, and tells the department why."""
        if not reason.strip():
            raise InvalidValue("reason", "say why the theme is not published (it is empty)")
        self._require_open("reason")
        self._declined(reason=reason.strip(), meta=meta)

    @event(Declined)
    def _declined(self, reason: str, meta: Meta) -> None:
        self.state = "declined"
        self.decline_reason = reason


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

    def next_receipt_number(self, prefix: str) -> str:
        """Issue the next number, as the proposer reads it: e.g. NGS-2025-0001."""
        self.issue()
        return f"{prefix}-{self.fiscal_year}-{self.last_issued:04d}"

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

    def replayed_proposal(self, fingerprint: str) -> UUID:
        """The proposal a retry gets back; a key sent again with another proposal is
        refused, so a mistake never silently returns someone else's receipt."""
        if fingerprint != self.fingerprint:
            raise InvalidValue(
                "Idempotency-Key",
                "this key was already used for a different proposal; use a new key",
                where="header",
            )
        return self.proposal_id
