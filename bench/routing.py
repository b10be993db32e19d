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

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from baseline import (  # the same folder
    produce,
    raw_seconds,
    running_broker,
    trusted_keys,
    with_broker_choice,
)

from services.routing.application import RoutingApplication
from services.routing.service import ROUTING
from services.routing.settings import RoutingSettings
from shared.contract import (
    ActorRole,
    Envelope,
    EventMetadata,
    ProposalAccepted,
    ProposalSubmitted,
    PublicProposer,
    stable_event_id,
)
from shared.service import build_stream
from shared.topics import ensure_topics


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


async def raw_rate(bootstrap: str, topic: str, proposals: int) -> float:
    return proposals / await raw_seconds(bootstrap, [topic], 2 * proposals)


async def routing_rate(bootstrap: str, prefix: str, proposals: int) -> float:
    folder = Path(tempfile.mkdtemp())
    settings = RoutingSettings(
        data_dir=folder,
        kafka_bootstrap_servers=bootstrap,
        topic_prefix=prefix,
        kafka_session_timeout_seconds=2,
        trusted_keys=trusted_keys(),
        deadline_check_interval_seconds=3600,
    )
    routing = RoutingApplication(settings)
    stream = build_stream(ROUTING, routing, settings)
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
    args = with_broker_choice(parser).parse_args()
    with running_broker(args.broker) as broker:
        prefix = "bench"
        topic = f"{prefix}.intake.proposals"
        await ensure_topics(broker.bootstrap_servers, [topic])
        await produce(
            broker.bootstrap_servers,
            (
                (topic, envelope)
                for index in range(args.proposals)
                for envelope in envelopes_of(index)
            ),
        )
        raw = await raw_rate(broker.bootstrap_servers, topic, args.proposals)
        routed = await routing_rate(broker.bootstrap_servers, prefix, args.proposals)
    share = routed / raw * 100
    print(f"{'':52}{'proposals /s':>14}")
    print(f"{'raw: aiokafka consume + bare eventsourcing save':52}{raw:14.0f}")
    print(f"{'routing: accepted -> routed (Faust, fold, tracking)':52}{routed:14.0f}")
    print(f"routing = {share:.0f}% of raw (target >= 40%): {'PASS' if share >= 40 else 'FAIL'}")


if __name__ == "__main__":
    asyncio.run(main())
