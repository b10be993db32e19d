"""What every consuming service's benchmark compares against, measured in the same run:
the same messages consumed with a plain aiokafka consumer, each decoded and saved as one
bare eventsourcing aggregate in a SQLite file. And the plumbing the benchmarks share."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event
from prometheus_client import REGISTRY

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from shared.contract import Envelope, from_kafka, to_kafka
from shared.contract.verifiability import signed_headers
from shared.event_keys import generated_key
from shared.topics import topic_partitions
from tests.brokers import APACHE_KAFKA, TANSU, Broker, new_broker


def with_broker_choice(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """Every broker benchmark runs on the embedded broker or on Apache Kafka."""
    parser.add_argument(
        "--broker",
        choices=[TANSU, APACHE_KAFKA],
        default=TANSU,
        help="the embedded broker (default) or Apache Kafka from Maven Central",
    )
    return parser


@contextlib.contextmanager
def running_broker(kind: str) -> Iterator[Broker]:
    """A fresh broker of that kind for one benchmark run, said in the output."""
    with new_broker(kind, Path(tempfile.mkdtemp(prefix="bench-broker-"))) as broker:
        print(f"broker: {kind} on {broker.bootstrap_servers}")
        yield broker


class Seen(Aggregate):
    @event("Seen")
    def __init__(self, subject: str, ce_type: str) -> None:
        self.subject = subject


# The services' signing keys for one benchmark run: the producer signs as each relay
# would, and the consumers trust these keys (`trusted_keys()` in their settings).
KEYS = Path(tempfile.mkdtemp(prefix="bench-keys-"))


def trusted_keys() -> dict[str, list[str]]:
    """KYOSO_TRUSTED_KEYS for a benchmark's consumer: the keys `produce` signs with."""
    return {path.stem: [path.read_text().strip()] for path in KEYS.glob("*.pub")}


def record_of(
    envelope: Envelope, previous: int
) -> tuple[bytes | None, bytes, list[tuple[str, bytes]]]:
    """The record a relay would send: chained to the subject's previous event, signed."""
    meta = envelope.meta.model_copy(update={"previous_sequence": previous})
    message = to_kafka(envelope.model_copy(update={"meta": meta}))
    headers = signed_headers(
        dict(message.headers), message.value, generated_key(KEYS, meta.service)
    )
    key = message.key if isinstance(message.key, bytes) else None
    return key, message.value, list(headers.items())


async def produce(bootstrap: str, messages: Iterable[tuple[str, Envelope]]) -> None:
    """Put the envelopes on their topics as the services' relays would (each subject's
    envelopes in order)."""
    for service in ("intake", "routing", "decision", "publication"):
        generated_key(KEYS, service)
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=5)
    await producer.start()
    try:
        sent = []
        last: dict[tuple[str, str], int] = {}
        for topic, envelope in messages:
            subject = (envelope.meta.service, envelope.meta.subject)
            key, value, headers = record_of(envelope, last.get(subject, 0))
            last[subject] = envelope.meta.sequence
            sent.append(await producer.send(topic, value, key=key, headers=headers))
        await asyncio.gather(*sent)
    finally:
        await producer.stop()


async def raw_seconds(bootstrap: str, topics: list[str], messages: int) -> float:
    """Seconds to consume, decode and save `messages` messages with the bare libraries."""
    app: Application[Any] = Application(
        {
            "PERSISTENCE_MODULE": "eventsourcing.sqlite",
            "SQLITE_DBNAME": f"{tempfile.mkdtemp()}/raw.sqlite",
        }
    )
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        partitions = await topic_partitions(bootstrap, topics)
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        seen = 0
        started = time.perf_counter()
        while seen < messages:
            for records in (await consumer.getmany(timeout_ms=500, max_records=1000)).values():
                for record in records:
                    envelope = from_kafka(record.headers, record.key, record.value)
                    app.save(Seen(subject=envelope.meta.subject, ce_type=envelope.event.event_type))
                    seen += 1
        return time.perf_counter() - started
    finally:
        await consumer.stop()
        app.close()


def processed(service: str) -> float:
    """Events a service's consumer has processed so far (its Prometheus counter)."""
    value = REGISTRY.get_sample_value(
        "kyoso_consumer_events_total", {"service": service, "outcome": "processed"}
    )
    return value or 0.0
