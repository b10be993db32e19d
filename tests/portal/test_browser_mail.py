"""The proposer's journey by e-mail, in a real browser (Debian's Chromium through Playwright)
against the whole desk on free ports, with intake mailing through a real SMTP server
(aiosmtpd, tests/smtp.py) and the links of its e-mails followed as a proposer would:

- the receipt's link opens the status page, and the token leaves the address bar; a lost
  link is asked for on the portal, arrives by e-mail, and works;
- the department writes, the message arrives by e-mail and on the status page, the
  proposer answers there, and the department's dialogue log shows the answer;
- the consultation on the case arrives by e-mail, and its link lets the proposer object.

Every page is checked with axe-core and photographed at desktop and mobile width into
tests/screenshots/portal/ (tests/portal/test_browser.py's `look`)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from email.message import EmailMessage
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from tests.brokers import Broker, embedded_broker_only
from tests.factories import proposal_body
from tests.portal.servers import RunningDesk, running_desk_servers, until
from tests.portal.test_browser import CHROMIUM, WIDTHS, adopted_with_case_in_consultation, look
from tests.smtp import Inbox, body_of, smtp_server

pytestmark = [pytest.mark.integration, embedded_broker_only()]

NAGASAKI = "/api/v1/municipalities/nagasaki"


@pytest.fixture(scope="module")
def smtp() -> Iterator[tuple[Inbox, int]]:
    with smtp_server() as server:
        yield server


@pytest.fixture(scope="module")
def desk(
    broker: Broker, tmp_path_factory: pytest.TempPathFactory, smtp: tuple[Inbox, int]
) -> Iterator[RunningDesk]:
    data = tmp_path_factory.mktemp("portal-mail")
    with running_desk_servers(broker, data, smtp_port=smtp[1]) as running:
        yield running


@pytest.fixture(scope="module")
def chromium() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-background-networking", "--disable-component-update"],
        )
        yield launched
        launched.close()


def fresh_page(browser: Browser) -> Page:
    """A browser window of its own: no cookie, so no status token, of any other."""
    context = browser.new_context(
        viewport={"width": WIDTHS["desktop"], "height": 900}, locale="ja-JP"
    )
    return context.new_page()


def mail(inbox: Inbox, address: str, receipt_number: str, subject: str) -> EmailMessage:
    """The e-mail about this proposal whose subject says `subject`, once it has come."""

    def arrived() -> EmailMessage | None:
        return next(
            (
                m
                for m in inbox.to(address)
                if receipt_number in str(m["Subject"]) and subject in str(m["Subject"])
            ),
            None,
        )

    found: EmailMessage = until(arrived, f"the e-mail 「{subject}」 to {address}")
    return found


def link_in(message: EmailMessage, desk: RunningDesk) -> str:
    found = re.search(re.escape(desk.urls["portal"]) + r"/status/\S+", body_of(message))
    assert found, body_of(message)
    return found.group(0)


def propose(desk: RunningDesk, email: str, **fields: Any) -> dict[str, Any]:
    body = proposal_body(**fields)
    body["proposer"] = {**body["proposer"], "email": email}
    with desk.client("intake") as intake:
        answer = intake.post(f"{NAGASAKI}/proposals", json=body)
        assert answer.status_code == 201, answer.text
        receipt: dict[str, Any] = answer.json()
        return receipt


def test_the_receipts_link_opens_the_status_page_and_a_lost_link_is_sent_again(
    chromium: Browser, desk: RunningDesk, smtp: tuple[Inbox, int]
) -> None:
    inbox, portal, address = smtp[0], desk.urls["portal"], "lost@minato-kanko.example.jp"
    receipt = propose(desk, address, title="トイレマップ（リンク再送）")
    number = receipt["receipt_number"]

    received = mail(inbox, address, number, "受け付けました")
    link = link_in(received, desk)
    assert "?token=" in link
    page = fresh_page(chromium)
    page.goto(link)
    # The token went into a cookie; the address bar shows the address without it.
    assert page.url == f"{portal}/status/{receipt['proposal_id']}", page.url
    expect(page.locator("dl.facts")).to_contain_text(number)
    look(page, "status-from-mail")

    # Another browser, without the cookie: the link is lost. It is asked for on the portal.
    lost = fresh_page(chromium)
    lost.goto(f"{portal}/nagasaki")
    lost.get_by_role("link", name="状況確認リンクを再送する").click()
    expect(lost.get_by_role("heading", level=1)).to_have_text("状況確認リンクを再送する")
    look(lost, "lost-link")
    lost.get_by_role("button", name="リンクを送信する").click()
    expect(lost.get_by_role("alert")).to_contain_text(
        "提案時に入力したメールアドレスを入力してください。"
    )
    expect(lost).to_have_title(re.compile("^エラー: "))
    expect(lost.get_by_label("メールアドレス")).to_have_attribute("aria-invalid", "true")
    look(lost, "lost-link-error")
    lost.get_by_label("メールアドレス").fill(address.upper())
    lost.get_by_role("button", name="リンクを送信する").click()
    expect(lost.get_by_role("status")).to_contain_text("メールをご確認ください")
    look(lost, "lost-link-sent")
    # The same answer for an address no proposal was sent with: nothing is told.
    lost.get_by_label("メールアドレス").fill("nobody@example.jp")
    lost.get_by_role("button", name="リンクを送信する").click()
    expect(lost.get_by_role("status")).to_contain_text("メールをご確認ください")

    resent = mail(inbox, address, number, "状況確認リンク")
    lost.goto(link_in(resent, desk))
    assert lost.url == f"{portal}/status/{receipt['proposal_id']}", lost.url
    expect(lost.locator("dl.facts")).to_contain_text(number)
    assert inbox.to("nobody@example.jp") == []
    lost.context.close()
    page.context.close()


def test_the_departments_message_arrives_by_mail_and_the_proposers_answer_reaches_its_log(
    chromium: Browser, desk: RunningDesk, smtp: tuple[Inbox, int]
) -> None:
    inbox, address = smtp[0], "dialogue@minato-kanko.example.jp"
    receipt = propose(desk, address, title="トイレマップ（対話）")
    pid, number = receipt["proposal_id"], receipt["receipt_number"]
    department = desk.bearer("department", "machizukuri")
    asked = "協力店舗の候補を3件ほど教えてください。\n打合せは11月中を考えています。"
    with desk.client("intake") as intake, desk.client("routing") as routing:
        accepted = intake.post(
            f"{NAGASAKI}/desk/proposals/{pid}/screening",
            json={"decision": "accept"},
            headers=desk.bearer("desk"),
        )
        assert accepted.status_code == 200, accepted.text
        until(
            lambda: (
                routing.post(f"{NAGASAKI}/routings/{pid}/take-on", headers=department).status_code
                == 200
            ),
            "routing to route the proposal to まちづくり部",
        )
        # Another department cannot write to this proposer: for it, there is no proposal.
        other = routing.post(
            f"{NAGASAKI}/routings/{pid}/messages",
            json={"text": "他部署から"},
            headers=desk.bearer("department", "kyoiku"),
        )
        assert other.status_code == 404, other.text
        sent = routing.post(
            f"{NAGASAKI}/routings/{pid}/messages", json={"text": asked}, headers=department
        )
        assert sent.status_code == 201, sent.text

    message = mail(inbox, address, number, "メッセージが届きました")
    assert asked in body_of(message)
    assert "他部署から" not in "".join(body_of(m) for m in inbox.to(address))
    page = fresh_page(chromium)
    page.goto(link_in(message, desk))
    dialogue = page.locator("ol.dialogue")
    expect(dialogue.locator("li")).to_have_count(1)
    expect(dialogue).to_contain_text("まちづくり部")
    expect(dialogue).to_contain_text("協力店舗の候補を3件ほど教えてください。")
    look(page, "dialogue")

    page.get_by_role("button", name="返信を送信する").click()  # nothing written yet
    expect(page.get_by_role("alert")).to_contain_text("返信の内容を入力してください。")
    expect(page).to_have_title(re.compile("^エラー: "))
    look(page, "dialogue-error")
    # By keyboard: the summary's link takes the focus to the field, which is typed into.
    page.get_by_role("link", name="返信の内容を入力してください。").focus()
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "answer-text"
    answer = "候補は次の3店舗です。\n・みなと食堂\n・出島カフェ\n・眼鏡橋書店"
    page.keyboard.type(answer)
    page.get_by_role("button", name="返信を送信する").click()
    # Post/Redirect/Get: the status page again, the answer under the message.
    assert page.url.endswith(f"/status/{pid}#dialogue"), page.url
    expect(dialogue.locator("li")).to_have_count(2)
    expect(dialogue.locator("li").nth(1)).to_contain_text("あなた")
    expect(dialogue.locator("li").nth(1)).to_contain_text("眼鏡橋書店")
    expect(page.get_by_label("担当部署への返信")).to_have_value("")
    look(page, "dialogue-answered")

    with desk.client("routing") as routing:

        def answered() -> list[dict[str, Any]] | None:
            log = routing.get(f"{NAGASAKI}/routings/{pid}/dialogue", headers=department)
            entries: list[dict[str, Any]] = log.json()["entries"]
            return entries if any(e["kind"] == "from_proposer" for e in entries) else None

        entries = until(answered, "routing to keep the proposer's answer")
        assert [(e["kind"], e["text"]) for e in entries] == [
            ("to_proposer", asked),
            ("from_proposer", answer),
        ]
        elsewhere = routing.get(
            f"{NAGASAKI}/routings/{pid}/dialogue", headers=desk.bearer("department", "kyoiku")
        )
        assert elsewhere.status_code == 404
    page.context.close()


def test_the_proposer_objects_to_the_case_from_the_consultation_mail(
    chromium: Browser, desk: RunningDesk, smtp: tuple[Inbox, int]
) -> None:
    receipt = adopted_with_case_in_consultation(desk)
    consultation = mail(
        smtp[0], "hanako@minato-kanko.example.jp", receipt["receipt_number"], "事例の公表"
    )
    assert "異議の期限" in body_of(consultation)
    link = link_in(consultation, desk)
    assert f"/status/{receipt['proposal_id']}/case?token=" in link
    page = fresh_page(chromium)
    page.goto(link)
    assert page.url == f"{desk.urls['portal']}/status/{receipt['proposal_id']}/case", page.url
    expect(page.locator("article.case-preview")).to_contain_text("成果 Results")
    look(page, "consultation-from-mail")

    page.get_by_role("button", name="異議を申し出る").click()  # without a reason
    expect(page.get_by_role("alert")).to_contain_text("異議の理由を入力してください")
    look(page, "consultation-objection-error")
    page.get_by_label("公表すべきでない内容とその理由").fill("協力店舗の名前は伏せてください。")
    page.get_by_role("button", name="異議を申し出る").click()
    expect(page.get_by_role("status")).to_contain_text("協力店舗の名前は伏せてください。")
    look(page, "consultation-objected")
    with desk.client("publication") as publication:
        cases = publication.get(f"{NAGASAKI}/desk/cases", headers=desk.bearer("desk")).json()
    case = next(c for c in cases if c["proposal_id"] == receipt["proposal_id"])
    assert case["stage"] == "objected"
    page.context.close()
