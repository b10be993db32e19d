"""What decision hears, in whatever order the two topics deliver it, on SQLite and PostgreSQL.

Decision appends what it hears after the record's last event without rebuilding the
record, so these tests check that the record stays whole: routing's word before intake's,
copies, and a decision on top.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from services.decision.application import DecisionApplication
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
from shared.errors import DomainError
from shared.observed import ObservedProposal
from shared.proposal import ProposalStatus

pytestmark = pytest.mark.integration


def heard_of_one_proposal() -> tuple[uuid.UUID, list[Envelope]]:
    """Intake's submitted and accepted, routing's routed and taken on (to kyoiku)."""
    pid = uuid.uuid4()
    now = datetime.now(UTC)

    def wrap(service: str, sequence: int, step: int, event: IntegrationEvent) -> Envelope:
        meta = EventMetadata(
            event_id=stable_event_id(service, str(pid), sequence),
            service=service,
            subject=str(pid),
            time=now + timedelta(milliseconds=step),
            municipality="nagasaki",
            actor_role=ActorRole.SYSTEM,
            correlation_id="hearing",
            sequence=sequence,
            source_position=step,
        )
        return Envelope(event=event, meta=meta)

    submitted = ProposalSubmitted(
        proposal_id=pid,
        municipality="nagasaki",
        receipt_number="NGS-2026-0001",
        fiscal_year=2026,
        channel="free",
        proposer=PublicProposer(organisation="みなと観光", kind="company"),
        title="通学路安全点検支援システム",
        field="教育",
        summary="通学路の安全点検を効率化する。",
        content="学校と保護者が危険箇所を共有する。",
        has_protected_part=False,
        received_on=now.date(),
    )
    due = date(2026, 1, 1)
    routed = ProposalRouted(
        proposal_id=pid,
        hop=1,
        lead_department="kyoiku",
        departments=["kyoiku"],
        method=RoutingMethod.MATCH,
        reason="教育",
        due_on=due,
    )
    return pid, [
        wrap("intake", 1, 0, submitted),
        wrap("intake", 2, 1, ProposalAccepted(proposal_id=pid)),
        wrap("routing", 2, 2, routed),
        wrap(
            "routing",
            3,
            3,
            ProposalTakenOn(proposal_id=pid, department="kyoiku", dialogue_due_on=due),
        ),
    ]


@pytest.fixture
def decision(tmp_path: Path, database_url: str) -> Iterator[DecisionApplication]:
    settings = DecisionSettings(
        data_dir=tmp_path, database_url=database_url.replace("intake.sqlite", "decision.sqlite")
    )
    application = DecisionApplication(settings)
    yield application
    application.close()


def test_routings_word_before_intakes_and_copies_make_one_whole_record(
    decision: DecisionApplication,
) -> None:
    pid, (submitted, accepted, routed, taken_on) = heard_of_one_proposal()
    delivered = [routed, taken_on, submitted, routed, accepted, submitted, taken_on]
    assert [decision.process(e) for e in delivered] == [
        True,
        True,
        True,
        False,
        True,
        False,
        False,
    ]
    observed: ObservedProposal = decision.repository.get(ObservedProposal.create_id(pid))
    assert observed.version == 5 and len(observed.heard_raw) == 4  # opened, then 4 heard
    state = decision.proposal_state(pid)
    assert state is not None and state.status is ProposalStatus.IN_DIALOGUE
    assert state.lead_department == "kyoiku"

    acting = Acting.new(ActorRole.DEPARTMENT, "nagasaki")
    adopted = decision.adopt(pid, "kyoiku", AssessmentInputs(), acting)
    assert adopted.outcome == "adopted" and adopted.route == "partnership_without_selection"


@pytest.mark.parametrize(
    ("first", "refusal"),
    [("escalate", "escalated: the council decides"), ("adopt", "already adopted")],
)
def test_a_department_cannot_decide_twice_nor_after_escalating(
    decision: DecisionApplication, first: str, refusal: str
) -> None:
    pid, envelopes = heard_of_one_proposal()
    for envelope in envelopes:
        decision.process(envelope)
    acting = Acting.new(ActorRole.DEPARTMENT, "nagasaki")
    if first == "escalate":
        decision.escalate(pid, "kyoiku", "needs the council", acting)
    else:
        decision.adopt(pid, "kyoiku", AssessmentInputs(), acting)
    with pytest.raises(DomainError, match=refusal):
        decision.adopt(pid, "kyoiku", AssessmentInputs(), acting)
    stored = list(decision.repository.event_store.get(originator_id=pid))
    assert len(stored) == 2  # started, and the one command that went through
