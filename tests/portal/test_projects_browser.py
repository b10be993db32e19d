"""A project after adoption in a real browser (Debian's Chromium through Playwright),
against the whole desk with implementation, served on free ports, and the local OpenID
Connect provider: the department officer signs in at the provider and walks an open
call from the call to the verification's verdict, one refusal shown beside its field on
the way; the desk reads the city's projects. Every page is checked with axe-core and
photographed at desktop and mobile width into tests/screenshots/consoles/."""

from __future__ import annotations

from collections.abc import Iterator
from uuid import UUID

import pytest
from playwright.sync_api import Browser, Page, expect

from shared.broker import free_port
from tests.brokers import Broker, embedded_broker_only
from tests.factories import proposal_body
from tests.oidc import local_idp
from tests.portal.servers import RunningDesk, running_desk_servers, until
from tests.portal.test_consoles_browser import (
    NAGASAKI,
    browser,
    decision_heard,
    look,
    routed,
    signed_in,
    submitted,
)

pytestmark = [pytest.mark.integration, embedded_broker_only()]
__all__ = ["browser"]  # the module's Chromium, shared with the consoles' browser tests


@pytest.fixture(scope="module")
def desk(broker: Broker, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningDesk]:
    port = free_port()
    with (
        local_idp(tmp_path_factory.mktemp("projects-idp"), f"http://127.0.0.1:{port}") as idp,
        running_desk_servers(
            broker,
            tmp_path_factory.mktemp("projects-browser"),
            idp=idp,
            portal_port=port,
            also=("implementation",),
        ) as running,
    ):
        yield running


def adopted_for_an_open_call(desk: RunningDesk) -> tuple[str, str, str]:
    """A proposal taken on and adopted through the APIs, its assessment an open call (a
    year's occupancy of a park); (its id, its department, the proposer's status token)
    once implementation opened it."""
    receipt = submitted(desk, proposal_body(title="公園の夜間照明"))
    pid, department = routed(desk, receipt)
    staff = desk.bearer("department", department)
    with desk.client("routing") as routing:
        taken = routing.post(f"{NAGASAKI}/routings/{pid}/take-on", headers=staff)
        assert taken.status_code == 200, taken.text
    decision_heard(desk, pid)
    with desk.client("decision") as decision:
        adopted = decision.post(
            f"{NAGASAKI}/decisions/{pid}/adopt",
            json={"inputs": {"occupancy_days": 400}},
            headers=staff,
        )
        assert adopted.status_code == 200, adopted.text
    implementation = desk.apps["implementation"].state.application

    def opened() -> bool:
        return implementation._find(UUID(pid)) is not None

    until(opened, "implementation to open the project")
    return pid, department, str(receipt["status_token"])


def send(page: Page, step: str, fields: dict[str, str], button: str, notice: str) -> None:
    """Fill the step's form by its labels' fields and send it; the notice is read out."""
    for name, value in fields.items():
        field = page.locator(f"#{step}-{name}")
        if field.evaluate("e => e.tagName") == "SELECT":
            field.select_option(value)
        else:
            field.fill(value)
    page.get_by_role("button", name=button).click()
    status = page.get_by_role("status")
    expect(status).to_have_text(notice)
    expect(status).to_be_focused()


def test_a_department_walks_an_open_call_from_the_call_to_the_verdict(
    browser: Browser, desk: RunningDesk
) -> None:
    pid, department, status_token = adopted_for_an_open_call(desk)
    portal = desk.urls["portal"]
    context, page = signed_in(browser, desk, f"nagasaki-{department}")
    page.goto(f"{portal}/staff/department")
    page.locator("nav.city").get_by_role("link", name="事業", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("事業")
    expect(page.get_by_role("table")).to_contain_text("公園の夜間照明")
    look(page, "department-projects")
    page.get_by_role("row", name="公園の夜間照明").get_by_role("link").click()
    expect(page).to_have_url(f"{portal}/staff/department/projects/{pid}")
    expect(page.locator(".facts").first).to_contain_text("事業者の選定中")
    look(page, "project-call")

    # The call's period the wrong way round: implementation's refusal beside the field.
    send_call = {
        "opens-on": "2026-05-01",
        "closes-on": "2026-04-01",
        "announcement": "公園の夜間照明の実施事業者を募集します。",
    }
    for name, value in send_call.items():
        page.locator(f"#call-{name}").fill(value)
    page.get_by_role("button", name="募集を公告する").click()
    expect(page.locator("#call-closes-on-error")).to_contain_text("募集終了日")
    expect(page.locator("#call-closes-on")).to_have_attribute("aria-invalid", "true")
    expect(page.locator(".error-summary")).to_be_focused()
    assert page.title().startswith("エラー: ")
    look(page, "project-call-error")
    send(
        page,
        "call",
        {"closes-on": "2026-05-31"},
        "募集を公告する",
        "募集を公告しました。",
    )
    send(
        page,
        "applicants",
        {"applicant": "株式会社ひかり電設", "applied-on": "2026-05-20"},
        "応募者を記録する",
        "応募者を記録しました。",
    )
    send(
        page,
        "selection",
        {
            "implementer": "株式会社ひかり電設",
            "reasons": "提案内容と価格の総合評価で最も高い。",
            "selected-on": "2026-06-05",
        },
        "事業者を選定する",
        "事業者の選定を記録しました。",
    )
    send(
        page,
        "agreement",
        {
            "kind": "business_agreement",
            "parties": "長崎市\n株式会社ひかり電設",
            "signed-on": "2026-06-10",
            "term-from": "2026-06-10",
            "term-until": "2027-03-31",
            "fields": "まちづくり",
        },
        "協定を記録する",
        "協定を記録しました。",
    )
    expect(page.locator("#council-vote + dd")).to_have_text("不要")
    look(page, "project-agreement")
    send(
        page, "start", {"started-on": "2026-07-01"}, "開始を記録する", "事業の開始を記録しました。"
    )
    send(
        page,
        "milestones",
        {"milestone": "照明20基の設置完了", "reached-on": "2026-08-01"},
        "節目を記録する",
        "節目を記録しました。",
    )
    send(
        page,
        "logic-model",
        {
            "inputs": "事業者の機器と人員\n市の公園",
            "activities": "夜間照明の設置と運用",
            "outputs": "照明20基",
            "outcomes": "夜間の公園利用の増加",
            "impact": "安全で歩きたくなるまち",
        },
        "ロジックモデルを保存する",
        "ロジックモデルを保存しました。",
    )
    send(
        page,
        "kpis",
        {"name": "夜間の利用者数", "unit": "人/日", "baseline": "40", "target": "120"},
        "評価指標を設定する",
        "評価指標を設定しました。",
    )
    send(
        page,
        "end",
        {"ended-on": "2026-12-31"},
        "終了を記録する",
        ("事業の終了を記録しました。効果検証を行ってください。"),
    )
    send(
        page,
        "measurements",
        {"name": "夜間の利用者数", "measured-on": "2027-01-10", "value": "135"},
        "測定値を記録する",
        "測定値を記録しました。",
    )
    look(page, "project-verification")
    send(
        page,
        "verdict",
        {
            "verdict": "scale_up",
            "reasons": "目標を上回り、周辺の公園にも広げる。",
            "verified-on": "2027-01-20",
        },
        "結論を記録する",
        "効果検証の結論を記録しました。",
    )
    expect(page.locator("#verdict-given")).to_contain_text("本格実施")
    expect(page.get_by_role("button", name="事業を終結する")).to_be_visible()
    look(page, "project-verdict")
    context.close()

    # The desk reads the city's projects, and acts on none.
    context, page = signed_in(browser, desk, "nagasaki-desk")
    page.goto(f"{portal}/staff/desk/projects")
    row = page.get_by_role("row", name="公園の夜間照明")
    expect(row).to_contain_text("効果検証済み")
    look(page, "desk-projects")
    row.get_by_role("link").click()
    expect(page.locator("#verdict-given")).to_contain_text("本格実施")
    expect(page.get_by_role("button", name="結論を記録する")).to_have_count(0)
    look(page, "desk-project")
    context.close()

    # The proposer reads where the project stands, the status unchanged (事業調整中),
    # once intake heard the verdict.
    intake = desk.apps["intake"].state.application
    until(lambda: intake.state(UUID(pid)).project_phase == "verified", "intake to hear it")
    context = browser.new_context(locale="ja-JP")
    page = context.new_page()
    page.goto(f"{portal}/status/{pid}?token={status_token}")
    expect(page.locator("#project-phase")).to_contain_text("効果検証済み")
    expect(page.locator("main")).to_contain_text("実施が決まりました")
    expect(page.locator("main")).to_contain_text("株式会社ひかり電設")
    # The agreement is signed: no withdrawal offered, and the page says why.
    expect(page.get_by_role("link", name="提案を取り下げる")).to_have_count(0)
    expect(page.locator("#bound-by-agreement")).to_contain_text("ここでは提案を取り下げられません")
    look(page, "proposer-project-status")
    context.close()


def test_a_project_withdrawn_by_the_proposer_reads_as_ended_with_no_form(
    browser: Browser, desk: RunningDesk
) -> None:
    pid, department, status_token = adopted_for_an_open_call(desk)
    with desk.client("intake") as intake:
        withdrawn = intake.post(
            f"/api/v1/proposer/proposals/{pid}/withdrawal",
            params={"token": status_token},
            json={"reason": "社内で再検討します"},
        )
        assert withdrawn.status_code == 200, withdrawn.text
    implementation = desk.apps["implementation"].state.application
    until(
        lambda: implementation.record(UUID(pid), "nagasaki").project.phase == "withdrawn",
        "implementation to hear the withdrawal",
    )
    portal = desk.urls["portal"]
    context, page = signed_in(browser, desk, f"nagasaki-{department}")
    page.goto(f"{portal}/staff/department/projects/{pid}")
    ended = page.get_by_role("region", name="取り下げにより終了")
    expect(ended).to_contain_text("提案者が協定・契約の締結前の")
    expect(ended).to_contain_text("社内で再検討します")
    expect(page.locator("main form")).to_have_count(0)
    look(page, "project-withdrawn")
    context.close()
