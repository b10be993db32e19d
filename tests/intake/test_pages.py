"""Intake's old pages lead to the portal (DESIGN.md §9: one web front): the front page and
a status link mailed before the portal existed land on the portal's address for the same
thing, built from the configured base URL whatever the Host header says."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import httpx
import pytest

from services.intake.settings import IntakeSettings
from tests.conftest import MovableClock, serving_intake
from tests.factories import proposal_body

PORTAL = "https://kyoso.city.example.jp"


@pytest.fixture
async def intake(
    make_settings: Callable[..., IntakeSettings], clock: MovableClock
) -> AsyncIterator[httpx.AsyncClient]:
    settings = make_settings(database_url="memory:", portal_public_base_url=PORTAL)
    async with serving_intake(settings, clock) as client:
        yield client


async def test_the_old_front_page_redirects_to_the_portal(intake: httpx.AsyncClient) -> None:
    response = await intake.get("/", headers={"Host": "evil.example"})
    assert response.status_code == 308
    assert response.headers["location"] == f"{PORTAL}/"


async def test_an_old_status_link_leads_to_the_portals_status_page_with_its_token(
    intake: httpx.AsyncClient,
) -> None:
    receipt = (
        await intake.post("/api/v1/municipalities/nagasaki/proposals", json=proposal_body())
    ).json()
    proposal_id, token = receipt["proposal_id"], receipt["status_token"]

    response = await intake.get(f"/status/{proposal_id}", params={"token": token})

    assert response.status_code == 308
    # The portal's status page takes the token from the address into a cookie.
    assert response.headers["location"] == f"{PORTAL}/status/{proposal_id}?token={token}"
    assert response.headers["referrer-policy"] == "no-referrer"
    without_token = await intake.get(f"/status/{proposal_id}")
    assert without_token.headers["location"] == f"{PORTAL}/status/{proposal_id}"
