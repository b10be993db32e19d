"""Audit replay's ordering: causes before effects even when the clocks disagree."""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID

from shared.audit.history import InternalRecord, ProposalHistory
from shared.contract import ProposalAccepted
from shared.proposal import ProposalStatus
from tests.unit.test_contract import submitted_envelope
from tests.unit.test_fold import following


def test_an_effect_stamped_before_its_cause_is_replayed_after_it() -> None:
    submitted = submitted_envelope()
    pid = UUID(submitted.meta.subject)
    accepted = following(submitted, ProposalAccepted(proposal_id=pid))
    # The desk's clock ran a minute behind intake's: by time alone, acceptance came first.
    skewed = accepted.model_copy(
        update={
            "meta": accepted.meta.model_copy(
                update={
                    "time": submitted.meta.time - timedelta(minutes=1),
                    "causation_id": str(submitted.meta.event_id),
                }
            )
        }
    )
    opened = InternalRecord(
        submitted.meta.time + timedelta(hours=1), "routing", "system", "Routing.Started"
    )

    history = ProposalHistory(pid, [skewed, submitted, skewed], [opened])
    entries, state = history.replay()

    assert [entry.event_type for entry in entries] == [
        "intake.proposal.submitted",
        "intake.proposal.accepted",
        "(Routing.Started)",
    ]
    assert all(entry.problem is None for entry in entries)
    assert state is not None and state.status is ProposalStatus.ACCEPTED
