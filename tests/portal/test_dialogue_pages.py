"""The portal's dialogue and lost-link pages, in the process, against intake, routing, decision and publication on
the embedded broker: what the browser tests (tests/portal/test_browser_mail.py) do not
walk — a message too long, a form from elsewhere, an answer after the proposal ended,
English, and the lost-link form's refusals."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.brokers import Broker, embedded_broker_only
from tests.conftest import NAGASAKI_DEPARTMENT, bearer, wait_until
from tests.factories import proposal_body
from tests.portal.harness import Html, intake_settings_maker, portal_app, serving_portal
from tests.whole_desk import NAGASAKI, Desk, running_desk

pytestmark = [pytest.mark.integration, embedded_broker_only()]


@pytest.fixture(scope="module")
async def desk(broker: Broker, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Desk]:
    data = tmp_path_factory.mktemp("portal-dialogue")
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


async def written_to(desk: Desk, portal: httpx.AsyncClient, text: str) -> dict[str, Any]:
    """A proposal taken on by まちづくり部, which wrote `text` to its proposer; the portal
    holds the proposal's status token in its cookie (the receipt's link was followed)."""
    receipt = await desk.accepted_receipt(proposal_body())
    pid = receipt["proposal_id"]
    await desk.take_on(pid)
    sent = await desk.routing.post(
        f"{NAGASAKI}/routings/{pid}/messages",
        json={"text": text},
        headers=bearer(NAGASAKI_DEPARTMENT),
    )
    assert sent.status_code == 201, sent.text

    async def heard() -> bool:
        mine = await desk.intake.get(
            f"/api/v1/proposer/proposals/{pid}",
            headers={"X-Status-Token": receipt["status_token"]},
        )
        return bool(mine.json()["messages"])

    await wait_until(heard, what="intake to hear the department's message")
    followed = await portal.get(f"/status/{pid}", params={"token": receipt["status_token"]})
    assert followed.status_code == 303
    return receipt


async def answer(
    portal: httpx.AsyncClient, pid: str, text: str, csrf: str | None = None
) -> httpx.Response:
    await portal.get(f"/status/{pid}")  # the page sets the form token
    token = portal.cookies.get("kyoso_csrf") if csrf is None else csrf
    return await portal.post(f"/status/{pid}/messages", data={"text": text, "csrf_token": token})


async def test_a_message_too_long_is_refused_beside_the_field_and_kept_as_typed(
    desk: Desk, portal: httpx.AsyncClient
) -> None:
    receipt = await written_to(desk, portal, "ご提案の詳細を教えてください。")
    pid = receipt["proposal_id"]
    too_long = "あ" * 4001
    refused = await answer(portal, pid, too_long)
    assert refused.status_code == 422
    page = Html(refused.text)
    assert "返信は4000文字以内で入力してください（現在4001文字）。" in page.text
    assert page.error_summary() == [
        ("#answer-text", "返信は4000文字以内で入力してください（現在4001文字）。")
    ]
    field = page.by_id("answer-text")
    assert field["aria-invalid"] == "true" and "answer-error" in field["aria-describedby"]
    assert too_long in page.source  # what was typed is not lost
    assert page.source.index("ご提案の詳細を教えてください。") < page.source.index(
        'id="answer-text"'
    )

    # A form from another site (no form token) is refused, and nothing is recorded.
    forged = await answer(portal, pid, "偽の返信", csrf="forged")
    assert forged.status_code == 403
    mine = await desk.intake.get(
        f"/api/v1/proposer/proposals/{pid}", headers={"X-Status-Token": receipt["status_token"]}
    )
    assert [m["text"] for m in mine.json()["messages"]] == ["ご提案の詳細を教えてください。"]


async def test_after_withdrawal_the_form_is_gone_and_a_late_answer_is_refused(
    desk: Desk, portal: httpx.AsyncClient
) -> None:
    receipt = await written_to(desk, portal, "資料をお送りください。")
    pid = receipt["proposal_id"]
    english = await portal.get(f"/status/{pid}", params={"lang": "en"})
    assert "Messages with the department" in Html(english.text).text
    assert "Send the answer" in Html(english.text).text
    await portal.get(f"/status/{pid}", params={"lang": "ja"})
    withdrawn = await desk.intake.post(
        f"/api/v1/proposer/proposals/{pid}/withdrawal",
        json={"reason": None},
        headers={"X-Status-Token": receipt["status_token"]},
    )
    assert withdrawn.status_code == 200
    status = Html((await portal.get(f"/status/{pid}")).text)
    assert "資料をお送りください。" in status.text  # the dialogue stays readable
    assert "返信を送信する" not in status.text
    late = await answer(portal, pid, "遅れて返信します。")  # a page left open before
    assert late.status_code == 422
    assert "返信を送信できませんでした" in Html(late.text).text


async def test_the_lost_link_form_refuses_what_intake_cannot_use(
    portal: httpx.AsyncClient,
) -> None:
    assert (await portal.get("/atlantis/status-link")).status_code == 404
    form = await portal.get("/nagasaki/status-link")
    assert form.status_code == 200
    token = portal.cookies["kyoso_csrf"]
    malformed = await portal.post(
        "/nagasaki/status-link", data={"email": "hanako-at-minato", "csrf_token": token}
    )
    assert malformed.status_code == 422
    page = Html(malformed.text)
    assert page.error_summary() == [
        ("#email", "メールアドレスを name@example.jp の形式で入力してください。")
    ]
    assert page.by_id("email")["value"] == "hanako-at-minato"
    sent = await portal.post(
        "/nagasaki/status-link",
        data={"email": "nobody@example.jp", "csrf_token": token},
    )
    assert sent.status_code == 303 and sent.headers["location"].endswith(
        "/nagasaki/status-link?sent=1"
    )
