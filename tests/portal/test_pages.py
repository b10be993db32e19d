"""The portal's pages against the real intake, routing, decision and publication apps:
what the public reads, and what a proposer does, as the HTML answers show it."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.brokers import Broker, embedded_broker_only
from tests.conftest import AOMORI_DESK, NAGASAKI_DESK, bearer, wait_until
from tests.factories import free_proposal_body, proposal_body
from tests.portal.harness import (
    PUBLIC_BASE,
    PUBLICATION_PUBLIC,
    Html,
    intake_settings_maker,
    portal_app,
    serving_portal,
)
from tests.whole_desk import NAGASAKI, Desk, adopted_proposal, running_desk

pytestmark = [pytest.mark.integration, embedded_broker_only()]

FILLED = {
    "proposer.organisation": "株式会社みなと観光",
    "proposer.kind": "company",
    "proposer.contact_person": "出島 花子",
    "proposer.email": "hanako@minato-kanko.example.jp",
    "proposer.phone": "095-822-8888",
    "title": "トイレマップで都心部の回遊性を高める",
    "field": "まちづくり",
    "summary": "トイレに特化したマップを作成し、観光客等のトイレの不安を解消する提案。",
    "content": "公衆トイレの位置と設備をまとめた地図を作る。",
    "protected": "協力店舗の一覧と交渉ノウハウ",
}

EXPERIMENT = {
    "experiment.area": "長崎市役所 本館 1階",
    "experiment.starts_on": "2026-04-01",
    "experiment.ends_on": "2026-09-30",
    "experiment.city_support": "実証実験フィールドの提供、PR機会の提供",
    "experiment.cost_share_yen": "300000",
}


@pytest.fixture(scope="module")
async def desk(broker: Broker, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Desk]:
    """Intake, routing, decision and publication on the embedded broker, once for this module's tests."""
    data = tmp_path_factory.mktemp("portal-desk")
    async with running_desk(
        ("intake", "routing", "decision", "publication"),
        data,
        broker,
        f"sqlite:///{data / 'intake.sqlite'}",
        intake_settings_maker(data),
    ) as running:
        yield running


@pytest.fixture
async def portal(desk: Desk, tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    async with serving_portal(portal_app(desk.apps, tmp_path, desk.clock)) as client:
        yield client


async def page(portal: httpx.AsyncClient, path: str, expected: int = 200) -> Html:
    answer = await portal.get(path)
    assert answer.status_code == expected, answer.text
    return Html(answer.text)


async def post(
    portal: httpx.AsyncClient, path: str, fields: dict[str, str], expected: int = 200
) -> Html:
    token = portal.cookies.get("kyoso_csrf")
    assert token, "a form page sets the form token first"
    answer = await portal.post(path, data={**fields, "csrf_token": token})
    assert answer.status_code == expected, answer.text
    return Html(answer.text)


async def propose(
    portal: httpx.AsyncClient, channel: str, fields: dict[str, str], form_query: str = ""
) -> Html:
    """Through the form, the confirmation and the consent: the receipt page."""
    await page(portal, f"/nagasaki/propose/{channel}{form_query}")
    confirmation = await post(portal, f"/nagasaki/propose/{channel}", fields)
    sent = {**confirmation.form_values(), "consent": "yes"}
    return await post(portal, f"/nagasaki/propose/{channel}/submission", sent)


def status_link(receipt: Html) -> tuple[str, str]:
    """The proposal id and the token of the receipt's private status link."""
    link = receipt.by_id("status-url")["href"]
    matched = re.fullmatch(re.escape(PUBLIC_BASE) + r"/status/([0-9a-f-]{36})\?token=(\S+)", link)
    assert matched, link
    return matched.group(1), matched.group(2)


# -- the public ----------------------------------------------------------------------------


async def test_the_front_page_leads_to_every_citys_desk_by_the_public_address(
    portal: httpx.AsyncClient,
) -> None:
    front = await page(portal, "/")
    assert '<html lang="ja">' in front.source
    for city in ("nagasaki", "aomori", "sapporo", "kitakyushu", "setagaya"):
        assert f"{PUBLIC_BASE}/{city}" in front.links()
    assert "長崎市" in front.text and "官民連携総合窓口" in front.text
    # A forged Host header changes no link: they come from KYOSO_PORTAL_PUBLIC_BASE_URL.
    forged = Html((await portal.get("/", headers={"Host": "evil.example"})).text)
    assert forged.links() == front.links()
    assert all(link.startswith(PUBLIC_BASE) for link in forged.links() if "://" in link)


async def test_a_citys_desk_links_everything_a_person_needs(portal: httpx.AsyncClient) -> None:
    desk = await page(portal, "/nagasaki")
    for path in ("/propose", "/themes", "/register", "/cases", "/statistics", "/terms"):
        assert f"{PUBLIC_BASE}/nagasaki{path}" in desk.links(), path
    for channel in ("free", "demonstration_experiment", "partnership_agreement"):
        assert f"{PUBLIC_BASE}/nagasaki/propose/{channel}" in desk.links()
    cases = await page(portal, "/nagasaki/cases")
    assert f"{PUBLICATION_PUBLIC}/feeds/nagasaki.json" in cases.links()
    assert ".public.cases" in cases.text  # the topic other cities follow


async def test_the_terms_quote_the_seeds_they_come_from(portal: httpx.AsyncClient) -> None:
    terms = await page(portal, "/aomori/terms")
    # Aomori: no compensation for proposing, individuals excluded, disclosure requests.
    assert "市は提案及び調整に係る一切の費用の補償や賠償をしません。" in terms.text
    assert "個人(個人事業主を除く)からの提案は対象外となります。" in terms.text
    assert "開示請求があった場合" in terms.text
    assert "000_4783c11d099f2101.txt" in terms.text
    # Setagaya: ideas and know-how protected.
    assert "提案に関するアイデア等の知的財産について協議のうえ適切に保護する。" in terms.text
    english = await page(portal, "/aomori/terms?lang=en")
    assert "No compensation for proposing" in english.text
    assert '<blockquote lang="ja">' in english.source  # the seed's own words, marked Japanese


async def test_a_theme_has_its_own_page_with_department_period_and_call(
    portal: httpx.AsyncClient,
) -> None:
    themes = await page(portal, "/nagasaki/themes")
    assert f"{PUBLIC_BASE}/nagasaki/themes/5" in themes.links()
    theme = await page(portal, "/nagasaki/themes/5")
    assert "都心部の回遊性向上について" in theme.text
    assert "まちづくり部" in theme.text  # the owning department, by name (routing)
    assert "2025-07-01" in theme.text and "募集中" in theme.text
    assert "背景 都心部を訪れた人の多くが" in theme.text
    assert "期待する成果 観光客や市民が安心して" in theme.text
    assert f"{PUBLIC_BASE}/nagasaki/propose/theme?theme=5" in theme.links()
    closed = await page(portal, "/nagasaki/themes/25")
    assert "募集期間終了" in closed.text
    assert not any("/propose/theme" in link for link in closed.links())
    await page(portal, "/nagasaki/themes/99", expected=404)
    await page(portal, "/atlantis", expected=404)


async def test_english_is_a_switch_away_and_remembered(portal: httpx.AsyncClient) -> None:
    japanese = await page(portal, "/nagasaki/register")
    switch = next(link for link in japanese.links() if "lang=en" in link)
    assert switch == f"{PUBLIC_BASE}/nagasaki/register?lang=en"
    english = await page(portal, "/nagasaki/register?lang=en")
    assert '<html lang="en">' in english.source and "Register of proposals" in english.text
    assert "提案受付状況" not in english.text
    remembered = await page(portal, "/nagasaki/themes")
    assert '<html lang="en">' in remembered.source


# -- proposing -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("channel", "query", "extra"),
    [
        ("theme", "?theme=5", {"theme_number": "5"}),
        ("free", "", {}),
        ("demonstration_experiment", "", EXPERIMENT),
        (
            "partnership_agreement",
            "",
            {"agreement.scope": "comprehensive", "agreement.fields": "福祉\n観光"},
        ),
    ],
)
async def test_each_channel_is_proposed_through_its_form_errors_first(
    portal: httpx.AsyncClient, desk: Desk, channel: str, query: str, extra: dict[str, str]
) -> None:
    form = await page(portal, f"/nagasaki/propose/{channel}{query}")
    if channel == "theme":
        assert 'value="5" selected' in form.source
    wrong = {**FILLED, **extra, "proposer.organisation": "", "proposer.email": "hanako-at-minato"}
    refused = await post(portal, f"/nagasaki/propose/{channel}", wrong, expected=422)
    assert refused.error_summary() == [
        ("#field-proposer-organisation", "団体名（法人名）を入力してください。"),
        ("#field-proposer-email", "メールアドレスを name@example.jp の形式で入力してください。"),
    ]
    assert refused.by_id("field-proposer-organisation")["aria-invalid"] == "true"
    assert refused.by_id("field-proposer-email")["value"] == "hanako-at-minato"  # kept
    assert refused.text.startswith(" エラー:")  # the title says so first

    confirmation = await post(portal, f"/nagasaki/propose/{channel}", {**FILLED, **extra})
    assert "提案内容の確認" in confirmation.text and "まだ送信されていません" in confirmation.text
    sent = confirmation.form_values()
    unconsented = await post(portal, f"/nagasaki/propose/{channel}/submission", sent, 422)
    assert unconsented.error_summary() == [
        ("#consent", "提案を送信するには、提案条件への同意が必要です。")
    ]
    receipt = await post(
        portal, f"/nagasaki/propose/{channel}/submission", {**sent, "consent": "yes"}
    )
    number = re.search(r"NGS-\d{4}-\d{4}", receipt.text)
    assert number, receipt.text
    proposal_id, _ = status_link(receipt)
    again = await post(
        portal, f"/nagasaki/propose/{channel}/submission", {**sent, "consent": "yes"}
    )
    assert number.group(0) in again.text  # a second send is the same proposal

    recorded = await desk.intake.get(
        f"{NAGASAKI}/desk/proposals/{proposal_id}", headers=bearer(NAGASAKI_DESK)
    )
    assert recorded.json()["channel"] == channel
    assert recorded.json()["receipt_number"] == number.group(0)
    assert recorded.json()["protected"] == FILLED["protected"]


async def test_a_closed_theme_is_refused_beside_the_theme_field(
    portal: httpx.AsyncClient,
) -> None:
    await page(portal, "/nagasaki/propose/theme?theme=25")
    refused = await post(
        portal, "/nagasaki/propose/theme", {**FILLED, "theme_number": "25"}, expected=422
    )
    assert refused.error_summary() == [
        (
            "#field-theme-number",
            "このテーマは現在募集していません。募集中のテーマを選んでください。",
        )
    ]


async def test_a_form_from_elsewhere_is_refused_and_records_nothing(
    portal: httpx.AsyncClient, desk: Desk
) -> None:
    before = await desk.intake.get(f"{NAGASAKI}/desk/proposals", headers=bearer(NAGASAKI_DESK))
    await page(portal, "/nagasaki/propose/free")
    forged = {**FILLED, "csrf_token": "made-up.0000", "consent": "yes", "idempotency_key": "k" * 32}
    for path in ("/nagasaki/propose/free", "/nagasaki/propose/free/submission"):
        answer = await portal.post(path, data=forged)
        assert answer.status_code == 403 and "有効期限" in answer.text
    after = await desk.intake.get(f"{NAGASAKI}/desk/proposals", headers=bearer(NAGASAKI_DESK))
    assert len(after.json()) == len(before.json())


# -- the proposer's pages ----------------------------------------------------------------


async def test_the_status_link_moves_its_token_into_a_cookie_and_out_of_the_address(
    portal: httpx.AsyncClient,
) -> None:
    receipt = await propose(portal, "free", FILLED)
    proposal_id, token = status_link(receipt)
    portal.cookies.clear()  # the link followed in another browser
    first = await portal.get(f"/status/{proposal_id}", params={"token": token})
    assert first.status_code == 303
    assert first.headers["location"] == f"{PUBLIC_BASE}/status/{proposal_id}"
    cookie = next(c for c in first.headers.get_list("set-cookie") if "kyoso_status" in c)
    assert f"kyoso_status={token}" in cookie
    for flag in ("HttpOnly", "SameSite=strict", "Secure", f"Path=/status/{proposal_id}"):
        assert flag.lower() in cookie.lower(), (flag, cookie)
    status = await page(portal, f"/status/{proposal_id}")
    assert token not in status.source
    assert "受付済み（内容を確認しています）" in status.text
    assert "提案を受け付けました" in status.text  # the history, from intake
    assert status.text.count(FILLED["title"]) == 1

    portal.cookies.clear()
    await page(portal, f"/status/{proposal_id}", expected=401)
    wrong = await portal.get(f"/status/{proposal_id}", params={"token": token[:-2] + "xx"})
    assert wrong.status_code == 404 and "kyoso_status" not in wrong.headers.get("set-cookie", "")


async def test_the_proposer_withdraws_from_the_status_page(
    portal: httpx.AsyncClient, desk: Desk
) -> None:
    receipt = await propose(portal, "free", FILLED)
    proposal_id, token = status_link(receipt)
    status = await page(portal, f"/status/{proposal_id}")
    assert f"{PUBLIC_BASE}/status/{proposal_id}/withdrawal" in status.links()
    await page(portal, f"/status/{proposal_id}/withdrawal")
    withdrawn = await portal.post(
        f"/status/{proposal_id}/withdrawal",
        data={"reason": "社内で再検討します", "csrf_token": portal.cookies["kyoso_csrf"]},
    )
    assert withdrawn.status_code == 303
    after = await page(portal, f"/status/{proposal_id}")
    assert "取り下げられました" in after.text
    assert f"{PUBLIC_BASE}/status/{proposal_id}/withdrawal" not in after.links()
    mine = await desk.intake.get(
        f"/api/v1/proposer/proposals/{proposal_id}", headers={"X-Status-Token": token}
    )
    assert mine.json()["status"] == "withdrawn"


async def test_the_proposer_reads_the_case_before_publication_and_consents(
    portal: httpx.AsyncClient, desk: Desk
) -> None:
    receipt = await adopted_proposal(desk, proposal_body(title="トイレマップ（同意）"))
    proposal_id, token = receipt["proposal_id"], receipt["status_token"]
    case_id = await consultation_opened(desk, proposal_id)

    await portal.get(f"/status/{proposal_id}", params={"token": token})

    async def adopted() -> Html | None:
        # Intake hears decision's adoption from its topic, a moment after the case exists.
        shown = await page(portal, f"/status/{proposal_id}")
        return shown if "実施が決まりました" in shown.text else None

    status = await wait_until(adopted, what="intake to hear the adoption")
    assert f"{PUBLIC_BASE}/status/{proposal_id}/case" in status.links()
    consultation = await page(portal, f"/status/{proposal_id}/case")
    assert "成果 Results" in consultation.text
    assert "MARKER-PROTECTED-SECTION" not in consultation.source  # kept inside
    refused = await post(portal, f"/status/{proposal_id}/case/objection", {"reason": ""}, 422)
    assert "異議の理由を入力してください" in refused.text
    consented = await portal.post(
        f"/status/{proposal_id}/case/consent", data={"csrf_token": portal.cookies["kyoso_csrf"]}
    )
    assert consented.status_code == 303
    after = await page(portal, f"/status/{proposal_id}/case")
    assert "公表に同意いただきました" in after.text
    case = await desk.publication.get(f"{NAGASAKI}/desk/cases", headers=bearer(NAGASAKI_DESK))
    assert next(c for c in case.json() if c["case_id"] == case_id)["consented"] is True


async def consultation_opened(desk: Desk, proposal_id: str) -> str:
    """The desk drafts the adopted proposal's case and consults its proposer."""

    async def drafted() -> dict[str, Any] | None:
        answer = await desk.publication.post(
            f"{NAGASAKI}/desk/cases",
            json={
                "proposal_id": proposal_id,
                "sections": [
                    {"heading": "成果 Results", "text": "公衆トイレマップを公開した。"},
                    {"heading": "交渉", "text": "MARKER-PROTECTED-SECTION", "protected": True},
                ],
            },
            headers=bearer(NAGASAKI_DESK),
        )
        return answer.json() if answer.status_code == 201 else None

    case = await wait_until(drafted, what="publication to hear the adoption")
    consulting = await desk.publication.post(
        f"{NAGASAKI}/desk/cases/{case['case_id']}/consultation", headers=bearer(NAGASAKI_DESK)
    )
    assert consulting.json()["stage"] == "consulting"
    return str(case["case_id"])


# -- the register ----------------------------------------------------------------------------


async def test_the_register_filters_and_its_csv_match_publications_json(
    portal: httpx.AsyncClient, desk: Desk
) -> None:
    await desk.submit_and_accept(proposal_body(field="まちづくり"))
    await desk.submit_and_accept(free_proposal_body(field="教育", title="通学路"))

    async def register_and_json() -> tuple[Html, list[dict[str, Any]]] | None:
        # The page and the JSON read the same register once publication has heard both.
        shown = await page(portal, "/nagasaki/register?field=教育")
        rows: list[dict[str, Any]] = (await desk.publication.get(f"{NAGASAKI}/register")).json()
        agree = (await desk.publication.get(f"{NAGASAKI}/register")).json() == rows
        heard = {"まちづくり", "教育"} <= {r["field"] for r in rows}
        return (shown, rows) if agree and heard and "通学路" in shown.text else None

    register, rows = await wait_until(register_and_json, what="publication to list both")
    wanted = [r for r in rows if r["field"] == "教育"]
    assert f"{len(rows)}件中 {len(wanted)}件を表示" in register.text

    download = await portal.get("/nagasaki/register.csv", params={"field": "教育"})
    assert download.headers["content-type"] == "text/csv; charset=utf-8"
    assert download.content.startswith("\ufeff".encode())
    lines = list(csv.DictReader(io.StringIO(download.text.lstrip("\ufeff"))))
    assert [
        (line["提案受付日"], line["提案方式"], line["分野"], line["提案概要"], line["対応状況"])
        for line in lines
    ] == [
        (r["received_on"], r["channel"], r["field"], r["summary"], r["status_ja"]) for r in wanted
    ]
    statistics = await page(portal, "/nagasaki/statistics")
    assert f"2025年度: {len(rows)}件" in statistics.text
    assert re.search(r"教育\s*</th>\s*<td[^>]*>" + str(len(wanted)) + "<", statistics.source)


async def test_a_service_that_does_not_answer_gives_a_page_that_says_so(
    desk: Desk, tmp_path: Path
) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("down", request=request)

    down = httpx.MockTransport(refuse)
    app = portal_app(desk.apps, tmp_path, desk.clock, transports={"all://": down})
    async with serving_portal(app) as portal:
        answer = await portal.get("/nagasaki/themes")
        assert answer.status_code == 503
        assert "一時的に表示できません" in answer.text


# -- each channel's own fields, pre-consultation and the proposal document -----------------

PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


async def post_form(
    portal: httpx.AsyncClient,
    path: str,
    fields: dict[str, str],
    document: tuple[str, bytes] | None = None,
    expected: int = 200,
) -> Html:
    """The proposal form as a browser sends it: multipart, with the file if one is chosen."""
    token = portal.cookies.get("kyoso_csrf")
    assert token, "a form page sets the form token first"
    files = {"document": (document[0], document[1], "application/pdf")} if document else None
    answer = await portal.post(path, data={**fields, "csrf_token": token}, files=files)
    assert answer.status_code == expected, answer.text
    return Html(answer.text)


async def test_an_experiments_period_and_cost_share_are_checked_beside_their_fields(
    portal: httpx.AsyncClient,
) -> None:
    path = "/nagasaki/propose/demonstration_experiment"
    form = await page(portal, path)
    assert form.by_id("field-experiment-starts-on")["type"] == "date"
    assert 'enctype="multipart/form-data"' in form.source
    malformed = {**FILLED, **EXPERIMENT, "experiment.cost_share_yen": "-5"}
    malformed["experiment.area"] = ""
    refused = await post_form(portal, path, malformed, expected=422)
    assert refused.error_summary() == [
        ("#field-experiment-area", "実施場所を入力してください。"),
        (
            "#field-experiment-cost-share-yen",
            "市に求める費用負担額（円）は0以上の整数（円）で入力してください。",
        ),
    ]
    backwards = {**FILLED, **EXPERIMENT, "experiment.ends_on": "2026-03-31"}
    refused = await post_form(portal, path, backwards, expected=422)
    assert refused.error_summary() == [
        ("#field-experiment-ends-on", "実施期間の終了日は開始日より前にできません。")
    ]
    assert refused.by_id("field-experiment-ends-on")["value"] == "2026-03-31"  # kept


async def test_a_single_field_agreement_names_exactly_one_field(portal: httpx.AsyncClient) -> None:
    path = "/nagasaki/propose/partnership_agreement"
    await page(portal, path)
    two = {**FILLED, "agreement.scope": "single_field", "agreement.fields": "福祉\n観光"}
    refused = await post_form(portal, path, two, expected=422)
    assert refused.error_summary() == [
        (
            "#field-agreement-fields",
            "事業連携協定の分野は1つ、包括連携協定の分野は2つ以上です。"
            "同じ分野は1回だけ書いてください。",
        )
    ]
    unchosen = await post_form(portal, path, {**FILLED, "agreement.fields": "福祉"}, expected=422)
    assert unchosen.error_summary() == [("#field-agreement-scope", "協定の種類を選んでください。")]


async def test_a_pre_consultation_is_offered_where_the_seed_offers_one_and_is_lighter(
    portal: httpx.AsyncClient, desk: Desk
) -> None:
    assert "事前相談" not in (await page(portal, "/nagasaki/propose")).text
    await page(portal, "/nagasaki/propose/pre_consultation", expected=404)
    assert "事前相談" in (await page(portal, "/aomori/propose")).text
    path = "/aomori/propose/pre_consultation"
    form = await page(portal, path)
    names = {i.get("name") for i in form.elements("input")} | {
        t.get("name") for t in form.elements("textarea")
    }
    assert "summary" not in names and "protected" not in names  # fewer fields
    fields = {k: v for k, v in FILLED.items() if k not in ("summary", "protected")}
    confirmation = await post_form(portal, path, fields)
    sent = {**confirmation.form_values(), "consent": "yes"}
    receipt = await post(portal, f"{path}/submission", sent)
    assert re.search(r"AOM-\d{4}-\d{4}", receipt.text), receipt.text
    proposal_id, _ = status_link(receipt)
    recorded = await desk.intake.get(
        f"/api/v1/municipalities/aomori/desk/proposals/{proposal_id}",
        headers=bearer(AOMORI_DESK),
    )
    assert recorded.json()["channel"] == "pre_consultation"


async def test_the_proposal_document_goes_to_intake_and_only_the_desk_reads_it(
    portal: httpx.AsyncClient, desk: Desk
) -> None:
    path = "/nagasaki/propose/free"
    await page(portal, path)
    confirmation = await post_form(portal, path, FILLED, ("提案書.pdf", PDF))
    assert f"提案書.pdf（{len(PDF)} バイト）" in confirmation.text
    sent = {**confirmation.form_values(), "consent": "yes"}
    assert sent["terms_version"] == "2026-11-28"
    receipt = await post(portal, f"{path}/submission", sent)
    proposal_id, _ = status_link(receipt)
    document = f"{NAGASAKI}/desk/proposals/{proposal_id}/document"
    assert (await desk.intake.get(document)).status_code == 401
    download = await desk.intake.get(document, headers=bearer(NAGASAKI_DESK))
    assert download.status_code == 200 and download.content == PDF
    recorded = await desk.intake.get(
        f"{NAGASAKI}/desk/proposals/{proposal_id}", headers=bearer(NAGASAKI_DESK)
    )
    assert recorded.json()["document"]["name"] == "提案書.pdf"
    assert recorded.json()["terms_consent"]["version"] == "2026-11-28"


async def test_a_document_that_is_not_a_pdf_or_too_large_is_refused_on_the_page(
    portal: httpx.AsyncClient,
) -> None:
    path = "/nagasaki/propose/free"
    await page(portal, path)
    not_pdf = await post_form(portal, path, FILLED, ("提案書.pdf", b"PK\x03\x04"), expected=422)
    assert not_pdf.error_summary() == [("#field-document", "提案書はPDFファイルにしてください。")]
    too_large = PDF + b"0" * (10 * 1024 * 1024)
    refused = await post_form(portal, path, FILLED, ("大きい.pdf", too_large), expected=413)
    assert refused.error_summary() == [("#field-document", "提案書は10MB以下にしてください。")]
    assert refused.by_id("field-title")["value"] == FILLED["title"]
