"""The portal and the proposer's status page, as a browser gets them: whatever a desk or a
proposer typed is shown as text, never run, and the page speaks Japanese first."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import httpx
import pytest

from services.intake.settings import IntakeSettings
from tests.conftest import NAGASAKI_DESK, MovableClock, bearer, serving_intake
from tests.factories import proposal_body

HOSTILE = "<script>alert(1)</script> & 公園"
SHOWN = "&lt;script&gt;alert(1)&lt;/script&gt; &amp; 公園"


@pytest.fixture
async def portal(
    make_settings: Callable[..., IntakeSettings], clock: MovableClock
) -> AsyncIterator[httpx.AsyncClient]:
    """Intake with Nagasaki's themes, its events kept in the process."""
    async with serving_intake(make_settings(database_url="memory:"), clock) as client:
        yield client


def assert_one_accessible_page(page: str) -> None:
    assert page.startswith('<!doctype html>\n<html lang="ja">')
    assert page.count("<main") == 1 and page.count("<h1>") == 1
    assert "<script>" not in page


async def test_a_theme_title_with_markup_is_shown_as_text_on_the_portal(
    portal: httpx.AsyncClient,
) -> None:
    theme = {"number": 28, "title": HOSTILE, "field": "まちづくり", "department": "machizukuri"}
    created = await portal.post(
        "/api/v1/municipalities/nagasaki/themes", json=theme, headers=bearer(NAGASAKI_DESK)
    )
    assert created.status_code == 201

    response = await portal.get("/")

    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    page = response.text
    assert_one_accessible_page(page)
    assert f"<td>28</td><td>{SHOWN}</td>" in page
    assert "<title>Kyoso Desk 共創窓口</title>" in page
    assert "<h1>共創窓口 Kyoso Desk</h1>" in page
    assert '<th scope="col">番号 No.</th><th scope="col">テーマ Theme</th>' in page
    assert page.index("長崎市") < page.index("Nagasaki City")
    assert '募集中 <span class="en">open</span>' in page
    # Aomori has published no theme yet.
    assert '公開中のテーマはありません。<span class="en">No published themes.</span>' in page
    assert "<code>POST /api/v1/municipalities/aomori/proposals</code>" in page


async def test_a_proposal_title_with_markup_is_shown_as_text_on_the_status_page(
    portal: httpx.AsyncClient,
) -> None:
    receipt = (
        await portal.post(
            "/api/v1/municipalities/nagasaki/proposals", json=proposal_body(title=HOSTILE)
        )
    ).json()
    link = httpx.URL(receipt["status_url"])

    response = await portal.get(link.path, params=dict(link.params))

    assert response.status_code == 200
    page = response.text
    assert_one_accessible_page(page)
    assert f"<b>{receipt['receipt_number']}</b> — {SHOWN}</p>" in page
    assert f"<title>{receipt['receipt_number']} 提案の状況</title>" in page
    assert '<h1>提案の状況 <span class="en">Proposal status</span></h1>' in page
    assert "受付済み" in page and "経過 History" in page
    assert '<th scope="col">日時 When</th>' in page
    assert "理由 Reasons" not in page  # nothing was refused


async def test_the_status_page_stays_closed_without_the_token(portal: httpx.AsyncClient) -> None:
    receipt = (
        await portal.post("/api/v1/municipalities/nagasaki/proposals", json=proposal_body())
    ).json()

    response = await portal.get(f"/status/{receipt['proposal_id']}")

    assert response.status_code == 401
