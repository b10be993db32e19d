"""The staff consoles in a real browser (Debian's Chromium through Playwright), against the
whole desk served on free ports and the local OpenID Connect provider (tools/local-idp):
each staff member signs in at the provider's login page by keyboard (the authorization
code flow; the services take only the provider's JWTs, no static token). A desk officer
screens and routes a proposal, a department officer takes one on, writes to its proposer
(who answers on the status page) and decides it with the live assessment, the council
decides an escalated one, and the auditor reads its history with the person of each step.

The desk's screening and the department's take-on are done by keyboard alone (Tab, Space,
the arrow keys in a radio group, Enter): each control reached shows its focus, and the
notice after the Post/Redirect/Get is a status message that takes the focus, so it is read
out. Every console page visited is checked with axe-core (no serious or critical violation)
and photographed at desktop and mobile width into tests/screenshots/consoles/."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from playwright.sync_api import Browser, BrowserContext, Locator, Page, expect, sync_playwright
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from shared.broker import free_port
from shared.proposal.status import ProposalStatus
from tests.brokers import Broker, embedded_broker_only
from tests.factories import free_proposal_body, proposal_body
from tests.oidc import local_idp, password_of
from tests.portal import test_browser
from tests.portal.servers import RunningDesk, running_desk_servers, until

pytestmark = [pytest.mark.integration, embedded_broker_only()]

SHOTS = Path(__file__).resolve().parents[1] / "screenshots" / "consoles"
NAGASAKI = "/api/v1/municipalities/nagasaki"


@pytest.fixture(scope="module")
def desk(broker: Broker, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningDesk]:
    """The desk and one provider for the module, its portal client registered for the
    portal's port."""
    port = free_port()
    with (
        local_idp(tmp_path_factory.mktemp("consoles-idp"), f"http://127.0.0.1:{port}") as idp,
        running_desk_servers(
            broker, tmp_path_factory.mktemp("consoles-browser"), idp=idp, portal_port=port
        ) as running,
    ):
        yield running


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=test_browser.CHROMIUM,
            args=["--no-sandbox", "--disable-background-networking", "--disable-component-update"],
        )
        yield launched
        launched.close()


def look(page: Page, name: str) -> None:
    """axe-core, then screenshots at both widths, into this area's folder."""
    test_browser.look(page, name, SHOTS)


def signed_in(browser: Browser, desk: RunningDesk, login: str) -> tuple[BrowserContext, Page]:
    """A new browser whose staff member `login` (a demo login of the provider) signed in:
    the portal sends them to the provider's login page, they type their login name and
    password there and press Enter, and land back on the staff page, signed in by name."""
    context = browser.new_context(
        viewport={"width": test_browser.WIDTHS["desktop"], "height": 900}, locale="ja-JP"
    )
    page = context.new_page()
    portal = desk.urls["portal"]
    assert desk.idp is not None
    page.goto(f"{portal}/staff")
    expect(page).to_have_url(re.compile(re.escape(f"{desk.idp.issuer}/interaction/")))
    page.get_by_label("ログイン名").focus()
    page.keyboard.type(login)
    page.keyboard.press("Tab")
    page.keyboard.type(password_of(login))
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{portal}/staff")
    expect(page.locator("main")).to_contain_text(
        f"{desk.idp.staff[login].name} としてサインインしています"
    )
    return context, page


# What the focused element shows: :focus-visible, outline style and width, box shadow.
_RING = """(() => { const e = document.activeElement, s = getComputedStyle(e);
                    return [e.matches(':focus-visible'), s.outlineStyle,
                            parseFloat(s.outlineWidth), s.boxShadow]; })()"""


def tab_to(page: Page, target: Locator, presses: int = 150) -> None:
    """Tab (only) until one of `target` has the focus, which must show: portal.css's
    :focus-visible ring (an outline of 3px, a dark ring around it)."""
    for _ in range(presses):
        page.keyboard.press("Tab")
        if target.evaluate_all("(els) => els.includes(document.activeElement)"):
            # Wait (with a deadline) for the ring: a page just reached by a form's redirect
            # may still be applying portal.css when the first Tab lands.
            try:
                page.wait_for_function(
                    f"() => {{ const [v, st, w, sh] = {_RING}; "
                    "return v && st === 'solid' && w >= 3 && sh !== 'none'; }",
                    timeout=5_000,
                )
            except PlaywrightTimeoutError:
                raise AssertionError(f"no focus ring: {page.evaluate(f'() => {_RING}')}") from None
            return
    raise AssertionError(f"Tab never reached {target}")


def announced(page: Page, notice: str) -> None:
    """The notice after a Post/Redirect/Get: a status message that has the focus (read out
    at once; the keyboard goes on from there)."""
    status = page.get_by_role("status")
    expect(status).to_have_text(notice)
    expect(status).to_be_focused()


def submitted(desk: RunningDesk, body: dict[str, Any]) -> dict[str, Any]:
    with desk.client("intake") as intake:
        answer = intake.post(f"{NAGASAKI}/proposals", json=body)
        assert answer.status_code == 201, answer.text
        receipt: dict[str, Any] = answer.json()
        return receipt


def accepted_and_routed(desk: RunningDesk, body: dict[str, Any]) -> tuple[str, str]:
    """Submitted and accepted through the APIs: (proposal id, the department it went to)."""
    return routed(desk, submitted(desk, body))


def routed(desk: RunningDesk, receipt: dict[str, Any]) -> tuple[str, str]:
    """A submitted proposal accepted through the APIs: (its id, the department it went to)."""
    pid = receipt["proposal_id"]
    with desk.client("intake") as intake, desk.client("routing") as routing:
        screened = intake.post(
            f"{NAGASAKI}/desk/proposals/{pid}/screening",
            json={"decision": "accept"},
            headers=desk.bearer("desk"),
        )
        assert screened.status_code == 200, screened.text

        def lead() -> str | None:
            answer = routing.get(f"{NAGASAKI}/routings/{pid}", headers=desk.bearer("desk"))
            return answer.json()["lead_department"] if answer.status_code == 200 else None

        return pid, until(lead, "routing to route the proposal")


def decision_heard(desk: RunningDesk, pid: str) -> None:
    """Decision hears a take-on a moment after routing records it (issue 15 names the
    misleading 409 in between); the department decides once decision knows."""
    decision = desk.apps["decision"].state.application

    def in_dialogue() -> bool:
        state = decision.proposal_state(UUID(pid))
        return state is not None and state.status == ProposalStatus.IN_DIALOGUE

    until(in_dialogue, "decision to hear the take-on")


def test_a_desk_officer_screens_and_routes_a_proposal(browser: Browser, desk: RunningDesk) -> None:
    receipt = submitted(desk, free_proposal_body())
    context, page = signed_in(browser, desk, "nagasaki-desk")
    portal = desk.urls["portal"]

    page.goto(f"{portal}/staff/desk")
    expect(page.get_by_role("heading", level=1)).to_have_text("受付一覧")
    expect(page.get_by_role("link", name="次のページ")).to_be_visible()  # Nagasaki's 20 and more
    page.get_by_label("検索").fill("通学路")  # the search and a filter
    page.get_by_label("状況").select_option("received")
    page.get_by_label("検索").press("Enter")  # by keyboard: Enter in a field sends the form
    expect(page.get_by_role("link", name=receipt["receipt_number"])).to_be_visible()
    look(page, "desk-inbox")
    page.get_by_role("link", name=receipt["receipt_number"]).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("通学路安全点検支援システム")
    expect(page.locator("nav.crumbs")).to_contain_text("受付一覧")
    look(page, "desk-proposal")

    # The screening by keyboard alone. Not accepted, but no reason given: the service's
    # 422 is shown beside the reasons.
    choices = page.locator("input[name=decision]")
    record = page.get_by_role("button", name="受付審査を記録する")
    tab_to(page, choices)  # the radio group: its first choice, none chosen yet
    page.keyboard.press("ArrowDown")  # and the next one, chosen
    expect(page.get_by_label("受け付けない")).to_be_checked()
    tab_to(page, record)
    page.keyboard.press("Enter")
    expect(page.locator("#screening-reasons-error")).to_have_text("理由を選んでください。")
    assert page.title().startswith("エラー: ")
    expect(page.locator(".error-summary")).to_be_focused()  # read out, as the notices are
    look(page, "desk-screening-error")
    tab_to(page, choices)  # the group again: now on the chosen one
    page.keyboard.press("ArrowUp")
    expect(page.get_by_label("受け付ける", exact=True)).to_be_checked()
    tab_to(page, record)
    page.keyboard.press("Space")
    announced(page, "受付審査を記録しました。")

    # Routing hears the acceptance and routes it; the desk routes it elsewhere.
    def routed() -> bool:
        page.reload()
        return page.locator("#routing-lead").count() == 1

    until(routed, "routing to route the accepted proposal")
    expect(page.get_by_role("table")).to_contain_text("routing.proposal.routed")
    page.get_by_label("主担当課").select_option("dx")
    page.get_by_label("振り分けの理由").fill("システム開発の案件のため")
    page.get_by_role("button", name="この所管課に振り分ける").click()
    expect(page.get_by_role("status")).to_have_text("振り分けを記録しました。")
    expect(page.locator("dl.facts").nth(1)).to_contain_text("デジタル戦略課")
    expect(page.get_by_role("table")).to_contain_text("システム開発の案件のため")
    look(page, "desk-routed")

    page.get_by_role("link", name="ダッシュボード").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("ダッシュボード")
    look(page, "desk-dashboard")

    page.get_by_role("link", name="テーマ一覧").click()
    page.get_by_label("課題名").fill("")
    page.get_by_role("button", name="テーマを公表する").click()
    expect(page.locator("#theme-title-error")).to_have_text("課題名を入力してください。")
    look(page, "desk-themes-error")
    page.get_by_label("課題名").fill("公園の夜間利用を活性化したい")
    page.locator("#theme-field").fill("まちづくり")
    page.locator("#theme-department").select_option("machizukuri")
    page.get_by_label("背景").fill("夜の公園は暗く、利用が少ない。")
    page.get_by_role("button", name="テーマを公表する").click()
    expect(page.get_by_role("status")).to_have_text("テーマを公表しました。")
    page.get_by_role("button", name="テーマ28の募集を終了する").click()
    expect(page.get_by_role("status")).to_have_text("テーマの募集を終了しました。")
    look(page, "desk-themes")

    page.get_by_role("link", name="官民連携事例").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("官民連携事例")
    look(page, "desk-cases")
    # Nothing of another role in the desk's navigation; the English switch keeps the page.
    expect(page.locator("nav.city")).not_to_contain_text("所管課の受信箱")
    page.get_by_role("link", name="English").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Cases")
    context.close()


def test_a_department_decides_with_the_live_assessment_and_the_council_an_escalated_one(
    browser: Browser, desk: RunningDesk
) -> None:
    portal = desk.urls["portal"]
    receipt = submitted(desk, proposal_body())
    adopted, department = routed(desk, receipt)
    escalated, _ = accepted_and_routed(desk, proposal_body(title="夜のまち歩きマップ"))
    context, page = signed_in(browser, desk, f"nagasaki-{department}")

    # From the staff page to the proposal, and its take-on, by keyboard alone.
    tab_to(page, page.get_by_role("link", name="所管課の画面"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text("所管課の受信箱")
    look(page, "department-inbox")
    tab_to(page, page.get_by_role("link", name=receipt["receipt_number"]))
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(re.escape(f"/staff/department/proposals/{adopted}")))
    # The whole proposal routed to it: contact details and the protected part included.
    expect(page.locator("main")).to_contain_text("協力店舗の一覧と交渉ノウハウ")
    look(page, "department-proposal")
    tab_to(page, page.get_by_role("button", name="担当する"))
    page.keyboard.press("Enter")
    announced(page, "提案を担当しました。")
    decision_heard(desk, adopted)
    page.reload()

    # The confidentiality scope agreed with the proposer (Kitakyushu: 対話の初期段階で、
    # 情報の取り扱いや秘密保持の範囲について双方で確認し) is recorded in its own words.
    page.get_by_label("節目").select_option("confidentiality_agreed")
    page.get_by_role("button", name="節目を記録する").click()
    expect(page.locator("#milestone-confidentiality-scope-error")).to_have_text(
        "合意した秘密保持の範囲を入力してください。"
    )
    scope = "協力店舗の一覧と交渉ノウハウは非公開とする"
    page.get_by_label("合意した秘密保持の範囲").fill(scope)
    page.get_by_role("button", name="節目を記録する").click()
    expect(page.get_by_role("status")).to_have_text("節目を記録しました。")
    expect(page.locator("#confidentiality-scope")).to_have_text(scope)
    page.get_by_label("状況表示（日本語）").fill("まちづくり部と協議中")
    page.get_by_label("状況表示（英語）").fill("In talks with the urban development department")
    page.get_by_role("button", name="状況表示を設定する").click()
    expect(page.get_by_role("status")).to_contain_text("状況表示を設定しました。")

    # The dialogue log: a message to the proposer (refused while empty), an internal note.
    page.get_by_role("button", name="メッセージを送る").click()
    expect(page.locator("#message-text-error")).to_have_text(
        "提案者へのメッセージを入力してください。"
    )
    assert page.title().startswith("エラー: ")
    asked = "協力店舗の候補を教えてください。\n打合せは11月中を考えています。"
    page.get_by_label("提案者へのメッセージ").fill(asked)
    page.get_by_role("button", name="メッセージを送る").click()
    expect(page.get_by_role("status")).to_have_text(
        "メッセージを送りました。提案者は状況確認ページで読めます。"
    )
    page.get_by_label("内部メモ").fill("観光課にも相談する。")
    page.get_by_role("button", name="メモを残す").click()
    expect(page.get_by_role("status")).to_have_text(
        "内部メモを残しました。提案者には表示されません。"
    )
    log = page.locator("ol.dialogue-log > li")
    expect(log).to_have_count(2)
    expect(log.nth(0)).to_contain_text("提案者へのメッセージ")
    expect(log.nth(0)).to_contain_text("協力店舗の候補を教えてください。")
    expect(log.nth(1)).to_contain_text("内部メモ（提案者には見えません）")
    assert desk.idp is not None
    officer = desk.idp.staff[f"nagasaki-{department}"].name
    expect(log.nth(1)).to_contain_text(f"{officer}（まちづくり部）")  # who wrote, and where

    # The proposer reads the message (not the note) on the status page and answers there.
    proposer = browser.new_context(
        viewport={"width": test_browser.WIDTHS["desktop"], "height": 900}, locale="ja-JP"
    ).new_page()
    proposer.goto(f"{portal}/status/{adopted}?token={receipt['status_token']}")
    told = proposer.locator("ol.dialogue")

    def heard() -> bool:
        proposer.reload()
        return told.locator("li").count() == 1

    until(heard, "intake to hear the message to the proposer")
    expect(told).to_contain_text("協力店舗の候補を教えてください。")
    expect(proposer.locator("main")).not_to_contain_text("観光課にも相談する。")
    # The proposer reads the scope agreed, and the department, never the officer's name.
    expect(proposer.locator("main")).to_contain_text(scope)
    expect(proposer.locator("main")).not_to_contain_text(officer)
    proposer.get_by_label("担当部署への返信").fill("候補は、みなと食堂と出島カフェです。")
    proposer.get_by_role("button", name="返信を送信する").click()
    expect(told.locator("li")).to_have_count(2)
    proposer.context.close()

    # The department's inbox says the proposer wrote last; its log shows the answer.
    page.locator("nav.crumbs").get_by_role("link", name="所管課の受信箱").click()
    row = page.get_by_role("row").filter(has_text=receipt["receipt_number"])

    def answered() -> bool:
        page.reload()
        return row.get_by_text("提案者から返信あり").count() == 1

    until(answered, "routing to hear the proposer's answer")
    look(page, "department-inbox-answered")
    row.get_by_role("link").click()
    expect(log).to_have_count(3)
    expect(log.nth(2)).to_contain_text("提案者からの返信")
    expect(log.nth(2)).to_contain_text("みなと食堂と出島カフェ")
    look(page, "department-dialogue")

    # The assessment follows the inputs as they are typed (the page's one script) ...
    occupancy = page.get_by_label("時間的占用：期間（日）")
    assessment = page.locator("#assessment")
    occupancy.fill("400")
    expect(assessment).to_contain_text("試算結果: 公募")
    expect(assessment).to_contain_text("最も早い予算: なし（市の負担なし）")
    # ... and the "assess" button does the same by a page load (as without the script):
    # a value decision refuses is named beside its field.
    occupancy.fill("一年")
    page.get_by_role("button", name="試算する").click()
    expect(page.locator("#inputs-occupancy_days-error")).to_have_text(
        "時間的占用：期間（日）は0以上の数で入力してください。"
    )
    expect(assessment).to_have_count(0)
    occupancy.fill("400")
    expect(assessment).to_contain_text("試算結果: 公募")
    expect(page.locator("#inputs-occupancy_days-error")).to_have_count(0)
    # City money changes the route, and the assessment says when it can be budgeted.
    page.get_by_label("開始時の市の負担（円）").fill("500000")
    page.get_by_role("button", name="試算する").click()
    expect(occupancy).to_have_value("400")  # kept by the page load
    expect(assessment).to_contain_text("試算結果: 予算化を経た調達")
    expect(assessment).to_contain_text(re.compile(r"最も早い予算: \d{4}年度予算"))
    look(page, "department-assessment")
    page.get_by_label("協定・契約").select_option("business_agreement")
    page.get_by_role("button", name="実施を決定する", exact=True).click()
    expect(page.get_by_role("status")).to_have_text("実施を決定しました。")
    expect(page.locator("dl.facts").first).to_contain_text("実施決定 (まちづくり部)")
    look(page, "department-decided")

    # The second one goes to the council.
    with desk.client("routing") as routing:
        taken = routing.post(
            f"{NAGASAKI}/routings/{escalated}/take-on",
            headers=desk.bearer("department", department),
        )
        assert taken.status_code == 200, taken.text
    decision_heard(desk, escalated)
    page.goto(f"{portal}/staff/department/proposals/{escalated}")
    page.get_by_label("内部メモ").fill("観光・交通・商工の三部局にまたがる。")
    page.get_by_role("button", name="メモを残す").click()
    expect(page.get_by_role("status")).to_contain_text("内部メモを残しました。")
    page.get_by_label("付議の理由").fill("複数部局にまたがるため")
    page.get_by_role("button", name="推進本部会議に諮る").click()
    expect(page.get_by_role("status")).to_have_text("推進本部会議に付議しました。")
    context.close()

    context, page = signed_in(browser, desk, "nagasaki-council")
    page.goto(f"{portal}/staff/council")
    expect(page.get_by_role("heading", level=1)).to_have_text("推進本部会議の案件")
    row = page.get_by_role("row").filter(has_text="夜のまち歩きマップ")
    expect(row).to_contain_text("複数部局にまたがるため")
    look(page, "council-inbox")
    row.get_by_role("link").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("夜のまち歩きマップ")
    # The council reads the dialogue of what was escalated to it, and who wrote.
    council_log = page.locator("ol.dialogue-log > li")
    expect(council_log).to_have_count(1)
    expect(council_log).to_contain_text("観光・交通・商工の三部局にまたがる。")
    expect(council_log).to_contain_text(f"{officer}（まちづくり部）")
    look(page, "council-record")
    page.get_by_role("button", name="不実施を決定する").click()
    expect(page.locator("#reject-reasons-error")).to_have_text("理由を選んでください。")
    page.get_by_label("既存事業と重複する").check()
    page.get_by_label("提案者への説明").fill("同様の事業を市が既に実施しています。")
    page.get_by_role("button", name="不実施を決定する").click()
    expect(page.get_by_role("status")).to_contain_text("不実施を決定しました。")
    expect(page.get_by_role("button", name="不実施を決定する")).to_have_count(0)
    context.close()

    # The auditor reads the whole history, with the person and the role of each step.
    context, page = signed_in(browser, desk, "nagasaki-auditor")
    page.goto(f"{portal}/staff/audit")
    look(page, "audit-find")
    page.get_by_label("提案ID").fill(escalated)
    page.get_by_role("button", name="経過を表示する").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("夜のまち歩きマップ")
    table = page.get_by_role("table")
    for step in ("routing.proposal.taken_on", "decision.proposal.escalated", "council"):
        expect(table).to_contain_text(step)
    assert desk.idp is not None
    for login in (f"nagasaki-{department}", "nagasaki-council", "nagasaki-desk"):
        expect(table).to_contain_text(desk.idp.staff[login].name)
    look(page, "audit-history")
    context.close()

    # The desk drafts the adopted proposal's case, one section marked protected.
    context, page = signed_in(browser, desk, "nagasaki-desk")
    page.goto(f"{portal}/staff/desk/cases")
    page.get_by_label("提案ID").fill(adopted)
    page.locator("#new-case-section-0-heading").fill("成果")
    page.locator("#new-case-section-0-text").fill("公衆トイレマップで観光客の回遊が増えた。")
    page.locator("#new-case-section-1-heading").fill("協力店舗との交渉")
    page.locator("#new-case-section-1-text").fill("店舗ごとの条件")
    page.locator("#new-case-section-1-protected").check()

    def drafted() -> bool:
        # Refused (kept on the form) until publication has heard the adoption.
        page.get_by_role("button", name="事例の下書きを作る").click()
        return page.get_by_role("status").count() == 1

    until(drafted, "publication to hear the adoption")
    expect(page.get_by_role("status")).to_have_text("事例の下書きを作成しました。")
    expect(page.locator("section.case-preview")).to_contain_text("協力店舗との交渉 非公開")
    look(page, "desk-cases-draft")
    context.close()


def test_a_department_answers_infeasible_early_and_asks_the_desk_for_a_theme(
    browser: Browser, desk: RunningDesk
) -> None:
    portal = desk.urls["portal"]
    pid, department = accepted_and_routed(desk, proposal_body(title="公園での常設販売"))
    decision = desk.apps["decision"].state.application

    def routing_heard() -> bool:
        state = decision.proposal_state(UUID(pid))
        return state is not None and state.status == ProposalStatus.ROUTED

    until(routing_heard, "decision to hear the routing")

    # Aomori: 実施困難と判断した場合は検討過程において早めに回答します — before take-on.
    context, page = signed_in(browser, desk, f"nagasaki-{department}")
    page.goto(f"{portal}/staff/department/proposals/{pid}")
    page.get_by_role("button", name="実施困難と回答する").click()
    expect(page.locator("#infeasible-reasons-error")).to_have_text("理由を選んでください。")
    look(page, "department-infeasible-error")
    page.locator("#infeasible-reasons").check()  # 法令・条例等に抵触する
    page.locator("#infeasible-explanation").fill("都市公園条例により常設の販売はできません。")
    page.get_by_role("button", name="実施困難と回答する").click()
    expect(page.get_by_role("status")).to_have_text(
        "実施困難と回答しました。提案者に理由が示されます。"
    )
    expect(page.get_by_role("button", name="担当する")).to_have_count(0)
    look(page, "department-infeasible")

    # A theme request (テーマの要望), which the desk declines with a reason.
    page.get_by_role("link", name="テーマの要望").click()
    page.locator("#request-title").fill("夜の商店街のにぎわい")
    page.locator("#request-field").fill("観光")
    page.locator("#request-description").fill("夜間の人通りが少ない。")
    page.get_by_role("button", name="窓口に要望を送る").click()
    expect(page.get_by_role("status")).to_have_text("テーマの要望を窓口に送りました。")
    expect(page.get_by_role("table")).to_contain_text("窓口の回答待ち")
    look(page, "department-theme-requests")
    context.close()

    context, page = signed_in(browser, desk, "nagasaki-desk")
    page.goto(f"{portal}/staff/desk/themes")
    request = page.locator("section.request", has_text="夜の商店街のにぎわい")
    expect(request).to_contain_text("夜間の人通りが少ない。")
    look(page, "desk-theme-requests")
    request.get_by_label("見送りの理由").fill("既存のテーマと重なるため")
    request.get_by_role("button", name="要望を見送る").click()
    expect(page.get_by_role("status")).to_have_text(
        "テーマの要望を見送りました。所管課に理由が示されます。"
    )
    context.close()
