"""Benchmark: events per second from decision to the public register, and cases published.

Prints, side by side in one run:
  raw          the same messages (intake's submission and acceptance, decision's
               adoption: 3 per proposal) consumed with a plain aiokafka consumer, one
               bare eventsourcing save per message (SQLite file): events/s
  publication  publication's Faust agent: decode, keep what it heard with tracking,
               fold, until every proposal shows 事業調整中 in the register: events/s
  cases        then draft, consult, consent and publish a case for each one through the
               application (each publication is relayed to the public topic): cases/s
Target (issue 5): publication >= 40% of raw.

    .venv/bin/python bench/publication.py [--proposals 1000]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from baseline import (  # the same folder
    processed,
    produce,
    raw_seconds,
    running_broker,
    trusted_keys,
    with_broker_choice,
)

from services.decision.fairness import assess, thresholds
from services.publication.application import PublicationApplication
from services.publication.service import PUBLICATION
from services.publication.settings import PublicationSettings
from shared.acting import Acting
from shared.contract import (
    ActorRole,
    AssessmentInputs,
    Envelope,
    EventMetadata,
    IntegrationEvent,
    ProposalAccepted,
    ProposalAdopted,
    ProposalSubmitted,
    PublicProposer,
    stable_event_id,
)
from shared.service import build_stream
from shared.topics import ensure_topics

PREFIX = "bench"
INTAKE, DECISION = f"{PREFIX}.intake.proposals", f"{PREFIX}.decision.proposals"


def messages_of(index: int, assessment: Any) -> list[tuple[str, Envelope]]:
    pid = uuid.uuid4()
    start = datetime.now(UTC)

    def envelope(
        service: str, sequence: int, role: ActorRole, event: IntegrationEvent, order: int
    ) -> Envelope:
        return Envelope(
            event=event,
            meta=EventMetadata(
                event_id=stable_event_id(service, str(pid), sequence),
                service=service,
                subject=str(pid),
                time=start + timedelta(milliseconds=order),
                municipality="nagasaki",
                actor_role=role,
                correlation_id=f"bench-{index}",
                sequence=sequence,
            ),
        )

    submitted = ProposalSubmitted(
        proposal_id=pid,
        municipality="nagasaki",
        receipt_number=f"NGS-2026-{index:05d}",
        fiscal_year=2026,
        received_on=start.date(),
        channel="theme",
        theme_number=5,
        theme_department="machizukuri",
        proposer=PublicProposer(organisation="みなと観光", kind="company"),
        title="トイレマップ",
        field="まちづくり",
        summary="トイレに特化したマップを作る提案。",
        content="公衆トイレの地図。",
        has_protected_part=True,
    )
    return [
        (INTAKE, envelope("intake", 1, ActorRole.PROPOSER, submitted, 1)),
        (INTAKE, envelope("intake", 2, ActorRole.DESK, ProposalAccepted(proposal_id=pid), 2)),
        (
            DECISION,
            envelope(
                "decision",
                2,
                ActorRole.DEPARTMENT,
                ProposalAdopted(proposal_id=pid, decided_by="machizukuri", assessment=assessment),
                3,
            ),
        ),
    ]


async def produce_proposals(bootstrap: str, proposals: int) -> None:
    assessment = assess(AssessmentInputs(), thresholds("nagasaki"))
    await produce(
        bootstrap, (m for index in range(proposals) for m in messages_of(index, assessment))
    )


async def raw_rate(bootstrap: str, events: int) -> float:
    return events / await raw_seconds(bootstrap, [INTAKE, DECISION], events)


async def publication_rates(bootstrap: str, proposals: int) -> tuple[float, float]:
    settings = PublicationSettings(
        data_dir=Path(tempfile.mkdtemp()),
        kafka_bootstrap_servers=bootstrap,
        topic_prefix=PREFIX,
        kafka_session_timeout_seconds=2,
        trusted_keys=trusted_keys(),
        secret_key="k" * 40,
    )
    publication = PublicationApplication(settings)
    stream = build_stream(PUBLICATION, publication, settings)
    await ensure_topics(
        bootstrap,
        [
            settings.topic("publication", "dead-letters"),
            f"{PREFIX}.intake.themes",
            f"{PREFIX}.routing.proposals",
        ],
    )
    before = processed("publication")
    await stream.start()
    started = time.perf_counter()
    try:
        deadline = time.monotonic() + 300
        while processed("publication") < before + 3 * proposals:
            if time.monotonic() > deadline:
                raise SystemExit("publication did not hear every event within 300 s")
            await asyncio.sleep(0.05)
        # The register is derived when read: its first reading is part of the path.
        rows = publication.register.proposals("nagasaki")
        assert sum(status[0] == "事業調整中" for _, status in rows) == proposals
        heard = 3 * proposals / (time.perf_counter() - started)
    finally:
        await stream.stop()
    desk = Acting.new(ActorRole.DESK, "nagasaki")
    proposer = desk.as_role(ActorRole.PROPOSER)
    started = time.perf_counter()
    for state, _ in publication.register.proposals("nagasaki"):
        case = publication.draft(
            state.proposal_id,
            None,
            None,
            [{"heading": "成果", "text": "公開", "protected": False}],
            desk,
        )
        publication.consult(case.id, desk)
        publication.consent(state.proposal_id, proposer.correlation_id)
        publication.publish(case.id, desk)
    cases = proposals / (time.perf_counter() - started)
    publication.close()
    return heard, cases


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--proposals", type=int, default=1000)
    args = with_broker_choice(parser).parse_args()
    with running_broker(args.broker) as broker:
        await ensure_topics(broker.bootstrap_servers, [INTAKE, DECISION])
        await produce_proposals(broker.bootstrap_servers, args.proposals)
        raw = await raw_rate(broker.bootstrap_servers, 3 * args.proposals)
        heard, cases = await publication_rates(broker.bootstrap_servers, args.proposals)
    share = heard / raw * 100
    print(f"{'':58}{'rate /s':>10}")
    print(f"{'raw: aiokafka consume + bare eventsourcing save (events)':58}{raw:10.0f}")
    print(f"{'publication: decision -> register, with tracking (events)':58}{heard:10.0f}")
    print(f"{'cases drafted, consulted, consented and published':58}{cases:10.0f}")
    print(f"publication = {share:.0f}% of raw (target >= 40%): {'PASS' if share >= 40 else 'FAIL'}")


if __name__ == "__main__":
    asyncio.run(main())
