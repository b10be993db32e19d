"""A proposal's record as the department, the council, the auditor and the proposer read it
in the portal, against the real services on the embedded broker: the confidentiality scope
agreed in the dialogue, the staff member named in the dialogue log (the proposer's page
names the department only), the council reading the dialogue once escalated, and the
services' refusals in the reader's language.

Signing in is by the sealed cookie of tests/portal/staff.py (see test_consoles.py for why);
the static tokens here carry a display name, as a provider's `name` claim would, and the
council has one of its own, so the services decide what each person reads."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.brokers import Broker, embedded_broker_only
from tests.conftest import NAGASAKI_DESK, STAFF_TOKENS, bearer, wait_until
from tests.factories import proposal_body
from tests.portal.harness import PUBLIC_BASE, Html, intake_settings_maker, portal_app
from tests.portal.staff import signed_in_cookie
from tests.running import serving
from tests.whole_desk import NAGASAKI, Desk, running_desk

pytestmark = [pytest.mark.integration, embedded_broker_only()]

OFFICER = "machizukuri-officer-token"
COUNCIL = "nagasaki-council-token"
TOKENS = [
    *STAFF_TOKENS,
    {
        "token": OFFICER,
        "role": "department",
        "municipality": "nagasaki",
        "department": "machizukuri",
        "name": "所管 花子",
    },
    {"token": COUNCIL, "role": "council", "municipality": "nagasaki", "name": "会議 次郎"},
]
# What まちづくり部 and the proposer agree stays confidential (秘密保持の範囲).
SCOPE = "センサーの設置位置と費用の内訳は非公開とする"


@pytest.fixture(scope="module")
async def desk(broker: Broker, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Desk]:
    data = tmp_path_factory.mktemp("record-pages")
    async with running_desk(
        ("intake", "routing", "decision", "publication"),
        data,
        broker,
        f"sqlite:///{data / 'intake.sqlite'}",
        intake_settings_maker(data),
        staff_tokens=TOKENS,
    ) as running:
        yield running


@pytest.fixture
async def portal(desk: Desk, tmp_path: Path) -> AsyncIterator[tuple[httpx.AsyncClient, Any]]:
    app = portal_app(desk.apps, tmp_path, desk.clock)
    async with serving(app, PUBLIC_BASE) as client:
        yield client, app


def sign_in(
    portal: tuple[httpx.AsyncClient, Any], token: str, role: str | None = None
) -> httpx.AsyncClient:
    client, app = portal
    staff = next(t for t in TOKENS if t["token"] == token)
    name, value = signed_in_cookie(app, staff, role=role)
    client.cookies.set(name, value)
    return client


async def in_dialogue(desk: Desk, title: str) -> dict[str, Any]:
    receipt = await desk.accepted_receipt(proposal_body(title=title))
    await desk.take_on(receipt["proposal_id"], department=OFFICER)
    return receipt


async def test_the_agreed_confidentiality_scope_and_who_wrote_are_on_every_record_page(
    portal: tuple[httpx.AsyncClient, Any], desk: Desk
) -> None:
    receipt = await in_dialogue(desk, "商店街の人流センサー")
    pid = receipt["proposal_id"]
    client = sign_in(portal, OFFICER)
    path = f"/staff/department/proposals/{pid}"
    form_token = Html((await client.get(path)).text).form_values()["csrf_token"]
    milestone = {"csrf_token": form_token, "milestone": "confidentiality_agreed"}

    # The scope is the point of the milestone: without it, routing refuses beside the field.
    unscoped = await client.post(f"{path}/milestone", data=milestone)
    assert unscoped.status_code == 422
    page = Html(unscoped.text)
    assert page.by_id("milestone-confidentiality-scope-error")
    assert "合意した秘密保持の範囲を入力してください。" in page.text
    assert 'value="confidentiality_agreed" selected' in page.source  # the choice is kept

    recorded = await client.post(
        f"{path}/milestone", data={**milestone, "confidentiality_scope": SCOPE}
    )
    assert recorded.headers["location"] == f"{PUBLIC_BASE}{path}?done=milestone"
    noted = await client.post(
        f"{path}/note", data={"csrf_token": form_token, "note-text": "範囲は第1回打合せで確認"}
    )
    assert noted.status_code == 303
    page = Html((await client.get(path)).text)
    assert page.by_id("confidentiality-scope")
    assert f"合意した秘密保持の範囲 {SCOPE}" in page.text
    # The log names the person who wrote, with the department.
    assert "所管 花子（まちづくり部）" in page.text

    # The proposer agreed to the scope and reads it; staff names stay on the city's side.
    async def proposer_reads_the_scope() -> str | None:
        answer = await desk.intake.get(
            f"/api/v1/proposer/proposals/{pid}",
            headers={"X-Status-Token": receipt["status_token"]},
        )
        return answer.text if SCOPE in answer.text else None

    proposers_view = await wait_until(proposer_reads_the_scope, what="intake to hear the scope")
    assert "所管 花子" not in proposers_view
    proposer, _ = portal
    proposer.cookies.clear()
    followed = await proposer.get(f"/status/{pid}", params={"token": receipt["status_token"]})
    proposers_page = Html((await proposer.get(followed.headers["location"])).text)
    assert SCOPE in proposers_page.text
    assert "所管 花子" not in proposers_page.text

    # The auditor reads the scope and who wrote, in English too.
    auditor = sign_in(portal, NAGASAKI_DESK, role="auditor")
    audit = Html((await auditor.get(f"/staff/audit/{pid}?lang=en")).text)
    assert f"Agreed confidentiality scope {SCOPE}" in audit.text
    assert "所管 花子 (" in audit.text  # and the department's English name


async def test_the_council_reads_the_dialogue_of_what_was_escalated_to_it(
    portal: tuple[httpx.AsyncClient, Any], desk: Desk
) -> None:
    receipt = await in_dialogue(desk, "中心市街地の回遊性向上")
    pid = receipt["proposal_id"]
    wrote = await desk.routing.post(
        f"{NAGASAKI}/routings/{pid}/notes",
        json={"text": "部局横断の判断が要る"},
        headers=bearer(OFFICER),
    )
    assert wrote.status_code == 201
    council = sign_in(portal, COUNCIL)
    path = f"/staff/council/proposals/{pid}"
    before = await council.get(path)
    assert before.status_code == 404  # not escalated: for the council, not there

    async def escalated() -> bool:
        answer = await desk.decision.post(
            f"{NAGASAKI}/decisions/{pid}/escalate",
            json={"reason": "複数部局にまたがるため"},
            headers=bearer(OFFICER),
        )
        return answer.status_code == 200

    await wait_until(escalated, what="decision to hear the take-on and escalate")

    async def record_with_log() -> Html | None:
        answer = await council.get(path)
        page = Html(answer.text)
        return page if answer.status_code == 200 and "対話の記録" in page.text else None

    page = await wait_until(record_with_log, what="routing to hear the escalation")
    assert "部局横断の判断が要る" in page.text
    assert "所管 花子（まちづくり部）" in page.text
    assert 'name="note-text"' not in page.source  # the council reads; it does not write


async def test_refusals_the_page_did_not_expect_are_worded_in_the_readers_language(
    portal: tuple[httpx.AsyncClient, Any], desk: Desk
) -> None:
    receipt = await in_dialogue(desk, "公園の遊具点検")
    pid = receipt["proposal_id"]
    client = sign_in(portal, OFFICER)
    path = f"/staff/department/proposals/{pid}"
    form_token = Html((await client.get(path)).text).form_values()["csrf_token"]
    started = {"csrf_token": form_token, "milestone": "started"}
    assert (await client.post(f"{path}/milestone", data=started)).status_code == 303

    # A known refusal (routing's type milestone_already_recorded): in Japanese only.
    again = await client.post(f"{path}/milestone", data=started)
    assert again.status_code == 409
    page = Html(again.text)
    assert "この節目はすでに記録されています。" in page.text
    assert "already recorded" not in page.text
    english = await client.post(f"{path}/milestone?lang=en", data=started)
    assert "This milestone is already recorded." in Html(english.text).text

    # One the portal has no words for (a decline after take-on is a state_conflict):
    # a general sentence in Japanese, and the service's own words marked as such.
    declined = await client.post(
        f"{path}/decline?lang=ja", data={"csrf_token": form_token, "reason": "所管外のため"}
    )
    assert declined.status_code == 409
    page = Html(declined.text)
    assert "この画面では理由を日本語で説明できません。" in page.text
    assert "サービスからの原文（英語）：" in page.text
    assert '<q lang="en">a proposal in dialogue is ended by a decision, not a decline</q>' in (
        page.source
    )


async def test_the_desk_reads_a_screening_twice_refused_in_its_language(
    portal: tuple[httpx.AsyncClient, Any], desk: Desk
) -> None:
    receipt = await desk.accepted_receipt(proposal_body(title="図書館の夜間開館"))
    client = sign_in(portal, NAGASAKI_DESK)
    path = f"/staff/desk/proposals/{receipt['proposal_id']}"
    form_token = Html((await client.get(path)).text).form_values()["csrf_token"]
    again = await client.post(
        f"{path}/screening", data={"decision": "accept", "csrf_token": form_token}
    )
    assert again.status_code == 409  # intake's type already_screened
    page = Html(again.text)
    assert "この提案はすでに受付審査済みです。" in page.text
    assert "cannot accept" not in page.text
