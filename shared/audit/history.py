"""A proposal's whole history across the services, as an auditor reads it.

The history is the proposal's integration events from every service, put in causal
order (an event always after the event that caused it, otherwise by time), and folded
with the same shared fold the services use, so `as of` a moment it shows exactly the
state the desk had then. Events a service keeps to itself (its bookkeeping, not
published) are listed beside them as internal records; they carry no state of their own.
"""

from __future__ import annotations

import heapq
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from shared.contract.envelope import Envelope
from shared.proposal import PROPOSAL_FOLD, ProposalState
from shared.proposal.fold import NotYetSubmitted, Step
from shared.proposal.status import STATUS_LABELS

JST = ZoneInfo("Asia/Tokyo")
SERVICE_ORDER = {"intake": 0, "routing": 1, "decision": 2, "publication": 3}


@dataclass(frozen=True)
class InternalRecord:
    """A stored event a service did not publish (e.g. routing opening its file)."""

    at: datetime
    service: str
    actor_role: str | None
    name: str  # the domain event's class, e.g. Routing.Started
    actor_subject: str | None = None
    actor_name: str | None = None


@dataclass(frozen=True)
class Entry:
    at: datetime
    service: str
    actor_role: str | None
    event_type: str
    envelope: Envelope | None = None  # None for an internal record
    step: Step | None = None  # what the fold made of it, in the proposer's words
    problem: str | None = None  # an event the fold could not take (shown, not hidden)
    actor_subject: str | None = None  # who acted: the provider's subject (staff only)
    actor_name: str | None = None  # and their display name

    @property
    def who(self) -> str:
        """The person who acted, as a reader recognises them ('' for the system)."""
        if self.actor_name and self.actor_subject:
            return f"{self.actor_name} ({self.actor_subject})"
        return self.actor_name or self.actor_subject or ""

    def as_json(self) -> dict[str, Any]:
        entry: dict[str, Any] = {
            "at": self.at.isoformat(),
            "service": self.service,
            "actor_role": self.actor_role,
            "actor_subject": self.actor_subject,
            "actor_name": self.actor_name,
            "event_type": self.event_type,
            "internal": self.envelope is None,
        }
        if self.envelope is not None:
            entry["event_id"] = str(self.envelope.meta.event_id)
            entry["causation_id"] = self.envelope.meta.causation_id
            entry["correlation_id"] = self.envelope.meta.correlation_id
            entry["data"] = self.envelope.event.model_dump(mode="json")
        if self.step is not None:
            entry["ja"], entry["en"] = self.step.ja, self.step.en
        if self.problem is not None:
            entry["problem"] = self.problem
        return entry


class ProposalHistory:
    def __init__(
        self,
        proposal_id: UUID,
        envelopes: Iterable[Envelope],
        internal: Iterable[InternalRecord] = (),
        *,
        source: str = "stores",
    ) -> None:
        self.proposal_id = proposal_id
        self.source = source
        unique = {envelope.meta.event_id: envelope for envelope in envelopes}  # copies once
        self.envelopes = causal_order(unique.values())
        self.internal = sorted(internal, key=lambda record: record.at)

    def replay(self, as_of: datetime | None = None) -> tuple[list[Entry], ProposalState | None]:
        """The entries up to `as_of` (all when None) and the state they fold into."""
        entries: list[Entry] = []
        state: ProposalState | None = None
        for envelope in self.envelopes:
            if as_of is not None and envelope.meta.time > as_of:
                continue
            problem, step = None, None
            try:
                after = PROPOSAL_FOLD.apply(state, envelope)
            except NotYetSubmitted as error:
                after, problem = state, f"before the submission: {error}"
            if after is not None and (state is None or len(after.steps) > len(state.steps)):
                step = after.steps[-1]
            state = after
            entries.append(
                Entry(
                    at=envelope.meta.time,
                    service=envelope.meta.service,
                    actor_role=envelope.meta.actor_role.value,
                    event_type=envelope.event.event_type,
                    envelope=envelope,
                    step=step,
                    problem=problem,
                    actor_subject=envelope.meta.actor_subject,
                    actor_name=envelope.meta.actor_name,
                )
            )
        internal = [
            Entry(
                record.at,
                record.service,
                record.actor_role,
                f"({record.name})",
                actor_subject=record.actor_subject,
                actor_name=record.actor_name,
            )
            for record in self.internal
            if as_of is None or record.at <= as_of
        ]
        return _merged(entries, internal), state

    def as_json(self, as_of: datetime | None = None) -> dict[str, Any]:
        entries, state = self.replay(as_of)
        return {
            "proposal_id": str(self.proposal_id),
            "source": self.source,
            "as_of": as_of.isoformat() if as_of else None,
            "events": len(entries),
            "history": [entry.as_json() for entry in entries],
            "state": None if state is None else state.model_dump(mode="json", exclude={"steps"}),
        }

    def as_text(self, as_of: datetime | None = None) -> str:
        entries, state = self.replay(as_of)
        lines = []
        if state is not None:
            lines.append(
                f"提案 Proposal {state.receipt_number} 「{state.title}」 "
                f"({state.municipality}, {self.proposal_id})"
            )
        else:
            lines.append(f"提案 Proposal {self.proposal_id}")
        moment = f" as of {as_of.astimezone(JST):%Y-%m-%d %H:%M:%S} JST" if as_of else ""
        lines.append(
            f"履歴 History from the {self.source}{moment}: {len(entries)} events, "
            "causal order, times in JST"
        )
        for entry in entries:
            said = f"  {entry.step.ja} / {entry.step.en}" if entry.step else ""
            problem = f"  ! {entry.problem}" if entry.problem else ""
            who = f"  by {entry.who}" if entry.who else ""
            lines.append(
                f"  {entry.at.astimezone(JST):%Y-%m-%d %H:%M:%S}  {entry.service:<11} "
                f"{entry.actor_role or '-':<10} {entry.event_type}{said}{who}{problem}"
            )
        if state is None:
            lines.append("状態 State: not yet submitted at that moment")
        else:
            ja, en = STATUS_LABELS[state.status]
            lines.append(f"状態 State: {ja} / {en} ({state.status.value})")
            if state.lead_department:
                lines.append(
                    f"  主担当 Lead department: {state.lead_department} "
                    f"(departments: {', '.join(state.departments)})"
                )
            if state.decided_by:
                lines.append(
                    f"  決定 Decided by {state.decided_by}"
                    + (f", selection: {state.selection_route}" if state.selection_route else "")
                )
            if state.rejection_reasons:
                lines.append(f"  理由 Reasons: {', '.join(state.rejection_reasons)}")
        return "\n".join(lines)


def _merged(published: list[Entry], internal: list[Entry]) -> list[Entry]:
    """Internal records placed by time among the published events, whose causal order
    stays as it is (sorting everything by time could undo it)."""
    merged: list[Entry] = []
    waiting = iter(internal)
    record = next(waiting, None)
    for entry in published:
        while record is not None and record.at <= entry.at:
            merged.append(record)
            record = next(waiting, None)
        merged.append(entry)
    if record is not None:
        merged.append(record)
    merged.extend(waiting)
    return merged


def causal_order(envelopes: Iterable[Envelope]) -> list[Envelope]:
    """Every event after the event that caused it; otherwise in the order of time.

    Clocks of different services can disagree by a little, so time alone could put a
    decision before the routing that led to it; the causation ids cannot."""
    pending = list(envelopes)
    by_id = {str(envelope.meta.event_id): envelope for envelope in pending}
    effects: dict[str, list[Envelope]] = defaultdict(list)
    waiting_for: dict[str, int] = {}
    for envelope in pending:
        cause = envelope.meta.causation_id
        own = str(envelope.meta.event_id)
        waiting_for[own] = 0
        if cause is not None and cause in by_id and cause != own:
            effects[cause].append(envelope)
            waiting_for[own] = 1

    def rank(envelope: Envelope) -> tuple[datetime, int, int, str]:
        meta = envelope.meta
        return (meta.time, SERVICE_ORDER.get(meta.service, 9), meta.sequence, str(meta.event_id))

    ready = [(rank(e), e) for e in pending if waiting_for[str(e.meta.event_id)] == 0]
    heapq.heapify(ready)
    ordered: list[Envelope] = []
    while ready:
        _, envelope = heapq.heappop(ready)
        ordered.append(envelope)
        for effect in effects.get(str(envelope.meta.event_id), []):
            heapq.heappush(ready, (rank(effect), effect))
    return ordered
