"""Staff are e-mailed when something lands in their inbox or goes overdue (issue 15): which
mail each of routing's events records, to whom, and that the outbox sends each once —
on the in-process store first, then one through a real SMTP server."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import date
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest

from services.routing import staff_mail
from services.routing.application import RoutingApplication
from services.routing.directory import Directory, directory
from services.routing.service import ROUTING
from services.routing.settings import RoutingSettings
from services.routing.staff_mail import StaffMail, staff_mail_outbox
from shared.acting import Acting
from shared.contract import VerificationOverdue
from shared.contract.vocabulary import ActorRole
from shared.mail import Mailer
from shared.outbox import Outbox
from shared.service import create_app
from tests.conftest import MovableClock, wait_until
from tests.factories import IntakeEvents, envelope
from tests.smtp import body_of, smtp_server

PORTAL = "https://kyoso.city.nagasaki.example.jp"
DESK = "kyoso-madoguchi@city.nagasaki.example.jp"
KYOIKU = "kyoiku@city.nagasaki.example.jp"  # 教育委員会, where 教育 proposals go
PROPOSER = "hanako@minato-kanko.example.jp"
CONTENT = "学校と保護者が通学路の危険箇所を共有する。"


class KeptMailer(Mailer):
    """The real message building, kept instead of sent."""

    def __init__(self, settings: RoutingSettings) -> None:
        super().__init__(settings)
        self.sent: list[EmailMessage] = []

    def send(self, message: EmailMessage) -> None:
        self.sent.append(message)


def settings(**overrides: Any) -> RoutingSettings:
    values: dict[str, Any] = {
        "database_url": "memory:",
        "portal_public_base_url": PORTAL,
        "mail_retry_seconds": 0.2,
    }
    return RoutingSettings(**(values | overrides))


@pytest.fixture
def clock() -> MovableClock:
    return MovableClock()  # 30 October 2025 in Japan


@pytest.fixture
def routing(clock: MovableClock) -> RoutingApplication:
    return RoutingApplication(settings(), clock)


@pytest.fixture
def mailer() -> KeptMailer:
    return KeptMailer(settings())


@pytest.fixture
def outbox(routing: RoutingApplication, mailer: KeptMailer) -> Outbox:
    outbox = Outbox(routing, "staff-mail", StaffMail(routing, settings(), mailer).send, 0.2)
    outbox.position()  # started before anything happened: every event is its business
    return outbox


def sent(outbox: Outbox, mailer: KeptMailer) -> list[tuple[str, str]]:
    """(to, subject) of what the outbox sends for the events stored since last asked."""
    before = len(mailer.sent)
    while outbox.handle_pending():
        pass
    return [(str(m["To"]), str(m["Subject"])) for m in mailer.sent[before:]]


def staff(role: ActorRole = ActorRole.DEPARTMENT) -> Acting:
    return Acting.new(role, "nagasaki", "staff-1")


def accepted(
    routing: RoutingApplication, proposal: IntakeEvents | None = None, **fields: object
) -> UUID:
    proposal = proposal or IntakeEvents()
    assert routing.process(proposal.submitted(**fields))  # 教育: Nagasaki's kyoiku
    assert routing.process(proposal.accepted())
    return proposal.proposal_id


def test_a_routed_proposal_mails_its_department_with_the_console_link(
    routing: RoutingApplication, outbox: Outbox, mailer: KeptMailer
) -> None:
    proposal_id = accepted(routing)
    assert sent(outbox, mailer) == [
        (
            KYOIKU,
            "【共創窓口】新しい提案が届きました（NGS-2025-0001） / A new proposal in your inbox",
        )
    ]
    body = body_of(mailer.sent[0])
    assert "通学路安全点検支援システム" in body
    assert f"{PORTAL}/staff/department/proposals/{proposal_id}" in body
    assert CONTENT not in body  # the content stays behind the console's sign-in


def test_a_reassignment_mails_only_the_departments_it_newly_reaches(
    routing: RoutingApplication, outbox: Outbox, mailer: KeptMailer
) -> None:
    proposal_id = accepted(routing)
    sent(outbox, mailer)
    routing.reassign(proposal_id, ["dx", "kyoiku"], "窓口判断", staff(ActorRole.DESK))
    assert sent(outbox, mailer) == [
        (
            "dx@city.nagasaki.example.jp",
            "【共創窓口】提案が回付されました（NGS-2025-0001） / A proposal was passed on to you",
        )
    ]


def test_a_decline_mails_the_desk_and_the_next_department(
    routing: RoutingApplication, outbox: Outbox, mailer: KeptMailer
) -> None:
    proposal_id = accepted(routing)
    sent(outbox, mailer)
    routing.decline(proposal_id, "kyoiku", "こどもみらい部の所管です", staff())
    mails = sent(outbox, mailer)
    assert [to for to, _ in mails] == [DESK]  # nobody else fits 教育: the desk's triage
    assert "辞退しました" in mails[0][1]
    body = body_of(mailer.sent[-1])
    assert "教育委員会" in body and "こどもみらい部の所管です" in body
    assert f"{PORTAL}/staff/desk/proposals/{proposal_id}" in body


def test_a_proposal_no_department_fits_mails_the_desk(
    routing: RoutingApplication, outbox: Outbox, mailer: KeptMailer
) -> None:
    proposal_id = accepted(routing, field="宇宙", title="月面基地", summary="月", content="月")
    assert routing.routing(proposal_id, "nagasaki").in_triage
    assert sent(outbox, mailer) == [
        (
            DESK,
            "【共創窓口】振り分け先の決まらない提案があります（NGS-2025-0001） / "
            "A proposal waits in your triage queue",
        )
    ]
    assert f"{PORTAL}/staff/desk/proposals/{proposal_id}" in body_of(mailer.sent[0])


def test_an_overdue_routing_mails_the_desk_once(
    routing: RoutingApplication, outbox: Outbox, mailer: KeptMailer, clock: MovableClock
) -> None:
    accepted(routing)
    sent(outbox, mailer)
    clock.advance(days=15)
    assert routing.check_deadlines() == 1
    assert routing.check_deadlines() == 0
    mails = sent(outbox, mailer)
    assert mails == [
        (DESK, "【共創窓口】振り分けの期限を過ぎました（NGS-2025-0001） / A routing is overdue")
    ]
    assert "2025-11-13" in body_of(mailer.sent[-1])


def test_an_overdue_dialogue_and_the_proposers_answer_mail_the_department(
    routing: RoutingApplication, outbox: Outbox, mailer: KeptMailer, clock: MovableClock
) -> None:
    proposal = IntakeEvents()
    proposal_id = accepted(routing, proposal)
    routing.take_on(proposal_id, "kyoiku", staff())
    message = routing.message_proposer(proposal_id, "kyoiku", "資料をお送りください。", staff())
    sent(outbox, mailer)  # the routing; taking on and writing mail nobody
    answer = "資料を添付しました。連絡先は hanako@minato-kanko.example.jp です。"
    assert routing.process(proposal.answered(answer, message.messages_to_proposer[-1]))
    clock.advance(days=91)
    assert routing.check_deadlines() == 1
    mails = sent(outbox, mailer)
    assert mails == [
        (KYOIKU, "【共創窓口】提案者から返信がありました（NGS-2025-0001） / The proposer answered"),
        (KYOIKU, "【共創窓口】対話の期限を過ぎました（NGS-2025-0001） / A dialogue is overdue"),
    ]
    # The answer is read in the console, never in a mail (it may carry contact details).
    assert all(PROPOSER not in body_of(m) and "資料を添付" not in body_of(m) for m in mailer.sent)


def test_an_overdue_verification_mails_the_department_that_runs_the_project_once(
    routing: RoutingApplication, outbox: Outbox, mailer: KeptMailer
) -> None:
    # Implementation's deadline (Sapporo 001: 必ず…効果検証): routing keeps the directory.
    proposal_id = accepted(routing)
    routing.take_on(proposal_id, "kyoiku", staff())
    sent(outbox, mailer)
    overdue = VerificationOverdue(
        proposal_id=proposal_id, due_on=date(2026, 11, 30), department="kyoiku"
    )
    heard = envelope("implementation", proposal_id, 5, overdue, minute=40)
    assert routing.process(heard)
    routing.process(heard)  # a copy: nothing more
    assert sent(outbox, mailer) == [
        (
            KYOIKU,
            "【共創窓口】効果検証の期限を過ぎました（NGS-2025-0001） / "
            "An effect verification is overdue",
        )
    ]
    body = body_of(mailer.sent[-1])
    assert "2026-11-30" in body and f"{PORTAL}/staff/department/proposals/{proposal_id}" in body
    assert CONTENT not in body and PROPOSER not in body


def test_an_answer_before_any_department_took_it_on_mails_the_desk(
    routing: RoutingApplication, outbox: Outbox, mailer: KeptMailer
) -> None:
    proposal = IntakeEvents()
    proposal_id = accepted(routing, proposal)
    desk_message = routing.message_proposer(proposal_id, None, "窓口からの確認です。", staff())
    sent(outbox, mailer)
    routing.process(proposal.answered("承知しました。", desk_message.messages_to_proposer[-1]))
    assert [to for to, _ in sent(outbox, mailer)] == [DESK]


@pytest.fixture
def kyoiku_without_address(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    nagasaki = directory("nagasaki")
    departments = tuple(
        d.model_copy(update={"notify_email": None}) if d.code == "kyoiku" else d
        for d in nagasaki.departments
    )
    changed = nagasaki.model_copy(update={"departments": departments, "desk_notify_email": None})

    def lookup(municipality: str) -> Directory:
        return changed if municipality == "nagasaki" else directory(municipality)

    monkeypatch.setattr(staff_mail, "directory", lookup)
    yield


@pytest.mark.usefixtures("kyoiku_without_address")
def test_a_department_or_desk_without_an_address_gets_no_mail_and_nothing_fails(
    routing: RoutingApplication, outbox: Outbox, mailer: KeptMailer, clock: MovableClock
) -> None:
    proposal_id = accepted(routing)
    routing.decline(proposal_id, "kyoiku", "所管外です", staff())
    clock.advance(days=15)
    assert routing.check_deadlines() == 1
    assert sent(outbox, mailer) == []
    assert outbox.position() == routing.recorder.max_notification_id()  # all handled


def test_a_city_whose_directory_names_no_addresses_mails_nobody(
    routing: RoutingApplication, outbox: Outbox, mailer: KeptMailer
) -> None:
    assert directory("aomori").desk_notify_email is None
    proposal_id = accepted(routing, IntakeEvents(municipality="aomori"), field="複数分野")
    assert routing.routing(proposal_id, "aomori").departments == ["koumin-renkei"]
    assert sent(outbox, mailer) == []


def test_a_restarted_outbox_sends_nothing_twice(
    routing: RoutingApplication, outbox: Outbox, mailer: KeptMailer
) -> None:
    proposal = IntakeEvents()
    acceptance = proposal.submitted(), proposal.accepted()
    assert all(routing.process(envelope) for envelope in acceptance)
    assert len(sent(outbox, mailer)) == 1
    # Kafka delivers the acceptance again: the copy is dropped, nothing is mailed.
    assert routing.process(acceptance[1]) is False
    assert sent(outbox, mailer) == []
    # The service restarts (a new outbox on the same store) and the read models are
    # rebuilt from history: what was mailed is not mailed again.
    routing.board.catch_up()
    assert routing.board.rebuilt_from_history().view() == routing.board.view()
    again = Outbox(routing, "staff-mail", StaffMail(routing, settings(), mailer).send, 0.2)
    assert again.handle_pending() == 0 and len(mailer.sent) == 1


def test_without_an_smtp_server_routing_runs_no_outbox(routing: RoutingApplication) -> None:
    assert staff_mail_outbox(settings(smtp_host=""), routing) is None


async def test_a_routed_proposals_mail_arrives_through_smtp_with_the_link_only(
    tmp_path: Path,
) -> None:
    """The routing service as declared (its outbox beside the API) and a real SMTP server."""
    with smtp_server() as (inbox, port):
        configured = settings(
            database_url="",  # SQLite under data_dir, as a service runs
            data_dir=tmp_path,
            relay_enabled=False,
            consumer_enabled=False,
            smtp_host="127.0.0.1",
            smtp_port=port,
            smtp_security="none",
            mail_from="長崎市 共創窓口 <kyoso@city.nagasaki.example.jp>",
        )
        app = create_app(ROUTING, configured, clock=MovableClock())
        async with app.router.lifespan_context(app):
            routing: RoutingApplication = app.state.application

            def outbox_started() -> bool:
                return routing.recorder.max_tracking_id("staff-mail") is not None

            await wait_until(outbox_started, what="the staff-mail outbox to start")
            proposal_id = await asyncio.to_thread(accepted, routing, IntakeEvents())

            def arrived() -> list[EmailMessage]:
                return inbox.to(KYOIKU)

            [mail] = await wait_until(arrived, what=f"a mail to {KYOIKU}")
    body = body_of(mail)
    assert "NGS-2025-0001" in str(mail["Subject"])
    assert "通学路安全点検支援システム" in body
    assert f"{PORTAL}/staff/department/proposals/{proposal_id}" in body
    assert PROPOSER not in body and CONTENT not in body
    assert "kyoso@city.nagasaki.example.jp" in str(mail["From"])
