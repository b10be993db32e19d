"""The implementation application on the memory store (`database_url="memory:"`): it hears
decision's adoption and opens the project; the owning department takes it through."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, date, datetime
from uuid import UUID, uuid4

import pytest

from services.decision.fairness import assess, earliest_budget, thresholds
from services.implementation.application import ImplementationApplication
from services.implementation.integration import to_envelope
from services.implementation.read_models import Projects
from services.implementation.settings import ImplementationSettings
from shared.acting import Acting
from shared.contract import (
    ActorRole,
    AgreementKind,
    AssessmentInputs,
    Envelope,
    Experiment,
    ExperimentStep,
    ImplementationStarted,
    ImplementerSelected,
    LogicModel,
    ProjectClosed,
    ProposalAdopted,
    ProposalWithdrawn,
    UniquenessEvidence,
    Verdict,
    VerdictGiven,
    VerificationOverdue,
)
from shared.errors import InvalidValue, NotFound, StateConflict
from shared.proposal import PROPOSAL_FOLD
from tests.factories import envelope, taken_on

KYOIKU = Acting.new(ActorRole.DEPARTMENT, "nagasaki")
LOGIC = LogicModel(
    inputs=("職員1名",),
    activities=("点検",),
    outputs=("地図",),
    outcomes=("減少",),
    impact=("安全",),
)


def on_1_december_2026() -> datetime:
    return datetime(2026, 12, 1, 3, tzinfo=UTC)


@pytest.fixture
def implementation() -> Iterator[ImplementationApplication]:
    application = ImplementationApplication(
        ImplementationSettings(database_url="memory:"), on_1_december_2026
    )
    yield application
    application.close()


def adoption(
    proposal_id: UUID,
    inputs: AssessmentInputs,
    *,
    decided_by: str = "kyoiku",
    experiment: Experiment | None = None,
    municipality: str = "nagasaki",
) -> Envelope:
    rules = thresholds(municipality)
    money = inputs.initial_cost_yen + inputs.recurring_cost_yen_per_year
    event = ProposalAdopted(
        proposal_id=proposal_id,
        decided_by=decided_by,
        assessment=assess(inputs, rules),
        experiment=experiment,
        budget_entry=earliest_budget(date(2025, 10, 30), rules) if money else None,
    )
    return envelope("decision", proposal_id, 2, event, minute=10, municipality=municipality)


def adopted(
    implementation: ImplementationApplication,
    inputs: AssessmentInputs,
    *,
    decided_by: str = "kyoiku",
    experiment: Experiment | None = None,
) -> UUID:
    proposal_id = uuid4()
    story = [
        *taken_on(proposal_id, "kyoiku"),
        adoption(proposal_id, inputs, decided_by=decided_by, experiment=experiment),
    ]
    assert all(implementation.process(e) for e in story)
    return proposal_id


def test_an_adoption_heard_opens_one_project_with_the_assessments_route(
    implementation: ImplementationApplication,
) -> None:
    proposal_id = uuid4()
    adopted_envelope = adoption(proposal_id, AssessmentInputs(occupancy_days=400))
    assert implementation.process(adopted_envelope)
    assert not implementation.process(adopted_envelope)  # delivered twice: one project
    record = implementation.record(proposal_id, "nagasaki")
    assert (record.project.route, record.project.phase, record.owner) == (
        "open_call",
        "selection",
        "kyoiku",
    )
    assert record.history == []  # the opening is decision's news, not republished
    with pytest.raises(NotFound):
        implementation.record(proposal_id, "setagaya")
    with pytest.raises(NotFound, match="not adopted"):
        implementation.record(uuid4(), "nagasaki")


def test_only_the_owning_department_runs_the_project(
    implementation: ImplementationApplication,
) -> None:
    proposal_id = adopted(implementation, AssessmentInputs())
    with pytest.raises(NotFound, match="no project for proposal") as conflict:
        sign_memorandum(implementation, proposal_id, department="toshi")
    assert conflict.value.loc == ["path", "proposal_id"]


def test_a_council_decision_is_run_by_the_department_that_took_the_proposal_on(
    implementation: ImplementationApplication,
) -> None:
    proposal_id = adopted(implementation, AssessmentInputs(), decided_by="council")
    record = implementation.record(proposal_id, "nagasaki")
    assert record.owner == "kyoiku"
    assert record.proposal is not None and record.proposal.receipt_number == "NGS-2025-0001"


def test_a_direct_selection_through_to_the_verdict_publishes_each_step_and_folds(
    implementation: ImplementationApplication,
) -> None:
    inputs = AssessmentInputs(uniqueness_evidence=(UniquenessEvidence.PATENT,))
    proposal_id = adopted(implementation, inputs)
    common = (proposal_id, "kyoiku", KYOIKU)
    implementation.select(
        *common,
        implementer="株式会社みなと観光",
        reasons="特許技術",
        selected_on=date(2026, 4, 1),
        uniqueness_justification="特許第1234567号",
    )
    implementation.conclude_agreement(
        *common,
        kind=AgreementKind.BUSINESS_AGREEMENT,
        parties=["長崎市", "株式会社みなと観光"],
        signed_on=date(2026, 4, 10),
        term_from=date(2026, 4, 10),
        term_until=date(2027, 3, 31),
        fields=["教育"],
        involvement=None,
        council_vote=None,
    )
    implementation.start(*common, started_on=date(2026, 4, 15), city_cost_share_yen=0)
    implementation.end(*common, ended_on=date(2026, 8, 31), verification_due_on=date(2026, 11, 30))
    # Ended, not verified, and 1 December is past the due date: the check raises
    # VerificationOverdue once, and the overdue list follows from it.
    assert implementation.overdue_verifications("nagasaki") == []
    assert implementation.check_verification_deadlines() == 1
    assert implementation.check_verification_deadlines() == 0
    [line] = implementation.overdue_verifications("nagasaki")
    assert (line.proposal_id, line.phase, line.overdue) == (proposal_id, "verification", True)
    implementation.set_logic_model(*common, logic_model=LOGIC)
    implementation.define_kpi(*common, name="ヒヤリハット件数", unit="件", baseline=40, target=20)
    implementation.measure_kpi(
        *common, name="ヒヤリハット件数", measured_on=date(2026, 8, 1), value=15
    )
    implementation.give_verdict(
        *common, verdict=Verdict.SPREAD, reasons="目標を上回った", verified_on=date(2026, 12, 1)
    )
    assert implementation.overdue_verifications("nagasaki") == []
    implementation.close_project(*common, closed_on=date(2026, 12, 1))

    record = implementation.record(proposal_id, "nagasaki")
    events = [e.event for e in record.history]
    assert [type(e).__name__ for e in events] == [
        "ImplementerSelected",
        "AgreementConcluded",
        "ImplementationStarted",
        "ImplementationEnded",
        "VerificationOverdue",
        "LogicModelSet",
        "KpiDefined",
        "KpiMeasured",
        "VerdictGiven",
        "ProjectClosed",
    ]
    overdue = events[4]
    assert isinstance(overdue, VerificationOverdue)
    assert (overdue.due_on, overdue.department) == (date(2026, 11, 30), "kyoiku")
    selected, verdict, closed = events[0], events[8], events[9]
    assert isinstance(selected, ImplementerSelected)
    assert selected.uniqueness_justification == "特許第1234567号"
    assert isinstance(verdict, VerdictGiven) and verdict.kpis[0].measurements[0].value == 15
    assert isinstance(closed, ProjectClosed) and closed.verdict is Verdict.SPREAD
    assert [e.meta.actor_role for e in record.history if e.event is not overdue] == [
        ActorRole.DEPARTMENT
    ] * 9
    assert record.history[4].meta.actor_role is ActorRole.SYSTEM

    # The shared fold: intake's and routing's story, decision's adoption, then ours.
    story = [
        *taken_on(proposal_id, "kyoiku"),
        adoption(proposal_id, inputs),
        *record.history,
    ]
    state = PROPOSAL_FOLD.fold(story)
    assert state is not None
    assert (state.status.value, state.project_phase, state.implementer, state.verdict) == (
        "adopted",
        "closed",
        "株式会社みなと観光",
        "spread",
    )
    assert "効果検証の結論: 他地域への展開（目標を上回った）" in [s.ja for s in state.steps]
    assert "期限超過（効果検証、期限 2026-11-30）" in [s.ja for s in state.steps]


def test_the_history_goes_out_as_signed_envelopes_of_the_service(
    implementation: ImplementationApplication,
) -> None:
    proposal_id = adopted(implementation, AssessmentInputs())
    implementation.conclude_agreement(
        proposal_id,
        "kyoiku",
        KYOIKU,
        kind=AgreementKind.MEMORANDUM,
        parties=["長崎市", "株式会社みなと観光"],
        signed_on=date(2026, 5, 1),
        term_from=date(2026, 5, 1),
        term_until=date(2027, 3, 31),
        fields=[],
        involvement=None,
        council_vote=None,
    )
    stored = list(implementation.events.get(proposal_id))
    [agreement] = [e for e in map(to_envelope, stored) if e is not None]
    assert agreement.meta.service == "implementation"
    assert agreement.meta.sequence == 2  # the project's opening is its first event
    assert agreement.event.cloudevent_type() == "jp.kyoso.implementation.agreement.concluded.v1"


def test_the_read_model_rebuilt_from_history_holds_what_the_running_one_holds(
    implementation: ImplementationApplication,
) -> None:
    adopted(implementation, AssessmentInputs())
    adopted(implementation, AssessmentInputs(occupancy_days=400))
    assert len(implementation.project_lines("nagasaki")) == 2
    assert len(implementation.project_lines("nagasaki", "toshi")) == 0
    running = implementation.projects.snapshot()
    rebuilt = Projects(implementation)
    rebuilt.catch_up()
    assert rebuilt.snapshot() == running


def test_a_setagaya_experiment_is_checked_against_the_cap_in_force_when_it_starts() -> None:
    """From decision's adoption of a Setagaya experiment to its report: the city's cost
    share against the cap of the start date (Setagaya 004: 令和8年度から100万円を上限)."""
    application = ImplementationApplication(
        ImplementationSettings(database_url="memory:"), on_1_december_2026
    )
    try:
        co_lab = Acting.new(ActorRole.DEPARTMENT, "setagaya")
        proposal_id = uuid4()
        experiment = Experiment(
            city_cost_share_yen=800_000, city_roles=("場所",), proposer_roles=("運営", "報告")
        )
        heard = adoption(
            proposal_id,
            AssessmentInputs(),
            decided_by="co-lab",
            experiment=experiment,
            municipality="setagaya",
        )
        assert application.process(heard)
        common = (proposal_id, "co-lab", co_lab)
        application.conclude_agreement(
            *common,
            kind=AgreementKind.MEMORANDUM,
            parties=["世田谷区", "株式会社みなと観光"],
            signed_on=date(2026, 3, 1),
            term_from=date(2026, 3, 1),
            term_until=date(2026, 12, 31),
            fields=[],
            involvement=None,
            council_vote=None,
        )
        with pytest.raises(InvalidValue, match="no cost sharing in force"):
            application.start(*common, started_on=date(2026, 3, 31), city_cost_share_yen=800_000)
        application.start(*common, started_on=date(2026, 4, 1), city_cost_share_yen=800_000)
        for step in ExperimentStep:
            application.complete_step(
                *common,
                step=step,
                done_on=date(2026, 6, 1),
                city_present=step is ExperimentStep.RUN_WITH_CITY,
                note=None,
            )
        application.end(*common, ended_on=date(2026, 9, 30), verification_due_on=None)
        record = application.record(proposal_id, "setagaya")
        started = [e.event for e in record.history if isinstance(e.event, ImplementationStarted)]
        assert [(s.city_cost_share_yen, s.cost_share_cap_yen) for s in started] == [
            (800_000, 1_000_000)
        ]
        assert record.project.verification_due_on == date(2026, 12, 29)
        assert not application.overdue_verifications("setagaya")  # 1 December: not yet due
    finally:
        application.close()


def test_a_project_line_names_the_proposal_as_intake_gave_it_also_when_heard_late(
    implementation: ImplementationApplication,
) -> None:
    named = adopted(implementation, AssessmentInputs())
    late = uuid4()
    # The adoption first, the submission after it: they come on different topics.
    assert implementation.process(adoption(late, AssessmentInputs()))
    [line] = [x for x in implementation.project_lines("nagasaki") if x.proposal_id == late]
    assert (line.receipt_number, line.title) == (None, None)
    story = taken_on(late, "kyoiku", receipt_number="NGS-2025-0002", title="公園の夜間照明")
    assert all(implementation.process(e) for e in story)
    titles = {
        line.proposal_id: (line.receipt_number, line.title)
        for line in implementation.project_lines("nagasaki")
    }
    assert titles == {
        named: ("NGS-2025-0001", "通学路安全点検支援システム"),
        late: ("NGS-2025-0002", "公園の夜間照明"),
    }
    rebuilt = Projects(implementation)
    rebuilt.catch_up()
    assert rebuilt.snapshot() == implementation.projects.snapshot()
    assert {row["title"] for row in rebuilt.snapshot()["projects"]} == {
        "通学路安全点検支援システム",
        "公園の夜間照明",
    }


def withdrawal(proposal_id: UUID) -> Envelope:
    """The proposer withdraws (intake's third event of the proposal), after the adoption."""
    event = ProposalWithdrawn(proposal_id=proposal_id, reason="社内で再検討します")
    return envelope("intake", proposal_id, 3, event, minute=20)


def sign_memorandum(
    implementation: ImplementationApplication, proposal_id: UUID, department: str = "kyoiku"
) -> None:
    implementation.conclude_agreement(
        proposal_id,
        department,
        KYOIKU,
        kind=AgreementKind.MEMORANDUM,
        parties=["長崎市", "株式会社みなと観光"],
        signed_on=date(2026, 5, 1),
        term_from=date(2026, 5, 1),
        term_until=date(2027, 3, 31),
        fields=[],
        involvement=None,
        council_vote=None,
    )


def test_a_withdrawal_heard_before_the_signing_ends_the_project_as_withdrawn(
    implementation: ImplementationApplication,
) -> None:
    proposal_id = adopted(implementation, AssessmentInputs())
    assert implementation.process(withdrawal(proposal_id))
    record = implementation.record(proposal_id, "nagasaki")
    assert (record.project.phase, record.project.withdrawal_reason) == (
        "withdrawn",
        "社内で再検討します",
    )
    assert record.project.withdrawn_on == date(2025, 10, 30)  # the day intake took it, JST
    assert record.proposal is not None and record.proposal.project_phase is None
    [line] = implementation.project_lines("nagasaki")
    assert (line.phase, line.overdue) == ("withdrawn", False)
    assert implementation.overdue_verifications("nagasaki") == []
    with pytest.raises(StateConflict, match="ended by withdrawal") as refused:
        sign_memorandum(implementation, proposal_id)
    assert (refused.value.field, refused.value.code) == ("kind", "withdrawn")
    rebuilt = Projects(implementation)
    rebuilt.catch_up()
    assert rebuilt.snapshot() == implementation.projects.snapshot()


def test_a_withdrawal_heard_after_the_signing_keeps_the_project_and_is_logged(
    implementation: ImplementationApplication, caplog: pytest.LogCaptureFixture
) -> None:
    proposal_id = adopted(implementation, AssessmentInputs())
    sign_memorandum(implementation, proposal_id)
    version = implementation.record(proposal_id, "nagasaki").project.version
    with caplog.at_level(logging.WARNING, "services.implementation.application"):
        assert implementation.process(withdrawal(proposal_id))
    record = implementation.record(proposal_id, "nagasaki")
    assert (record.project.phase, record.project.version) == ("implementation_pending", version)
    assert f"withdrawal of proposal {proposal_id} ignored" in caplog.text
    assert "the agreement was signed on 2026-05-01" in caplog.text
    implementation.start(
        proposal_id, "kyoiku", KYOIKU, started_on=date(2026, 5, 10), city_cost_share_yen=0
    )


def test_a_withdrawal_of_a_proposal_never_adopted_is_only_heard(
    implementation: ImplementationApplication,
) -> None:
    proposal_id = uuid4()
    assert all(implementation.process(e) for e in taken_on(proposal_id, "kyoiku"))
    assert implementation.process(withdrawal(proposal_id))
    state = implementation.proposal_state(proposal_id)
    assert state is not None and state.status.value == "withdrawn"
    with pytest.raises(NotFound):
        implementation.record(proposal_id, "nagasaki")
