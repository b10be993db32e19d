"""Sequences cannot be poisoned (issue 18): a proposal's events are applied only in their
chain (`previoussequence`); an event ahead of a gap is parked and applied once the
missing one arrives, a copy is dropped, and a forged far sequence blocks nothing.
Routing hears intake in the process (`database_url="memory:"`), as its consumer would
deliver each event; the relay's side is the chain it computes from intake's store."""

from __future__ import annotations

from pathlib import Path

import pytest
from prometheus_client import REGISTRY

from services.routing.application import RoutingApplication
from services.routing.integration import to_envelope as routing_envelope
from services.routing.settings import RoutingSettings
from shared.acting import Acting
from shared.consumer import Outcome
from shared.contract import Envelope
from shared.contract.vocabulary import ActorRole
from shared.errors import NotFound
from shared.previous_sequence import PreviousSequences
from tests.conftest import MovableClock
from tests.factories import IntakeEvents


def chained(envelope: Envelope, previous: int | None = None) -> Envelope:
    """As intake's relay sends it: with the sequence of the subject's event before it."""
    meta = envelope.meta
    previous = meta.sequence - 1 if previous is None else previous
    return envelope.model_copy(
        update={"meta": meta.model_copy(update={"previous_sequence": previous})}
    )


@pytest.fixture
def routing() -> RoutingApplication:
    return RoutingApplication(RoutingSettings(database_url="memory:"), MovableClock())


def parked_gauge() -> float:
    return REGISTRY.get_sample_value("kyoso_consumer_parked", {"service": "routing"}) or 0.0


def test_events_delivered_out_of_order_are_applied_in_order(routing: RoutingApplication) -> None:
    proposal = IntakeEvents()
    submitted, accepted = chained(proposal.submitted()), chained(proposal.accepted())

    early = routing.receive(accepted)
    assert early.outcome is Outcome.PARKED
    assert "unknown proposal" in early.reason and "waiting for event 1" in early.reason
    assert [p.sequence for p in routing.parked()] == [2] and parked_gauge() == 1

    assert routing.receive(submitted).outcome is Outcome.APPLIED
    routed = routing.routing(proposal.proposal_id, "nagasaki")  # the acceptance followed
    assert routed.lead_department == "kyoiku"
    assert routing.parked() == [] and parked_gauge() == 0


def test_a_gap_in_the_middle_waits_for_the_missing_event(routing: RoutingApplication) -> None:
    proposal = IntakeEvents()
    submitted, accepted, withdrawn = (
        chained(proposal.submitted()),
        chained(proposal.accepted()),
        chained(proposal.withdrawn()),
    )
    assert routing.process(submitted)
    gap = routing.receive(withdrawn)
    assert gap.outcome is Outcome.PARKED
    assert "event 3 of intake/" in gap.reason and "waiting for event 2" in gap.reason
    assert routing.receive(accepted).outcome is Outcome.APPLIED
    # Accepted, routed, then the withdrawal closed it: nothing skipped.
    assert routing.routing(proposal.proposal_id, "nagasaki").closed
    assert routing.parked() == []


def test_a_copy_is_dropped(routing: RoutingApplication) -> None:
    proposal = IntakeEvents()
    submitted, accepted = chained(proposal.submitted()), chained(proposal.accepted())
    assert [routing.receive(e).outcome for e in (submitted, accepted, submitted, accepted)] == [
        Outcome.APPLIED,
        Outcome.APPLIED,
        Outcome.COPY,
        Outcome.COPY,
    ]
    assert routing.routing(proposal.proposal_id, "nagasaki").hop == 1


def test_a_forged_far_sequence_waits_and_does_not_block_the_real_events(
    routing: RoutingApplication,
) -> None:
    proposal = IntakeEvents()
    assert routing.process(chained(proposal.submitted()))
    proposal.sequence = 999_998  # what a forger claims: the proposal's 999,999th event
    poison = chained(proposal.withdrawn())
    assert routing.receive(poison).outcome is Outcome.PARKED
    proposal.sequence = 1  # the real next event
    assert routing.receive(chained(proposal.accepted())).outcome is Outcome.APPLIED
    routed = routing.routing(proposal.proposal_id, "nagasaki")
    assert routed.lead_department == "kyoiku" and not routed.closed
    assert [(p.sequence, p.previous_sequence) for p in routing.parked()] == [(999_999, 999_998)]
    # Delivered again, the parked event is neither parked twice nor applied.
    assert routing.receive(poison).outcome is Outcome.COPY


def test_what_one_instance_parked_another_ones_delivery_releases(tmp_path: Path) -> None:
    """Two instances of routing share a store (and the partitions between them): one
    parks an event, the other applies what it waited for; the next sweep applies it."""
    settings = RoutingSettings(database_url=f"sqlite:///{tmp_path / 'routing.sqlite'}")
    first, second = (RoutingApplication(settings, MovableClock()) for _ in range(2))
    try:
        assert second.process(chained(IntakeEvents().submitted()))  # it has read the lot
        proposal = IntakeEvents()
        submitted, accepted = chained(proposal.submitted()), chained(proposal.accepted())
        assert first.receive(accepted).outcome is Outcome.PARKED
        assert second.receive(submitted).outcome is Outcome.APPLIED
        with pytest.raises(NotFound):  # the acceptance waits in the lot, unseen by second
            second.routing(proposal.proposal_id, "nagasaki")
        assert first.release_waiting() == 0  # the sweep, a second later
        assert second.routing(proposal.proposal_id, "nagasaki").lead_department == "kyoiku"
    finally:
        first.close()
        second.close()


# -- the relay's side: the chain from routing's store ---------------------------------------


def test_the_previous_sequence_is_the_subjects_last_published_event_in_the_store(
    routing: RoutingApplication,
) -> None:
    """Routing's store holds what it heard (never published) and each routing, whose
    creation is not published either: its first published event says 0."""
    proposal = IntakeEvents()
    routing.process(proposal.submitted())
    routing.process(proposal.accepted())
    department = Acting.new(ActorRole.DEPARTMENT, "nagasaki", "staff-1")
    routing.take_on(proposal.proposal_id, "kyoiku", department)
    routing.set_status_line(proposal.proposal_id, "協議中", "In talks", department)

    def published(event: object) -> bool:
        return routing_envelope(event) is not None

    def walk(chain: PreviousSequences, start: int = 1) -> dict[int, int]:
        """Each published event of the proposal's routing: version → previous."""
        answers = {}
        for notification in routing.recorder.select_notifications(start=start, limit=100):
            event = routing.mapper.to_domain_event(notification)
            previous = chain.step(
                notification.originator_id, notification.originator_version, published(event)
            )
            if published(event) and notification.originator_id == proposal.proposal_id:
                answers[notification.originator_version] = previous
        return answers

    walked = walk(PreviousSequences(routing, published))
    first, *later = sorted(walked)
    assert first > 1 and walked[first] == 0  # the routing's creation stays in routing
    assert [walked[v] for v in later] == [first, *later][:-1]
    # A relay meeting the routing in the middle (after a restart, in a refill) says the
    # same, from the store.
    last = routing.recorder.max_notification_id() or 0
    assert walk(PreviousSequences(routing, published), start=last) == {later[-1]: walked[later[-1]]}
