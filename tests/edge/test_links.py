"""Finding 5: a forged `Host` header changes no link the desk hands out. Every link comes
from the configured public base URLs (KYOSO_PUBLIC_BASE_URL, KYOSO_PUBLICATION_BASE_URL,
KYOSO_PORTAL_PUBLIC_BASE_URL); the JSON Feed's and the old pages' redirects are shown in
tests/publication/test_pages.py and tests/intake/test_pages.py, the e-mails are written
from events, where no request and no Host header exists."""

from __future__ import annotations

from pathlib import Path

from tests.edge.desk import client_of, portal_beside, serving
from tests.factories import free_proposal_body
from tests.portal.harness import PUBLIC_BASE

FORGED = {"Host": "evil.example"}


async def test_the_receipts_status_link_is_under_the_configured_address(tmp_path: Path) -> None:
    async with serving("intake", tmp_path, public_base_url="https://intake.example.jp") as intake:
        receipt = await intake.post(
            "/api/v1/municipalities/nagasaki/proposals", json=free_proposal_body(), headers=FORGED
        )
    assert receipt.status_code == 201
    assert receipt.json()["status_url"].startswith("https://intake.example.jp/status/")


async def test_the_portals_redirects_go_to_its_configured_address(tmp_path: Path) -> None:
    async with portal_beside(tmp_path) as (portal, apps):
        async with client_of(apps["intake"]) as intake:
            receipt = (
                await intake.post(
                    "/api/v1/municipalities/nagasaki/proposals", json=free_proposal_body()
                )
            ).json()
        link = f"/status/{receipt['proposal_id']}?token={receipt['status_token']}"
        into_the_cookie = await portal.get(link, headers=FORGED)
        to_sign_in = await portal.get("/staff", headers=FORGED)
    assert into_the_cookie.status_code == 303
    assert into_the_cookie.headers["Location"] == f"{PUBLIC_BASE}/status/{receipt['proposal_id']}"
    assert to_sign_in.status_code == 303
    assert "evil.example" not in to_sign_in.headers["Location"]
