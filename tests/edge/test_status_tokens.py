"""Finding 4: a status token with characters outside ASCII is simply a wrong token: 404,
the same answer as for any wrong token, on every proposer endpoint of intake. (Intake's old
`/status/{id}` page only redirects to the portal's, checking no token: tests/intake.)"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.edge.desk import serving
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
