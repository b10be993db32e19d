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

    def __init__(self, settings: CommonSettings, env: dict[str, str] | None = None) -> None:
        store_env = eventsourcing_env(self.service, settings)
        ensure_store_exists(store_env)
        # The cache keeps hot aggregates (e.g. the receipt book) from being rebuilt from
        # their whole history on every command; fast-forward keeps it correct across
        # processes sharing one store.
        super().__init__({"AGGREGATE_CACHE_MAXSIZE": "5000", **store_env, **(env or {})})
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

    def _notify(self, recordings: list[Recording[Any]]) -> None:
        super()._notify(recordings)
        for callback in self.after_save:
            callback()
