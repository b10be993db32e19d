"""One step of a proposal's history as a service's API answers it: who did what, when.

Intake's whole history, routing's hops, decision's and implementation's histories all
answer in this one shape, read from the envelopes as they went out (and, for intake, as
the others told it), so the auditor and the portal read every service's history alike."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from shared.contract.envelope import Envelope


class HistoryStep(BaseModel):
    """One event of the proposal, as the auditor reads it."""

    at: datetime
    service: str  # the service that recorded it
    actor_role: str
    actor_name: str | None = None  # the person who acted, when a person did
    event: str
    details: dict[str, object]

    @classmethod
    def of(cls, envelope: Envelope) -> HistoryStep:
        return cls(
            at=envelope.meta.time,
            service=envelope.meta.service,
            actor_role=envelope.meta.actor_role.value,
            actor_name=envelope.meta.actor_name,
            event=envelope.event.event_type,
            details=envelope.event.model_dump(mode="json", exclude={"proposal_id"}),
        )
