"""The soundings' pages (サウンディング型市場調査) against the real intake and routing (in
process): the desk drafts and publishes one, a company asks and responds through the
portal's forms (confirmation, receipt), the desk answers the question for all, closes the
sounding after its period and publishes a summary that names no respondent, then a theme.
Refusals are shown beside the field intake names. The same in a browser:
tests/portal/test_soundings_browser.py."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.brokers import Broker, embedded_broker_only
from tests.conftest import NAGASAKI_DEPARTMENT, NAGASAKI_DESK, STAFF_TOKENS
from tests.portal.harness import PUBLIC_BASE, Html, intake_settings_maker, portal_app
from tests.portal.staff import signed_in_cookie
from tests.running import serving
from tests.whole_desk import Desk, running_desk

pytestmark = [pytest.mark.integration, embedded_broker_only()]

SUBJECT = "観光案内所の運営に関するサウンディング"
COMPANY = "株式会社ながさき観光ラボ"


@pytest.fixture(scope="module")
async def desk(broker: Broker, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Desk]:
    data = tmp_path_factory.mktemp("soundings-desk")
    async with running_desk(
        ("intake", "routing"),
        data,
        broker,
        f"sqlite:///{data / 'intake.sqlite'}",
        intake_settings_maker(data),
    ) as running:
        yield running


@pytest.fixture
async def portal(desk: Desk, tmp_path: Path) -> AsyncIterator[tuple[httpx.AsyncClient, Any]]:
    app = portal_app(desk.apps, tmp_path, desk.clock)
    async with serving(app, PUBLIC_BASE) as client:
        yield client, app


def _signed_in(portal: tuple[httpx.AsyncClient, Any], value: str) -> httpx.AsyncClient:
    client, app = portal
    staff = next(t for t in STAFF_TOKENS if t["token"] == value)
    name, cookie = signed_in_cookie(app, staff)
    client.cookies.set(name, cookie)
    return client


def _token(page: httpx.Response) -> str:
    return Html(page.text).form_values()["csrf_token"]


async def test_a_sounding_from_the_desks_draft_to_its_summary_and_theme(
    portal: tuple[httpx.AsyncClient, Any], desk: Desk
) -> None:
    client = _signed_in(portal, NAGASAKI_DESK)
    listing = await client.get("/staff/soundings")
    assert listing.status_code == 200 and "サウンディングを作成" in Html(listing.text).text
    form_token = _token(listing)

    # A draft without a subject: said beside the field.
    draft = {
        "csrf_token": form_token,
        "description": "観光案内所の運営について民間の意見を聴きます。",
        "field": "観光",
        "department": "machizukuri",
        "questions": "運営のアイデアは？\n市に求める条件は？",
        "opens_on": "2025-10-30",
        "closes_on": "2025-11-05",
    }
    refused = await client.post("/staff/soundings", data=draft)
    assert refused.status_code == 422
    page = Html(refused.text)
    assert page.by_id("sounding-subject")["aria-invalid"] == "true"
    assert "件名を入力してください。" in page.text
    made = await client.post("/staff/soundings", data=draft | {"subject": SUBJECT})
    assert made.status_code == 303
    console_path = made.headers["location"].split("?")[0].removeprefix(PUBLIC_BASE)
    sounding_id = console_path.rsplit("/", 1)[1]
    public_path = f"/nagasaki/soundings/{sounding_id}"
    assert (await client.get(public_path)).status_code == 404  # a draft is not public
    drafted = await client.get(console_path, params={"done": "drafted"})
    assert "下書き" in Html(drafted.text).text
    published = await client.post(f"{console_path}/publish", data={"csrf_token": form_token})
    assert published.status_code == 303

    # The public list and page.
    listed = Html((await client.get("/nagasaki/soundings")).text)
    assert SUBJECT in listed.text and "受付中" in listed.text
    shown = await client.get(public_path)
    assert "運営のアイデアは？" in Html(shown.text).text
    # The desk's home page leads to the open soundings.
    home = Html((await client.get("/nagasaki")).text)
    assert re.search(
        r'href="[^"]*/nagasaki/soundings">サウンディング（受付中 1件）</a>', home.source
    )

    # A company asks; a wrong e-mail address is said beside the field; no form token: 403.
    ask = {"organisation": COMPANY, "email": "lab@example.jp", "text": "夜間の開所は必須ですか？"}
    assert (await client.post(f"{public_path}/question", data=ask)).status_code == 403
    wrong = await client.post(
        f"{public_path}/question", data=ask | {"email": "lab", "csrf_token": form_token}
    )
    assert wrong.status_code == 422
    assert Html(wrong.text).by_id("field-email")["aria-invalid"] == "true"
    asked = await client.post(f"{public_path}/question", data=ask | {"csrf_token": form_token})
    assert asked.status_code == 303 and asked.headers["location"].endswith("?asked=1")
    assert "この質問への回答は" in Html((await client.get(f"{public_path}?asked=1")).text).text

    # The company responds: form → confirmation → receipt.
    form = await client.get(f"{public_path}/respond")
    assert "質問1" in Html(form.text).text
    respondent = {
        "csrf_token": form_token,
        "organisation": COMPANY,
        "contact_person": "出島 太郎",
        "email": "taro@example.jp",
    }
    empty = await client.post(f"{public_path}/respond", data=respondent)
    assert empty.status_code == 422
    assert Html(empty.text).by_id("field-answers-0")["aria-invalid"] == "true"
    answers = respondent | {"answers.0": "地元大学と連携した多言語案内", "answers.1": ""}
    confirm = await client.post(f"{public_path}/respond", data=answers)
    assert confirm.status_code == 200 and "地元大学と連携した多言語案内" in Html(confirm.text).text
    key = Html(confirm.text).form_values()["response_key"]
    without_key = await client.post(f"{public_path}/respond/submission", data=answers)
    assert without_key.status_code == 403  # not the confirmation page's form
    sent = answers | {"response_key": key}
    receipt = await client.post(f"{public_path}/respond/submission", data=sent)
    assert receipt.status_code == 200
    assert "回答を受け付けました" in Html(receipt.text).text
    assert receipt.headers["cache-control"] == "no-store"
    # Sent twice (a double click, a reload): the same receipt, one response.
    again = await client.post(f"{public_path}/respond/submission", data=sent)
    assert key in Html(again.text).text and key in Html(receipt.text).text

    # The desk answers the question for all, never naming who asked.
    console = Html((await client.get(console_path)).text)
    assert f"{COMPANY}からの質問" in console.text and "出島 太郎" in console.text
    question_id = re.search(r'name="question_id" value="([^"]+)"', console.source)
    assert question_id
    answer = {
        "csrf_token": form_token,
        "question_id": question_id.group(1),
        "answer": "必須ではありません。",
    }
    naming = await client.post(
        f"{console_path}/answers", data=answer | {"question": f"{COMPANY}の質問: 夜間は？"}
    )
    assert naming.status_code == 422 and "回答者名が含まれています" in Html(naming.text).text
    ok = await client.post(
        f"{console_path}/answers", data=answer | {"question": "夜間の開所は必須ですか？"}
    )
    assert ok.status_code == 303
    public = Html((await client.get(public_path)).text)
    assert "必須ではありません。" in public.text
    assert COMPANY not in public.text and "出島" not in public.text

    # Closing before the last day is refused; after it, the summary and a theme.
    early = await client.post(f"{console_path}/close", data={"csrf_token": form_token})
    assert early.status_code == 422 and "2025-11-05" in Html(early.text).text
    desk.clock.advance(days=7)
    assert (await client.post(f"{public_path}/respond", data=answers)).status_code == 422
    closed = await client.post(f"{console_path}/close", data={"csrf_token": form_token})
    assert closed.status_code == 303
    named = await client.post(
        f"{console_path}/summary",
        data={"csrf_token": form_token, "summary": f"{COMPANY}から多言語案内の提案があった。"},
    )
    assert named.status_code == 422
    assert Html(named.text).by_id("sounding-summary")["aria-invalid"] == "true"
    summary = "1者から回答。多言語案内の提案があった。"
    done = await client.post(
        f"{console_path}/summary", data={"csrf_token": form_token, "summary": summary}
    )
    assert done.status_code == 303
    theme = await client.post(
        f"{console_path}/theme",
        data={"csrf_token": form_token, "number": "41", "title": "観光案内の多言語化"},
    )
    assert theme.status_code == 303
    public = Html((await client.get(public_path)).text)
    assert summary in public.text and "回答数: 1" in public.text
    assert COMPANY not in public.text
    assert f"{PUBLIC_BASE}/nagasaki/themes/41" in public.links()
    theme41 = (await desk.intake.get("/api/v1/municipalities/nagasaki/themes/41")).json()
    assert (theme41["title"], theme41["field"], theme41["department"]) == (
        "観光案内の多言語化",
        "観光",
        "machizukuri",
    )


async def test_a_department_drafts_its_own_sounding(
    portal: tuple[httpx.AsyncClient, Any],
) -> None:
    client = _signed_in(portal, NAGASAKI_DEPARTMENT)
    listing = await client.get("/staff/soundings")
    assert listing.status_code == 200
    assert 'name="department"' not in listing.text  # it drafts for itself
    made = await client.post(
        "/staff/soundings",
        data={
            "csrf_token": _token(listing),
            "subject": "公園の活用に関するサウンディング",
            "description": "公園の新たな活用について。",
            "field": "まちづくり",
            "questions": "活用のアイデアは？",
            "opens_on": "2025-12-01",
            "closes_on": "2025-12-20",
        },
    )
    assert made.status_code == 303
    page = Html((await client.get(made.headers["location"].removeprefix(PUBLIC_BASE))).text)
    assert "公園の活用に関するサウンディング" in page.text
    # It has no theme or call form: that is the desk's.
    assert "テーマとして公表" not in page.text


async def test_the_soundings_speak_english_too(portal: tuple[httpx.AsyncClient, Any]) -> None:
    client, _ = portal
    page = Html((await client.get("/nagasaki/soundings", params={"lang": "en"})).text)
    assert "Soundings of" in page.text and "Before it designs a project" in page.text
    assert "サウンディング型市場調査" in page.text  # the seed's own word, kept in English too


async def test_the_auditor_reads_a_sounding_and_its_responses_without_a_form(
    portal: tuple[httpx.AsyncClient, Any], desk: Desk
) -> None:
    staff = {"Authorization": f"Bearer {NAGASAKI_DESK}"}
    base = "/api/v1/municipalities/nagasaki"
    made = await desk.intake.post(
        f"{base}/staff/soundings",
        headers=staff,
        json={
            "subject": "駐輪場の運営に関するサウンディング",
            "description": "駐輪場の運営について。",
            "field": "まちづくり",
            "department": "machizukuri",
            "questions": ["運営の方法は？"],
            "opens_on": "2025-10-01",
            "closes_on": "2025-12-31",
        },
    )
    sid = made.json()["sounding_id"]
    await desk.intake.post(f"{base}/staff/soundings/{sid}/publish", headers=staff)
    answer = {
        "organisation": "合同会社りんりん",
        "contact_person": "駐輪 一郎",
        "email": "ichiro@rinrin.example.jp",
        "answers": ["無人ゲートでの運営"],
    }
    assert (await desk.intake.post(f"{base}/soundings/{sid}/responses", json=answer)).is_success

    client, app = portal
    name, cookie = signed_in_cookie(
        app, next(t for t in STAFF_TOKENS if t["token"] == NAGASAKI_DESK), role="auditor"
    )
    client.cookies.set(name, cookie)
    listing = Html((await client.get("/staff/soundings")).text)
    assert "駐輪場の運営に関するサウンディング" in listing.text
    assert "サウンディングを作成" not in listing.text  # it reads, it does not draft
    page = await client.get(f"/staff/soundings/{sid}")
    shown = Html(page.text)
    assert "合同会社りんりん" in shown.text and "無人ゲートでの運営" in shown.text
    assert shown.elements("form") == [
        f for f in shown.elements("form") if f.get("action", "").endswith("/staff/sign-out")
    ]  # no form but signing out
