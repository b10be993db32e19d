"""Decision's read model: what waits for the council (官民連携推進本部会議)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from services.decision.domain import Decision
from shared.projection import CatchingUpProjection, Snapshot


@dataclass
class Escalation:
    proposal_id: UUID
    receipt_number: str
    department: str
    reason: str
    escalated_at: datetime


@dataclass(frozen=True)
class AwaitingCouncil:
    """An escalation as the council reads it, with the proposal's title (as heard)."""

    escalation: Escalation
    title: str | None


class CouncilInbox(CatchingUpProjection):
    """Escalated proposals the council has not decided yet, per municipality, oldest first."""

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self._waiting: dict[str, dict[UUID, Escalation]] = defaultdict(dict)
        self._started: dict[UUID, Decision.Started] = {}

    def apply(self, domain_event: Any) -> None:
        match domain_event:
            case Decision.Started():
                self._started[domain_event.originator_id] = domain_event
            case Decision.Escalated():
                started = self._started[domain_event.originator_id]
                self._waiting[started.municipality][domain_event.originator_id] = Escalation(
                    proposal_id=domain_event.originator_id,
                    receipt_number=started.receipt_number,
                    department=domain_event.department,
                    reason=domain_event.reason,
                    escalated_at=domain_event.timestamp,
                )
            case Decision.Adopted() | Decision.Rejected():
                started = self._started[domain_event.originator_id]
                self._waiting[started.municipality].pop(domain_event.originator_id, None)

    def waiting(self, municipality: str) -> list[Escalation]:
        self.catch_up()
        return sorted(self._waiting[municipality].values(), key=lambda e: e.escalated_at)

    def view(self) -> Snapshot:
        return {
            "waiting": [
                {
                    "municipality": municipality,
                    "proposal_id": str(escalation.proposal_id),
                    "receipt_number": escalation.receipt_number,
                    "department": escalation.department,
                    "reason": escalation.reason,
                    "escalated_at": escalation.escalated_at.isoformat(),
                }
                for municipality, waiting in sorted(self._waiting.items())
                for _, escalation in sorted(waiting.items(), key=lambda item: str(item[0]))
            ]
        }
