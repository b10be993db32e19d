"""A sounding (サウンディング型市場調査) in a real browser (Debian's Chromium through
Playwright), against the desk served on free ports and the local OpenID Connect provider:
the desk officer signs in at the provider, drafts and publishes a sounding; a company,
without any account, reads it, asks a question and responds (confirmation, receipt); the
desk answers the question for every company alike, closes the sounding after its period
and publishes a summary — refused first for naming the company — which the public page
then shows without the company's name. Every page is checked with axe-core and
photographed at desktop and mobile width into tests/screenshots/soundings/."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from shared.broker import free_port
from tests.brokers import Broker, embedded_broker_only
from tests.oidc import local_idp
from tests.portal import test_browser
from tests.portal.servers import RunningDesk, running_desk_servers
from tests.portal.test_consoles_browser import announced, signed_in

pytestmark = [pytest.mark.integration, embedded_broker_only()]

SHOTS = Path(__file__).resolve().parents[1] / "screenshots" / "soundings"
SUBJECT = "中心市街地の空き店舗活用に関するサウンディング"
COMPANY = "株式会社でじまリノベーション"


@pytest.fixture(scope="module")
def desk(broker: Broker, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningDesk]:
    port = free_port()
    with (
        local_idp(tmp_path_factory.mktemp("soundings-idp"), f"http://127.0.0.1:{port}") as idp,
        running_desk_servers(
            broker, tmp_path_factory.mktemp("soundings-browser"), idp=idp, portal_port=port
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
    test_browser.look(page, name, SHOTS)


def test_a_company_responds_and_the_desk_publishes_the_qa_and_the_summary(
    browser: Browser, desk: RunningDesk
) -> None:
    portal = desk.urls["portal"]
    context, staff = signed_in(browser, desk, "nagasaki-desk")
    staff.goto(f"{portal}/staff/soundings")
    staff.get_by_label("件名").fill(SUBJECT)
    staff.get_by_label("市が聴きたいこと").fill(
        "空き店舗を活用したにぎわいづくりについて、民間の意見を聴きます。"
    )
    staff.get_by_label("分野").fill("まちづくり")
    staff.get_by_label("所管課").select_option("machizukuri")
    staff.get_by_label("民間への質問事項").fill("活用のアイデアは？\n市に求める支援は？")
    staff.get_by_label("受付開始日").fill("2025-10-30")
    staff.get_by_label("受付終了日").fill("2025-11-05")
    look(staff, "console-list")
    staff.get_by_role("button", name="下書きを作成する").click()
    announced(staff, "サウンディングの下書きを作成しました。準備ができたら公表してください。")
    staff.get_by_role("button", name="サウンディングを公表する").click()
    announced(staff, "サウンディングを公表しました。")
    console_url = staff.url.split("?")[0]

    # A company, without an account.
    company = browser.new_context(
        viewport={"width": test_browser.WIDTHS["desktop"], "height": 900}, locale="ja-JP"
    ).new_page()
    company.goto(f"{portal}/nagasaki/soundings")
    look(company, "public-list")
    company.get_by_role("link", name=SUBJECT).click()
    expect(company.get_by_role("heading", level=1)).to_have_text(SUBJECT)
    public_url = company.url
    company.get_by_label("団体名").fill(COMPANY)
    company.get_by_label("メールアドレス").fill("info@dejima-reno.example.jp")
    company.get_by_label("質問内容").fill("1階のみの活用でも応募できますか？")
    company.get_by_role("button", name="質問を送信する").click()
    expect(company.get_by_role("status")).to_contain_text("質問を受け付けました")
    look(company, "public-sounding-asked")

    company.get_by_role("link", name="このサウンディングに回答する").click()
    company.get_by_label("担当者名").fill("出島 次郎")
    company.get_by_label("メールアドレス").fill("jiro@dejima-reno.example.jp")
    company.get_by_role("button", name="入力内容を確認する").click()
    expect(company.locator(".error-summary")).to_contain_text(
        "団体名（法人名）を入力してください。"
    )
    expect(company.get_by_label("団体名")).to_have_attribute("aria-invalid", "true")
    company.get_by_label("団体名").fill(COMPANY)
    company.get_by_role("button", name="入力内容を確認する").click()
    expect(company.locator(".error-summary")).to_contain_text(
        "少なくとも1つの質問に回答してください。"
    )
    expect(company.get_by_label("質問1: 活用のアイデアは？")).to_have_attribute(
        "aria-invalid", "true"
    )
    look(company, "public-respond-error")
    company.get_by_label("質問1: 活用のアイデアは？").fill("若手起業家向けのチャレンジショップ")
    company.get_by_role("button", name="入力内容を確認する").click()
    expect(company.get_by_role("heading", level=1)).to_have_text("回答内容の確認")
    look(company, "public-respond-confirm")
    company.get_by_role("button", name="回答を送信する").click()
    expect(company.get_by_role("heading", level=1)).to_have_text("回答を受け付けました")
    look(company, "public-respond-receipt")

    # The desk answers the question for all, reworded so that it names no one.
    staff.goto(console_url)
    expect(staff.get_by_role("heading", name=f"{COMPANY}からの質問")).to_be_visible()
    expect(staff.locator("main")).to_contain_text("若手起業家向けのチャレンジショップ")
    staff.get_by_label("回答").first.fill("1階のみの活用でも応募できます。")
    staff.get_by_role("button", name="全事業者へ回答を公表する").first.click()
    announced(staff, "回答をすべての事業者に公表しました。")
    look(staff, "console-sounding-open")

    # After the period: close, then a summary naming the company is refused beside it.
    desk.apps["intake"].state.clock.advance(days=7)
    staff.get_by_role("button", name="サウンディングを終了する").click()
    announced(staff, "サウンディングを終了しました。")
    staff.get_by_label("結果概要").fill(f"{COMPANY}からチャレンジショップの提案があった。")
    staff.get_by_role("button", name="結果概要を公表する").click()
    expect(staff.get_by_label("結果概要")).to_have_attribute("aria-invalid", "true")
    expect(staff.locator("main")).to_contain_text("結果概要に回答者名が含まれています")
    look(staff, "console-summary-refused")
    staff.get_by_label("結果概要").fill("1者から回答。チャレンジショップとしての活用提案があった。")
    staff.get_by_role("button", name="結果概要を公表する").click()
    announced(staff, "結果概要を公表しました。")
    look(staff, "console-sounding-closed")

    company.goto(public_url)
    main = company.locator("main")
    expect(main).to_contain_text("1階のみの活用でも応募できます。")
    expect(main).to_contain_text("1者から回答。チャレンジショップとしての活用提案があった。")
    expect(main).to_contain_text("回答数: 1")
    expect(main).not_to_contain_text(COMPANY)
    look(company, "public-sounding-closed")
    context.close()
