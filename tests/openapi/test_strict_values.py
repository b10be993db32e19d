"""A yes-or-no field takes true or false, as the OpenAPI says: never 0, 1 or "yes"."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any
from uuid import uuid4

import httpx
import pytest

from tests.conftest import NAGASAKI_DESK, bearer
from tests.openapi.apps import NAGASAKI_KYOIKU, service_app


@contextlib.asynccontextmanager
async def serving(name: str) -> AsyncIterator[httpx.AsyncClient]:
    app = service_app(name)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=f"http://{name}.test") as client:
            yield client


@pytest.fixture
async def decision() -> AsyncIterator[httpx.AsyncClient]:
    async with serving("decision") as client:
        yield client


@pytest.fixture
async def publication() -> AsyncIterator[httpx.AsyncClient]:
    async with serving("publication") as client:
        yield client


def refused_fields(response: httpx.Response) -> list[list[Any]]:
    assert response.status_code == 422, response.text
    return [item["loc"] for item in response.json()["detail"]]


ASSESS = "/api/v1/municipalities/nagasaki/fairness/assess"


async def test_nobody_else_can_do_it_is_true_or_false(decision: httpx.AsyncClient) -> None:
    staff = bearer(NAGASAKI_KYOIKU)
    for answer in (0, 1, "yes"):
        refused = await decision.post(
            ASSESS, json={"other_capable_providers": answer}, headers=staff
        )
        assert refused_fields(refused) == [["body", "other_capable_providers"]]
    assessed = await decision.post(ASSESS, json={"other_capable_providers": False}, headers=staff)
    assert assessed.status_code == 200
    assert assessed.json()["inputs"]["other_capable_providers"] is False


async def test_a_protected_section_is_marked_true_or_false(publication: httpx.AsyncClient) -> None:
    section = {"heading": "協力店舗", "text": "一覧と交渉ノウハウ"}
    for answer in (0, 1, "no"):
        refused = await publication.put(
            f"/api/v1/municipalities/nagasaki/desk/cases/{uuid4()}",
            json={"title": "t", "summary": "s", "sections": [section | {"protected": answer}]},
            headers=bearer(NAGASAKI_DESK),
        )
        assert refused_fields(refused) == [["body", "sections", 0, "protected"]]
