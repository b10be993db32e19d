"""Benchmark: rebuilding every proposal from history, beside reading the same log raw.

A store holds what a service heard of many proposals (ObservedProposal events, as
routing, decision and publication keep them; 10 events per proposal: submission,
acceptance, routing, taking on, four dialogue milestones, a status line, adoption),
written through the hash-chained recorder. Then, side by side in one run:
  raw rows     eventsourcing's recorder reading the whole notification log
               (select_notifications, pages as the rebuild reads them): events/s
  raw decoded  the same, each row decoded into its domain event by the library's
               mapper (what any eventsourcing read of the log costs): events/s
  rebuild      publication's register rebuilt from the store, as `kyoso rebuild
               publication` does: read every event, validate it against its contract,
               fold every proposal with the shared fold: events/s, proposals rebuilt
  verify       kyoso verify over the same store (the whole hash chain): events/s
Target (issue 6): rebuild >= 50% of raw, with 1,000,000 events.

    .venv/bin/python bench/replay.py [--events 1000000] [--database sqlite|postgres]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from services.decision.fairness import assess, thresholds
from services.publication.read_models import BEING_ARRANGED, Register
from shared.application import ServiceApplication
from shared.audit.verify import verify_store
from shared.contract import (
    ActorRole,
    AssessmentInputs,
    DialogueMilestone,
    DialogueMilestoneReached,
    Envelope,
    EventMetadata,
    IntegrationEvent,
    ProposalAccepted,
    ProposalAdopted,
    ProposalRouted,
    ProposalSubmitted,
    ProposalTakenOn,
    PublicProposer,
    RoutingMethod,
    StatusLineSet,
    stable_event_id,
)
from shared.observed import ObservedProposal
from shared.projection import PAGE
from shared.settings import CommonSettings
from tests.postgres import throwaway_postgres

EVENTS_PER_PROPOSAL = 10  # heard events; each proposal also has its Opened event


class BenchStore(ServiceApplication):
    service = "replaybench"
    name = "replaybench"
    aggregate_cache_size = None


def history_of(index: int, assessment: Any) -> list[tuple[str, ActorRole, IntegrationEvent]]:
    pid = uuid.uuid5(uuid.NAMESPACE_URL, f"urn:bench:{index}")
    today = date(2026, 4, 1)
    milestones = [
        DialogueMilestone.STARTED,
        DialogueMilestone.CONFIDENTIALITY_AGREED,
        DialogueMilestone.SKELETON_AGREED,
        DialogueMilestone.FEASIBILITY_REVIEWED,
    ]
    return [
        (
            "intake",
            ActorRole.PROPOSER,
            ProposalSubmitted(
                proposal_id=pid,
                municipality="nagasaki",
                receipt_number=f"NGS-2026-{index:07d}",
                fiscal_year=2026,
                received_on=today,
                channel="theme",
                theme_number=5,
                theme_department="machizukuri",
                proposer=PublicProposer(organisation="みなと観光", kind="company"),
                title="トイレマップ",
                field="まちづくり",
                summary="トイレに特化したマップを作る提案。",
                content="公衆トイレの地図。",
                has_protected_part=True,
            ),
        ),
        ("intake", ActorRole.DESK, ProposalAccepted(proposal_id=pid)),
        (
            "routing",
            ActorRole.SYSTEM,
            ProposalRouted(
                proposal_id=pid,
                hop=1,
                lead_department="machizukuri",
                departments=["machizukuri"],
                method=RoutingMethod.THEME_OWNER,
                reason="テーマの担当部署",
                due_on=today + timedelta(days=14),
            ),
        ),
        (
            "routing",
            ActorRole.DEPARTMENT,
            ProposalTakenOn(
                proposal_id=pid,
                department="machizukuri",
                dialogue_due_on=today + timedelta(days=90),
            ),
        ),
        *(
            (
                "routing",
                ActorRole.DEPARTMENT,
                DialogueMilestoneReached(proposal_id=pid, milestone=milestone),
            )
            for milestone in milestones
        ),
        (
            "routing",
            ActorRole.DEPARTMENT,
            StatusLineSet(proposal_id=pid, ja="対話を進めています", en="Dialogue under way"),
        ),
        (
            "decision",
            ActorRole.DEPARTMENT,
            ProposalAdopted(proposal_id=pid, decided_by="machizukuri", assessment=assessment),
        ),
    ]


def observed_proposals(proposals: int) -> Iterator[ObservedProposal]:
    assessment = assess(AssessmentInputs(), thresholds("nagasaki"))
    start = datetime(2026, 4, 1, tzinfo=UTC)
    for index in range(proposals):
        history = history_of(index, assessment)
        pid = history[0][2].proposal_id  # type: ignore[attr-defined]
        observed = ObservedProposal(proposal_id=pid)
        for order, (service, role, event) in enumerate(history):
            observed.hear(
                Envelope(
                    event=event,
                    meta=EventMetadata(
                        event_id=stable_event_id(service, str(pid), order + 1),
                        service=service,
                        subject=str(pid),
                        time=start + timedelta(minutes=index, seconds=order),
                        municipality="nagasaki",
                        actor_role=role,
                        correlation_id=f"bench-{index}",
                        sequence=order + 1,
                    ),
                )
            )
        yield observed


def fill(store: BenchStore, proposals: int) -> None:
    batch: list[Any] = []
    for observed in observed_proposals(proposals):
        batch.extend(store.mapper.to_stored_event(e) for e in observed.collect_events())
        if len(batch) >= 5000:
            store.recorder.insert_events(batch)
            batch = []
    if batch:
        store.recorder.insert_events(batch)


def raw_rows(store: BenchStore) -> int:
    count, start = 0, 1
    while page := store.recorder.select_notifications(start, PAGE):
        count += len(page)
        start = page[-1].id + 1
    return count


def raw_decoded(store: BenchStore) -> int:
    count, start = 0, 1
    while page := store.recorder.select_notifications(start, PAGE):
        for notification in page:
            store.mapper.to_domain_event(notification)
        count += len(page)
        start = page[-1].id + 1
    return count


def timed(what: Any) -> tuple[Any, float]:
    started = time.perf_counter()
    result = what()
    return result, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument(
        "--database",
        choices=["sqlite", "postgres"],
        default="sqlite",
        help="postgres: KYOSO_TEST_POSTGRES_URL, or a throwaway server (tests/postgres.py)",
    )
    args = parser.parse_args()
    with contextlib.ExitStack() as stack:
        if args.database == "sqlite":
            settings = CommonSettings(data_dir=Path(tempfile.mkdtemp()))
        else:
            server = os.environ.get("KYOSO_TEST_POSTGRES_URL") or stack.enter_context(
                throwaway_postgres()
            )
            prefix = f"bench{uuid.uuid4().hex[:8]}_"
            settings = CommonSettings(database_url=f"{server}?schema_prefix={prefix}")
        measure(BenchStore(settings), args.events // EVENTS_PER_PROPOSAL, args.database)


def measure(store: BenchStore, proposals: int, database: str) -> None:

    _, fill_seconds = timed(lambda: fill(store, proposals))
    events = raw_rows(store)  # warm the page cache once, as a running desk would have it
    print(
        f"store ({database}): {events:,} stored events for {proposals:,} proposals, "
        f"written with the hash chain in {fill_seconds:.1f} s ({events / fill_seconds:,.0f}/s)"
    )
    _, rows_seconds = timed(lambda: raw_rows(store))
    _, decoded_seconds = timed(lambda: raw_decoded(store))
    register, rebuild_seconds = timed(lambda: Register(store).rebuilt_from_history())
    listed = register.proposals("nagasaki")
    assert len(listed) == proposals, f"rebuilt {len(listed)} of {proposals} proposals"
    assert all(status == BEING_ARRANGED for _, status in listed), "not every one adopted"
    rebuilt = len(listed)
    del register, listed  # a million live objects would slow the next measure's GC
    report, verify_seconds = timed(lambda: verify_store("replaybench", store.recorder))
    assert report.intact and report.events_checked == events, report

    raw_rate, decoded_rate = events / rows_seconds, events / decoded_seconds
    rebuild_rate = events / rebuild_seconds
    print(f"{'raw rows':<13} {raw_rate:>12,.0f} events/s  ({rows_seconds:.2f} s)")
    print(f"{'raw decoded':<13} {decoded_rate:>12,.0f} events/s  ({decoded_seconds:.2f} s)")
    print(
        f"{'rebuild':<13} {rebuild_rate:>12,.0f} events/s  ({rebuild_seconds:.2f} s, "
        f"{rebuilt:,} proposals)  = {rebuild_rate / raw_rate:.0%} of raw rows, "
        f"{rebuild_rate / decoded_rate:.0%} of raw decoded (target 50%)"
    )
    print(
        f"{'verify':<13} {events / verify_seconds:>12,.0f} events/s  ({verify_seconds:.2f} s,"
        f" chain intact)"
    )
    store.close()


if __name__ == "__main__":
    main()
