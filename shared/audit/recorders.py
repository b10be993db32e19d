"""eventsourcing's SQLite and PostgreSQL process recorders, with the hash chain.

Every service's store is one of these (shared.store selects them through the library's
PROCESS_RECORDER_TOPIC setting), so no service can record an event without its link:
the link is written in the same transaction as the event. Both databases already
serialise event inserts (SQLite has one writer; the PostgreSQL recorder locks the events
table), so reading the last link inside that transaction gives a chain without forks.

A store that existed before the chain was introduced is linked once, when its chain table
is created, so from then on its whole history is covered.

The relay publishes each event's link with it (the CloudEvent attribute `chainlink`), so it
looks links up by notification id; the chain table has an index on it for that, created
with IF NOT EXISTS so a store from before the anchor gets it the next time it starts.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

from eventsourcing.persistence import StoredEvent
from eventsourcing.postgres import PostgresDatastore, PostgresProcessRecorder
from eventsourcing.sqlite import SQLiteCursor, SQLiteDatastore, SQLiteProcessRecorder
from psycopg import Cursor
from psycopg.rows import DictRow
from psycopg.sql import SQL, Identifier

from shared.audit.chain import GENESIS, Link, link_after

# Notification ids per lookup: well under SQLite's limit on bound parameters (999 before
# SQLite 3.32), and a relay batch (500 by default) in one query.
LOOKUP_CHUNK = 500


def chain_table_name(events_table_name: str) -> str:
    return f"{events_table_name}_chain"


def notification_index_name(chain_table: str) -> str:
    return f"{chain_table}_notification_id_idx"


def next_links(
    last: Link | None, notification_ids: Sequence[int], stored_events: Sequence[StoredEvent]
) -> list[Link]:
    """The links of newly inserted events, after the chain's last link."""
    position, previous = (last.position, last.link) if last else (0, GENESIS)
    links = []
    for notification_id, stored in sorted(
        zip(notification_ids, stored_events, strict=True), key=lambda pair: pair[0]
    ):
        position += 1
        previous = link_after(
            previous,
            position,
            notification_id,
            stored.originator_id,
            stored.originator_version,
            stored.topic,
            stored.state,
        )
        links.append(Link(position, notification_id, previous))
    return links


class ChainedRecorder:
    """What verification reads, on either database."""

    def select_links(self, after_position: int, limit: int) -> list[Link]:
        raise NotImplementedError

    def has_chain(self) -> bool:
        raise NotImplementedError

    def history_end(self) -> tuple[int, int]:
        """The chain's last position and the last notification id, read in one statement
        (one snapshot), so a running desk's next write is in neither or in both."""
        raise NotImplementedError

    def links_for(self, notification_ids: Collection[int]) -> dict[int, str]:
        """The hex links of these notifications (ids with no link are left out)."""
        wanted = sorted(set(notification_ids))
        links: dict[int, str] = {}
        for start in range(0, len(wanted), LOOKUP_CHUNK):
            for notification_id, link in self._select_links_for(
                wanted[start : start + LOOKUP_CHUNK]
            ):
                links[notification_id] = link.hex()
        return links

    def _select_links_for(self, notification_ids: Sequence[int]) -> list[tuple[int, bytes]]:
        raise NotImplementedError


class ChainedSQLiteProcessRecorder(SQLiteProcessRecorder, ChainedRecorder):
    def __init__(self, datastore: SQLiteDatastore, *, events_table_name: str = "stored_events"):
        super().__init__(datastore, events_table_name=events_table_name)
        self.chain_table_name = chain_table_name(events_table_name)

    def construct_create_table_statements(self) -> list[str]:
        # Called by the library's __init__, before self.chain_table_name is set.
        chain = chain_table_name(self.events_table_name)
        return [
            *super().construct_create_table_statements(),
            f"CREATE TABLE IF NOT EXISTS {chain} ("
            "position INTEGER PRIMARY KEY, notification_id INTEGER NOT NULL, "
            "link BLOB NOT NULL)",
            f"CREATE INDEX IF NOT EXISTS {notification_index_name(chain)} "
            f"ON {chain} (notification_id)",
        ]

    def create_table(self) -> None:
        super().create_table()
        with self.datastore.transaction(commit=True) as c:
            c.execute(f"SELECT 1 FROM {self.chain_table_name} LIMIT 1")
            if c.fetchone() is not None:
                return
            c.execute(f"SELECT rowid, * FROM {self.events_table_name} ORDER BY rowid")
            rows = c.fetchall()
            if rows:  # a store from before the chain: link what it holds now
                self._append_links(
                    c,
                    None,
                    [row["rowid"] for row in rows],
                    [_stored(row) for row in rows],
                )

    def _insert_events(
        self, c: SQLiteCursor, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        notification_ids = super()._insert_events(c, stored_events, **kwargs)
        if stored_events and notification_ids:
            c.execute(
                f"SELECT position, notification_id, link FROM {self.chain_table_name} "
                "ORDER BY position DESC LIMIT 1"
            )
            row = c.fetchone()
            last = Link(row[0], row[1], row[2]) if row else None
            self._append_links(c, last, notification_ids, stored_events)
        return notification_ids

    def _append_links(
        self,
        c: SQLiteCursor,
        last: Link | None,
        notification_ids: Sequence[int],
        stored_events: Sequence[StoredEvent],
    ) -> None:
        c.executemany(
            f"INSERT INTO {self.chain_table_name} VALUES (?,?,?)",
            [
                (link.position, link.notification_id, link.link)
                for link in next_links(last, notification_ids, stored_events)
            ],
        )

    def select_links(self, after_position: int, limit: int) -> list[Link]:
        with self.datastore.transaction(commit=False) as c:
            c.execute(
                f"SELECT position, notification_id, link FROM {self.chain_table_name} "
                "WHERE position > ? ORDER BY position LIMIT ?",
                (after_position, limit),
            )
            return [Link(row[0], row[1], bytes(row[2])) for row in c.fetchall()]

    def _select_links_for(self, notification_ids: Sequence[int]) -> list[tuple[int, bytes]]:
        marks = ",".join("?" * len(notification_ids))
        with self.datastore.transaction(commit=False) as c:
            c.execute(
                f"SELECT notification_id, link FROM {self.chain_table_name} "
                f"WHERE notification_id IN ({marks})",
                tuple(notification_ids),
            )
            return [(row[0], bytes(row[1])) for row in c.fetchall()]

    def history_end(self) -> tuple[int, int]:
        with self.datastore.transaction(commit=False) as c:
            c.execute(
                f"SELECT (SELECT MAX(position) FROM {self.chain_table_name}), "
                f"(SELECT MAX(rowid) FROM {self.events_table_name})"
            )
            row = c.fetchone()
            return row[0] or 0, row[1] or 0

    def has_chain(self) -> bool:
        with self.datastore.transaction(commit=False) as c:
            c.execute(
                "SELECT 1 FROM sqlite_master WHERE type='table' AND name=?",
                (self.chain_table_name,),
            )
            return c.fetchone() is not None


class ChainedPostgresProcessRecorder(PostgresProcessRecorder, ChainedRecorder):
    def __init__(
        self,
        datastore: PostgresDatastore,
        *,
        events_table_name: str = "stored_events",
        tracking_table_name: str = "notification_tracking",
    ):
        super().__init__(
            datastore,
            events_table_name=events_table_name,
            tracking_table_name=tracking_table_name,
        )
        # The library's database-function insert path would bypass the chain.
        assert not datastore.enable_db_functions, "POSTGRES_ENABLE_DB_FUNCTIONS is not supported"
        self.chain_table_name = chain_table_name(events_table_name)
        index_name = notification_index_name(self.chain_table_name)
        self.check_identifier_length(self.chain_table_name)
        self.check_identifier_length(index_name)
        schema, chain = Identifier(datastore.schema), Identifier(self.chain_table_name)
        self.sql_create_statements += [
            SQL(
                "CREATE TABLE IF NOT EXISTS {schema}.{chain} ("
                "position bigint PRIMARY KEY, notification_id bigint NOT NULL, "
                "link bytea NOT NULL)"
            ).format(schema=schema, chain=chain),
            SQL("CREATE INDEX IF NOT EXISTS {index} ON {schema}.{chain} (notification_id)").format(
                index=Identifier(index_name), schema=schema, chain=chain
            ),
        ]
        self._select_last_link = SQL(
            "SELECT position, notification_id, link FROM {schema}.{chain} "
            "ORDER BY position DESC LIMIT 1"
        ).format(schema=schema, chain=chain)
        self._insert_link = SQL("INSERT INTO {schema}.{chain} VALUES (%s, %s, %s)").format(
            schema=schema, chain=chain
        )
        self._select_links = SQL(
            "SELECT position, notification_id, link FROM {schema}.{chain} "
            "WHERE position > %s ORDER BY position LIMIT %s"
        ).format(schema=schema, chain=chain)
        self._select_links_by_id = SQL(
            "SELECT notification_id, link FROM {schema}.{chain} WHERE notification_id = ANY(%s)"
        ).format(schema=schema, chain=chain)
        self._select_history_end = SQL(
            "SELECT (SELECT MAX(position) FROM {schema}.{chain}) AS position, "
            "(SELECT MAX(notification_id) FROM {schema}.{table}) AS notification_id"
        ).format(schema=schema, chain=chain, table=Identifier(events_table_name))
        self._select_all_events = SQL(
            "SELECT * FROM {schema}.{table} ORDER BY notification_id"
        ).format(schema=schema, table=Identifier(events_table_name))

    def create_table(self) -> None:
        # Instances of a service starting together on a new store would all create its
        # tables, and PostgreSQL fails all but one (a unique violation in pg_type): one at
        # a time, under a lock held on a connection of its own.
        with self.datastore.get_connection() as connection:
            key = f"{self.datastore.schema}.create_table"
            connection.execute("SELECT pg_advisory_lock(hashtext(%s))", (key,))
            try:
                self._create_chained_table()
            finally:
                connection.execute("SELECT pg_advisory_unlock(hashtext(%s))", (key,))
                connection.commit()

    def _create_chained_table(self) -> None:
        super().create_table()
        with self.datastore.transaction(commit=True) as curs:
            self._lock_table(curs)
            curs.execute(self._select_last_link)
            if curs.fetchone() is not None:
                return
            curs.execute(self._select_all_events)
            rows = curs.fetchall()
            if rows:  # a store from before the chain: link what it holds now
                self._append_links(
                    curs,
                    None,
                    [row["notification_id"] for row in rows],
                    [_stored(row) for row in rows],
                )

    def _fetch_ids_after_insert_events(
        self, curs: Cursor[DictRow], stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        # Still inside the insert's transaction, which holds the events table's lock.
        notification_ids = super()._fetch_ids_after_insert_events(curs, stored_events, **kwargs)
        if stored_events and notification_ids:
            curs.execute(self._select_last_link, prepare=True)
            row = curs.fetchone()
            last = (
                Link(row["position"], row["notification_id"], bytes(row["link"])) if row else None
            )
            self._append_links(curs, last, notification_ids, stored_events)
        return notification_ids

    def _append_links(
        self,
        curs: Cursor[DictRow],
        last: Link | None,
        notification_ids: Sequence[int],
        stored_events: Sequence[StoredEvent],
    ) -> None:
        curs.executemany(
            self._insert_link,
            [
                (link.position, link.notification_id, link.link)
                for link in next_links(last, notification_ids, stored_events)
            ],
        )

    def select_links(self, after_position: int, limit: int) -> list[Link]:
        with self.datastore.transaction(commit=False) as curs:
            curs.execute(self._select_links, (after_position, limit), prepare=True)
            return [
                Link(row["position"], row["notification_id"], bytes(row["link"]))
                for row in curs.fetchall()
            ]

    def _select_links_for(self, notification_ids: Sequence[int]) -> list[tuple[int, bytes]]:
        with self.datastore.transaction(commit=False) as curs:
            curs.execute(self._select_links_by_id, (list(notification_ids),), prepare=True)
            return [(row["notification_id"], bytes(row["link"])) for row in curs.fetchall()]

    def history_end(self) -> tuple[int, int]:
        with self.datastore.transaction(commit=False) as curs:
            curs.execute(self._select_history_end)
            row = curs.fetchone()
            assert row is not None
            return row["position"] or 0, row["notification_id"] or 0

    def has_chain(self) -> bool:
        with self.datastore.transaction(commit=False) as curs:
            curs.execute(
                "SELECT to_regclass(%s) AS chain",
                (f"{self.datastore.schema}.{self.chain_table_name}",),
            )
            row = curs.fetchone()
            return row is not None and row["chain"] is not None


def _stored(row: Any) -> StoredEvent:
    return StoredEvent(
        originator_id=row["originator_id"],
        originator_version=row["originator_version"],
        topic=row["topic"],
        state=bytes(row["state"]),
    )
