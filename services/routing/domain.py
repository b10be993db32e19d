"""Routing's aggregate: where each proposal is, and how it got there.

Each command method checks the routing's own rules, then triggers its event; the `@event`
bodies only change state, so replaying the stored events never re-checks a rule. A
refusal is a shared domain error (shared.errors) naming the field of the command it
concerns, so the application passes it on unchanged."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from shared.contract.vocabulary import MESSAGE_MAX_LENGTH
from shared.errors import InvalidValue, StateConflict

Meta = dict[str, Any]
# The milestone that records the agreed confidentiality scope (shared.contract's
# DialogueMilestone.CONFIDENTIALITY_AGREED).
CONFIDENTIALITY_AGREED = "confidentiality_agreed"


class Routing(Aggregate):
    """One proposal's way through the departments. Its id is the proposal id.

    The desk stays responsible throughout: a decline is always followed by a reroute
    (to the next department that fits, or to the desk's triage queue), and every hop is
    an event that stays in the history."""

    class Started(Aggregate.Created):
        proposal_id: UUID
        municipality: str
        receipt_number: str
        title: str
        routing_due_on: date
        meta: Meta

    class Routed(Aggregate.Event):
        hop: int
        lead_department: str | None
        departments: list[str]
        method: str
        reason: str
        due_on: date
        meta: Meta

    class TakenOn(Aggregate.Event):
        department: str
        dialogue_due_on: date
        meta: Meta

    class Declined(Aggregate.Event):
        department: str
        reason: str
        meta: Meta

    class MilestoneReached(Aggregate.Event):
        # Version 2 records the agreed confidentiality scope (None for other milestones);
        # stored version-1 events read with none.
        class_version = 2

        milestone: str
        note: str | None
        meta: Meta
        confidentiality_scope: str | None

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["confidentiality_scope"] = None

    class StatusLineSet(Aggregate.Event):
        ja: str
        en: str
        meta: Meta

    # The dialogue log (対話の記録): internal notes, messages to the proposer, and the
    # proposer's answers as intake tells them. Only messages to the proposer leave routing.
    class NoteWritten(Aggregate.Event):
        entry_id: UUID
        department: str | None  # None: the desk
        text: str
        meta: Meta

    class MessageSent(Aggregate.Event):
        message_id: UUID
        department: str | None  # None: the desk
        text: str
        meta: Meta

    class ProposerAnswered(Aggregate.Event):
        message_id: UUID
        in_reply_to: UUID | None
        text: str
        meta: Meta

    class DeadlinePassed(Aggregate.Event):
        deadline: str
        due_on: date
        department: str | None
        meta: Meta

    class Closed(Aggregate.Event):
        reason: str
        meta: Meta

    class VerificationOverdueHeard(Aggregate.Event):
        """Implementation said the project's effect verification is past its due date:
        kept so that the staff mail tells the department (routing keeps the directory)."""

        due_on: date
        department: str | None
        meta: Meta

    @staticmethod
    def create_id(proposal_id: UUID) -> UUID:
        return proposal_id

    @event(Started)
    def __init__(
        self,
        *,
        proposal_id: UUID,
        municipality: str,
        receipt_number: str,
        title: str,
        routing_due_on: date,
        meta: Meta,
    ) -> None:
        self.municipality = municipality
        self.receipt_number = receipt_number
        self.title = title
        self.routing_due_on = routing_due_on
        self.hop = 0
        self.lead_department: str | None = None
        self.departments: list[str] = []
        self.declined_by: list[str] = []
        self.taken_on_by: str | None = None
        self.dialogue_due_on: date | None = None
        self.milestones: list[str] = []
        self.confidentiality_scope: str | None = None
        self.overdue: list[str] = []
        self.closed = False
        self.dialogue_entries: list[UUID] = []  # notes and messages, both ways, in order
        self.verifications_overdue: list[date] = []  # as implementation said, by due date
        self.messages_to_proposer: list[UUID] = []

    # -- where the proposal goes -------------------------------------------------

    @property
    def in_triage(self) -> bool:
        return not self.closed and self.hop > 0 and self.lead_department is None

    @property
    def waiting(self) -> bool:
        """With department(s) that have not taken it on yet."""
        return not self.closed and self.lead_department is not None and self.taken_on_by is None

    def route(
        self,
        lead: str | None,
        departments: list[str],
        method: str,
        reason: str,
        meta: Meta,
    ) -> None:
        """Send the proposal to department(s), the lead first, or to the desk's triage
        queue (no lead). The command naming them is the desk's reassignment."""
        self._require_open("route", "departments")
        if self.taken_on_by is not None:
            raise StateConflict(
                "departments",
                f"{self.receipt_number} is already in dialogue with {self.taken_on_by}",
            )
        self._routed(
            hop=self.hop + 1,
            lead_department=lead,
            departments=departments,
            method=method,
            reason=reason,
            due_on=self.routing_due_on,
            meta=meta,
        )

    @event(Routed)
    def _routed(
        self,
        hop: int,
        lead_department: str | None,
        departments: list[str],
        method: str,
        reason: str,
        due_on: date,
        meta: Meta,
    ) -> None:
        self.hop = hop
        self.lead_department = lead_department
        self.departments = departments

    def take_on(self, department: str, dialogue_due_on: date, meta: Meta) -> None:
        self._require_open("take on", "department")
        self._require_holder(department)
        self._taken_on(department=department, dialogue_due_on=dialogue_due_on, meta=meta)

    @event(TakenOn)
    def _taken_on(self, department: str, dialogue_due_on: date, meta: Meta) -> None:
        self.taken_on_by = department
        self.lead_department = department
        self.dialogue_due_on = dialogue_due_on

    def decline(self, department: str, reason: str, meta: Meta) -> None:
        """A department that does not own the subject says so, with the reason; the desk
        then routes onward, never back to it (たらい回しはしない, Kitakyushu)."""
        self._require_open("decline", "department")
        self._require_holder(department)
        if self.taken_on_by is not None:
            raise StateConflict(
                "department", "a proposal in dialogue is ended by a decision, not a decline"
            )
        self._declined(department=department, reason=reason, meta=meta)

    @event(Declined)
    def _declined(self, department: str, reason: str, meta: Meta) -> None:
        self.declined_by.append(department)
        self.departments = [d for d in self.departments if d != department]
        if self.lead_department == department:
            self.lead_department = None

    def _require_holder(self, department: str) -> None:
        """Only a department the proposal was routed to may take it on or decline it."""
        if department not in self.departments:
            raise StateConflict(
                "department",
                f"{self.receipt_number} is not with {department} (it is with "
                f"{', '.join(self.departments) or 'the desk'})",
            )

    def _require_open(self, action: str, field: str) -> None:
        if self.closed:
            raise StateConflict(
                field, f"cannot {action}: {self.receipt_number} is closed", code="routing_closed"
            )

    # -- dialogue -----------------------------------------------------------------

    def reach(
        self,
        milestone: str,
        note: str | None,
        meta: Meta,
        confidentiality_scope: str | None = None,
    ) -> None:
        """A step of the dialogue. The confidentiality milestone records the scope agreed:
        Kitakyushu (seeds/003_6cefa70e5dc5551c.txt) 「対話の初期段階で、情報の取り扱いや秘密保持の
        範囲について双方で確認し」; a scope belongs to that milestone only."""
        self._require_open("record a milestone", "milestone")
        if self.taken_on_by is None:
            raise StateConflict(
                "milestone",
                "the dialogue starts when a department takes the proposal on",
                code="dialogue_not_started",
            )
        if milestone in self.milestones:
            raise StateConflict(
                "milestone",
                f"milestone {milestone} is already recorded",
                code="milestone_already_recorded",
            )
        scope = (confidentiality_scope or "").strip() or None
        if milestone == CONFIDENTIALITY_AGREED and scope is None:
            raise InvalidValue(
                "confidentiality_scope",
                "say what the department and the proposer agreed stays confidential",
                code="missing",
            )
        if milestone != CONFIDENTIALITY_AGREED and scope is not None:
            raise InvalidValue(
                "confidentiality_scope",
                f"a scope is recorded with the milestone {CONFIDENTIALITY_AGREED} only",
                code="scope_without_confidentiality_milestone",
            )
        self._milestone(milestone=milestone, note=note, meta=meta, confidentiality_scope=scope)

    @event(MilestoneReached)
    def _milestone(
        self, milestone: str, note: str | None, meta: Meta, confidentiality_scope: str | None
    ) -> None:
        self.milestones.append(milestone)
        if confidentiality_scope is not None:
            self.confidentiality_scope = confidentiality_scope

    def set_status_line(self, ja: str, en: str, meta: Meta) -> None:
        """The line the proposer reads while the routing is open. Kitakyushu
        (seeds/003_6cefa70e5dc5551c.txt): 「現在のステータス(「〇〇課と協議中」
        「庁内調整フェーズ」など)を専用ポータルサイトやメール等を通じてご案内し」."""
        if self.closed:
            raise StateConflict("ja", f"{self.receipt_number} is closed", code="routing_closed")
        self._status_line_set(ja=ja, en=en, meta=meta)

    @event(StatusLineSet)
    def _status_line_set(self, ja: str, en: str, meta: Meta) -> None:
        pass

    # -- the dialogue log -------------------------------------------------------------
    #
    # Kitakyushu (seeds/003_6cefa70e5dc5551c.txt) promises the proposer their status
    # 「専用ポータルサイトやメール等を通じて」; issue 15 asks for 「a dialogue log (notes, and
    # messages to and from the proposer that the proposer sees on the status page)」. A
    # message is an event of this proposal's routing, so it can only ever reach this
    # proposal's proposer; only the department in dialogue (or the desk) writes to them.

    def holds(self, department: str) -> bool:
        """Whether the department has the proposal now: routed to it, or in dialogue with it."""
        return department in self.departments or department == self.taken_on_by

    def write_note(self, entry_id: UUID, department: str | None, text: str, meta: Meta) -> None:
        """An internal note (staff only): the desk, or a department that has the proposal."""
        self._require_open("write a note", "text")
        if department is not None and not self.holds(department):
            raise StateConflict(
                "department",
                f"{self.receipt_number} is not with {department}: only the departments it "
                "was routed to, and the desk, write in its dialogue log",
            )
        self._note_written(
            entry_id=entry_id, department=department, text=_message_text(text), meta=meta
        )

    @event(NoteWritten)
    def _note_written(self, entry_id: UUID, department: str | None, text: str, meta: Meta) -> None:
        self.dialogue_entries.append(entry_id)

    def message_proposer(
        self, message_id: UUID, department: str | None, text: str, meta: Meta
    ) -> None:
        """A message to the proposer: from the department that took the proposal on (the
        dialogue is theirs), or from the desk (None), which stays responsible throughout."""
        self._require_open("write to the proposer", "text")
        if department is not None and department != self.taken_on_by:
            raise StateConflict(
                "department",
                f"only the department in dialogue with {self.receipt_number} writes to its "
                f"proposer ({self.taken_on_by or 'none has taken it on yet'}), not {department}",
            )
        self._message_sent(
            message_id=message_id, department=department, text=_message_text(text), meta=meta
        )

    @event(MessageSent)
    def _message_sent(
        self, message_id: UUID, department: str | None, text: str, meta: Meta
    ) -> None:
        self.dialogue_entries.append(message_id)
        self.messages_to_proposer.append(message_id)

    def hear_answer(
        self, message_id: UUID, in_reply_to: UUID | None, text: str, meta: Meta
    ) -> bool:
        """The proposer's answer, as intake tells it: kept in the log whatever the routing's
        state (the proposer said it), once. False when it was already kept."""
        if message_id in self.dialogue_entries:
            return False
        self._proposer_answered(
            message_id=message_id, in_reply_to=in_reply_to, text=text, meta=meta
        )
        return True

    @event(ProposerAnswered)
    def _proposer_answered(
        self, message_id: UUID, in_reply_to: UUID | None, text: str, meta: Meta
    ) -> None:
        self.dialogue_entries.append(message_id)

    def hear_verification_overdue(self, due_on: date, department: str | None, meta: Meta) -> bool:
        """Implementation's overdue verification (Sapporo 001: 「事業を実施後、必ず…効果検証を
        行います」), once per due date, whatever the routing's state; False when kept."""
        if due_on in self.verifications_overdue:
            return False
        self._verification_overdue_heard(due_on=due_on, department=department, meta=meta)
        return True

    @event(VerificationOverdueHeard)
    def _verification_overdue_heard(self, due_on: date, department: str | None, meta: Meta) -> None:
        self.verifications_overdue.append(due_on)

    # -- deadlines ----------------------------------------------------------------

    def deadline_passed(self, today: date) -> tuple[str, date] | None:
        """Which deadline this proposal has just gone past, if one it has not flagged."""
        if self.closed:
            return None
        if (
            self.taken_on_by is None
            and today > self.routing_due_on
            and "routing" not in self.overdue
        ):
            return ("routing", self.routing_due_on)
        if (
            self.dialogue_due_on is not None
            and today > self.dialogue_due_on
            and "dialogue" not in self.overdue
        ):
            return ("dialogue", self.dialogue_due_on)
        return None

    def flag_passed_deadline(self, today: date, meta: Meta) -> bool:
        """Flag the deadline this proposal has just gone past, once; False when none.
        The lead department (if any) is named, so the desk knows whom to ask."""
        passed = self.deadline_passed(today)
        if passed is None:
            return False
        deadline, due_on = passed
        self._deadline_passed(
            deadline=deadline, due_on=due_on, department=self.lead_department, meta=meta
        )
        return True

    @event(DeadlinePassed)
    def _deadline_passed(
        self, deadline: str, due_on: date, department: str | None, meta: Meta
    ) -> None:
        self.overdue.append(deadline)

    # -- the end ------------------------------------------------------------------

    def close(self, reason: str, meta: Meta) -> None:
        """Nothing more to route (rejected in screening, or withdrawn). A routing closes
        once: closing it again changes nothing."""
        if self.closed:
            return
        self._closed(reason=reason, meta=meta)

    @event(Closed)
    def _closed(self, reason: str, meta: Meta) -> None:
        self.closed = True


def _message_text(text: str) -> str:
    """A note's or message's text, as staff must write it: not empty, not a document."""
    stripped = text.strip()
    if not stripped:
        raise InvalidValue("text", "write the message (it is empty)")
    if len(stripped) > MESSAGE_MAX_LENGTH:
        raise InvalidValue(
            "text",
            f"a message is at most {MESSAGE_MAX_LENGTH} characters (this one has "
            f"{len(stripped)}); shorten it or split it into several",
        )
    return stripped
