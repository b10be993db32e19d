"""Routing's application with its events kept in the process (`database_url="memory:"`):
it hears intake through `process(envelope)`, as its consumer would deliver each event,
and staff act on what it routed. The clock is the test's, so deadlines come on demand."""

from __future__ import annotations

from datetime import date
from uuid import UUID, uuid4

import pytest

from services.routing.application import RoutingApplication
from services.routing.settings import RoutingSettings
from shared.acting import Acting
from shared.contract import (
    DeadlinePassed,
    ProposalDeclined,
    ProposalRejectedAfterReview,
    ProposalRouted,
    ProposalTakenOn,
    RoutingMethod,
)
from shared.contract.decision import RejectionReason
from shared.contract.vocabulary import ActorRole, Channel
from shared.errors import InvalidValue, NotFound, StateConflict
from tests.conftest import MovableClock
from tests.factories import IntakeEvents, envelope


@pytest.fixture
def clock() -> MovableClock:
    return MovableClock()  # 30 October 2025 in Japan


@pytest.fixture
def routing(clock: MovableClock) -> RoutingApplication:
    return RoutingApplication(RoutingSettings(database_url="memory:"), clock)


def staff(role: ActorRole = ActorRole.DEPARTMENT, municipality: str = "nagasaki") -> Acting:
    return Acting.new(role, municipality, "staff-1")


def accepted(
    routing: RoutingApplication, proposal: IntakeEvents | None = None, **fields: object
) -> UUID:
    """A proposal intake received and its desk accepted, as routing hears it."""
    proposal = proposal or IntakeEvents()
    assert routing.process(proposal.submitted(**fields))
    assert routing.process(proposal.accepted())
    return proposal.proposal_id


def routed(routing: RoutingApplication, proposal_id: UUID) -> list[ProposalRouted]:
    return [e.event for e in routing.history(proposal_id) if isinstance(e.event, ProposalRouted)]


# -- what routing hears ------------------------------------------------------------------


def test_a_submitted_proposal_is_not_routed_before_the_desk_accepts_it(
    routing: RoutingApplication,
) -> None:
    proposal = IntakeEvents()
    assert routing.process(proposal.submitted())
    with pytest.raises(NotFound):
        routing.routing(proposal.proposal_id, "nagasaki")
    assert routing.proposal_state(proposal.proposal_id) is not None  # but it was heard


def test_an_accepted_proposal_goes_to_the_department_that_fits(routing: RoutingApplication) -> None:
    proposal_id = accepted(routing)  # 教育: Nagasaki's kyoiku
    current = routing.routing(proposal_id, "nagasaki")
    assert (current.hop, current.lead_department, current.departments) == (1, "kyoiku", ["kyoiku"])
    assert current.routing_due_on == date(2025, 11, 13)  # two weeks (Kitakyushu STEP 2)
    (first,) = routed(routing, proposal_id)
    assert first.method is RoutingMethod.MATCH and first.due_on == date(2025, 11, 13)
    (hop,) = routing.history(proposal_id)
    assert hop.meta.actor_role is ActorRole.SYSTEM and hop.meta.causation_id is not None
    assert [line.proposal_id for line in routing.inbox("nagasaki", "kyoiku")] == [proposal_id]


def test_a_pre_consultation_is_routed_like_a_proposal_and_stays_marked(
    routing: RoutingApplication,
) -> None:
    """Issue 16: a consultation (事前相談) goes to the department its field fits, like any
    proposal; its channel says what it is."""
    proposal_id = accepted(
        routing,
        IntakeEvents(municipality="aomori"),
        municipality="aomori",
        channel=Channel.PRE_CONSULTATION,
        field="教育",
        summary="",
    )
    state = routing.proposal_state(proposal_id)
    assert state is not None and state.channel is Channel.PRE_CONSULTATION
    assert len(routed(routing, proposal_id)) == 1


def test_a_theme_proposal_goes_to_the_themes_owner(routing: RoutingApplication) -> None:
    proposal_id = accepted(routing, channel="theme", theme_number=5, theme_department="machizukuri")
    (first,) = routed(routing, proposal_id)
    assert (first.lead_department, first.method) == ("machizukuri", RoutingMethod.THEME_OWNER)


def test_nothing_fitting_waits_in_the_desks_triage_queue(routing: RoutingApplication) -> None:
    proposal_id = accepted(
        routing, title="宇宙港の誘致", field="宇宙", summary="軌道", content="宇宙港"
    )
    dashboard = routing.dashboard("nagasaki")
    assert [line.proposal_id for line in dashboard.triage] == [proposal_id]
    assert routing.record(proposal_id, "nagasaki").line.stage == "triage"


def test_a_copy_of_an_event_is_ignored_and_the_proposal_routed_once(
    routing: RoutingApplication,
) -> None:
    proposal = IntakeEvents()
    submitted, acceptance = proposal.submitted(), proposal.accepted()
    assert routing.process(submitted) and routing.process(acceptance)
    assert routing.process(acceptance) is False
    assert routing.process(submitted) is False
    assert len(routed(routing, proposal.proposal_id)) == 1


def test_a_withdrawn_proposal_leaves_the_inboxes(routing: RoutingApplication) -> None:
    proposal = IntakeEvents()
    accepted(routing, proposal)
    withdrawal = proposal.withdrawn()
    assert routing.process(withdrawal)
    assert routing.process(withdrawal) is False
    assert routing.routing(proposal.proposal_id, "nagasaki").closed
    assert routing.inbox("nagasaki", "kyoiku") == []
    with pytest.raises(StateConflict, match="cannot take on: NGS-2025-0001 is closed"):
        routing.take_on(proposal.proposal_id, "kyoiku", staff())


def test_a_proposal_rejected_at_screening_is_never_routed(routing: RoutingApplication) -> None:
    proposal = IntakeEvents()
    assert routing.process(proposal.submitted())
    assert routing.process(proposal.rejected())
    with pytest.raises(NotFound):
        routing.routing(proposal.proposal_id, "nagasaki")


# -- what departments and the desk do ----------------------------------------------------------


def test_the_department_takes_it_on_and_the_dialogue_gets_three_months(
    routing: RoutingApplication, clock: MovableClock
) -> None:
    proposal_id = accepted(routing)
    clock.advance(days=3)
    routing.take_on(proposal_id, "kyoiku", staff())
    record = routing.record(proposal_id, "nagasaki")
    assert record.line.stage == "in_dialogue"
    assert record.routing.dialogue_due_on == date(2026, 1, 31)  # 2 November + 90 days
    taken = record.history[-1].event
    assert isinstance(taken, ProposalTakenOn) and taken.department == "kyoiku"


def test_another_department_cannot_take_it_on(routing: RoutingApplication) -> None:
    proposal_id = accepted(routing)
    with pytest.raises(StateConflict) as not_theirs:
        routing.take_on(proposal_id, "bunka-kanko", staff())
    assert not_theirs.value.loc == ["body", "department"]
    assert not_theirs.value.reason == "NGS-2025-0001 is not with bunka-kanko (it is with kyoiku)"


def test_a_decline_is_rerouted_at_once_and_never_back(routing: RoutingApplication) -> None:
    proposal_id = accepted(routing, channel="theme", theme_number=5, theme_department="machizukuri")
    routing.decline(proposal_id, "machizukuri", "教育委員会の所管です", staff())
    record = routing.record(proposal_id, "nagasaki")
    assert record.routing.declined_by == ["machizukuri"]
    assert (record.line.hop, record.line.lead_department) == (2, "kyoiku")
    declined, onward = record.history[-2:]
    assert isinstance(declined.event, ProposalDeclined)
    assert isinstance(onward.event, ProposalRouted) and onward.meta.actor_role is ActorRole.SYSTEM
    assert routing.dashboard("nagasaki").reroutes == 1

    # The department that declined sees the routing as it left it, not where it went.
    left = record.as_left_by_decliner()
    assert (left.line.lead_department, left.line.departments) == (None, [])
    assert left.history == record.history[:-1] and left.as_left


def test_the_desk_reassigns_to_departments_of_the_directory(routing: RoutingApplication) -> None:
    proposal_id = accepted(routing)
    with pytest.raises(InvalidValue) as unknown:
        routing.reassign(proposal_id, ["nowhere"], "窓口判断", staff(ActorRole.DESK))
    assert unknown.value.loc == ["body", "departments"]
    assert unknown.value.reason == "not in nagasaki's directory: nowhere"
    routing.reassign(proposal_id, ["dx", "kyoiku"], "窓口判断", staff(ActorRole.DESK))
    (_, reassigned) = routed(routing, proposal_id)
    assert (reassigned.lead_department, reassigned.method) == ("dx", RoutingMethod.DESK)
    routing.take_on(proposal_id, "kyoiku", staff())
    with pytest.raises(StateConflict) as too_late:
        routing.reassign(proposal_id, ["dx"], "窓口判断", staff(ActorRole.DESK))
    assert too_late.value.reason == "NGS-2025-0001 is already in dialogue with kyoiku"


def test_milestones_and_the_status_line_follow_the_dialogue(routing: RoutingApplication) -> None:
    proposal_id = accepted(routing)
    with pytest.raises(StateConflict) as early:
        routing.reach_milestone(proposal_id, "started", None, staff())
    assert early.value.reason == "the dialogue starts when a department takes the proposal on"
    routing.take_on(proposal_id, "kyoiku", staff())
    routing.reach_milestone(proposal_id, "started", None, staff())
    with pytest.raises(StateConflict) as twice:
        routing.reach_milestone(proposal_id, "started", None, staff())
    assert twice.value.loc == ["body", "milestone"]
    routing.set_status_line(
        proposal_id, "教育委員会と協議中", "In talks with the Board of Education", staff()
    )
    assert routing.routing(proposal_id, "nagasaki").milestones == ["started"]
    assert routing.history(proposal_id)[-1].event.event_type == "routing.proposal.status_line"


def test_another_municipalitys_staff_do_not_find_the_routing(routing: RoutingApplication) -> None:
    proposal_id = accepted(routing)
    with pytest.raises(NotFound, match=f"no routing for proposal {proposal_id} in aomori"):
        routing.take_on(proposal_id, "kyoiku", staff(municipality="aomori"))
    with pytest.raises(NotFound):
        routing.record(uuid4(), "nagasaki")


# -- deadlines and the dashboard ----------------------------------------------------------


def test_a_passed_routing_deadline_is_flagged_once(
    routing: RoutingApplication, clock: MovableClock
) -> None:
    proposal_id = accepted(routing)
    clock.advance(days=14)  # 13 November: due today, not late
    assert routing.check_deadlines() == 0
    clock.advance(days=1)
    assert routing.check_deadlines() == 1
    assert routing.check_deadlines() == 0
    flagged = routing.history(proposal_id)[-1]
    assert isinstance(flagged.event, DeadlinePassed)
    assert (flagged.event.deadline, flagged.event.department) == ("routing", "kyoiku")
    assert flagged.meta.correlation_id == "deadline-check:2025-11-14"
    assert [line.proposal_id for line in routing.dashboard("nagasaki").overdue] == [proposal_id]


def test_a_passed_dialogue_deadline_is_flagged_once(
    routing: RoutingApplication, clock: MovableClock
) -> None:
    proposal_id = accepted(routing)
    routing.take_on(proposal_id, "kyoiku", staff())
    clock.advance(days=91)
    assert routing.check_deadlines() == 1 and routing.check_deadlines() == 0
    assert routing.record(proposal_id, "nagasaki").line.overdue == ["dialogue"]


def test_the_dashboard_counts_what_waits_and_what_is_in_dialogue(
    routing: RoutingApplication,
) -> None:
    waiting = accepted(routing)
    in_dialogue = accepted(routing)
    routing.take_on(in_dialogue, "kyoiku", staff())
    closed = IntakeEvents()
    accepted(routing, closed)
    routing.process(closed.withdrawn())
    dashboard = routing.dashboard("nagasaki")
    assert (dashboard.waiting, dashboard.in_dialogue, dashboard.reroutes) == (1, 1, 0)
    assert dashboard.overdue == [] and dashboard.triage == []
    assert routing.dashboard("aomori").waiting == 0
    assert routing.record(waiting, "nagasaki").line.stage == "waiting"


def test_an_early_infeasible_answer_closes_the_routing_and_its_deadlines(
    routing: RoutingApplication, clock: MovableClock
) -> None:
    # Aomori: 実施困難と判断した場合は検討過程において早めに回答します — the department
    # answered before taking it on; nothing may keep waiting for its take-on.
    proposal_id = accepted(routing)
    answer = ProposalRejectedAfterReview(
        proposal_id=proposal_id,
        decided_by="kyoiku",
        reasons=(RejectionReason.LAW_CONFLICT,),
        explanation="条例により実施できません。",
    )
    assert routing.process(envelope("decision", proposal_id, 1, answer, minute=30))
    assert routing.routing(proposal_id, "nagasaki").closed
    assert routing.inbox("nagasaki", "kyoiku") == []
    clock.advance(days=15)  # past the 14 days routing gives a department
    assert routing.check_deadlines() == 0
    with pytest.raises(StateConflict, match="is closed"):
        routing.take_on(proposal_id, "kyoiku", staff())


def test_a_municipality_not_served_has_no_directory(routing: RoutingApplication) -> None:
    assert "machizukuri" in [d.code for d in routing.departments("nagasaki")]
    with pytest.raises(NotFound, match="'atlantis' is not served") as refused:
        routing.departments("atlantis")
    assert refused.value.loc == ["path", "municipality"]
