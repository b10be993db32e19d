"""The proposer is told by e-mail (issue 16): the receipt with the private status link,
each change of status with its reasons, a lost link sent again to the proposal's own
address only — through a real SMTP server, and never lost when that server is down."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from services.intake.settings import IntakeSettings
from tests.conftest import NAGASAKI_DESK, MovableClock, bearer, serving_intake, wait_until
from tests.factories import proposal_body
from tests.smtp import Inbox, body_of, free_port, smtp_server

PROPOSER = "hanako@minato-kanko.example.jp"
NAGASAKI = "/api/v1/municipalities/nagasaki"


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    with smtp_server() as server:
        yield server


def mail_settings(make_settings: Callable[..., IntakeSettings], port: int) -> IntakeSettings:
    return make_settings(
        smtp_host="127.0.0.1",
        smtp_port=port,
        smtp_security="none",
        mail_from="長崎市 共創窓口 <kyoso@city.nagasaki.example.jp>",
        mail_retry_seconds=0.2,
        public_base_url="https://kyoso.city.nagasaki.example.jp",
    )


@pytest.fixture
async def intake(
    make_settings: Callable[..., IntakeSettings], smtp: tuple[Inbox, int]
) -> AsyncIterator[httpx.AsyncClient]:
    async with serving_intake(mail_settings(make_settings, smtp[1]), MovableClock()) as client:
        yield client


async def mails_to(inbox: Inbox, address: str, count: int) -> list[Any]:
    async def arrived() -> list[Any] | None:
        mails = inbox.to(address)
        return mails if len(mails) >= count else None

    found: list[Any] = await wait_until(arrived, what=f"{count} e-mail(s) to {address}")
    return found


def status_path(body: str) -> str:
    found = re.search(r"https://kyoso\.city\.nagasaki\.example\.jp(/status/\S+)", body)
    assert found, body
    return found.group(1)


async def opened(intake: httpx.AsyncClient, link: str) -> httpx.Response:
    """What the proposer's status shows through this mailed link (the page is the portal's,
    which reads intake's proposer API with the link's token, as here)."""
    url = httpx.URL(link)
    proposal_id = url.path.removeprefix("/status/")
    return await intake.get(
        f"/api/v1/proposer/proposals/{proposal_id}",
        headers={"X-Status-Token": url.params.get("token", "")},
    )


async def test_the_receipt_arrives_by_mail_and_its_link_opens_the_status_page(
    intake: httpx.AsyncClient, smtp: tuple[Inbox, int]
) -> None:
    receipt = (await intake.post(f"{NAGASAKI}/proposals", json=proposal_body())).json()
    [mail] = await mails_to(smtp[0], PROPOSER, 1)
    assert receipt["receipt_number"] in mail["Subject"] and "受け付けました" in mail["Subject"]
    assert mail["From"].addresses[0].addr_spec == "kyoso@city.nagasaki.example.jp"
    body = body_of(mail)
    assert "港観光協会" in body or "様" in body  # addressed to the proposer
    assert body.index("受付番号") < body.index("Receipt number")  # Japanese first
    page = await opened(intake, status_path(body))
    assert page.status_code == 200 and page.json()["receipt_number"] == receipt["receipt_number"]


async def test_a_rejection_in_screening_is_mailed_with_its_reasons(
    intake: httpx.AsyncClient, smtp: tuple[Inbox, int]
) -> None:
    receipt = (await intake.post(f"{NAGASAKI}/proposals", json=proposal_body())).json()
    await mails_to(smtp[0], PROPOSER, 1)
    rejected = await intake.post(
        f"{NAGASAKI}/desk/proposals/{receipt['proposal_id']}/screening",
        json={
            "decision": "reject",
            "reasons": ["sales_pitch"],
            "explanation": "特定商品の販売促進が目的のため",
        },
        headers=bearer(NAGASAKI_DESK),
    )
    assert rejected.status_code == 200, rejected.text
    _, mail = await mails_to(smtp[0], PROPOSER, 2)
    body = body_of(mail)
    assert "状況が変わりました" in mail["Subject"]
    assert "理由:" in body and "特定商品の販売促進が目的のため" in body
    assert "Reasons:" in body


async def test_mail_that_cannot_be_sent_now_is_sent_when_the_server_is_back(
    make_settings: Callable[..., IntakeSettings],
) -> None:
    port = free_port()  # nothing listens there yet
    settings = mail_settings(make_settings, port)
    async with serving_intake(settings, MovableClock()) as intake:
        submitted = await intake.post(f"{NAGASAKI}/proposals", json=proposal_body())
        assert submitted.status_code == 201  # the proposal never waits for the mail
        screened = await intake.post(
            f"{NAGASAKI}/desk/proposals/{submitted.json()['proposal_id']}/screening",
            json={"decision": "reject", "reasons": ["duplicate"], "explanation": "重複"},
            headers=bearer(NAGASAKI_DESK),
        )
        assert screened.status_code == 200
        with smtp_server(port) as (inbox, _):
            receipt, rejection = await mails_to(inbox, PROPOSER, 2)
        # Each tells the proposal as it was then, though both were sent late.
        assert submitted.json()["receipt_number"] in receipt["Subject"]
        assert "状況: 受付済み" in body_of(receipt)
        assert "状況: 受付できませんでした" in body_of(rejection)


async def test_a_lost_link_goes_to_the_proposals_own_address_and_the_answer_tells_nothing(
    intake: httpx.AsyncClient, smtp: tuple[Inbox, int]
) -> None:
    receipt = (await intake.post(f"{NAGASAKI}/proposals", json=proposal_body())).json()
    await mails_to(smtp[0], PROPOSER, 1)

    known = await intake.post(
        "/api/v1/proposer/status-links",
        json={"municipality": "nagasaki", "email": PROPOSER.upper()},
    )
    unknown = await intake.post(
        "/api/v1/proposer/status-links",
        json={"municipality": "nagasaki", "email": "someone-else@example.jp"},
    )
    assert known.status_code == unknown.status_code == 202
    assert known.json() == unknown.json()  # whether an address is known stays unknown

    _, resent = await mails_to(smtp[0], PROPOSER, 2)
    assert "状況確認リンク" in resent["Subject"]
    page = await opened(intake, status_path(body_of(resent)))
    assert page.status_code == 200 and receipt["receipt_number"] in page.text
    assert smtp[0].to("someone-else@example.jp") == []


async def test_the_desk_replaces_a_leaked_link_and_only_the_new_one_opens_the_proposal(
    intake: httpx.AsyncClient, smtp: tuple[Inbox, int]
) -> None:
    receipt = (await intake.post(f"{NAGASAKI}/proposals", json=proposal_body())).json()
    [first_mail] = await mails_to(smtp[0], PROPOSER, 1)
    old_link = status_path(body_of(first_mail))
    assert (await opened(intake, old_link)).status_code == 200

    replaced = await intake.post(
        f"{NAGASAKI}/desk/proposals/{receipt['proposal_id']}/status-link",
        headers=bearer(NAGASAKI_DESK),
    )
    assert replaced.status_code == 200, replaced.text
    _, new_mail = await mails_to(smtp[0], PROPOSER, 2)
    new_link = status_path(body_of(new_mail))
    assert new_link != old_link

    assert (await opened(intake, old_link)).status_code == 404  # the leaked link is dead
    old_token = receipt["status_token"]
    answer = await intake.get(
        f"/api/v1/proposer/proposals/{receipt['proposal_id']}", params={"token": old_token}
    )
    assert answer.status_code == 404
    page = await opened(intake, new_link)
    assert page.status_code == 200 and "状況確認リンクを再発行しました" in page.text


async def test_a_closed_proposals_link_expires_a_year_after_its_last_news(
    make_settings: Callable[..., IntakeSettings],
) -> None:
    clock = MovableClock()
    async with serving_intake(make_settings(), clock) as intake:
        receipt = (await intake.post(f"{NAGASAKI}/proposals", json=proposal_body())).json()
        pid, token = receipt["proposal_id"], receipt["status_token"]
        mine = f"/api/v1/proposer/proposals/{pid}"
        withdrawn = await intake.post(f"{mine}/withdrawal", params={"token": token}, json={})
        assert withdrawn.status_code == 200
        closed = datetime.now(UTC)

        clock.now = closed + timedelta(days=364)
        assert (await intake.get(mine, params={"token": token})).status_code == 200
        clock.now = closed + timedelta(days=366)
        expired = await intake.get(mine, params={"token": token})
        assert expired.status_code == 410
        assert "expired 365 days after the proposal closed" in expired.json()["detail"][0]["msg"]
