"""Finding 3 (d): the desk's and the departments' lists come a page at a time (`limit`,
`offset`), still as a JSON list, with the whole count in `X-Total-Count`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.conftest import NAGASAKI_DESK, bearer
from tests.edge.desk import client_of, running, service_app
from tests.factories import IntakeEvents, free_proposal_body

NAGASAKI = "/api/v1/municipalities/nagasaki"
INBOX = f"{NAGASAKI}/desk/proposals"
KYOIKU_INBOX = f"{NAGASAKI}/departments/kyoiku/inbox"
DESK = bearer(NAGASAKI_DESK)


async def test_the_desk_inbox_comes_a_page_at_a_time(tmp_path: Path) -> None:
    app = service_app("intake", tmp_path)
    async with running(app), client_of(app) as client:
        for number in range(5):
            body = free_proposal_body(title=f"提案 {number}")
            assert (await client.post(f"{NAGASAKI}/proposals", json=body)).status_code == 201
        everything = await client.get(INBOX, headers=DESK)
        page = await client.get(INBOX, params={"limit": 2, "offset": 1}, headers=DESK)
        past_the_end = await client.get(INBOX, params={"offset": 9}, headers=DESK)

    assert everything.headers["X-Total-Count"] == "5"
    titles = [line["title"] for line in everything.json()]
    assert titles == [f"提案 {n}" for n in range(5)]
    assert page.status_code == 200 and page.headers["X-Total-Count"] == "5"
    assert [line["title"] for line in page.json()] == titles[1:3]
    assert past_the_end.json() == [] and past_the_end.headers["X-Total-Count"] == "5"


async def test_a_department_inbox_comes_a_page_at_a_time(tmp_path: Path) -> None:
    app = service_app("routing", tmp_path)
    async with running(app), client_of(app) as client:
        routed = []
        for _ in range(3):
            proposal = IntakeEvents()  # 教育: Nagasaki's kyoiku
            app.state.application.process(proposal.submitted())
            app.state.application.process(proposal.accepted())
            routed.append(str(proposal.proposal_id))
        page = await client.get(KYOIKU_INBOX, params={"limit": 1, "offset": 2}, headers=DESK)

    assert page.headers["X-Total-Count"] == "3"
    assert [line["proposal_id"] for line in page.json()] == routed[2:]


@pytest.mark.parametrize(
    ("service", "path"),
    [
        ("intake", INBOX),
        ("intake", f"{NAGASAKI}/themes"),
        ("routing", KYOIKU_INBOX),
        ("routing", f"{NAGASAKI}/departments"),
    ],
)
@pytest.mark.parametrize(
    ("params", "field"),
    [({"limit": 0}, "limit"), ({"limit": 501}, "limit"), ({"offset": -1}, "offset")],
)
async def test_a_page_is_between_1_and_500_lines(
    service: str, path: str, params: dict[str, Any], field: str, tmp_path: Path
) -> None:
    app = service_app(service, tmp_path)
    async with running(app), client_of(app) as client:
        response = await client.get(path, params=params, headers=DESK)
        first_page = await client.get(path, headers=DESK)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", field]
    assert first_page.status_code == 200 and "X-Total-Count" in first_page.headers


@pytest.mark.parametrize(
    ("service", "path"),
    [
        ("intake", INBOX),
        ("intake", f"{NAGASAKI}/themes"),
        ("routing", KYOIKU_INBOX),
        ("routing", f"{NAGASAKI}/departments"),
    ],
)
def test_the_openapi_documents_the_paging(service: str, path: str, tmp_path: Path) -> None:
    document = service_app(service, tmp_path).openapi()
    template = path.replace("nagasaki", "{municipality}").replace("kyoiku", "{department}")
    operation = document["paths"][template]["get"]
    parameters = {p["name"]: p for p in operation["parameters"]}
    assert parameters["limit"]["schema"]["maximum"] == 500
    assert parameters["limit"]["schema"]["default"] == 100
    assert parameters["offset"]["schema"]["default"] == 0
    assert "X-Total-Count" in operation["responses"]["200"]["headers"]
