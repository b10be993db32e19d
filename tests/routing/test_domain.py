"""Routing's aggregate and its directory on their own: where a proposal goes, and every
rule of taking it on, declining, the dialogue, the status line and the deadlines, with the
message staff read. No store, no I/O."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from uuid import uuid4

import pytest

from services.routing.directory import destination, directory
from services.routing.domain import Routing
from shared.contract import DialogueMilestoneReached, RoutingMethod
from shared.contract.base import EVENT_REGISTRY
from shared.errors import InvalidValue, StateConflict
from shared.proposal import PROPOSAL_FOLD, ProposalState
from tests.factories import IntakeEvents

DESK = {"role": "desk", "municipality": "nagasaki", "correlation_id": "c-1", "causation_id": None}
SYSTEM = DESK | {"role": "system"}
NAGASAKI = directory("nagasaki")


def started(routing_due_on: date = date(2025, 11, 13)) -> Routing:
    return Routing(
        proposal_id=uuid4(),
        municipality="nagasaki",
        receipt_number="NGS-2025-0001",
        title="通学路安全点検支援システム",
        routing_due_on=routing_due_on,
        meta=SYSTEM,
    )


def routed_to(*departments: str) -> Routing:
    routing = started()
    routing.route(departments[0], list(departments), "match", "field", SYSTEM)
    return routing


def in_dialogue() -> Routing:
    routing = routed_to("kyoiku")
    routing.take_on("kyoiku", date(2026, 1, 28), DESK)
    return routing


def proposal(**overrides: object) -> ProposalState:
    state = PROPOSAL_FOLD.fold([IntakeEvents().submitted(**overrides)])
    assert state is not None
    return state


# -- where a proposal goes (the directory) ------------------------------------------------


def test_a_theme_proposal_goes_to_the_themes_owner() -> None:
    to = destination(
        proposal(channel="theme", theme_number=5, theme_department="machizukuri"), NAGASAKI
    )
    assert (to.lead, to.departments, to.method) == (
        "machizukuri",
        ("machizukuri",),
        RoutingMethod.THEME_OWNER,
    )
    assert to.reason == "theme 5 is owned by machizukuri"


def test_a_free_proposal_goes_to_the_department_that_fits_with_the_reason() -> None:
    to = destination(proposal(), NAGASAKI)  # field 教育, about 学校 and 通学路
    assert (to.lead, to.departments, to.method) == ("kyoiku", ("kyoiku",), RoutingMethod.MATCH)
    assert to.reason == "kyoiku (5: field + keywords 学校、通学路)"


def test_a_department_that_declined_is_never_sent_the_proposal_again() -> None:
    owned = proposal(channel="theme", theme_number=5, theme_department="machizukuri", field="教育")
    to = destination(owned, NAGASAKI, excluding=frozenset({"machizukuri"}))
    assert to.lead == "kyoiku" and "machizukuri" not in to.departments


def test_nothing_fitting_goes_to_the_desks_triage_queue() -> None:
    to = destination(
        proposal(title="宇宙港", field="宇宙", summary="軌道", content="宇宙"), NAGASAKI
    )
    assert (to.lead, to.departments, to.method) == (None, (), RoutingMethod.TRIAGE)
    assert to.reason == "no department fits well enough; the desk assigns it"


def test_the_desk_reassigns_only_to_departments_of_the_directory() -> None:
    NAGASAKI.require_departments(["kyoiku", "dx"])
    with pytest.raises(InvalidValue) as unknown:
        NAGASAKI.require_departments(["kyoiku", "nowhere", "elsewhere"])
    assert unknown.value.loc == ["body", "departments"]
    assert unknown.value.reason == "not in nagasaki's directory: nowhere, elsewhere"


def test_routing_takes_two_weeks_and_the_dialogue_three_months() -> None:
    assert NAGASAKI.routing_due_on(date(2025, 10, 30)) == date(2025, 11, 13)
    assert NAGASAKI.dialogue_due_on(date(2025, 10, 30)) == date(2026, 1, 28)


# -- routing, taking on, declining --------------------------------------------------------


def test_each_hop_is_counted_and_kept() -> None:
    routing = routed_to("kyoiku", "dx")
    assert (routing.hop, routing.lead_department, routing.departments) == (
        1,
        "kyoiku",
        ["kyoiku", "dx"],
    )
    assert routing.waiting and not routing.in_triage
    routing.route(None, [], "triage", "nobody fits", SYSTEM)
    assert routing.hop == 2 and routing.in_triage


def test_a_department_the_proposal_is_with_takes_it_on() -> None:
    routing = routed_to("kyoiku", "dx")
    routing.take_on("dx", date(2026, 1, 28), DESK)
    assert routing.taken_on_by == routing.lead_department == "dx"
    assert routing.dialogue_due_on == date(2026, 1, 28) and not routing.waiting


def test_only_a_department_the_proposal_is_with_takes_it_on_or_declines() -> None:
    routing = routed_to("kyoiku")
    with pytest.raises(StateConflict) as not_theirs:
        routing.take_on("bunka-kanko", date(2026, 1, 28), DESK)
    assert not_theirs.value.loc == ["body", "department"]
    assert not_theirs.value.reason == "NGS-2025-0001 is not with bunka-kanko (it is with kyoiku)"
    with pytest.raises(StateConflict) as in_triage:
        started().decline("kyoiku", "not ours", DESK)
    assert in_triage.value.reason == "NGS-2025-0001 is not with kyoiku (it is with the desk)"


def test_a_decline_leaves_the_proposal_with_the_others_and_remembers_who_declined() -> None:
    routing = routed_to("kyoiku", "dx")
    routing.decline("kyoiku", "教育委員会の所管ではありません", DESK)
    assert routing.departments == ["dx"] and routing.lead_department is None
    assert routing.declined_by == ["kyoiku"]


def test_a_proposal_in_dialogue_is_not_declined_nor_rerouted() -> None:
    routing = in_dialogue()
    with pytest.raises(StateConflict) as declined:
        routing.decline("kyoiku", "やめます", DESK)
    assert declined.value.reason == "a proposal in dialogue is ended by a decision, not a decline"
    with pytest.raises(StateConflict) as rerouted:
        routing.route("dx", ["dx"], "desk", "窓口判断", DESK)
    assert rerouted.value.loc == ["body", "departments"]
    assert rerouted.value.reason == "NGS-2025-0001 is already in dialogue with kyoiku"


# -- the dialogue and the status line ----------------------------------------------------


def test_milestones_are_recorded_once_each_after_the_take_on() -> None:
    routing = routed_to("kyoiku")
    with pytest.raises(StateConflict) as early:
        routing.reach("started", None, DESK)
    assert early.value.loc == ["body", "milestone"]
    assert early.value.reason == "the dialogue starts when a department takes the proposal on"
    routing.take_on("kyoiku", date(2026, 1, 28), DESK)
    routing.reach("started", "初回打合せ", DESK)
    routing.reach("skeleton_agreed", None, DESK)
    assert routing.milestones == ["started", "skeleton_agreed"]
    with pytest.raises(StateConflict) as twice:
        routing.reach("started", None, DESK)
    assert twice.value.reason == "milestone started is already recorded"


SCOPE = "センサーの設置位置と費用の内訳は非公開"


def test_the_confidentiality_milestone_records_the_scope_agreed_and_only_it_does() -> None:
    routing = in_dialogue()
    with pytest.raises(InvalidValue) as unscoped:
        routing.reach("confidentiality_agreed", None, DESK, "  ")
    assert unscoped.value.loc == ["body", "confidentiality_scope"]
    with pytest.raises(InvalidValue) as elsewhere:
        routing.reach("started", None, DESK, SCOPE)
    assert elsewhere.value.reason == (
        "a scope is recorded with the milestone confidentiality_agreed only"
    )
    routing.reach("confidentiality_agreed", "第1回打合せで確認", DESK, f" {SCOPE} ")
    assert routing.confidentiality_scope == SCOPE
    recorded = routing.collect_events()[-1]
    assert isinstance(recorded, Routing.MilestoneReached)
    assert recorded.confidentiality_scope == SCOPE


def test_a_milestone_stored_before_the_scope_reads_with_none() -> None:
    """Version 1 of the stored event had no scope: eventsourcing upcasts it on reading."""
    stored = {"milestone": "confidentiality_agreed", "note": "範囲は口頭で確認", "meta": DESK}
    Routing.MilestoneReached.upcast_v1_v2(stored)
    assert stored["confidentiality_scope"] is None
    assert Routing.MilestoneReached.class_version == 2


def test_a_published_version_1_milestone_reads_as_version_2_without_scope() -> None:
    loaded = EVENT_REGISTRY.load(
        "routing.dialogue.milestone",
        1,
        {"proposal_id": str(uuid4()), "milestone": "confidentiality_agreed", "note": None},
    )
    assert isinstance(loaded, DialogueMilestoneReached)
    assert loaded.confidentiality_scope is None


def test_the_status_line_is_kept_while_the_routing_is_open() -> None:
    routing = in_dialogue()
    routing.set_status_line("教育委員会と協議中", "In talks with the Board of Education", DESK)
    assert isinstance(routing.collect_events()[-1], Routing.StatusLineSet)
    routing.close("ProposalWithdrawn", SYSTEM)
    with pytest.raises(StateConflict) as closed:
        routing.set_status_line("協議中", "In talks", DESK)
    assert closed.value.loc == ["body", "ja"] and closed.value.reason == "NGS-2025-0001 is closed"


def test_a_closed_routing_refuses_every_command_and_closes_once() -> None:
    routing = routed_to("kyoiku")
    routing.close("ProposalWithdrawn", SYSTEM)
    routing.close("ProposalWithdrawn", SYSTEM)
    assert sum(isinstance(e, Routing.Closed) for e in routing.collect_events()) == 1
    refusals: dict[str, Callable[[], None]] = {
        "take on": lambda: routing.take_on("kyoiku", date(2026, 1, 28), DESK),
        "decline": lambda: routing.decline("kyoiku", "x", DESK),
        "route": lambda: routing.route("dx", ["dx"], "desk", "x", DESK),
        "record a milestone": lambda: routing.reach("started", None, DESK),
    }
    for action, command in refusals.items():
        with pytest.raises(StateConflict) as closed:
            command()
        assert closed.value.reason == f"cannot {action}: NGS-2025-0001 is closed"


# -- deadlines ------------------------------------------------------------------------------


def test_the_routing_deadline_is_flagged_once_the_day_after_it() -> None:
    routing = routed_to("kyoiku")
    assert not routing.flag_passed_deadline(date(2025, 11, 13), SYSTEM)  # due today: not late
    assert routing.flag_passed_deadline(date(2025, 11, 14), SYSTEM)
    assert not routing.flag_passed_deadline(date(2025, 12, 1), SYSTEM)  # flagged once
    flagged = [e for e in routing.collect_events() if isinstance(e, Routing.DeadlinePassed)]
    assert [(e.deadline, e.due_on, e.department) for e in flagged] == [
        ("routing", date(2025, 11, 13), "kyoiku")
    ]


def test_the_dialogue_deadline_follows_the_take_on() -> None:
    routing = in_dialogue()  # taken on in time: the routing deadline no longer runs
    assert not routing.flag_passed_deadline(date(2026, 1, 28), SYSTEM)
    assert routing.flag_passed_deadline(date(2026, 1, 29), SYSTEM)
    assert routing.overdue == ["dialogue"]


def test_a_closed_routing_has_no_deadlines() -> None:
    routing = routed_to("kyoiku")
    routing.close("ProposalRejected", SYSTEM)
    assert not routing.flag_passed_deadline(date(2030, 1, 1), SYSTEM)
