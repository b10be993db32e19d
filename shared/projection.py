"""Read models derived from a service's own notification log.

A projection catches up on every query, so it is as fresh as the store, also when other
processes write to the same store; it keeps nothing of its own that could drift.
"""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from typing import Any

from eventsourcing.application import Application


class CatchingUpProjection(ABC):
    def __init__(self, app: Application[Any]) -> None:
        self._app = app
        self._position = 0
        self._lock = threading.Lock()

    def catch_up(self) -> None:
        with self._lock:
            while True:
                notifications = self._app.recorder.select_notifications(
                    start=self._position + 1, limit=1000
                )
                if not notifications:
                    return
                for notification in notifications:
                    self.apply(self._app.mapper.to_domain_event(notification))
                self._position = notifications[-1].id

    @abstractmethod
    def apply(self, domain_event: Any) -> None:
        """Take one stored event into the read model."""
