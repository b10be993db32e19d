"""A yes-or-no field takes true or false, as the OpenAPI says: never 0, 1 or "yes"."""

from __future__ import annotations

import contextlib
import importlib
from collections.abc import AsyncIterator
from typing import Annotated, Any, get_args, get_origin
from uuid import uuid4

import httpx
import pytest
from pydantic import BaseModel
from pydantic.types import Strict

from services.registry import SERVICES
from shared import contract
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


def _loose_bools(annotation: Any, metadata: tuple[Any, ...] = ()) -> list[str]:
    """Where in this annotation a yes-or-no would also take 0, 1 or "yes"."""
    if annotation is bool:
        return [] if any(isinstance(m, Strict) and m.strict for m in metadata) else ["bool"]
    if get_origin(annotation) is Annotated:
        inner, *extras = get_args(annotation)
        return _loose_bools(inner, tuple(extras))
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [
            f"{annotation.__name__}.{name}{'.' + where if where != 'bool' else ''}"
            for name, field in annotation.model_fields.items()
            for where in _loose_bools(field.annotation, tuple(field.metadata))
        ]
    return [where for argument in get_args(annotation) for where in _loose_bools(argument)]


def _request_models(service: str) -> list[type[BaseModel]]:
    """The pydantic models of the service's request bodies, by their OpenAPI names."""
    document = service_app(service).openapi()
    names = {
        content["schema"]["$ref"].rsplit("/", 1)[-1]
        for operations in document["paths"].values()
        for operation in operations.values()
        for content in operation.get("requestBody", {}).get("content", {}).values()
        if "$ref" in content.get("schema", {})
    }
    modules = [importlib.import_module(f"services.{service}.commands"), contract]
    found = {
        value.__name__: value
        for module in modules
        for value in vars(module).values()
        if isinstance(value, type) and issubclass(value, BaseModel)
    }
    return [found[name] for name in sorted(names) if name in found]


@pytest.mark.parametrize("service", list(SERVICES))
def test_every_yes_or_no_in_a_request_is_strict(service: str) -> None:
    """Finding 7: booleans accepted 0 and 1. Every yes-or-no of every request body, nested
    ones included, is StrictBool."""
    models = _request_models(service)
    assert models, "every service takes at least one request body"
    loose = [where for model in models for where in _loose_bools(model)]
    assert not loose, f"{service} takes 0/1 for: {loose}"


async def test_the_city_was_there_is_true_or_false() -> None:
    async with serving("implementation") as implementation:
        refused = await implementation.post(
            f"/api/v1/municipalities/nagasaki/projects/{uuid4()}/experiment-steps",
            json={"step": "site_coordination", "done_on": "2026-05-01", "city_present": 1},
            headers=bearer(NAGASAKI_KYOIKU),
        )
    assert ["body", "city_present"] in refused_fields(refused)
