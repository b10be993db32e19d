"""The base of every service's eventsourcing application.

It uses a process recorder (events plus tracking records in one store), so the relay can
remember its position and consumers can record what they processed in the same
transaction as the events they produce (DESIGN.md §2, §3).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from eventsourcing.application import Application
from eventsourcing.persistence import JSONTranscoder, ProcessRecorder, Recording, Transcoding

from shared.settings import CommonSettings
from shared.store import ensure_store_exists, eventsourcing_env


class DateAsISO(Transcoding):
    type = date
    name = "date_iso"

    def encode(self, obj: date) -> str:
        return obj.isoformat()

    def decode(self, data: str) -> date:
        return date.fromisoformat(data)


class ServiceApplication(Application[Any]):
    """An eventsourcing application configured from Kyoso settings."""

    service: str = ""
    # Aggregates kept in memory between commands (None: rebuilt from the store each time).
    # Worth it for long-lived hot aggregates (intake's receipt book); for one-proposal
    # aggregates, deep-copying out of the cache costs more than reading a few rows.
    aggregate_cache_size: int | None = 5000
    # Audit tools open a store to read it and must not create or link anything in it.
    read_only: bool = False

    def __init__(self, settings: CommonSettings, env: dict[str, str] | None = None) -> None:
        store_env = eventsourcing_env(self.service, settings)
        if self.read_only:
            store_env["CREATE_TABLE"] = "no"
        else:
            ensure_store_exists(store_env)
        # Fast-forward (the library's default) keeps a cache correct across processes
        # sharing one store.
        cache = (
            {}
            if self.aggregate_cache_size is None
            else {"AGGREGATE_CACHE_MAXSIZE": str(self.aggregate_cache_size)}
        )
        super().__init__({**cache, **store_env, **(env or {})})
        self.after_save: list[Callable[[], None]] = []

    @property
    def process_recorder(self) -> ProcessRecorder:
        assert isinstance(self.recorder, ProcessRecorder)
        return self.recorder

    def construct_recorder(self) -> ProcessRecorder:
        return self.factory.process_recorder()

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        transcoder.register(DateAsISO())

    def save(self, *objs: Any, **kwargs: Any) -> list[Recording[Any]]:
        recordings = super().save(*objs, **kwargs)
        self.saved()
        return recordings

    def saved(self) -> None:
        """Tell whoever waits for new events (the relay) that some were recorded."""
        for callback in self.after_save:
            callback()
