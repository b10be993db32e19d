"""The staff consoles' pages against the real services (in process): who may open which
console, what a refused form says beside its fields, an expired sign-in, and the desk's
inbox filtered to the overdue proposals. The whole flows run in a browser
(tests/portal/test_consoles_browser.py), signed in at the local OpenID Connect provider.

Here a test signs in by the sealed session cookie of tests/portal/staff.py, holding a
static staff token the services were started with. That is fine for these pages: what
they test is the portal's handling of the services' answers, which does not depend on
how the token was obtained; the real sign-in (authorization code + PKCE, JWTs the
services verify) is the browser tests' and tests/portal/test_staff_sign_in*.py's, and a
provider per test here would cost seconds each for nothing these tests check."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.brokers import Broker, embedded_broker_only
from tests.conftest import NAGASAKI_DEPARTMENT, NAGASAKI_DESK, STAFF_TOKENS, bearer, wait_until
from tests.factories import free_proposal_body, proposal_body
from tests.portal.harness import PUBLIC_BASE, Html, intake_settings_maker, portal_app
from tests.portal.staff import signed_in_cookie
from tests.running import serving
from tests.whole_desk import NAGASAKI, Desk, adopted_proposal, running_desk

pytestmark = [pytest.mark.integration, embedded_broker_only()]


@pytest.fixture(scope="module")
async def desk(broker: Broker, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Desk]:
    data = tmp_path_factory.mktemp("consoles-desk")
    async with running_desk(
        ("intake", "routing", "decision", "publication"),
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


def token(value: str) -> dict[str, Any]:
    return next(t for t in STAFF_TOKENS if t["token"] == value)


async def signed_in(
    portal: tuple[httpx.AsyncClient, Any], staff: dict[str, Any], role: str | None = None
) -> httpx.AsyncClient:
    client, app = portal
    name, value = signed_in_cookie(app, staff, role=role)
    client.cookies.set(name, value)
    return client


async def test_a_console_asks_who_is_there_and_shows_each_role_its_own(
    portal: tuple[httpx.AsyncClient, Any],
) -> None:
    client, _ = portal
    unsigned = await client.get("/staff/desk?status=received")
    assert unsigned.status_code == 303
    assert unsigned.headers["location"] == "/staff/sign-in?next=/staff/desk%3Fstatus%3Dreceived"

    await signed_in(portal, token(NAGASAKI_DEPARTMENT))
    other_role = await client.get("/staff/desk")
    assert other_role.status_code == 403
    assert "担当の画面ではありません" in Html(other_role.text).text
    mine = Html((await client.get("/staff/department")).text)
    assert "所管課の受信箱" in mine.text
    assert f"{PUBLIC_BASE}/staff/desk" not in mine.links()  # nothing of another role
    unknown = await client.get(f"/staff/department/proposals/{uuid.uuid4()}")
    assert unknown.status_code == 404  # not routed to it: as if it did not exist

    # A token the services no longer accept (expired, revoked): sign in again, then back.
    await signed_in(portal, {**token(NAGASAKI_DESK), "token": "x" * 32})
    expired = await client.get("/staff/desk/dashboard")
    assert expired.status_code == 303
    assert expired.headers["location"] == "/staff/sign-in?next=/staff/desk/dashboard"
    form_token = Html((await client.get("/nagasaki/propose/free")).text).form_values()["csrf_token"]
    posted = await client.post("/staff/desk/themes", data={"csrf_token": form_token})
    assert posted.headers["location"] == "/staff/sign-in?next=/staff"  # a POST is not replayed


async def test_a_refused_screening_says_beside_each_field_what_is_missing(
    portal: tuple[httpx.AsyncClient, Any], desk: Desk
) -> None:
    client = await signed_in(portal, token(NAGASAKI_DESK))
    receipt = (
        await desk.intake.post("/api/v1/municipalities/nagasaki/proposals", json=proposal_body())
    ).json()
    path = f"/staff/desk/proposals/{receipt['proposal_id']}"
    shown = Html((await client.get(path)).text)
    assert receipt["receipt_number"] in shown.text
    form_token = shown.form_values()["csrf_token"]

    refused = await client.post(
        f"{path}/screening", data={"decision": "reject", "csrf_token": form_token}
    )
    assert refused.status_code == 422
    page = Html(refused.text)
    assert page.by_id("screening-reasons-error")
    assert "理由を選んでください。" in page.text
    assert page.by_id("screening-reasons")  # the first choice, where the message points

    forged = await client.post(f"{path}/screening", data={"decision": "accept"})
    assert forged.status_code == 403  # no form token: not taken

    accepted = await client.post(
        f"{path}/screening", data={"decision": "accept", "csrf_token": form_token}
    )
    assert accepted.status_code == 303
    assert accepted.headers["location"] == f"{PUBLIC_BASE}{path}?done=screened"
    after = Html((await client.get(accepted.headers["location"])).text)
    assert "受付審査を記録しました。" in after.text


async def test_the_desk_drafts_a_case_with_a_protected_section_consults_publishes_and_corrects(
    portal: tuple[httpx.AsyncClient, Any], desk: Desk
) -> None:
    receipt = await adopted_proposal(desk, proposal_body(title="公園の夜間照明"))
    pid = receipt["proposal_id"]
    client = await signed_in(portal, token(NAGASAKI_DESK))
    cases = Html((await client.get("/staff/desk/cases")).text)
    form_token = cases.form_values()["csrf_token"]

    async def drafted() -> httpx.Response | None:
        answer = await client.post(
            "/staff/desk/cases",
            data={
                "csrf_token": form_token,
                "proposal_id": pid,
                "section-0-heading": "成果",
                "section-0-text": "夜間の利用者が増えた。",
                "section-1-heading": "協力店舗との交渉",
                "section-1-text": "店舗ごとの条件",
                "section-1-protected": "yes",
            },
        )
        return answer if answer.status_code == 303 else None  # once publication heard

    await wait_until(drafted, what="publication to hear the adoption")
    shown = Html((await client.get("/staff/desk/cases?done=case_drafted")).text)
    assert "事例の下書きを作成しました。" in shown.text
    assert "協力店舗との交渉 非公開" in shown.text  # marked protected
    case_id = next(
        c["case_id"]
        for c in (
            await desk.publication.get(f"{NAGASAKI}/desk/cases", headers=bearer(NAGASAKI_DESK))
        ).json()
        if c["proposal_id"] == pid
    )
    steps = f"/staff/desk/cases/{case_id}"
    assert (
        await client.post(f"{steps}/consultation", data={"csrf_token": form_token})
    ).status_code == 303
    consent = await desk.publication.post(
        f"/api/v1/proposer/proposals/{pid}/case/consent", params={"token": receipt["status_token"]}
    )
    assert consent.status_code == 200, consent.text
    assert (
        await client.post(f"{steps}/publication", data={"csrf_token": form_token})
    ).status_code == 303

    whole_case = {
        "csrf_token": form_token,
        "correcting": "yes",
        "title": "公園の夜間照明",
        "summary": "夜の公園を明るくした。",
        "section-0-heading": "成果",
        "section-0-text": "夜間の利用者が二倍になった。",
    }
    refused = await client.post(f"{steps}/revision", data=whole_case)
    assert refused.status_code == 422
    page = Html(refused.text)
    assert page.by_id(f"case-{case_id}-note-error")
    assert "訂正した内容を入力してください。" in page.text
    corrected = await client.post(
        f"{steps}/revision", data={**whole_case, "note": "利用者数を訂正"}
    )
    assert corrected.status_code == 303
    public = (await desk.publication.get(f"{NAGASAKI}/cases/{case_id}")).json()
    assert public["version"] == 2
    assert [s["text"] for s in public["sections"]] == ["夜間の利用者が二倍になった。"]


async def test_an_empty_or_too_long_note_is_refused_beside_its_field_and_a_note_stays_internal(
    portal: tuple[httpx.AsyncClient, Any], desk: Desk
) -> None:
    receipt = await desk.accepted_receipt(proposal_body(title="商店街の多言語案内"))
    pid = receipt["proposal_id"]
    await desk.take_on(pid)  # まちづくり部 (the department of NAGASAKI_DEPARTMENT)
    client = await signed_in(portal, token(NAGASAKI_DEPARTMENT))
    path = f"/staff/department/proposals/{pid}"
    shown = Html((await client.get(path)).text)
    assert "まだ記録はありません。" in shown.text
    assert "4,000文字まで。" in shown.text  # the length hint beside both fields
    form_token = shown.form_values()["csrf_token"]

    empty = await client.post(f"{path}/note", data={"csrf_token": form_token, "note-text": " "})
    assert empty.status_code == 422
    page = Html(empty.text)
    assert page.by_id("note-text-error")
    assert "内部メモを入力してください。" in page.text
    assert "message-text-error" not in page.source  # the other form is left alone

    too_long = "あ" * 4001
    refused = await client.post(
        f"{path}/note", data={"csrf_token": form_token, "note-text": too_long}
    )
    assert refused.status_code == 422
    page = Html(refused.text)
    assert "内部メモは4000文字以内で入力してください。" in page.text
    assert too_long in page.text  # what was typed is kept in the field

    forged = await client.post(f"{path}/note", data={"note-text": "メモ"})
    assert forged.status_code == 403  # no form token: not taken
    kept = await client.post(
        f"{path}/note", data={"csrf_token": form_token, "note-text": "予算は来年度以降。"}
    )
    assert kept.status_code == 303
    assert kept.headers["location"] == f"{PUBLIC_BASE}{path}?done=note"
    after = Html((await client.get(kept.headers["location"])).text)
    assert "内部メモを残しました。" in after.text
    assert "内部メモ（提案者には見えません）" in after.text
    assert "予算は来年度以降。" in after.text
    sent = await client.post(
        f"{path}/message", data={"csrf_token": form_token, "message-text": "打合せの候補日は？"}
    )
    assert sent.headers["location"] == f"{PUBLIC_BASE}{path}?done=message"

    async def told() -> str | None:
        status = await desk.intake.get(
            f"/api/v1/proposer/proposals/{pid}", headers={"X-Status-Token": receipt["status_token"]}
        )
        return status.text if "打合せの候補日は？" in status.text else None

    proposers_side = await wait_until(told, what="intake to hear the message to the proposer")
    assert "予算は来年度以降。" not in proposers_side  # the note stays internal

    # The desk and the auditor read the same log, without the forms; in English too.
    client = await signed_in(portal, token(NAGASAKI_DESK))
    desk_page = Html((await client.get(f"/staff/desk/proposals/{pid}")).text)
    assert "対話の記録" in desk_page.text
    assert "内部メモ（提案者には見えません） まちづくり部" in desk_page.text
    assert "打合せの候補日は？" in desk_page.text
    assert 'name="note-text"' not in desk_page.source
    client = await signed_in(portal, token(NAGASAKI_DESK), role="auditor")
    audit = Html((await client.get(f"/staff/audit/{pid}?lang=en")).text)
    assert "Dialogue log" in audit.text
    assert "Internal note (the proposer does not see it)" in audit.text
    assert "予算は来年度以降。" in audit.text


async def test_the_desks_inbox_shows_only_the_overdue_proposals_routing_names(
    portal: tuple[httpx.AsyncClient, Any], desk: Desk
) -> None:
    late = await desk.accepted_receipt(free_proposal_body(title="防犯灯の点検アプリ"))
    await desk.routed(late["proposal_id"])
    # Fifteen days on, routing's deadline check flags it (the routing deadline is 14 days);
    # the clock goes back for the module's other tests.
    desk.clock.advance(days=15)
    assert desk.application("routing").check_deadlines() >= 1
    desk.clock.advance(days=-15)
    on_time = await desk.accepted_receipt(free_proposal_body(title="防犯灯の点検記録"))
    await desk.routed(on_time["proposal_id"])

    # Routing names the overdue ones (and which deadline passed) ...
    answer = await desk.routing.get(f"{NAGASAKI}/overdue", headers=bearer(NAGASAKI_DESK))
    assert answer.status_code == 200, answer.text
    named = {line["proposal_id"]: line["overdue"] for line in answer.json()}
    assert named[late["proposal_id"]] == ["routing"] and on_time["proposal_id"] not in named
    assert int(answer.headers["X-Total-Count"]) == len(named)

    # ... and the inbox, 「期限超過のみ」 ticked, shows only those, with the other filters.
    client = await signed_in(portal, token(NAGASAKI_DESK))
    both = Html((await client.get("/staff/desk", params={"q": "防犯灯の点検"})).text)
    assert late["receipt_number"] in both.text and on_time["receipt_number"] in both.text
    assert "checked" not in both.by_id("filter-overdue")
    overdue = Html(
        (await client.get("/staff/desk", params={"q": "防犯灯の点検", "overdue": "yes"})).text
    )
    assert late["receipt_number"] in overdue.text
    assert on_time["receipt_number"] not in overdue.text
    assert " 1件 " in overdue.text
    assert "振り分けの期限超過" in overdue.text
    assert "checked" in overdue.by_id("filter-overdue")
    none = Html(
        (await client.get("/staff/desk", params={"q": "防犯灯の点検記録", "overdue": "yes"})).text
    )
    assert "該当する提案はありません。" in none.text


async def test_the_lead_department_answers_infeasible_before_taking_on_and_the_proposer_reads_why(
    portal: tuple[httpx.AsyncClient, Any], desk: Desk
) -> None:
    # Aomori 000: 実施困難と判断した場合は検討過程において早めに回答します.
    receipt = await desk.accepted_receipt(proposal_body(title="公園でのキッチンカー常設"))
    pid = receipt["proposal_id"]
    await desk.routed(pid)  # routed to まちづくり部, which has not taken it on
    client = await signed_in(portal, token(NAGASAKI_DEPARTMENT))
    path = f"/staff/department/proposals/{pid}"
    shown = Html((await client.get(path)).text)
    assert "担当する" in shown.text  # next to take-on and decline
    assert "実施困難と回答する" in shown.text
    form_token = shown.form_values()["csrf_token"]

    empty = await client.post(f"{path}/infeasible", data={"csrf_token": form_token})
    assert empty.status_code == 422
    page = Html(empty.text)
    assert page.by_id("infeasible-reasons-error")
    assert "理由を選んでください。" in page.text
    assert "提案者への説明を入力してください。" in page.text

    forged = await client.post(f"{path}/infeasible", data={"reasons": "law_conflict"})
    assert forged.status_code == 403  # no form token: not taken
    answer = {
        "csrf_token": form_token,
        "reasons": "law_conflict",
        "explanation": "都市公園条例により常設の営業はできません。",
    }

    async def answered() -> httpx.Response | None:
        # Decision may hear the routing a moment after the page shows it.
        posted = await client.post(f"{path}/infeasible", data=answer)
        return posted if posted.status_code == 303 else None

    posted = await wait_until(answered, what="decision to take the early answer")
    assert posted.headers["location"] == f"{PUBLIC_BASE}{path}?done=infeasible"
    after = Html((await client.get(posted.headers["location"])).text)
    assert "実施困難と回答しました。提案者に理由が示されます。" in after.text
    assert "検討開始前に実施困難と回答しました" in after.text
    assert "実施困難と回答する" not in after.text  # answered: no form again

    async def told() -> str | None:
        status = await desk.intake.get(
            f"/api/v1/proposer/proposals/{pid}", headers={"X-Status-Token": receipt["status_token"]}
        )
        return status.text if "都市公園条例" in status.text else None

    proposers_side = await wait_until(told, what="intake to hear the early answer")
    assert "法令・条例等に抵触する" in proposers_side


async def test_a_department_requests_a_theme_and_the_desk_publishes_it_prefilled(
    portal: tuple[httpx.AsyncClient, Any],
) -> None:
    # Sapporo 001: 庁内照会等を通じ、札幌市の地域・行政課題の収集を行います.
    client = await signed_in(portal, token(NAGASAKI_DEPARTMENT))
    page = Html((await client.get("/staff/department/theme-requests")).text)
    assert "テーマの要望" in page.text
    form_token = page.form_values()["csrf_token"]
    missing = await client.post(
        "/staff/department/theme-requests", data={"csrf_token": form_token, "field": "観光"}
    )
    assert missing.status_code == 422
    assert Html(missing.text).by_id("request-title-error")
    title = f"夜の商店街のにぎわい {uuid.uuid4().hex[:6]}"
    wish = {
        "csrf_token": form_token,
        "title": title,
        "field": "観光",
        "description": "夜間の人通りが少ない。",
        "expected_outcome": "夜の回遊が増える",
        "opens_on": "2026-01-05",
        "closes_on": "2026-02-27",
    }
    sent = await client.post("/staff/department/theme-requests", data=wish)
    assert sent.status_code == 303
    mine = Html((await client.get(sent.headers["location"])).text)
    assert "テーマの要望を窓口に送りました。" in mine.text
    assert title in mine.text
    assert "窓口の回答待ち" in mine.text
    other = {"csrf_token": form_token, "title": "深夜バスの需要調査", "field": "交通"}
    assert (await client.post("/staff/department/theme-requests", data=other)).status_code == 303

    client = await signed_in(portal, token(NAGASAKI_DESK))
    themes = Html((await client.get("/staff/desk/themes")).text)
    assert title in themes.text
    assert "深夜バスの需要調査" in themes.text
    request_id, other_id = (
        link.split("from_request=")[1].split("#")[0]
        for link in themes.links()
        if "from_request=" in link
    )
    desk_token = themes.form_values()["csrf_token"]
    decline = f"/staff/desk/theme-requests/{other_id}/decline"
    unexplained = await client.post(decline, data={"csrf_token": desk_token, "reason": " "})
    assert unexplained.status_code == 422
    assert Html(unexplained.text).by_id(f"decline-reason-{other_id}-error")
    declined = await client.post(
        decline, data={"csrf_token": desk_token, "reason": "交通局の既存調査と重なるため"}
    )
    assert declined.status_code == 303
    assert (
        "テーマの要望を見送りました。"
        in Html((await client.get(declined.headers["location"])).text).text
    )
    prefilled = Html((await client.get(f"/staff/desk/themes?from_request={request_id}")).text)
    values = prefilled.form_values()
    assert (values["title"], values["field"], values["request_id"]) == (title, "観光", request_id)
    assert prefilled.by_id("theme-closes-on")["value"] == "2026-02-27"
    assert '<option value="machizukuri" selected>' in prefilled.source
    assert "夜間の人通りが少ない。</textarea>" in prefilled.source  # the background
    published = await client.post(
        "/staff/desk/themes",
        data={**values, "department": "machizukuri", "closes_on": "2026-02-27"},
    )
    assert published.status_code == 303
    after = Html((await client.get(published.headers["location"])).text)
    assert "テーマを公表しました。" in after.text
    assert f"/staff/desk/themes?from_request={request_id}" not in after.source  # answered

    client = await signed_in(portal, token(NAGASAKI_DEPARTMENT))
    mine = Html((await client.get("/staff/department/theme-requests")).text)
    assert "テーマとして公表されました" in mine.text
    assert "窓口が見送りました: 交通局の既存調査と重なるため" in mine.text
