"""Finding 4: a status token with characters outside ASCII is simply a wrong token: 404,
the same answer as for any wrong token, on every proposer endpoint of intake and on every
proposer page of the portal (which answered 500: httpx cannot send it in a header). (Intake's old
`/status/{id}` page only redirects to the portal's, checking no token: tests/intake.)"""

from __future__ import annotations

from pathlib import Path
from uuid import uuid4

import pytest

from shared import csrf
from tests.edge.desk import client_of, portal_beside, serving
from tests.factories import free_proposal_body

NOT_ASCII = "ステータスÅ"


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/api/v1/proposer/proposals/{pid}", None),
        ("POST", "/api/v1/proposer/proposals/{pid}/withdrawal", {"reason": "社内で再検討します"}),
        ("POST", "/api/v1/proposer/proposals/{pid}/messages", {"text": "お答えします。"}),
    ],
)
@pytest.mark.parametrize("shown_in", ["query", "header"])
async def test_a_token_outside_ascii_answers_404_not_500(
    method: str, path: str, body: dict[str, str] | None, shown_in: str, tmp_path: Path
) -> None:
    async with serving("intake", tmp_path) as client:
        receipt = await client.post(
            "/api/v1/municipalities/nagasaki/proposals", json=free_proposal_body()
        )
        url = path.format(pid=receipt.json()["proposal_id"])
        if shown_in == "query":
            response = await client.request(method, url, params={"token": NOT_ASCII}, json=body)
        else:
            # As a browser may send it: the header's bytes, read as Latin-1 by the server.
            headers = {b"X-Status-Token": NOT_ASCII.encode()}
            response = await client.request(method, url, headers=headers, json=body)
    assert response.status_code == 404
    assert response.json() == {
        "detail": [{"loc": ["path", "proposal_id"], "msg": "no such proposal"}]
    }


# The portal's proposer pages: the link (`?token=` on the status page and on the
# consultation e-mail's page), and the cookie the token moves into, which every later page
# and form reads. A browser sends a cookie's bytes as they are.
PORTAL_PAGES = [
    ("GET", "/status/{pid}?token=" + NOT_ASCII, False),
    ("GET", "/status/{pid}/case?token=" + NOT_ASCII, False),
    ("GET", "/status/{pid}", True),
    ("GET", "/status/{pid}/case", True),
    ("GET", "/status/{pid}/withdrawal", True),
    ("POST", "/status/{pid}/withdrawal", True),
    ("POST", "/status/{pid}/messages", True),
    ("POST", "/status/{pid}/case/consent", True),
    ("POST", "/status/{pid}/case/objection", True),
]


@pytest.mark.parametrize(("method", "path", "in_cookie"), PORTAL_PAGES)
async def test_the_portal_answers_a_token_outside_ascii_as_a_wrong_one(
    method: str, path: str, in_cookie: bool, tmp_path: Path
) -> None:
    async with portal_beside(tmp_path) as (portal, apps):
        async with client_of(apps["intake"]) as intake:
            receipt = await intake.post(
                "/api/v1/municipalities/nagasaki/proposals", json=free_proposal_body()
            )
        form_token = apps["portal"].state.csrf.new()
        cookie = f"{csrf.COOKIE}={form_token}" + (
            f"; kyoso_status={NOT_ASCII}" if in_cookie else ""
        )
        response = await portal.request(
            method,
            path.format(pid=receipt.json()["proposal_id"]),
            headers={b"Cookie": cookie.encode()},
            data={csrf.FIELD: form_token, "text": "お答えします。", "reason": "理由"}
            if method == "POST"
            else None,
        )
    assert response.status_code == 404, response.text[:300]
    assert "状況確認リンクから開いてください" in response.text  # as for any wrong link
    assert response.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/v1/proposer/proposals/{pid}/case"),
        ("POST", "/api/v1/proposer/proposals/{pid}/case/consent"),
        ("POST", "/api/v1/proposer/proposals/{pid}/case/objection"),
    ],
)
@pytest.mark.parametrize("shown_in", ["query", "header"])
async def test_publications_consultation_answers_a_token_outside_ascii_with_404(
    method: str, path: str, shown_in: str, tmp_path: Path
) -> None:
    """Publication checks the same tokens (the consultation on the case)."""
    url = path.format(pid=uuid4())
    body = {"reason": "理由"} if path.endswith("objection") else None
    async with serving("publication", tmp_path) as client:
        if shown_in == "query":
            response = await client.request(method, url, params={"token": NOT_ASCII}, json=body)
        else:
            headers = {b"X-Status-Token": NOT_ASCII.encode()}
            response = await client.request(method, url, headers=headers, json=body)
    assert response.status_code == 404
    assert response.json()["detail"][0]["msg"] == "no such proposal"
