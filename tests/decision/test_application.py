"""The decision application with its events kept in the process (`database_url="memory:"`):
what it hears from intake and routing, then what departments and the council decide.
No broker, no database."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from uuid import UUID, uuid4

import pytest

from services.decision.application import DecisionApplication
from services.decision.domain import COUNCIL
from services.decision.settings import DecisionSettings
from shared.acting import Acting
from shared.contract import (
    ActorRole,
    AssessmentInputs,
    Envelope,
    Experiment,
    IncentiveRecorded,
    ProposalAdopted,
    ProposalEscalated,
    ProposalRejectedAfterReview,
    ProposalWithdrawn,
    RejectionReason,
)
from shared.errors import InvalidValue, NotFound, NotYetHeard, StateConflict
from tests.factories import envelope, taken_on

DEPARTMENT = Acting.new(ActorRole.DEPARTMENT, "nagasaki")
THE_COUNCIL = Acting.new(ActorRole.COUNCIL, "nagasaki")
CO_LAB = Acting.new(ActorRole.DEPARTMENT, "setagaya")
ROLES = {"city_roles": ("場所の提供",), "proposer_roles": ("運営", "報告")}


def morning_of_30_october() -> datetime:
    return datetime(2025, 10, 30, 3, tzinfo=UTC)  # noon in Japan, before the budget requests


@pytest.fixture
def decision() -> Iterator[DecisionApplication]:
    application = DecisionApplication(
        DecisionSettings(database_url="memory:"), morning_of_30_october
    )
    yield application
    application.close()


def heard(decision: DecisionApplication, envelopes: list[Envelope]) -> list[bool]:
    return [decision.process(envelope) for envelope in envelopes]


def taken_on_by(decision: DecisionApplication, department: str = "kyoiku", **kw: str) -> UUID:
    proposal_id = uuid4()
    assert all(heard(decision, taken_on(proposal_id, department, **kw)))
    return proposal_id


def test_the_department_adopts_what_it_took_on_and_copies_are_ignored(
    decision: DecisionApplication,
) -> None:
    proposal_id = uuid4()
    story = taken_on(proposal_id, "kyoiku")
    assert heard(decision, story) == [True, True, True, True]
    assert heard(decision, story) == [False, False, False, False]  # delivered twice

    decision.adopt(proposal_id, "kyoiku", AssessmentInputs(occupancy_days=30), DEPARTMENT)
    record = decision.record(proposal_id, "nagasaki")
    assert (record.decision.outcome, record.decision.route) == (
        "adopted",
        "partnership_without_selection",
    )
    [adoption] = record.history
    assert isinstance(adoption.event, ProposalAdopted)
    assert adoption.meta.actor_role is ActorRole.DEPARTMENT
    assert adoption.event.budget_entry is None  # no city money
    assert heard(decision, story) == [False, False, False, False]  # still one decision
    with pytest.raises(StateConflict, match="NGS-2025-0001 is already adopted"):
        decision.adopt(proposal_id, "kyoiku", AssessmentInputs(), DEPARTMENT)


def test_a_rejection_goes_out_with_its_reasons(decision: DecisionApplication) -> None:
    proposal_id = taken_on_by(decision)
    decision.reject(
        proposal_id,
        "kyoiku",
        [RejectionReason.OVERLAP_WITH_EXISTING],
        "既存の通学路安全プログラムと重複します",
        DEPARTMENT,
    )
    [rejection] = decision.record(proposal_id, "nagasaki").history
    assert isinstance(rejection.event, ProposalRejectedAfterReview)
    assert rejection.event.reasons == (RejectionReason.OVERLAP_WITH_EXISTING,)


def test_only_the_department_that_took_the_proposal_on_decides_it(
    decision: DecisionApplication,
) -> None:
    proposal_id = taken_on_by(decision)
    # A department the proposal was never routed to does not even learn that it exists
    # (DESIGN.md §8): the same answer as for a proposal that is not there.
    with pytest.raises(NotFound, match="no proposal"):
        decision.adopt(proposal_id, "kankyo", AssessmentInputs(), DEPARTMENT)
    with pytest.raises(StateConflict, match="NGS-2025-0001 was not escalated"):
        decision.reject(proposal_id, COUNCIL, [RejectionReason.COST], "x", THE_COUNCIL)
    with pytest.raises(NotFound):
        decision.decision(proposal_id, "nagasaki")  # nothing was started


def test_a_proposal_unheard_or_of_another_city_is_not_found(
    decision: DecisionApplication,
) -> None:
    with pytest.raises(NotFound, match="no proposal"):
        decision.adopt(uuid4(), "kyoiku", AssessmentInputs(), DEPARTMENT)
    setagayas = taken_on_by(decision, "co-lab", municipality="setagaya")
    with pytest.raises(NotFound, match="no proposal"):
        decision.adopt(setagayas, "co-lab", AssessmentInputs(), DEPARTMENT)  # Nagasaki's staff
    with pytest.raises(NotFound, match="no decision"):
        decision.record(setagayas, "nagasaki")


def test_the_council_decides_what_was_escalated_oldest_first(
    decision: DecisionApplication,
) -> None:
    first = taken_on_by(decision)
    second = taken_on_by(decision, receipt_number="NGS-2025-0002", title="登下校見守りアプリ")
    assert decision.awaiting_council("nagasaki") == []
    for proposal_id in (first, second):
        decision.escalate(proposal_id, "kyoiku", "複数部局にまたがる", DEPARTMENT)

    waiting = decision.awaiting_council("nagasaki")
    assert [w.escalation.proposal_id for w in waiting] == [first, second]
    assert [w.title for w in waiting] == ["通学路安全点検支援システム", "登下校見守りアプリ"]
    assert (waiting[0].escalation.department, waiting[0].escalation.reason) == (
        "kyoiku",
        "複数部局にまたがる",
    )
    assert decision.awaiting_council("setagaya") == []

    with pytest.raises(StateConflict, match="NGS-2025-0001 was escalated: the council decides"):
        decision.adopt(first, "kyoiku", AssessmentInputs(), DEPARTMENT)
    decision.adopt(first, COUNCIL, AssessmentInputs(initial_cost_yen=3_000_000), THE_COUNCIL)
    record = decision.record(first, "nagasaki")
    assert [type(e.event) for e in record.history] == [ProposalEscalated, ProposalAdopted]
    adoption = record.history[-1].event
    assert isinstance(adoption, ProposalAdopted) and adoption.decided_by == COUNCIL
    assert adoption.budget_entry is not None and adoption.budget_entry.fiscal_year == 2026
    assert [w.escalation.proposal_id for w in decision.awaiting_council("nagasaki")] == [second]


def test_setagayas_experiment_and_incentive_caps(decision: DecisionApplication) -> None:
    proposal_id = taken_on_by(
        decision, "co-lab", municipality="setagaya", receipt_number="SET-2025-0001"
    )
    open_call = AssessmentInputs(occupancy_days=365, occupancy_quantity=5)
    with pytest.raises(InvalidValue) as over:
        decision.adopt(
            proposal_id,
            "co-lab",
            open_call,
            CO_LAB,
            experiment=Experiment(city_cost_share_yen=1_000_001, **ROLES),
        )
    assert over.value.field == "experiment.city_cost_share_yen"
    with pytest.raises(NotFound):
        decision.decision(proposal_id, "setagaya")  # the refusal left nothing behind

    decision.adopt(
        proposal_id,
        "co-lab",
        open_call,
        CO_LAB,
        experiment=Experiment(city_cost_share_yen=1_000_000, **ROLES),
    )
    with pytest.raises(InvalidValue) as too_much:
        decision.record_incentive(proposal_id, "co-lab", 10.5, 100, "公告文", CO_LAB)
    assert too_much.value.field == "bonus_points"
    decision.record_incentive(proposal_id, "co-lab", 10, 100, "公告文", CO_LAB)

    record = decision.record(proposal_id, "setagaya")
    assert (record.decision.route, record.decision.incentive) == ("open_call", 10)
    adoption, incentive = (e.event for e in record.history)
    assert isinstance(adoption, ProposalAdopted) and isinstance(incentive, IncentiveRecorded)
    assert adoption.budget_entry is not None  # the ward's cost share is city money
    assert incentive.cap_points == 10


def test_the_fairness_thresholds_and_an_assessment_without_deciding(
    decision: DecisionApplication,
) -> None:
    assert decision.fairness_thresholds("setagaya").incentive_cap_ratio == 0.1
    with pytest.raises(NotFound, match="'yokohama' is not served") as refused:
        decision.fairness_thresholds("yokohama")
    assert refused.value.loc == ["path", "municipality"]
    assessment = decision.assess_fairness("sapporo", AssessmentInputs(occupancy_days=200))
    assert assessment.route.value == "open_call"


def test_right_after_take_on_the_department_is_told_to_retry_not_who_decides(
    decision: DecisionApplication,
) -> None:
    """Outside-in finding: routing's take-on reaches decision within about a second; in
    between, adopt said "decided by the department that took it on (none yet)"."""
    proposal_id = uuid4()
    *routed, took_on = taken_on(proposal_id, "kyoiku")
    assert all(heard(decision, routed))
    with pytest.raises(NotYetHeard) as early:
        decision.adopt(proposal_id, "kyoiku", AssessmentInputs(), DEPARTMENT)
    assert early.value.reason == (
        "NGS-2025-0001: decision has not yet heard that kyoiku took it on; "
        "if it did just now, retry in a moment"
    )
    assert early.value.retry_after_seconds == 1
    assert heard(decision, [took_on]) == [True]
    adopted_now = decision.adopt(proposal_id, "kyoiku", AssessmentInputs(), DEPARTMENT)
    assert adopted_now.outcome == "adopted"


def test_a_withdrawn_proposal_is_said_to_be_withdrawn(decision: DecisionApplication) -> None:
    proposal_id = uuid4()
    story = taken_on(proposal_id, "kyoiku")
    withdrawn = envelope(
        "intake", proposal_id, 3, ProposalWithdrawn(proposal_id=proposal_id), minute=9
    )
    assert all(heard(decision, [*story, withdrawn]))
    with pytest.raises(StateConflict) as refused:
        decision.adopt(proposal_id, "kyoiku", AssessmentInputs(), DEPARTMENT)
    assert refused.value.reason == (
        "NGS-2025-0001 was withdrawn by the proposer: nothing to decide"
    )
    # Escalated first, withdrawn after: the council is told the same.
    other = uuid4()
    assert all(heard(decision, taken_on(other, "kyoiku")))
    decision.escalate(other, "kyoiku", "部局横断の判断が必要", DEPARTMENT)
    assert heard(
        decision, [envelope("intake", other, 3, ProposalWithdrawn(proposal_id=other), minute=9)]
    ) == [True]
    with pytest.raises(StateConflict, match="was withdrawn by the proposer"):
        decision.adopt(other, COUNCIL, AssessmentInputs(), THE_COUNCIL)


def test_the_lead_department_answers_infeasible_before_taking_it_on(
    decision: DecisionApplication,
) -> None:
    # Aomori 000: 実施困難と判断した場合は検討過程において早めに回答します.
    proposal_id = uuid4()
    assert all(heard(decision, taken_on(proposal_id, "kyoiku")[:3]))  # routed, not taken on
    with pytest.raises(NotFound, match="no proposal"):  # not routed to kankyo
        decision.answer_infeasible(
            proposal_id, "kankyo", [RejectionReason.COST], "予算がありません", DEPARTMENT
        )
    decision.answer_infeasible(
        proposal_id,
        "kyoiku",
        [RejectionReason.LAW_CONFLICT],
        "条例により公園内での営業はできません",
        DEPARTMENT,
    )
    record = decision.record(proposal_id, "nagasaki")
    assert (record.decision.outcome, record.decision.early) == ("rejected", True)
    [rejection] = record.history  # the proposer reads it as any rejection, reasons and all
    assert isinstance(rejection.event, ProposalRejectedAfterReview)
    assert rejection.event.reasons == (RejectionReason.LAW_CONFLICT,)
    assert rejection.event.explanation == "条例により公園内での営業はできません"
    assert rejection.meta.actor_role is ActorRole.DEPARTMENT
    with pytest.raises(StateConflict, match="NGS-2025-0001 is already rejected"):
        decision.answer_infeasible(
            proposal_id, "kyoiku", [RejectionReason.COST], "再度", DEPARTMENT
        )
    # Taken on after all: the decision stays what the department answered.
    assert heard(decision, taken_on(proposal_id, "kyoiku")[3:]) == [True]
    with pytest.raises(StateConflict, match="NGS-2025-0001 is already rejected"):
        decision.adopt(proposal_id, "kyoiku", AssessmentInputs(), DEPARTMENT)
