"""The outcome of a pre-consultation (事前相談), and the proposal that followed it.

Aomori 000's flow begins with 「事前相談 ※必須ではありません」 before 「提案書の提出」;
Sapporo 001's gate 「相談・提案を一元的に受け付ける」 and goes 「相談受付から、事業化に向けた
庁内外の調整…まで一貫して」; Kitakyushu 003 wants one window 「提案や相談を一元的に受け付ける」.
So the desk records what became of each consultation it received (intake's channel
`pre_consultation`): advice given, led to a proposal, or closed; and when a proposal
follows, the two are linked, so the desk reads one from the other.

Kept in intake (which received the consultation) and never published: the outcome is the
desk's note on a conversation, not a step of a proposal the other services follow.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.domain import Aggregate, event

from services.intake.domain import Proposal
from shared.acting import Acting
from shared.contract.vocabulary import Channel
from shared.errors import InvalidValue, StateConflict
from shared.municipalities import today_in_japan
from shared.proposal.status import ProposalStatus

_NAMESPACE = uuid5(NAMESPACE_URL, "urn:kyoso:intake:consultations")
NOTE_MAX_LENGTH = 2000

Meta = dict[str, Any]


class ConsultationOutcome(StrEnum):
    ADVICE_GIVEN = "advice_given"  # 助言を行った
    LED_TO_PROPOSAL = "led_to_proposal"  # 提案につながった
    CLOSED = "closed"  # 終了

    @property
    def is_final(self) -> bool:
        """Advice may be followed by a proposal or a close; those end the consultation."""
        return self is not ConsultationOutcome.ADVICE_GIVEN


OUTCOME_LABELS: dict[ConsultationOutcome, tuple[str, str]] = {
    ConsultationOutcome.ADVICE_GIVEN: ("助言を行いました", "Advice given"),
    ConsultationOutcome.LED_TO_PROPOSAL: ("提案につながりました", "Led to a proposal"),
    ConsultationOutcome.CLOSED: ("相談を終了しました", "Closed"),
}


class ConsultationRecord(Aggregate):
    """What became of one pre-consultation: its outcomes in order, and the proposal that
    followed it (when one did)."""

    class Opened(Aggregate.Created):
        consultation_id: UUID
        municipality: str
        receipt_number: str

    class OutcomeRecorded(Aggregate.Event):
        outcome: str
        note: str | None
        recorded_on: date
        proposal_id: UUID | None  # the proposal that followed (led_to_proposal)
        proposal_receipt_number: str | None
        meta: Meta

    @staticmethod
    def create_id(consultation_id: UUID) -> UUID:
        return uuid5(_NAMESPACE, f"consultation/{consultation_id}")

    @event(Opened)
    def __init__(self, consultation_id: UUID, municipality: str, receipt_number: str) -> None:
        self.consultation_id = consultation_id
        self.municipality = municipality
        self.receipt_number = receipt_number
        self.outcomes: list[dict[str, Any]] = []
        self.followed_by: tuple[UUID, str] | None = None

    @property
    def outcome(self) -> ConsultationOutcome | None:
        return ConsultationOutcome(self.outcomes[-1]["outcome"]) if self.outcomes else None

    def record(
        self,
        outcome: ConsultationOutcome,
        note: str | None,
        recorded_on: date,
        following: Proposal | None,
        meta: Meta,
    ) -> None:
        """Record the outcome; `following`: the proposal it led to (that outcome only)."""
        if self.outcome is not None and self.outcome.is_final:
            raise StateConflict(
                "outcome", f"consultation {self.receipt_number} already ended: {self.outcome.value}"
            )
        text = None if note is None else note.strip() or None
        if text is not None and len(text) > NOTE_MAX_LENGTH:
            raise InvalidValue("note", f"a note is at most {NOTE_MAX_LENGTH} characters")
        if outcome is ConsultationOutcome.LED_TO_PROPOSAL and following is None:
            raise InvalidValue(
                "proposal_receipt_number", "name the proposal the consultation led to"
            )
        if outcome is not ConsultationOutcome.LED_TO_PROPOSAL and following is not None:
            raise InvalidValue(
                "proposal_receipt_number",
                f"only a consultation that led to a proposal names one, not {outcome.value}",
            )
        self._recorded(
            outcome=outcome.value,
            note=text,
            recorded_on=recorded_on,
            proposal_id=None if following is None else following.id,
            proposal_receipt_number=None if following is None else following.receipt_number,
            meta=meta,
        )

    @event(OutcomeRecorded)
    def _recorded(
        self,
        outcome: str,
        note: str | None,
        recorded_on: date,
        proposal_id: UUID | None,
        proposal_receipt_number: str | None,
        meta: Meta,
    ) -> None:
        self.outcomes.append(
            {
                "outcome": outcome,
                "note": note,
                "recorded_on": recorded_on,
                "recorded_by": meta.get("name"),
            }
        )
        if proposal_id is not None and proposal_receipt_number is not None:
            self.followed_by = (proposal_id, proposal_receipt_number)


class FollowedConsultation(Aggregate):
    """On the proposal's side: the consultation it followed (one at most), so the desk's
    view of the proposal shows it. Saved with the consultation's outcome."""

    class Linked(Aggregate.Created):
        proposal_id: UUID
        consultation_id: UUID
        consultation_receipt_number: str
        meta: Meta

    @staticmethod
    def create_id(proposal_id: UUID) -> UUID:
        return uuid5(_NAMESPACE, f"follows/{proposal_id}")

    @event(Linked)
    def __init__(
        self,
        proposal_id: UUID,
        consultation_id: UUID,
        consultation_receipt_number: str,
        meta: Meta,
    ) -> None:
        self.proposal_id = proposal_id
        self.consultation_id = consultation_id
        self.consultation_receipt_number = consultation_receipt_number


def _require_consultation(consultation: Proposal) -> None:
    if consultation.channel != Channel.PRE_CONSULTATION.value:
        raise StateConflict(
            "proposal_id",
            f"{consultation.receipt_number} is a proposal ({consultation.channel}), not a "
            "pre-consultation: its outcome is the decision's",
            where="path",
        )
    if consultation.status is not ProposalStatus.ACCEPTED:
        raise StateConflict(
            "proposal_id",
            f"consultation {consultation.receipt_number} is {consultation.status.value}: the "
            "desk records the outcome of a consultation it took in",
            where="path",
        )


def _require_follower(consultation: Proposal, following: Proposal) -> None:
    if following.channel == Channel.PRE_CONSULTATION.value:
        raise InvalidValue(
            "proposal_receipt_number",
            f"{following.receipt_number} is another consultation, not a proposal",
        )
    received, followed = consultation.received_on, following.received_on
    if received is not None and followed is not None and followed < received:
        raise InvalidValue(
            "proposal_receipt_number",
            f"{following.receipt_number} was received on {followed}, before the "
            f"consultation ({received})",
        )


class Consultations:
    """The desk's use of the records, over intake's application (its store and catalogue)."""

    def __init__(self, intake: Any) -> None:
        self._intake = intake

    def _get(self, aggregate_id: UUID) -> Any:
        try:
            return self._intake.repository.get(aggregate_id)
        except AggregateNotFoundError:
            return None

    def record(self, consultation_id: UUID) -> ConsultationRecord | None:
        found = self._get(ConsultationRecord.create_id(consultation_id))
        return found if isinstance(found, ConsultationRecord) else None

    def follows(self, proposal_id: UUID) -> FollowedConsultation | None:
        found = self._get(FollowedConsultation.create_id(proposal_id))
        return found if isinstance(found, FollowedConsultation) else None

    def by_receipt_number(
        self, municipality: str, receipt_number: str, field: str = "proposal_receipt_number"
    ) -> Proposal:
        wanted = receipt_number.strip()
        for pid in self._intake.proposal_ids(municipality, text=wanted):
            proposal: Proposal = self._intake.proposal(pid, municipality=municipality)
            if proposal.receipt_number == wanted:
                return proposal
        raise InvalidValue(field, f"no proposal {wanted} was received in {municipality}")

    def consultation_followed(
        self, municipality: str, channel: str, receipt_number: str
    ) -> Proposal:
        """The pre-consultation a new proposal names on its form (Aomori 000: 事前相談 →
        提案書の提出), which must be one of this city's consultations."""
        field = "consultation_receipt_number"
        if channel == Channel.PRE_CONSULTATION.value:
            raise InvalidValue(field, "a pre-consultation follows no other consultation")
        consultation = self.by_receipt_number(municipality, receipt_number, field)
        if consultation.channel != Channel.PRE_CONSULTATION.value:
            raise InvalidValue(
                field, f"{consultation.receipt_number} is a proposal, not a pre-consultation"
            )
        return consultation

    def record_outcome(
        self,
        municipality: str,
        consultation_id: UUID,
        outcome: ConsultationOutcome,
        note: str | None,
        proposal_receipt_number: str | None,
        acting: Acting,
    ) -> ConsultationRecord:
        consultation = self._intake.proposal(consultation_id, municipality=municipality)
        _require_consultation(consultation)
        following = None
        if proposal_receipt_number is not None:
            following = self.by_receipt_number(municipality, proposal_receipt_number)
            _require_follower(consultation, following)
            linked = self.follows(following.id)
            if linked is not None and linked.consultation_id != consultation_id:
                raise StateConflict(
                    "proposal_receipt_number",
                    f"{following.receipt_number} already follows consultation "
                    f"{linked.consultation_receipt_number}",
                )
        record = self.record(consultation_id) or ConsultationRecord(
            consultation_id=consultation_id,
            municipality=municipality,
            receipt_number=consultation.receipt_number,
        )
        record.record(
            outcome, note, today_in_japan(self._intake.clock()), following, acting.as_meta()
        )
        if following is None or self.follows(following.id) is not None:
            self._intake.save(record)  # no link yet to make (the proposer named it already)
        else:
            self._intake.save(
                record,
                followed(following, consultation, acting),
            )
        return record


def followed(proposal: Proposal, consultation: Proposal, acting: Acting) -> FollowedConsultation:
    """The link from a proposal to the consultation it followed."""
    return FollowedConsultation(
        proposal_id=proposal.id,
        consultation_id=consultation.id,
        consultation_receipt_number=consultation.receipt_number,
        meta=acting.as_meta(),
    )
