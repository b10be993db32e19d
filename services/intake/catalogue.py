"""Intake's read model: which themes and proposals each municipality has.

It is derived from the notification log and catches up on every query, so it is always
as fresh as the store, also when several processes write to one store.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from eventsourcing.application import Application

from services.intake.domain import Proposal, Theme


@dataclass
class _Municipality:
    themes: dict[int, UUID] = field(default_factory=dict)
    proposals: dict[UUID, str] = field(default_factory=dict)  # id → status


class IntakeCatalogue:
    def __init__(self, app: Application[Any]) -> None:
        self._app = app
        self._position = 0
        self._by_municipality: dict[str, _Municipality] = {}
        self._lock = threading.Lock()

    def _catch_up(self) -> None:
        with self._lock:
            while True:
                notifications = self._app.recorder.select_notifications(
                    start=self._position + 1, limit=1000
                )
                if not notifications:
                    return
                for notification in notifications:
                    self._apply(self._app.mapper.to_domain_event(notification))
                self._position = notifications[-1].id

    def _apply(self, event: Any) -> None:
        match event:
            case Theme.Published():
                self._for(event.municipality).themes[event.number] = event.originator_id
            case Proposal.Submitted():
                self._for(event.municipality).proposals[event.originator_id] = "received"
            case Proposal.Accepted():
                self._for(event.meta["municipality"]).proposals[event.originator_id] = "accepted"
            case Proposal.Rejected():
                self._for(event.meta["municipality"]).proposals[event.originator_id] = "rejected"
            case Proposal.Withdrawn():
                self._for(event.meta["municipality"]).proposals[event.originator_id] = "withdrawn"

    def _for(self, municipality: str) -> _Municipality:
        return self._by_municipality.setdefault(municipality, _Municipality())

    def theme_ids(self, municipality: str) -> list[UUID]:
        self._catch_up()
        themes = self._for(municipality).themes
        return [themes[number] for number in sorted(themes)]

    def proposal_ids(self, municipality: str, status: str | None = None) -> list[UUID]:
        self._catch_up()
        proposals = self._for(municipality).proposals
        return [pid for pid, s in proposals.items() if status is None or s == status]
