"""The shared proposal fold: events in, the proposal's state out."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import UUID

import pytest

from shared.contract import (
    ActorRole,
    Envelope,
    EventMetadata,
    IntegrationEvent,
    ProposalAccepted,
    ProposalRejected,
    ProposalWithdrawn,
    ScreeningReason,
    ThemeClosed,
    stable_event_id,
)
from shared.proposal import PROPOSAL_FOLD, ProposalStatus
from shared.proposal.fold import NotYetSubmitted
from tests.unit.test_contract import submitted_envelope


def following(
    previous: Envelope, event: IntegrationEvent, role: ActorRole = ActorRole.DESK
) -> Envelope:
    meta = previous.meta
    return Envelope(
        event=event,
        meta=meta.model_copy(
            update={
                "event_id": stable_event_id("intake", meta.subject, meta.sequence + 1),
                "sequence": meta.sequence + 1,
                "time": meta.time + timedelta(days=1),
                "actor_role": role,
            }
        ),
    )


def test_a_submitted_proposal_is_received_with_its_receipt_number() -> None:
    submitted = submitted_envelope()
    state = PROPOSAL_FOLD.fold([submitted])
    assert state is not None
    assert state.status is ProposalStatus.RECEIVED
    assert state.receipt_number == "NGS-2025-0008"
    assert state.submitted_at == submitted.meta.time
    assert "NGS-2025-0008" in state.steps[0].ja


def test_screening_then_withdrawal_moves_the_status_and_keeps_every_step() -> None:
    submitted = submitted_envelope()
    pid = UUID(submitted.meta.subject)
    accepted = following(submitted, ProposalAccepted(proposal_id=pid))
    withdrawn = following(
        accepted, ProposalWithdrawn(proposal_id=pid, reason="社内事情"), ActorRole.PROPOSER
    )
    state = PROPOSAL_FOLD.fold([submitted, accepted, withdrawn])
    assert state is not None
    assert state.status is ProposalStatus.WITHDRAWN
    assert [s.actor_role for s in state.steps] == [
        ActorRole.PROPOSER,
        ActorRole.DESK,
        ActorRole.PROPOSER,
    ]
    assert state.updated_at == withdrawn.meta.time
    assert state.events_applied == 3


def test_a_rejection_carries_its_reasons_in_both_languages() -> None:
    submitted = submitted_envelope()
    pid = UUID(submitted.meta.subject)
    rejected = following(
        submitted,
        ProposalRejected(
            proposal_id=pid,
            reasons=[ScreeningReason.SALES_PITCH],
            explanation="製品の宣伝です。",
            automatic=False,
        ),
    )
    state = PROPOSAL_FOLD.fold([submitted, rejected])
    assert state is not None and state.status is ProposalStatus.REJECTED
    assert state.screening_reasons == (ScreeningReason.SALES_PITCH,)
    assert "単なる営業" in state.steps[-1].ja and "sales pitch" in state.steps[-1].en


def test_events_the_fold_does_not_know_leave_the_state_alone() -> None:
    submitted = submitted_envelope()
    other = following(
        submitted,
        ThemeClosed(theme_id=UUID(submitted.meta.subject), municipality="nagasaki", number=25),
    )
    before = PROPOSAL_FOLD.fold([submitted])
    assert PROPOSAL_FOLD.fold([submitted, other]) == before


def test_an_event_before_the_submission_is_an_error_not_a_guess() -> None:
    submitted = submitted_envelope()
    accepted = following(submitted, ProposalAccepted(proposal_id=UUID(submitted.meta.subject)))
    with pytest.raises(NotYetSubmitted):
        PROPOSAL_FOLD.fold([accepted])


def test_a_handler_can_be_registered_only_once_per_event() -> None:
    def again(state: Any, event: Any, meta: EventMetadata) -> Any:
        return state

    with pytest.raises(TypeError, match="already has a fold handler"):
        PROPOSAL_FOLD.on(ProposalAccepted)(again)


def test_every_event_about_a_proposal_has_a_fold_handler() -> None:
    from shared.contract import EVENT_REGISTRY

    about_proposals = [e for e in EVENT_REGISTRY.all_events() if "proposal_id" in e.model_fields]
    assert about_proposals and all(PROPOSAL_FOLD.handles(e) for e in about_proposals)
