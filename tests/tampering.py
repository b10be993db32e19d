"""Direct access to intake's events and chain tables, as a person with database rights
(and bad intentions) would have it: shared by the tamper-evidence and anchor tests."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit, urlunsplit

import psycopg

from shared.audit.chain import GENESIS, link_after


class StoreTables:
    def __init__(self, database_url: str) -> None:
        parts = urlsplit(database_url)
        self.sqlite = parts.scheme == "sqlite"
        if self.sqlite:
            self.connection: Any = sqlite3.connect(parts.path[1:], isolation_level=None)
            self.events, self.chain, self.id = "stored_events", "stored_events_chain", "rowid"
            self.mark = "?"
        else:
            schema = parse_qs(parts.query)["schema_prefix"][0] + "intake"
            server = urlunsplit(parts._replace(query=""))
            self.connection = psycopg.connect(server, autocommit=True)
            self.events = f'"{schema}".intake_events'
            self.chain = f'"{schema}".intake_events_chain'
            self.id, self.mark = "notification_id", "%s"

    def sql(self, statement: str, *params: Any) -> list[Any]:
        cursor = self.connection.execute(statement.replace("?", self.mark), params)
        return list(cursor.fetchall()) if cursor.description else []

    def event(self, notification_id: int) -> tuple[Any, int, str, bytes]:
        (row,) = self.sql(
            f"SELECT originator_id, originator_version, topic, state FROM {self.events} "
            f"WHERE {self.id} = ?",
            notification_id,
        )
        return row[0], row[1], row[2], bytes(row[3])

    def set_state(self, notification_id: int, state: bytes) -> None:
        self.sql(f"UPDATE {self.events} SET state = ? WHERE {self.id} = ?", state, notification_id)

    def ids(self) -> list[int]:
        return [row[0] for row in self.sql(f"SELECT {self.id} FROM {self.events} ORDER BY 1")]

    def rewrite(self, notification_id: int, state: bytes) -> None:
        """Change one event and recompute every link from its own to the end, so the chain
        holds again: what somebody who can write the whole database could do."""
        with self._write_locked():
            self.set_state(notification_id, state)
            ((position,),) = self.sql(
                f"SELECT position FROM {self.chain} WHERE notification_id = ?", notification_id
            )
            previous = self._link_at(position - 1)
            for link_position, *event in self.sql(
                f"SELECT c.position, c.notification_id, e.originator_id, e.originator_version, "
                f"e.topic, e.state FROM {self.chain} c JOIN {self.events} e "
                f"ON e.{self.id} = c.notification_id WHERE c.position >= ? ORDER BY c.position",
                position,
            ):
                nid, originator_id, version, topic, event_state = event
                previous = link_after(
                    previous, link_position, nid, originator_id, version, topic, bytes(event_state)
                )
                self.sql(
                    f"UPDATE {self.chain} SET link = ? WHERE position = ?", previous, link_position
                )

    def _link_at(self, position: int) -> bytes:
        if position == 0:
            return GENESIS
        ((link,),) = self.sql(f"SELECT link FROM {self.chain} WHERE position = ?", position)
        return bytes(link)

    @contextlib.contextmanager
    def _write_locked(self) -> Iterator[None]:
        """Hold the lock the desk's recorders take to insert events, so a running desk
        cannot link a new event while the chain is being recomputed under it."""
        if self.sqlite:
            self.sql("BEGIN IMMEDIATE")
            try:
                yield
            except BaseException:
                self.sql("ROLLBACK")
                raise
            self.sql("COMMIT")
        else:
            with self.connection.transaction():
                self.sql(f"LOCK TABLE {self.events} IN EXCLUSIVE MODE")
                yield
