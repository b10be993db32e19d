"""Benchmark: proposals per second from accepted (on Kafka) to routed (in routing's store).

Prints, side by side in one run:
  raw      the same messages consumed with a plain aiokafka consumer, one bare
           eventsourcing save per message (SQLite file): proposals/s
  routing  the routing service's Faust agent: decode each CloudEvent, keep what it heard,
           fold the proposal, match the directory, record the routing with its tracking
Target (issue 3): routing >= 40% of raw.

    .venv/bin/python bench/routing.py [--proposals 2000]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from services.routing.application import RoutingApplication
from services.routing.settings import RoutingSettings
from services.routing.streams import build_stream
from shared.broker import LocalBroker, free_port
from shared.contract import (
    ActorRole,
    Envelope,
    EventMetadata,
    ProposalAccepted,
    ProposalSubmitted,
    PublicProposer,
    from_kafka,
    stable_event_id,
    to_kafka,
)
from shared.relay import ensure_topics, topic_partitions


def envelopes_of(index: int) -> list[Envelope]:
    pid = uuid.uuid4()
    now = datetime.now(UTC)

    def meta(sequence: int, role: ActorRole) -> EventMetadata:
        return EventMetadata(
            event_id=stable_event_id("intake", str(pid), sequence),
            service="intake",
            subject=str(pid),
            time=now,
            municipality="nagasaki",
            actor_role=role,
            correlation_id=f"bench-{index}",
            sequence=sequence,
            source_position=2 * index + sequence,
        )

    submitted = ProposalSubmitted(
        proposal_id=pid,
        municipality="nagasaki",
        receipt_number=f"NGS-2026-{index:05d}",
        fiscal_year=2026,
        received_on=now.date(),
        channel="free",
        proposer=PublicProposer(organisation="みなと観光", kind="company"),
        title="通学路安全点検支援システム",
        field="教育",
        summary="通学路の安全点検を効率化するWebシステムの提案。",
        content="学校と保護者が通学路の危険箇所を共有する。",
        has_protected_part=False,
    )
    return [
        Envelope(event=submitted, meta=meta(1, ActorRole.PROPOSER)),
        Envelope(event=ProposalAccepted(proposal_id=pid), meta=meta(2, ActorRole.DESK)),
    ]


async def produce(bootstrap: str, topic: str, proposals: int) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=5)
    await producer.start()
    try:
        sent = []
        for index in range(proposals):
            for envelope in envelopes_of(index):
                message = to_kafka(envelope)
                sent.append(
                    await producer.send(
                        topic,
                        value=message.value,
                        key=message.key if isinstance(message.key, bytes) else None,
                        headers=list(message.headers.items()),
                    )
                )
        await asyncio.gather(*sent)
    finally:
        await producer.stop()


class Seen(Aggregate):
    @event("Seen")
    def __init__(self, subject: str, ce_type: str) -> None:
        self.subject = subject


async def raw_rate(bootstrap: str, topic: str, proposals: int) -> float:
    """aiokafka + bare eventsourcing: consume every message, decode it, save one aggregate."""
    app: Application[Any] = Application(
        {
            "PERSISTENCE_MODULE": "eventsourcing.sqlite",
            "SQLITE_DBNAME": f"{tempfile.mkdtemp()}/raw.sqlite",
        }
    )
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        partitions = await topic_partitions(bootstrap, [topic])
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        wanted, seen = 2 * proposals, 0
        started = time.perf_counter()
        while seen < wanted:
            for records in (await consumer.getmany(timeout_ms=500, max_records=1000)).values():
                for record in records:
                    envelope = from_kafka(record.headers, record.key, record.value)
                    app.save(Seen(subject=envelope.meta.subject, ce_type=envelope.event.event_type))
                    seen += 1
        return proposals / (time.perf_counter() - started)
    finally:
        await consumer.stop()
        app.close()


async def routing_rate(bootstrap: str, prefix: str, proposals: int) -> float:
    folder = Path(tempfile.mkdtemp())
    settings = RoutingSettings(
        data_dir=folder,
        kafka_bootstrap_servers=bootstrap,
        topic_prefix=prefix,
        kafka_session_timeout_seconds=2,
        deadline_check_interval_seconds=3600,
    )
    routing = RoutingApplication(settings)
    stream = build_stream(settings, routing)
    await ensure_topics(bootstrap, [settings.topic("routing", "dead-letters")])
    await stream.start()  # returns once the partitions are assigned
    started = time.perf_counter()
    try:
        while len(routing.board.open_routings()) < proposals:
            await asyncio.sleep(0.05)
        return proposals / (time.perf_counter() - started)
    finally:
        await stream.stop()
        routing.close()


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--proposals", type=int, default=2000)
    args = parser.parse_args()
    with LocalBroker(port=free_port()) as broker:
        prefix = "bench"
        topic = f"{prefix}.intake.proposals"
        await ensure_topics(broker.bootstrap_servers, [topic])
        await produce(broker.bootstrap_servers, topic, args.proposals)
        raw = await raw_rate(broker.bootstrap_servers, topic, args.proposals)
        routed = await routing_rate(broker.bootstrap_servers, prefix, args.proposals)
    share = routed / raw * 100
    print(f"{'':52}{'proposals /s':>14}")
    print(f"{'raw: aiokafka consume + bare eventsourcing save':52}{raw:14.0f}")
    print(f"{'routing: accepted -> routed (Faust, fold, tracking)':52}{routed:14.0f}")
    print(f"routing = {share:.0f}% of raw (target >= 40%): {'PASS' if share >= 40 else 'FAIL'}")


if __name__ == "__main__":
    asyncio.run(main())
