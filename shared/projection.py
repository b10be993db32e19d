"""Read models derived from a service's own notification log.

A projection catches up on every query, so it is as fresh as the store, also when other
processes write to the same store; it keeps nothing of its own that could drift.

Because it is a pure function of the log, a projection built afresh from position 0 must
hold exactly what the long-running one holds: `snapshot()` and `digest()` make that
checkable (`kyoso rebuild`, `GET /audit/read-models`). A difference means the
incremental path missed or misread an event.
"""

from __future__ import annotations

import gc
import hashlib
import json
import threading
from abc import ABC, abstractmethod
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Self

from eventsourcing.application import Application
from eventsourcing.persistence import Notification

# Notifications read at a time when catching up: a long catch-up (a rebuild) makes one
# query per page, which on a database server costs a round trip each.
PAGE = 5000

# A read model's content as tables of JSON rows: table name → rows, in a fixed order.
Snapshot = dict[str, list[dict[str, Any]]]


def canonical_json(snapshot: Snapshot) -> bytes:
    """One byte string per content, whatever the dict order or the database behind it."""
    return json.dumps(
        snapshot, sort_keys=True, ensure_ascii=False, separators=(",", ":"), allow_nan=False
    ).encode()


def digest_of(snapshot: Snapshot) -> str:
    return hashlib.sha256(canonical_json(snapshot)).hexdigest()


def row_counts(snapshot: Snapshot) -> dict[str, int]:
    return {table: len(rows) for table, rows in sorted(snapshot.items())}


class CatchingUpProjection(ABC):
    def __init__(self, app: Application[Any]) -> None:
        self._app = app
        self._position = 0
        self._lock = threading.Lock()

    @property
    def position(self) -> int:
        """The notification id of the last stored event taken in (0: none yet)."""
        return self._position

    def catch_up(self, until: int | None = None) -> None:
        """Take in the stored events after the position, up to `until` (else all)."""
        with self._lock:
            self._catch_up(until)

    def _catch_up(self, until: int | None) -> None:
        while until is None or self._position < until:
            notifications = self._app.recorder.select_notifications(
                start=self._position + 1, limit=PAGE, stop=until
            )
            if not notifications:
                return
            for notification in notifications:
                self.take_in(notification)
            self._position = notifications[-1].id

    def take_in(self, notification: Notification) -> None:
        """Take one notification in; a read model that can read some stored events faster
        than the application's mapper overrides this for them."""
        self.apply(self._app.mapper.to_domain_event(notification))

    @abstractmethod
    def apply(self, domain_event: Any) -> None:
        """Take one stored event into the read model."""

    @abstractmethod
    def view(self) -> Snapshot:
        """Everything a user of the read model's queries could see, as tables of rows that
        are JSON values, each table in a fixed order (sorted by its key), so that equal
        content gives equal JSON. Called caught up and holding the lock, so no event is
        taken in halfway through."""

    def observe(self, until: int | None = None) -> tuple[int, Snapshot]:
        """Catch up (to `until`, else to the end of the log) and return the position with
        the snapshot at that position, taken together so they belong to each other."""
        with self._lock:
            self._catch_up(until)
            return self._position, self.view()

    def snapshot(self, until: int | None = None) -> Snapshot:
        return self.observe(until)[1]

    def digest(self, until: int | None = None) -> str:
        """SHA-256 (hex) of the snapshot's canonical JSON: equal digests, equal content."""
        return digest_of(self.snapshot(until))

    def rebuilt_from_history(self, until: int | None = None) -> Self:
        """A fresh instance of this read model over the same application, built from
        position 0 to `until` (else to the end of the log), sharing nothing with this one."""
        fresh = type(self)(self._app)
        with cyclic_gc_paused():
            fresh.catch_up(until)
        return fresh


@contextmanager
def cyclic_gc_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector. A rebuild allocates millions of objects
    that all stay alive, and rescanning them again and again costs more than the rebuild
    itself; reference counting still frees everything short-lived."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
