"""What a service heard of a proposal: read back from its store, and folded as it arrives.

Rebuilding from history reads stored `Heard` events with one pydantic-core pass instead
of the application's mapper, and folds each event once instead of refolding the whole
history; both must give exactly what the plain way gives."""

from __future__ import annotations

import itertools
from typing import Any, ClassVar
from uuid import UUID

import pytest
from eventsourcing.application import Application
from eventsourcing.persistence import Notification
from pydantic import ValidationError

from services.publication.read_models import Register
from shared.contract import (
    IntegrationEvent,
    ProposalAccepted,
    ProposalWithdrawn,
    StatusLineSet,
)
from shared.contract.base import EventRegistry
from shared.contract.envelope import Envelope
from shared.observed import (
    HEARD_TOPIC,
    HeardProposal,
    ObservedProposal,
    envelope_from,
    fold_heard,
    heard_envelope,
)
from shared.proposal import ProposalStatus
from tests.unit.test_contract import submitted_envelope
from tests.unit.test_fold import following


def lifecycle() -> list[Envelope]:
    submitted = submitted_envelope()
    pid = UUID(submitted.meta.subject)
    accepted = following(submitted, ProposalAccepted(proposal_id=pid))
    status = following(accepted, StatusLineSet(proposal_id=pid, ja="検討中", en="Under review"))
    withdrawn = following(status, ProposalWithdrawn(proposal_id=pid, reason="社内事情"))
    return [submitted, accepted, status, withdrawn]


def stored(app: Application[Any], envelopes: list[Envelope]) -> list[Notification]:
    """The notifications a store would hold after hearing the envelopes."""
    observed = ObservedProposal(proposal_id=UUID(envelopes[0].meta.subject))
    for envelope in envelopes:
        observed.hear(envelope)
    return [
        Notification(id=position, **vars(app.mapper.to_stored_event(domain_event)))
        for position, domain_event in enumerate(observed.collect_events(), start=1)
    ]


def test_a_stored_heard_event_reads_back_as_the_envelope_that_was_heard() -> None:
    app: Application[Any] = Application()
    envelopes = lifecycle()
    notifications = [n for n in stored(app, envelopes) if n.topic == HEARD_TOPIC]
    read = [heard_envelope(app.mapper, n) for n in notifications]
    assert read == envelopes
    # ... and exactly what decoding with the application's mapper gives.
    decoded: list[Any] = [app.mapper.to_domain_event(n) for n in notifications]
    assert read == [envelope_from(d.event_type, d.event_version, d.data, d.meta) for d in decoded]


def test_a_stored_event_that_breaks_its_contract_is_refused_naming_the_field() -> None:
    app: Application[Any] = Application()
    heard = [n for n in stored(app, lifecycle()) if n.topic == HEARD_TOPIC][1]
    broken = heard.state.replace(b'"proposal_id"', b'"proposal_ident"')
    with pytest.raises(ValidationError, match="proposal_id"):
        heard_envelope(app.mapper, Notification(**{**vars(heard), "state": broken}))


def test_an_older_version_of_an_event_is_upcast_when_read_back() -> None:
    registry = EventRegistry()

    class NoteV1(IntegrationEvent, registry=registry):
        event_type: ClassVar[str] = "test.note"
        version: ClassVar[int] = 1
        proposal_id: UUID
        text: str

    class NoteV2(IntegrationEvent, registry=registry):
        event_type: ClassVar[str] = "test.note"
        version: ClassVar[int] = 2
        proposal_id: UUID
        text: str
        language: str

    registry.register_upcaster("test.note", 1, lambda data: {**data, "language": "ja"})
    first = submitted_envelope()
    pid = UUID(first.meta.subject)
    old, new = (
        NoteV1(proposal_id=pid, text="古い"),
        NoteV2(proposal_id=pid, text="new", language="en"),
    )
    app: Application[Any] = Application()
    notifications = stored(app, [following(first, old), following(first, new)])
    read = [heard_envelope(app.mapper, n, registry).event for n in notifications[1:]]
    assert read == [NoteV2(proposal_id=pid, text="古い", language="ja"), new]


def test_hearing_events_one_by_one_gives_the_fold_of_everything_heard_in_any_order() -> None:
    envelopes = lifecycle()
    # The same moment twice: the fold keeps such events in the order they were heard.
    pid = UUID(envelopes[0].meta.subject)
    same_time = following(envelopes[1], StatusLineSet(proposal_id=pid, ja="同時", en="Same"))
    same_time = same_time.model_copy(
        update={"meta": same_time.meta.model_copy(update={"time": envelopes[2].meta.time})}
    )
    envelopes.insert(3, same_time)
    refolds = 0
    for arrival in itertools.permutations(envelopes):
        proposal = HeardProposal()
        for count, envelope in enumerate(arrival, start=1):
            heard_so_far = list(arrival[:count])

            def everything_heard(heard: list[Envelope] = heard_so_far) -> list[Envelope]:
                nonlocal refolds
                refolds += 1
                return heard

            assert proposal.hear(envelope, everything_heard) == fold_heard(heard_so_far)
        assert proposal.state is not None
        assert proposal.state.events_applied == len(envelopes)
    # Heard in time order, each event is folded alone; only the others refold.
    in_order = HeardProposal()
    for envelope in envelopes:
        in_order.hear(envelope, lambda: pytest.fail("refolded events heard in time order"))
    assert 0 < refolds < 120 * len(envelopes)


def test_the_register_folds_events_heard_out_of_order_as_if_heard_in_order() -> None:
    submitted, accepted, status, withdrawn = lifecycle()
    arrival = [accepted, submitted, withdrawn, status]  # intake's topic, then routing's
    app: Application[Any] = Application()
    observed = ObservedProposal(proposal_id=UUID(submitted.meta.subject))
    for envelope in arrival:
        observed.hear(envelope)
    app.save(observed)
    for heard in range(len(arrival) + 1):  # position 1 is the Opened event
        expected = fold_heard(arrival[:heard])
        listed = Register(app).snapshot(until=1 + heard)["proposals"]
        assert [row["state"] for row in listed] == (
            [] if expected is None else [expected.model_dump(mode="json")]
        )
    final = Register(app).proposal(UUID(submitted.meta.subject))
    assert final is not None and final.status is ProposalStatus.WITHDRAWN
    assert [step.at for step in final.steps] == sorted(step.at for step in final.steps)


def test_nothing_is_folded_until_the_submission_is_heard() -> None:
    submitted, accepted, *_ = lifecycle()
    proposal = HeardProposal()
    assert proposal.hear(accepted, lambda: [accepted]) is None
    state = proposal.hear(submitted, lambda: [accepted, submitted])
    assert state is not None and state.events_applied == 2
    assert state.updated_at == accepted.meta.time
