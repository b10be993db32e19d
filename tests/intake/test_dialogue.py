"""The proposer's side of the dialogue in intake's application (`database_url="memory:"`):
the department's messages heard from routing show on the status view, the proposer
answers them (and only them, only while the proposal is open), and the answer leaves
intake as an event for routing. Publication's consultation on the case shows too; the
messages, the consultation and the department taking the proposal on are e-mailed."""

from __future__ import annotations

from datetime import UTC, date, datetime
from uuid import UUID, uuid4

import pytest
from pydantic import ValidationError

from services.intake.api.views import ProposerView
from services.intake.application import IntakeApplication
from services.intake.commands import ProposalSubmission, ProposerMessage, Screening
from services.intake.domain import ANSWERS_IN_A_ROW
from services.intake.proposer_mail import ProposerMail
from services.intake.settings import IntakeSettings
from shared.acting import Acting
from shared.contract import (
    CaseConsultationStarted,
    Envelope,
    EventMetadata,
    IntegrationEvent,
    MessageToProposer,
    ProposalTakenOn,
    ProposerAnswered,
    stable_event_id,
)
from shared.contract.vocabulary import ActorRole
from shared.errors import InvalidValue, StateConflict
from shared.mail import Mailer
from shared.outbox import Outbox
from tests.factories import free_proposal_body
from tests.smtp import body_of, smtp_server

TODAY = date(2025, 10, 30)


@pytest.fixture
def intake() -> IntakeApplication:
    return IntakeApplication(IntakeSettings(database_url="memory:"))


class Routing:
    """What routing says of one proposal, in its order, as intake's consumer delivers it."""

    def __init__(
        self,
        intake: IntakeApplication,
        proposal_id: UUID,
        service: str = "routing",
        officer: tuple[str, str] | None = None,  # the staff member's subject and name
    ):
        self.intake, self.proposal_id, self.service, self.sequence = intake, proposal_id, service, 0
        self.officer = officer

    def says(self, event: IntegrationEvent) -> None:
        self.sequence += 1
        subject = str(self.proposal_id)
        meta = EventMetadata(
            event_id=stable_event_id(self.service, subject, self.sequence),
            service=self.service,
            subject=subject,
            time=datetime.now(UTC),
            municipality="nagasaki",
            actor_role=ActorRole.DEPARTMENT,
            actor_subject=self.officer[0] if self.officer else None,
            actor_name=self.officer[1] if self.officer else None,
            correlation_id="c-1",
            sequence=self.sequence,
        )
        assert self.intake.process(Envelope(event=event, meta=meta))

    def writes(self, text: str, department: str | None = "kyoiku") -> UUID:
        message_id = uuid4()
        self.says(
            MessageToProposer(
                proposal_id=self.proposal_id,
                message_id=message_id,
                department=department,
                text=text,
            )
        )
        return message_id


def submitted(intake: IntakeApplication) -> UUID:
    submission = ProposalSubmission.model_validate(free_proposal_body())
    proposer = Acting.new(ActorRole.PROPOSER, "nagasaki", "p-1")
    proposal = intake.submit("nagasaki", submission, proposer, today=TODAY).proposal
    intake.screen(
        proposal.id,
        Screening(decision="accept"),
        Acting.new(ActorRole.DESK, "nagasaki", "d-1"),
    )
    return proposal.id


def in_dialogue(intake: IntakeApplication) -> tuple[UUID, Routing]:
    pid = submitted(intake)
    routing = Routing(intake, pid)
    routing.says(
        ProposalTakenOn(proposal_id=pid, department="kyoiku", dialogue_due_on=date(2026, 1, 28))
    )
    return pid, routing


def test_the_proposer_answers_the_departments_message_and_the_answer_leaves_for_routing(
    intake: IntakeApplication,
) -> None:
    pid, routing = in_dialogue(intake)
    asked = routing.writes("打合せの候補日をお知らせください。")

    view = ProposerView.of_state(intake.state(pid))
    assert view.may_answer
    assert [(m.from_proposer, m.department, m.text) for m in view.messages] == [
        (False, "kyoiku", "打合せの候補日をお知らせください。")
    ]
    intake.answer(pid, "  11月10日の午後はいかがでしょうか。  ", asked)

    view = ProposerView.of_state(intake.state(pid))
    assert [(m.from_proposer, m.text, m.in_reply_to) for m in view.messages] == [
        (False, "打合せの候補日をお知らせください。", None),
        (True, "11月10日の午後はいかがでしょうか。", asked),
    ]
    # The messages are the dialogue, not steps of the history the proposer reads twice.
    assert not any("メッセージ" in step.ja for step in view.steps)
    (out,) = [e for e in intake.history(pid) if isinstance(e.event, ProposerAnswered)]
    answered = out.event
    assert isinstance(answered, ProposerAnswered)
    assert out.meta.service == "intake" and out.meta.actor_role is ActorRole.PROPOSER
    assert answered.in_reply_to == asked and answered.proposal_id == pid
    assert "hanako" not in answered.model_dump_json()  # the address stays in intake


def test_nothing_to_answer_before_the_department_writes(intake: IntakeApplication) -> None:
    pid, _ = in_dialogue(intake)
    assert not ProposerView.of_state(intake.state(pid)).may_answer
    with pytest.raises(StateConflict, match="has not written to you yet") as refused:
        intake.answer(pid, "まだですか？", None)
    assert refused.value.field == "text"


def test_an_answer_names_a_message_of_this_proposal_only(intake: IntakeApplication) -> None:
    pid, routing = in_dialogue(intake)
    routing.writes("ご質問があります。")
    other, other_routing = in_dialogue(intake)
    elsewhere = other_routing.writes("別の提案への質問です。")
    with pytest.raises(InvalidValue, match="not a message the department sent") as refused:
        intake.answer(pid, "お答えします。", elsewhere)
    assert refused.value.field == "in_reply_to"
    assert ProposerView.of_state(intake.state(other)).messages[0].text == "別の提案への質問です。"
    assert [m.text for m in ProposerView.of_state(intake.state(pid)).messages] == [
        "ご質問があります。"
    ]


def test_a_withdrawn_proposal_takes_no_more_answers(intake: IntakeApplication) -> None:
    pid, routing = in_dialogue(intake)
    routing.writes("資料をお送りください。")
    intake.withdraw(pid, None)
    assert not ProposerView.of_state(intake.state(pid)).may_answer
    with pytest.raises(StateConflict, match="the dialogue is over") as refused:
        intake.answer(pid, "資料です。", None)
    assert refused.value.loc == ["path", "proposal_id"]


def test_the_proposer_waits_for_the_department_after_many_messages_in_a_row(
    intake: IntakeApplication,
) -> None:
    pid, routing = in_dialogue(intake)
    routing.writes("ご質問です。")
    for n in range(ANSWERS_IN_A_ROW):
        intake.answer(pid, f"追伸{n}", None)
    with pytest.raises(StateConflict, match="wait for the department"):
        intake.answer(pid, "もう一通", None)
    routing.writes("拝見しました。")
    intake.answer(pid, "ありがとうございます。", None)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"text": "   "}, "text"),
        ({"text": "あ" * 4001}, "text"),
        ({"text": "はい", "in_reply_to": "not-a-uuid"}, "in_reply_to"),
        ({"text": "はい", "department": "kyoiku"}, "department"),
    ],
)
def test_a_bad_message_is_refused_naming_its_field(body: dict[str, object], field: str) -> None:
    with pytest.raises(ValidationError) as refused:
        ProposerMessage.model_validate(body)
    assert [e["loc"] for e in refused.value.errors()] == [(field,)]


def test_the_consultation_on_the_case_shows_on_the_status_view(intake: IntakeApplication) -> None:
    pid, _ = in_dialogue(intake)
    publication = Routing(intake, pid, service="publication")
    publication.says(
        CaseConsultationStarted(
            proposal_id=pid, case_id=uuid4(), objection_due_on=date(2026, 1, 15)
        )
    )
    view = ProposerView.of_state(intake.state(pid))
    assert view.steps[-1].ja == "公表予定の事例について、ご意見を伺っています（2026-01-15まで）"


# -- by e-mail, through a real SMTP server -------------------------------------------------


def test_the_departments_message_and_the_consultation_are_mailed_with_their_links() -> None:
    with smtp_server() as (inbox, port):
        settings = IntakeSettings(
            database_url="memory:",
            smtp_host="127.0.0.1",
            smtp_port=port,
            smtp_security="none",
            mail_from="長崎市 共創窓口 <kyoso@city.nagasaki.example.jp>",
            public_base_url="https://kyoso.city.nagasaki.example.jp",
        )
        intake = IntakeApplication(settings)
        outbox = Outbox(
            intake, "proposer-mail", ProposerMail(intake, settings, Mailer(settings)).send, 0.2
        )
        outbox.position()  # the outbox starts here: the receipt is another test's
        pid, routing = in_dialogue(intake)
        routing.writes("打合せの候補日を\nお知らせください。")
        intake.answer(pid, "11月10日はいかがでしょうか。", None)  # the proposer is not mailed
        Routing(intake, pid, service="publication").says(
            CaseConsultationStarted(
                proposal_id=pid, case_id=uuid4(), objection_due_on=date(2026, 1, 15)
            )
        )
        while outbox.handle_pending():
            pass
        mails = inbox.to("hanako@minato-kanko.example.jp")

    subjects = [m["Subject"] for m in mails]
    assert len(subjects) == 5, subjects  # the receipt, accepted, taken on, message, case
    assert "状況が変わりました" in subjects[2]  # heard from routing: taken on
    assert "最新の経過: 担当部署が検討を始めました" in body_of(mails[2])
    assert "メッセージが届きました" in subjects[3] and "事例の公表" in subjects[4]
    message, consultation = (body_of(m) for m in mails[3:])
    assert "打合せの候補日を\nお知らせください。" in message
    assert message.index("担当部署からメッセージ") < message.index("The department wrote")
    assert f"https://kyoso.city.nagasaki.example.jp/status/{pid}?token=" in message
    assert "2026-01-15" in consultation
    assert f"https://kyoso.city.nagasaki.example.jp/status/{pid}/case?token=" in consultation
