"""Benchmark: proposals per second from "taken on" (on Kafka) to adopted with an assessment.

Prints, side by side in one run:
  raw       the same messages (intake's submitted + accepted, routing's routed + taken
            on) consumed with a plain aiokafka consumer, one bare eventsourcing save per
            message (SQLite file): proposals/s
  decision  the decision service end to end: its Faust agent decodes each CloudEvent and
            keeps what it heard (with tracking), then the department adopts every
            proposal through DecisionApplication.adopt in this process (not over HTTP):
            fold, fairness assessment with its trace, budget entry, save
The clock starts for each side once its consumer has its partitions, and stops when
the last proposal is saved (raw) or adopted (decision).
Target (issue 4): decision >= 40% of raw.

    .venv/bin/python bench/decision.py [--proposals 2000]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from baseline import (  # the same folder
    processed,
    produce,
    raw_seconds,
    running_broker,
    trusted_keys,
    with_broker_choice,
)

from services.decision.application import DecisionApplication
from services.decision.service import DECISION
from services.decision.settings import DecisionSettings
from shared.acting import Acting
from shared.contract import (
    ActorRole,
    AssessmentInputs,
    Envelope,
    EventMetadata,
    IntegrationEvent,
    ProposalAccepted,
    ProposalRouted,
    ProposalSubmitted,
    ProposalTakenOn,
    PublicProposer,
    RoutingMethod,
    stable_event_id,
)
from shared.service import build_stream
from shared.topics import ensure_topics

PER_PROPOSAL = 4


def envelopes_of(index: int) -> tuple[uuid.UUID, list[tuple[str, Envelope]]]:
    pid = uuid.uuid4()
    now = datetime.now(UTC)

    def wrap(
        service: str, sequence: int, step: int, role: ActorRole, e: IntegrationEvent
    ) -> tuple[str, Envelope]:
        meta = EventMetadata(
            event_id=stable_event_id(service, str(pid), sequence),
            service=service,
            subject=str(pid),
            time=now + timedelta(milliseconds=step),
            municipality="nagasaki",
            actor_role=role,
            correlation_id=f"bench-{index}",
            sequence=sequence,
            source_position=PER_PROPOSAL * index + step,
        )
        return service, Envelope(event=e, meta=meta)

    submitted = ProposalSubmitted(
        proposal_id=pid,
        municipality="nagasaki",
        receipt_number=f"NGS-2026-{index:05d}",
        fiscal_year=2026,
        channel="free",
        proposer=PublicProposer(organisation="みなと観光", kind="company"),
        title="通学路安全点検支援システム",
        field="教育",
        summary="通学路の安全点検を効率化するWebシステムの提案。",
        content="学校と保護者が通学路の危険箇所を共有する。",
        has_protected_part=False,
        received_on=now.date(),
    )
    due = date(2026, 1, 1)
    return pid, [
        wrap("intake", 1, 0, ActorRole.PROPOSER, submitted),
        wrap("intake", 2, 1, ActorRole.DESK, ProposalAccepted(proposal_id=pid)),
        wrap(
            "routing",
            2,
            2,
            ActorRole.SYSTEM,
            ProposalRouted(
                proposal_id=pid,
                hop=1,
                lead_department="kyoiku",
                departments=["kyoiku"],
                method=RoutingMethod.MATCH,
                reason="教育",
                due_on=due,
            ),
        ),
        wrap(
            "routing",
            3,
            3,
            ActorRole.DEPARTMENT,
            ProposalTakenOn(proposal_id=pid, department="kyoiku", dialogue_due_on=due),
        ),
    ]


async def produce_proposals(bootstrap: str, prefix: str, proposals: int) -> list[uuid.UUID]:
    ids, messages = [], []
    for index in range(proposals):
        pid, envelopes = envelopes_of(index)
        ids.append(pid)
        messages += [(f"{prefix}.{service}.proposals", envelope) for service, envelope in envelopes]
    await produce(bootstrap, messages)
    return ids


async def raw_rate(bootstrap: str, topics: list[str], proposals: int) -> float:
    """aiokafka + bare eventsourcing: consume every message, decode it, save one aggregate."""
    return proposals / await raw_seconds(bootstrap, topics, PER_PROPOSAL * proposals)


def adopt_all(decision: DecisionApplication, ids: list[uuid.UUID]) -> None:
    inputs = AssessmentInputs(occupancy_days=30, uniqueness_evidence=("patent",))
    for pid in ids:
        acting = Acting.new(ActorRole.DEPARTMENT, "nagasaki", "bench")
        decision.adopt(pid, "kyoiku", inputs, acting)


async def decision_rate(bootstrap: str, prefix: str, proposals: int, ids: list[uuid.UUID]) -> float:
    folder = Path(tempfile.mkdtemp())
    settings = DecisionSettings(
        data_dir=folder,
        kafka_bootstrap_servers=bootstrap,
        topic_prefix=prefix,
        kafka_session_timeout_seconds=2,
        trusted_keys=trusted_keys(),
    )
    decision = DecisionApplication(settings)
    stream = build_stream(DECISION, decision, settings)
    await ensure_topics(bootstrap, [settings.topic("decision", "dead-letters")])
    before = processed("decision")
    await stream.start()  # returns once the partitions are assigned
    started = time.perf_counter()
    try:
        while processed("decision") - before < PER_PROPOSAL * proposals:
            await asyncio.sleep(0.05)
        await asyncio.to_thread(adopt_all, decision, ids)
        return proposals / (time.perf_counter() - started)
    finally:
        await stream.stop()
        decision.close()


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--proposals", type=int, default=2000)
    args = with_broker_choice(parser).parse_args()
    with running_broker(args.broker) as broker:
        prefix = "bench"
        topics = [f"{prefix}.intake.proposals", f"{prefix}.routing.proposals"]
        await ensure_topics(broker.bootstrap_servers, topics)
        ids = await produce_proposals(broker.bootstrap_servers, prefix, args.proposals)
        raw = await raw_rate(broker.bootstrap_servers, topics, args.proposals)
        decided = await decision_rate(broker.bootstrap_servers, prefix, args.proposals, ids)
    share = decided / raw * 100
    print(f"{'':58}{'proposals /s':>14}")
    print(f"{'raw: aiokafka consume + bare eventsourcing save':58}{raw:14.0f}")
    print(f"{'decision: heard -> adopted (Faust, tracking, fold, assess)':58}{decided:14.0f}")
    print(f"decision = {share:.0f}% of raw (target >= 40%): {'PASS' if share >= 40 else 'FAIL'}")


if __name__ == "__main__":
    asyncio.run(main())
