"""Finding 3 (d): every list of a city's things comes a page at a time (`limit`, `offset`),
still as a JSON list, with the whole count in `X-Total-Count`; the portal's inboxes show a
page at a time too, and where a page shows a whole list it asks for it page by page."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from services.portal.backends import Backends
from services.registry import SERVICES
from shared.paging import MOST_LINES, TOTAL_HEADER
from tests.conftest import NAGASAKI_DESK, bearer
from tests.edge.desk import client_of, running, service_app
from tests.factories import IntakeEvents, free_proposal_body
from tests.portal.harness import portal_settings

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


@pytest.mark.parametrize("service", list(SERVICES))
def test_every_list_comes_a_page_at_a_time(service: str, tmp_path: Path) -> None:
    """Finding 3 (d) on every service: a list of the city's things (proposals, themes,
    requests, routings, the council's, projects, the register, cases) is asked for a page
    at a time; only one proposal's own history is answered whole."""
    document = service_app(service, tmp_path).openapi()
    unpaged = []
    for path, operations in document["paths"].items():
        answer = operations.get("get", {}).get("responses", {}).get("200", {})
        schema = answer.get("content", {}).get("application/json", {}).get("schema", {})
        if schema.get("type") != "array" or "{proposal_id}" in path:
            continue
        parameters = {p["name"]: p for p in operations["get"].get("parameters", [])}
        paged = (
            parameters.get("limit", {}).get("schema", {}).get("maximum") == MOST_LINES
            and "offset" in parameters
            and TOTAL_HEADER in answer.get("headers", {})
        )
        if not paged:
            unpaged.append(path)
    assert not unpaged, f"{service} answers these lists whole: {unpaged}"


async def test_the_portal_reads_a_long_list_page_by_page(tmp_path: Path) -> None:
    """The portal shows a city's whole register (and the consoles their whole lists) by
    asking page after page, each page at most MOST_LINES lines."""
    register = [{"n": n} for n in range(1_234)]
    asked: list[tuple[int, int]] = []

    def publication(request: httpx.Request) -> httpx.Response:
        limit, offset = int(request.url.params["limit"]), int(request.url.params["offset"])
        asked.append((limit, offset))
        lines = register[offset : offset + min(limit, MOST_LINES)]
        return httpx.Response(200, json=lines, headers={TOTAL_HEADER: str(len(register))})

    settings = portal_settings(
        tmp_path,
        {n: f"http://{n}.test" for n in ("intake", "routing")}
        | {"publication": "http://publication.test"},
    )
    async with httpx.AsyncClient(transport=httpx.MockTransport(publication)) as client:
        lines = await Backends(client, settings)._every_line("publication", "/register")
    assert lines == register
    assert asked == [(500, 0), (500, 500), (500, 1000)]
