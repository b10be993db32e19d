"""One publishing relay per service, however many instances of it run.

A city scales a service by running more instances over the same store (README, Scaling).
Their consumers share the topics' partitions; their relays must not all publish the same
log, each recording its own position (they would double the traffic and collide on the
tracking record). So a relay publishes only while it holds its service's lease: on
PostgreSQL a session advisory lock, held on a connection of its own, which the server
releases the moment that connection drops, so a killed instance's relay is replaced by a
standing-by one within a few seconds. A SQLite store is one file on one host, used by
one desk process: its relay always holds the lease.
"""

from __future__ import annotations

import contextlib
from typing import Any, Protocol

from eventsourcing.postgres import PostgresProcessRecorder


class Lease(Protocol):
    def release(self) -> None: ...


class _Unshared:
    def release(self) -> None:
        return None


class _AdvisoryLock:
    def __init__(self, pool: Any, connection: Any, key: str) -> None:
        self._pool = pool
        self._connection = connection
        self._key = key

    def release(self) -> None:
        with contextlib.suppress(Exception):  # a lost connection has released it already
            self._connection.execute("SELECT pg_advisory_unlock(hashtext(%s))", (self._key,))
            self._connection.commit()
        self._pool.putconn(self._connection)


def try_lease(recorder: object, name: str) -> Lease | None:
    """The lease named `name` on this store, or None while another process holds it."""
    if not isinstance(recorder, PostgresProcessRecorder):
        return _Unshared()
    datastore = recorder.datastore
    key = f"{datastore.schema}.{name}"
    pool = datastore.pool
    connection = pool.getconn()
    try:
        # A session lock: it outlives this transaction and lasts as long as the connection.
        row = connection.execute(
            "SELECT pg_try_advisory_lock(hashtext(%s)) AS held", (key,)
        ).fetchone()
        connection.commit()
        held = bool(row and row["held"])  # the datastore's connections give rows as dicts
    except Exception:
        pool.putconn(connection)
        raise
    if not held:
        pool.putconn(connection)
        return None
    return _AdvisoryLock(pool, connection, key)
