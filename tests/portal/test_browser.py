"""The portal in a real browser (Debian's Chromium through Playwright), against the whole
desk served on free ports: what a proposer and the public do, by mouse and by keyboard.

Every page visited is checked with axe-core (no serious or critical violation of WCAG 2.1
A/AA) and photographed at desktop (1280) and mobile (390) width into
tests/screenshots/portal/, where it must not scroll sideways."""

from __future__ import annotations

import csv
import io
import re
import uuid
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, expect, sync_playwright

from kyoso.demo import walk_nagasaki_register
from shared.contract import CallPublished, SelectionRoute
from tests.brokers import Broker, embedded_broker_only
from tests.factories import adopted, envelope, proposal_body, taken_on
from tests.portal.servers import RunningDesk, running_desk_servers, staff_json, until

pytestmark = [pytest.mark.integration, embedded_broker_only()]

CHROMIUM = "/usr/bin/chromium"
SHOTS = Path(__file__).resolve().parents[1] / "screenshots" / "portal"
WIDTHS = {"desktop": 1280, "mobile": 390}
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
NAGASAKI = "/api/v1/municipalities/nagasaki"
AXE = Axe()


@pytest.fixture(scope="module")
def desk(broker: Broker, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningDesk]:
    with running_desk_servers(broker, tmp_path_factory.mktemp("portal-browser")) as running:
        # Nagasaki's register as the seed has it: under review, being arranged, closed.
        walk_nagasaki_register(running.urls, staff_json(running))
        yield running


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-background-networking", "--disable-component-update"],
        )
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(
        viewport={"width": WIDTHS["desktop"], "height": 900}, locale="ja-JP", accept_downloads=True
    )
    opened = context.new_page()
    yield opened
    context.close()


def look(page: Page, name: str, shots: Path = SHOTS) -> None:
    """axe-core on the page, then its screenshots at both widths (mobile without
    sideways scrolling)."""
    results = AXE.run(page, options={"runOnly": {"type": "tag", "values": AXE_TAGS}})
    serious = [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert serious == [], f"{name}: {serious}"
    shots.mkdir(parents=True, exist_ok=True)
    for label, width in WIDTHS.items():
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=shots / f"{name}-{label}.png", full_page=True)
        if label == "mobile":
            overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 0, f"{name} scrolls sideways by {overflow}px at {width}px"
    page.set_viewport_size({"width": WIDTHS["desktop"], "height": 900})


FILLED = {
    "field-proposer-contact-person": "出島 花子",
    "field-proposer-phone": "095-822-8888",
    "field-title": "トイレマップで都心部の回遊性を高める",
    "field-field": "まちづくり",
    "field-summary": "トイレに特化したマップを作成し、観光客等のトイレの不安を解消する提案。",
    "field-content": "公衆トイレの位置と設備をまとめた地図を作る。\n協力店舗と連携して更新する。",
    "field-protected": "協力店舗の一覧と交渉ノウハウ",
}


# Each channel's own fields, filled as a proposer would (by element id).
CHANNEL_FILLED: dict[str, dict[str, str]] = {
    "demonstration_experiment": {
        "field-experiment-area": "長崎市役所 本館 1階ロビー",
        "field-experiment-starts-on": "2026-04-01",
        "field-experiment-ends-on": "2026-09-30",
        "field-experiment-city-support": "実証実験フィールドの提供、PR機会の提供",
        "field-experiment-cost-share-yen": "300000",
    },
    "partnership_agreement": {"field-agreement-fields": "観光"},
}
PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def propose_in_browser(page: Page, portal: str, channel: str, *, shoot: bool) -> str:
    """Through the form (an error first, fixed by keyboard), the confirmation and consent;
    returns the receipt number, on the receipt page. With `shoot`, the form is looked at
    (axe, screenshots); the theme channel's later pages too (the others' are the same)."""
    page.goto(f"{portal}/nagasaki/propose/{channel}")
    if shoot:
        look(page, f"form-{channel}")
    shoot = shoot and channel == "theme"
    if channel == "theme":
        page.locator("#field-theme-number").select_option("5")
    for field_id, value in {**FILLED, **CHANNEL_FILLED.get(channel, {})}.items():
        page.locator(f"#{field_id}").fill(value)
    page.locator("#field-proposer-kind").check()  # 企業, the first choice
    if channel == "partnership_agreement":
        page.locator("#field-agreement-scope").check()  # 事業連携協定, on one field
    page.locator("#field-proposer-email").fill("hanako-at-minato")
    page.get_by_role("button", name="入力内容を確認する").click()

    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("団体名（法人名）を入力してください。")
    expect(summary).to_contain_text("メールアドレスを name@example.jp の形式で入力してください。")
    expect(page).to_have_title(re.compile("^エラー: "))
    if shoot:
        look(page, "form-errors")
    # By keyboard: the summary's link takes the focus to the field, which is typed into.
    page.get_by_role("link", name="団体名（法人名）を入力してください。").focus()
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "field-proposer-organisation"
    page.keyboard.type("株式会社みなと観光")
    page.locator("#field-proposer-email").fill("hanako@minato-kanko.example.jp")
    page.keyboard.press("Enter")  # submits the form, as a keyboard user would

    expect(page.get_by_role("heading", level=1)).to_have_text("提案内容の確認")
    expect(page.locator("dl.review")).to_contain_text("株式会社みなと観光")
    page.get_by_role("button", name="提案を送信する").click()
    expect(page.get_by_role("alert")).to_contain_text("提案条件への同意が必要です")
    if shoot:
        look(page, "confirm-consent-missing")
    consent = page.locator("#consent")
    consent.focus()
    page.keyboard.press("Space")
    expect(consent).to_be_checked()
    page.get_by_role("button", name="提案を送信する").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("提案を受け付けました")
    number = page.locator(".receipt-number").inner_text()
    assert re.fullmatch(r"NGS-2025-\d{4}", number), number
    if shoot:
        look(page, "receipt")
    return number


@pytest.mark.parametrize(
    "channel", ["theme", "free", "demonstration_experiment", "partnership_agreement"]
)
def test_each_channel_is_proposed_in_the_browser_and_its_status_link_followed(
    page: Page, desk: RunningDesk, channel: str
) -> None:
    portal = desk.urls["portal"]
    number = propose_in_browser(page, portal, channel, shoot=True)
    link = page.locator("#status-url")
    assert "?token=" in (link.get_attribute("href") or "")
    link.click()
    # The token went into a cookie; the address bar shows the address without it.
    assert re.fullmatch(re.escape(portal) + r"/status/[0-9a-f-]{36}", page.url), page.url
    expect(page.locator("dl.facts")).to_contain_text(number)
    expect(page.locator(".status")).to_have_text("受付済み（内容を確認しています）")
    if channel == "free":
        look(page, "status")
    with httpx.Client(base_url=desk.urls["intake"]) as intake:
        lines = intake.get(f"{NAGASAKI}/desk/proposals", headers=desk.bearer("desk")).json()
    assert next(line for line in lines if line["receipt_number"] == number)["channel"] == channel


def test_a_demonstration_experiment_with_its_pdf_goes_through_confirmation_to_the_receipt(
    page: Page, desk: RunningDesk, tmp_path: Path
) -> None:
    """Issue 16: the experiment's own fields (an impossible period first), one attached
    PDF (no script needed: a plain multipart form), the confirmation, consent, receipt."""
    document = tmp_path / "実証実験提案書.pdf"
    document.write_bytes(PDF)
    portal = desk.urls["portal"]
    page.goto(f"{portal}/nagasaki/propose/demonstration_experiment")
    for field_id, value in {**FILLED, **CHANNEL_FILLED["demonstration_experiment"]}.items():
        page.locator(f"#{field_id}").fill(value)
    page.locator("#field-proposer-organisation").fill("株式会社みなと観光")
    page.locator("#field-proposer-kind").check()
    page.locator("#field-proposer-email").fill("hanako@minato-kanko.example.jp")
    page.locator("#field-experiment-ends-on").fill("2026-03-31")  # before the first day
    page.locator("#field-document").set_input_files(document)
    page.get_by_role("button", name="入力内容を確認する").click()

    expect(page.get_by_role("alert")).to_contain_text(
        "実施期間の終了日は開始日より前にできません。"
    )
    # The PDF went to intake with the first try; the form keeps it and says so.
    expect(page.locator("#field-document-attached")).to_contain_text("実証実験提案書.pdf")
    look(page, "form-experiment-errors")
    page.get_by_role("link", name="実施期間の終了日は開始日より前にできません。").click()
    assert page.evaluate("document.activeElement.id") == "field-experiment-ends-on"
    page.locator("#field-experiment-ends-on").fill("2026-09-30")
    page.get_by_role("button", name="入力内容を確認する").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("提案内容の確認")
    review = page.locator("dl.review")
    expect(review).to_contain_text("実証実験")
    expect(review).to_contain_text("長崎市役所 本館 1階ロビー")
    expect(review).to_contain_text("300000")
    expect(review).to_contain_text(f"実証実験提案書.pdf（{len(PDF)} バイト）")
    expect(page.locator("main")).to_contain_text("提案条件の版: 2026-11-28")
    look(page, "confirm-experiment")
    page.locator("#consent").check()
    page.get_by_role("button", name="提案を送信する").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("提案を受け付けました")
    number = page.locator(".receipt-number").inner_text()
    look(page, "receipt-experiment")
    with httpx.Client(base_url=desk.urls["intake"]) as intake:
        lines = intake.get(f"{NAGASAKI}/desk/proposals", headers=desk.bearer("desk")).json()
        line = next(line for line in lines if line["receipt_number"] == number)
        whole = f"{NAGASAKI}/desk/proposals/{line['proposal_id']}"
        recorded = intake.get(whole, headers=desk.bearer("desk")).json()
        assert recorded["experiment"]["ends_on"] == "2026-09-30"
        assert recorded["experiment"]["cost_share_yen"] == 300000
        download = intake.get(f"{whole}/document", headers=desk.bearer("desk"))
        assert download.content == PDF
        assert intake.get(f"{whole}/document").status_code == 401  # never the public


def test_the_proposer_withdraws_in_the_browser(page: Page, desk: RunningDesk) -> None:
    portal = desk.urls["portal"]
    propose_in_browser(page, portal, "free", shoot=False)
    page.locator("#status-url").click()
    page.get_by_role("link", name="提案を取り下げる").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("提案を取り下げる")
    look(page, "withdrawal")
    page.get_by_label("理由").fill("社内で再検討します")
    page.get_by_role("button", name="提案を取り下げる").click()
    expect(page.locator(".status")).to_have_text("取り下げられました")
    expect(page.get_by_role("link", name="提案を取り下げる")).to_have_count(0)
    look(page, "status-withdrawn")


def test_the_register_filtered_and_downloaded_matches_the_json(
    page: Page, desk: RunningDesk
) -> None:
    portal = desk.urls["portal"]
    with httpx.Client(base_url=desk.urls["publication"]) as publication:

        def walked() -> list[dict[str, Any]] | None:
            rows: list[dict[str, Any]] = publication.get(f"{NAGASAKI}/register").json()
            statuses = {row["status_ja"] for row in rows}
            return rows if {"事業調整中", "検討終了"} <= statuses else None

        rows = until(walked, "the register to show the seed's statuses")
    page.goto(f"{portal}/nagasaki/register")
    look(page, "register")
    page.get_by_label("分野").select_option("福祉")
    page.get_by_label("対応状況").select_option("検討終了")
    page.get_by_role("button", name="表示").click()
    expected = [r for r in rows if r["field"] == "福祉" and r["status_ja"] == "検討終了"]
    assert expected, "the seed has closed welfare proposals"
    expect(page.locator("table tbody tr")).to_have_count(len(expected))
    look(page, "register-filtered")
    with page.expect_download() as downloading:
        page.get_by_role("link", name="表示中の一覧をCSVでダウンロード").click()
    text = Path(downloading.value.path()).read_text(encoding="utf-8-sig")
    lines = list(csv.DictReader(io.StringIO(text)))
    assert [
        (line["提案受付日"], line["課題番号"], line["分野"], line["提案概要"], line["対応状況"])
        for line in lines
    ] == [
        (r["received_on"], str(r["theme_number"] or ""), r["field"], r["summary"], r["status_ja"])
        for r in expected
    ]
    page.get_by_role("link", name="統計").first.click()
    expect(page.get_by_role("status")).to_contain_text("2025年度")
    look(page, "statistics")


def test_a_theme_page_leads_to_its_form(page: Page, desk: RunningDesk) -> None:
    page.goto(f"{desk.urls['portal']}/nagasaki/themes")
    look(page, "themes")
    page.get_by_role("link", name="都心部の回遊性向上について").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("都心部の回遊性向上について")
    expect(page.locator("dl.facts")).to_contain_text("まちづくり部")
    expect(page.locator("dl.facts")).to_contain_text("募集中")
    look(page, "theme")
    page.get_by_role("link", name="このテーマに提案する").click()
    expect(page.locator("#field-theme-number")).to_have_value("5")


def test_the_proposer_consents_to_the_case_and_the_public_reads_it(
    page: Page, desk: RunningDesk
) -> None:
    receipt = adopted_with_case_in_consultation(desk)
    portal = desk.urls["portal"]
    page.goto(f"{portal}/status/{receipt['proposal_id']}?token={receipt['status_token']}")
    assert "token" not in page.url
    page.get_by_role("link", name="公表予定の事例を確認する").click()
    expect(page.locator("article.case-preview")).to_contain_text("成果 Results")
    expect(page.locator("article.case-preview")).not_to_contain_text("MARKER-PROTECTED")
    look(page, "consultation")
    page.get_by_role("button", name="この内容での公表に同意します").click()
    expect(page.get_by_role("status")).to_contain_text("公表に同意いただきました")
    look(page, "consultation-consented")

    with httpx.Client(base_url=desk.urls["publication"]) as publication:
        cases = publication.get(f"{NAGASAKI}/desk/cases", headers=desk.bearer("desk")).json()
        case = next(c for c in cases if c["proposal_id"] == receipt["proposal_id"])
        assert case["consented"] is True
        published = publication.post(
            f"{NAGASAKI}/desk/cases/{case['case_id']}/publication", headers=desk.bearer("desk")
        )
        assert published.status_code == 200, published.text
    page.goto(f"{portal}/nagasaki/cases")
    look(page, "cases")
    page.get_by_role("link", name=case["title"]).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(case["title"])
    expect(page.locator("main")).to_contain_text("公衆トイレマップを公開した。")
    look(page, "case")


def adopted_with_case_in_consultation(desk: RunningDesk) -> dict[str, Any]:
    """A theme proposal submitted, accepted, taken on, adopted, and its case drafted and
    put to its proposer: the desk's and the department's steps, over the services' APIs."""
    with (
        desk.client("intake") as intake,
        desk.client("routing") as routing,
        desk.client("decision") as decision,
        desk.client("publication") as publication,
    ):
        body = proposal_body(title="トイレマップで回遊（事例）")
        receipt: dict[str, Any] = intake.post(f"{NAGASAKI}/proposals", json=body).json()
        pid = receipt["proposal_id"]
        accepted = intake.post(
            f"{NAGASAKI}/desk/proposals/{pid}/screening",
            json={"decision": "accept"},
            headers=desk.bearer("desk"),
        )
        assert accepted.status_code == 200, accepted.text
        department = desk.bearer("department", "machizukuri")
        until(
            lambda: (
                routing.post(f"{NAGASAKI}/routings/{pid}/take-on", headers=department).status_code
                == 200
            ),
            "routing to route the proposal to まちづくり部",
        )
        until(
            lambda: (
                decision.post(
                    f"{NAGASAKI}/decisions/{pid}/adopt",
                    json={"inputs": {}, "agreement": "business_agreement"},
                    headers=department,
                ).status_code
                == 200
            ),
            "decision to hear the dialogue",
        )

        def drafted() -> dict[str, Any] | None:
            answer = publication.post(
                f"{NAGASAKI}/desk/cases",
                json={
                    "proposal_id": pid,
                    "sections": [
                        {"heading": "成果 Results", "text": "公衆トイレマップを公開した。"},
                        {"heading": "交渉", "text": "MARKER-PROTECTED", "protected": True},
                    ],
                },
                headers=desk.bearer("desk"),
            )
            return answer.json() if answer.status_code == 201 else None

        case = until(drafted, "publication to hear the adoption")
        consulting = publication.post(
            f"{NAGASAKI}/desk/cases/{case['case_id']}/consultation", headers=desk.bearer("desk")
        )
        assert consulting.json()["stage"] == "consulting"
    return receipt


@pytest.mark.parametrize(
    ("path", "name"),
    [
        ("/", "index"),
        ("/nagasaki", "desk"),
        ("/nagasaki?lang=en", "desk-en"),
        ("/setagaya", "desk-setagaya"),
        ("/nagasaki/terms", "terms"),
        ("/nagasaki/propose", "propose"),
        ("/aomori/propose", "propose-aomori"),
        ("/aomori/propose/pre_consultation", "form-pre-consultation"),
        ("/nagasaki/statistics?lang=en", "statistics-en"),
        ("/nagasaki/calls", "calls"),
        ("/atlantis", "not-found"),
        ("/status/00000000-0000-0000-0000-000000000000", "status-without-link"),
    ],
)
def test_every_other_page_is_accessible_at_both_widths(
    page: Page, desk: RunningDesk, path: str, name: str
) -> None:
    page.goto(f"{desk.urls['portal']}{path}")
    expect(page.locator("html")).to_have_attribute("lang", "en" if "lang=en" in path else "ja")
    expect(page.get_by_role("heading", level=1)).to_have_count(1)
    look(page, name)


def test_an_open_call_with_the_proposers_bonus_reads_well_at_both_widths(
    page: Page, desk: RunningDesk
) -> None:
    # Publication hears implementation's call (as on the broker) for a Setagaya project.
    publication = desk.apps["publication"].state.application
    proposal_id = uuid.uuid4()
    call = CallPublished(
        proposal_id=proposal_id,
        route=SelectionRoute.OPEN_CALL,
        opens_on=date(2025, 11, 10),
        closes_on=date(2025, 11, 30),
        announcement="商店街の空き店舗を活用する事業者の公募（公告第12号）。応募書類は区のホームページから。",
        proposer_bonus_ratio=0.1,
    )
    for heard in [
        *taken_on(proposal_id, "co-lab", municipality="setagaya", receipt_number="STG-2025-0001"),
        adopted(proposal_id, "co-lab", municipality="setagaya"),
        envelope("implementation", proposal_id, 2, call, minute=20, municipality="setagaya"),
    ]:
        publication.process(heard)
    page.goto(f"{desk.urls['portal']}/setagaya/calls")
    expect(page.get_by_text("公告第12号")).to_be_visible()
    expect(page.get_by_text("2025-11-10〜2025-11-30")).to_be_visible()
    look(page, "calls-open")
    page.goto(f"{desk.urls['portal']}/setagaya/calls?lang=en")
    expect(page.get_by_text("up to 10% of the total score")).to_be_visible()
    look(page, "calls-open-en")
