"""The dialogue log of a routing (issue 15: 「a dialogue log (notes, and messages to and
from the proposer that the proposer sees on the status page)」): who may write what, what
leaves routing, and the proposer's answers coming back from intake. The aggregate on its
own first, then the application on an in-process store, as staff and intake drive it."""

from __future__ import annotations

from datetime import date
from uuid import UUID, uuid4

import pytest

from services.routing.application import RoutingApplication
from services.routing.domain import Routing
from services.routing.integration import to_integration_event
from services.routing.settings import RoutingSettings
from shared.acting import Acting
from shared.contract import MessageToProposer
from shared.contract.vocabulary import MESSAGE_MAX_LENGTH, ActorRole
from shared.errors import InvalidValue, NotFound, StateConflict
from tests.conftest import MovableClock
from tests.factories import IntakeEvents

pytestmark = pytest.mark.unit  # no broker, database or server (tests/unit_level.py)

DESK = {"role": "desk", "municipality": "nagasaki", "correlation_id": "c-1", "causation_id": None}
DEPARTMENT = DESK | {"role": "department"}


def routed_to(*departments: str) -> Routing:
    routing = Routing(
        proposal_id=uuid4(),
        municipality="nagasaki",
        receipt_number="NGS-2025-0001",
        title="通学路安全点検支援システム",
        routing_due_on=date(2025, 11, 13),
        meta=DESK | {"role": "system"},
    )
    routing.route(departments[0], list(departments), "match", "field", DESK)
    return routing


def in_dialogue_with(department: str) -> Routing:
    routing = routed_to(department, "kodomo")
    routing.take_on(department, date(2026, 1, 28), DEPARTMENT)
    return routing


# -- the aggregate's rules -------------------------------------------------------------------


def test_only_the_department_in_dialogue_or_the_desk_writes_to_the_proposer() -> None:
    routing = routed_to("kyoiku", "kodomo")
    with pytest.raises(StateConflict, match="none has taken it on yet") as before:
        routing.message_proposer(uuid4(), "kyoiku", "ご提案ありがとうございます。", DEPARTMENT)
    assert before.value.field == "department"
    routing.take_on("kyoiku", date(2026, 1, 28), DEPARTMENT)
    # A co-owning department the proposal was also routed to does not write to the proposer.
    with pytest.raises(StateConflict, match="only the department in dialogue"):
        routing.message_proposer(uuid4(), "kodomo", "こども部です。", DEPARTMENT)
    routing.message_proposer(uuid4(), "kyoiku", "打合せの候補日をお知らせください。", DEPARTMENT)
    routing.message_proposer(uuid4(), None, "窓口からのご案内です。", DESK)
    assert len(routing.messages_to_proposer) == 2


def test_notes_are_written_by_the_departments_that_have_the_proposal_and_the_desk() -> None:
    routing = routed_to("kyoiku", "kodomo")
    routing.write_note(uuid4(), "kodomo", "こども部でも関係あり。", DEPARTMENT)
    routing.write_note(uuid4(), None, "窓口メモ", DESK)
    with pytest.raises(StateConflict, match="is not with kankyo") as refused:
        routing.write_note(uuid4(), "kankyo", "他部署のメモ", DEPARTMENT)
    assert refused.value.field == "department"
    assert len(routing.dialogue_entries) == 2 and routing.messages_to_proposer == []


@pytest.mark.parametrize(
    ("text", "reason"),
    [("   ", "it is empty"), ("あ" * (MESSAGE_MAX_LENGTH + 1), "at most 4000 characters")],
)
def test_a_message_is_not_empty_and_not_a_document(text: str, reason: str) -> None:
    routing = in_dialogue_with("kyoiku")
    with pytest.raises(InvalidValue, match=reason) as refused:
        routing.message_proposer(uuid4(), "kyoiku", text, DEPARTMENT)
    assert refused.value.field == "text"
    with pytest.raises(InvalidValue, match=reason):
        routing.write_note(uuid4(), "kyoiku", text, DEPARTMENT)


def test_a_closed_routing_takes_no_more_messages_but_keeps_the_proposers_answer() -> None:
    routing = in_dialogue_with("kyoiku")
    sent = uuid4()
    routing.message_proposer(sent, "kyoiku", "資料をお送りください。", DEPARTMENT)
    routing.close("ProposalWithdrawn", DESK)
    with pytest.raises(StateConflict, match="closed"):
        routing.message_proposer(uuid4(), "kyoiku", "まだ間に合いますか。", DEPARTMENT)
    with pytest.raises(StateConflict, match="closed"):
        routing.write_note(uuid4(), None, "メモ", DESK)
    answer = uuid4()
    assert routing.hear_answer(answer, sent, "取り下げましたが資料はお送りします。", DESK)
    assert not routing.hear_answer(answer, sent, "取り下げましたが資料はお送りします。", DESK)
    assert routing.dialogue_entries == [sent, answer]


def test_only_messages_to_the_proposer_leave_routing() -> None:
    routing = in_dialogue_with("kyoiku")
    routing.write_note(uuid4(), "kyoiku", "社内向けメモ：予算は厳しい", DEPARTMENT)
    message = uuid4()
    routing.message_proposer(message, "kyoiku", "打合せをお願いします。", DEPARTMENT)
    routing.hear_answer(uuid4(), message, "承知しました。", DESK)
    published = [
        e for e in (to_integration_event(d) for d in routing.collect_events()) if e is not None
    ]
    told = [e for e in published if isinstance(e, MessageToProposer)]
    assert [(m.message_id, m.department, m.text) for m in told] == [
        (message, "kyoiku", "打合せをお願いします。")
    ]
    assert all("社内向けメモ" not in e.model_dump_json() for e in published)
    assert all(m.proposal_id == routing.id for m in told)  # bound to this proposal only


# -- the application ---------------------------------------------------------------------------


@pytest.fixture
def routing() -> RoutingApplication:
    return RoutingApplication(RoutingSettings(database_url="memory:"), MovableClock())


def staff(role: ActorRole = ActorRole.DEPARTMENT, municipality: str = "nagasaki") -> Acting:
    return Acting.new(role, municipality, "staff-1")


def taken_on(routing: RoutingApplication, proposal: IntakeEvents) -> UUID:
    assert routing.process(proposal.submitted())  # 教育: Nagasaki's kyoiku
    assert routing.process(proposal.accepted())
    routing.take_on(proposal.proposal_id, "kyoiku", staff())
    return proposal.proposal_id


def test_the_dialogue_log_keeps_notes_messages_and_answers_in_order(
    routing: RoutingApplication,
) -> None:
    proposal = IntakeEvents()
    pid = taken_on(routing, proposal)
    routing.write_note(pid, "kyoiku", "学校教育課にも相談する。", staff())
    sent = routing.message_proposer(pid, "kyoiku", "打合せの候補日をお知らせください。", staff())
    message_id = sent.messages_to_proposer[-1]
    (line,) = routing.inbox("nagasaki", "kyoiku")
    assert not line.awaiting_department
    assert routing.process(proposal.answered("11月10日の午後はいかがでしょうか。", message_id))
    (line,) = routing.inbox("nagasaki", "kyoiku")
    assert line.awaiting_department  # the department's inbox shows the proposer wrote

    _, entries = routing.dialogue(pid, "nagasaki", "kyoiku")
    assert [(e.kind, e.department, e.actor_role, e.text) for e in entries] == [
        ("note", "kyoiku", "department", "学校教育課にも相談する。"),
        ("to_proposer", "kyoiku", "department", "打合せの候補日をお知らせください。"),
        ("from_proposer", None, "proposer", "11月10日の午後はいかがでしょうか。"),
    ]
    assert entries[2].in_reply_to == message_id
    # The desk reads the same log; the message went out on the routing topic, the note not.
    _, for_desk = routing.dialogue(pid, "nagasaki", None)
    assert for_desk == entries
    out = [e.event for e in routing.history(pid)]
    assert [e.text for e in out if isinstance(e, MessageToProposer)] == [
        "打合せの候補日をお知らせください。"
    ]


def test_another_department_or_city_finds_no_dialogue(routing: RoutingApplication) -> None:
    pid = taken_on(routing, IntakeEvents())
    with pytest.raises(NotFound):
        routing.dialogue(pid, "nagasaki", "kankyo")
    with pytest.raises(NotFound):
        routing.dialogue(pid, "sapporo", None)
    with pytest.raises(NotFound):
        routing.message_proposer(pid, None, "他市から", staff(ActorRole.DESK, "sapporo"))
    with pytest.raises(StateConflict, match="only the department in dialogue"):
        routing.message_proposer(pid, "kankyo", "環境部です。", staff())


def test_an_answer_delivered_twice_is_kept_once(routing: RoutingApplication) -> None:
    proposal = IntakeEvents()
    pid = taken_on(routing, proposal)
    routing.message_proposer(pid, "kyoiku", "ご質問です。", staff())
    answer = proposal.answered("お答えします。")
    assert routing.process(answer)
    assert not routing.process(answer)  # the same delivery again: a copy
    _, entries = routing.dialogue(pid, "nagasaki", "kyoiku")
    assert [e.kind for e in entries] == ["to_proposer", "from_proposer"]
