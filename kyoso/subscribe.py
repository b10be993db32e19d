"""`kyoso subscribe`: what another city runs to follow a desk's published cases.

It reads the public topic with a plain Kafka consumer (from the beginning or from now),
checks every message against the public contract, and keeps a local copy of the cases in
a SQLite file: the newest version of each, and whether it was retracted; and the calls
for an implementer the desk announced on the same topic (each once, as announced). Its consumer
group remembers how far it got, so a restart goes on where it stopped.

Given the desk's public keys (a JSON file {service: [keys]}, which the desk prints with
`python -m shared.event_keys`), it believes only what the desk's publication service
signed, on its public topic, within the size limit: the same checks as the desk's own
consumers (shared.bus_trust). Anything else is skipped with the reason in the log.
"""

from __future__ import annotations

import asyncio
import json
import logging
import signal
import sqlite3
from contextlib import closing
from pathlib import Path

from aiokafka import AIOKafkaConsumer
from aiokafka.structs import ConsumerRecord

from shared.bus_trust import RecordChecks, Refused
from shared.contract import (
    CaseCorrected,
    CasePublished,
    CaseRetracted,
    Envelope,
    MalformedMessage,
    PublicCallPublished,
    from_kafka,
)
from shared.contract.topics import PUBLIC_CASES
from shared.event_keys import TrustedKeys
from shared.kafka_security import KafkaClientSettings, client_options

log = logging.getLogger("kyoso.subscribe")

SCHEMA = """
CREATE TABLE IF NOT EXISTS cases (
    case_id TEXT PRIMARY KEY,
    municipality TEXT NOT NULL,
    version INTEGER NOT NULL,
    title TEXT NOT NULL,
    published_on TEXT NOT NULL,
    retracted INTEGER NOT NULL DEFAULT 0,
    retraction_reason TEXT,
    body TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS calls (
    call_id TEXT PRIMARY KEY,
    municipality TEXT NOT NULL,
    opens_on TEXT NOT NULL,
    closes_on TEXT NOT NULL,
    body TEXT NOT NULL
)
"""


class LocalCopy:
    """The subscribing city's copy of the cases."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.connection = sqlite3.connect(path)
        self.connection.executescript(SCHEMA)

    def keep(self, event: object) -> None:
        with self.connection:
            if isinstance(event, (CasePublished, CaseCorrected)):
                case = event.case
                # Only a newer version replaces what we have: copies and old versions
                # arriving late change nothing.
                self.connection.execute(
                    "INSERT INTO cases (case_id, municipality, version, title, published_on, body)"
                    " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(case_id) DO UPDATE SET"
                    " version=excluded.version, title=excluded.title, body=excluded.body"
                    " WHERE excluded.version > cases.version",
                    (
                        str(case.case_id),
                        case.municipality,
                        case.version,
                        case.title,
                        case.published_on.isoformat(),
                        case.model_dump_json(),
                    ),
                )
            elif isinstance(event, CaseRetracted):
                self.connection.execute(
                    "UPDATE cases SET retracted = 1, retraction_reason = ? WHERE case_id = ?",
                    (event.reason, str(event.case_id)),
                )
            elif isinstance(event, PublicCallPublished):
                call = event.call
                # A call is announced once; a copy changes nothing.
                self.connection.execute(
                    "INSERT OR IGNORE INTO calls (call_id, municipality, opens_on, closes_on, body)"
                    " VALUES (?, ?, ?, ?, ?)",
                    (
                        str(call.call_id),
                        call.municipality,
                        call.opens_on.isoformat(),
                        call.closes_on.isoformat(),
                        call.model_dump_json(),
                    ),
                )

    def cases(self) -> list[dict[str, object]]:
        with closing(
            self.connection.execute(
                "SELECT case_id, municipality, version, title, retracted, body FROM cases ORDER BY published_on"
            )
        ) as rows:
            return [
                {
                    "case_id": r[0],
                    "municipality": r[1],
                    "version": r[2],
                    "title": r[3],
                    "retracted": bool(r[4]),
                    "case": json.loads(r[5]),
                }
                for r in rows
            ]

    def calls(self) -> list[dict[str, object]]:
        """The calls announced, the soonest to close first."""
        with closing(
            self.connection.execute("SELECT body FROM calls ORDER BY closes_on, call_id")
        ) as rows:
            return [json.loads(r[0]) for r in rows]

    def close(self) -> None:
        self.connection.close()


async def follow(
    bootstrap_servers: str,
    topic: str,
    store: Path,
    *,
    group: str,
    from_beginning: bool,
    stopping: asyncio.Event,
    municipality: str | None = None,
    session_timeout_ms: int = 10_000,
    security: KafkaClientSettings | None = None,
    trusted_keys: TrustedKeys | None = None,
    max_record_bytes: int = 1_048_576,
) -> int:
    """Keep the local copy up to date until `stopping` is set; return how many kept.
    With `trusted_keys`, only cases the desk signed are kept."""
    if trusted_keys is None:
        log.warning(
            "not verifying signatures: anyone who can write to %s could forge a case "
            "(give the desk's public keys with --trusted-keys)",
            topic,
        )
        checks = None
    else:
        checks = RecordChecks(trusted_keys, {topic: PUBLIC_CASES}, max_record_bytes)
    copy = LocalCopy(store)
    consumer = AIOKafkaConsumer(
        topic,
        **client_options(bootstrap_servers, security),
        group_id=group,
        auto_offset_reset="earliest" if from_beginning else "latest",
        enable_auto_commit=False,
        session_timeout_ms=session_timeout_ms,
        heartbeat_interval_ms=max(100, session_timeout_ms // 4),
    )
    kept = 0
    try:
        await consumer.start()  # a broker that refuses the login or the topic says so here
        while not stopping.is_set():
            batches = await consumer.getmany(timeout_ms=500)
            for records in batches.values():
                for record in records:
                    try:
                        envelope = _believed(checks, record)
                    except (MalformedMessage, Refused) as problem:
                        log.warning("skipped %s@%s: %s", record.topic, record.offset, problem)
                        continue
                    if municipality and envelope.meta.municipality != municipality:
                        continue
                    copy.keep(envelope.event)
                    kept += 1
            if batches:
                await consumer.commit()
    finally:
        await consumer.stop()
        copy.close()
    return kept


def _believed(checks: RecordChecks | None, record: ConsumerRecord[bytes, bytes]) -> Envelope:
    if checks is None:
        return from_kafka(record.headers, record.key, record.value or b"")
    return checks.envelope_of(record.topic, record.key, record.headers, record.value)


def run(
    bootstrap_servers: str,
    topic: str,
    store: Path,
    group: str,
    from_beginning: bool,
    municipality: str | None,
    security: KafkaClientSettings | None = None,
    trusted_keys: Path | None = None,
) -> int:
    trusted = None if trusted_keys is None else TrustedKeys.from_file(trusted_keys)
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )

    async def until_stopped() -> int:
        stopping = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stopping.set)
        print(f"Following {topic} on {bootstrap_servers} into {store}; Ctrl-C stops", flush=True)
        return await follow(
            bootstrap_servers,
            topic,
            store,
            group=group,
            from_beginning=from_beginning,
            stopping=stopping,
            municipality=municipality,
            security=security,
            trusted_keys=trusted,
        )

    kept = asyncio.run(until_stopped())
    print(f"kept {kept} case and call events in {store}")
    return 0
