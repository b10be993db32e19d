"""Every status a route can answer, in its OpenAPI, with the one error shape.

A client of the desk — another city, a portal, a department's tool — learns from the
OpenAPI what it must handle. The statuses are derived from what the route is made of
rather than listed by hand on every route, so a new route is documented the day it is
written:

- a route behind staff authentication (`shared.staff_auth.staff_dependency`) answers 401
  (no token, or an unknown one), 403 (wrong role, or another municipality) and 503 with
  `Retry-After` (the identity provider cannot be reached for the token's keys);
- a route behind the proposer's status token (`shared.status_tokens.proposer_access`)
  answers 401 (no token) and 404 (wrong token, said as "no such proposal");
- a route with path parameters answers 404 (nothing by that id, or a municipality the
  desk does not serve);
- a route that writes answers 409 (the state does not allow it now) and 422 (a domain
  rule refuses a value); any route with parameters or a body answers 422 (FastAPI's
  validation);
- a route with a body answers 413 when the body is larger than the HTTP edge accepts, and
  400 when it is not UTF-8 (FastAPI's own answer, with a plain-string detail);
- the anonymous endpoints — what anyone may send, and everything behind the status
  token — answer 429, with `Retry-After`, to a client that comes too often (the edge's
  rate limits); so does a staff route that writes, to a client without a staff token.

A router may still declare `responses=` on a route, for a status or a description only it
knows; what it declares wins. Every other 4xx has the shape `{"detail": [{"loc", "msg"}]}`
(`shared.web.error`, FastAPI's own 422s, the staff and status-token dependencies).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import fastapi.routing
from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from pydantic import BaseModel, Field

from shared.staff_auth import staff_dependency
from shared.status_tokens import proposer_access


class ErrorItem(BaseModel):
    """One reason a request was refused."""

    loc: list[str | int] = Field(
        description="Where the refused value is: body, path, query or header, then the field"
    )
    msg: str = Field(description="Why, in a sentence a person can act on")
    type: str | None = Field(
        None, description="The kind of problem, for a client that words it itself (e.g. missing)"
    )
    ctx: dict[str, int | float | str] | None = Field(
        None,
        description=(
            "The values the problem names: a limit (e.g. max_length), or a domain rule's "
            "dates, caps and names, as text (e.g. applied_on, opens_on, closes_on)"
        ),
    )


class ErrorAnswer(BaseModel):
    """What every refusal answers (4xx), whichever part of the desk refuses."""

    detail: list[ErrorItem]


WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
COMPONENTS = "#/components/schemas/"
FASTAPI_422_CONTENT = {"application/json": {"schema": {"$ref": f"{COMPONENTS}HTTPValidationError"}}}


def _content(model: type[BaseModel]) -> dict[str, Any]:
    return {"application/json": {"schema": {"$ref": f"{COMPONENTS}{model.__name__}"}}}


ERROR_CONTENT = _content(ErrorAnswer)

# Every closure `staff_dependency(...)` returns shares this code object, whatever the roles.
_STAFF_AUTHENTICATION = staff_dependency().__code__


@dataclass(frozen=True)
class Answer:
    status: int
    description: str
    headers: dict[str, Any] = field(default_factory=dict)
    content: dict[str, Any] = field(default_factory=lambda: ERROR_CONTENT)


def _dependants(dependant: Dependant) -> Iterator[Dependant]:
    """The route's endpoint and everything it depends on, however deeply."""
    yield dependant
    for dependency in dependant.dependencies:
        yield from _dependants(dependency)


def _is_staff_authentication(call: Callable[..., Any]) -> bool:
    return getattr(call, "__code__", None) is _STAFF_AUTHENTICATION


def answers_of(route: Any) -> list[Answer]:
    """The refusals a route can answer, from what it is made of."""
    dependants = list(_dependants(route.dependant))
    calls = [d.call for d in dependants if d.call is not None]
    staff = any(_is_staff_authentication(call) for call in calls)
    proposer = proposer_access in calls
    writes = bool(route.methods & WRITE_METHODS)
    in_path = bool(route.param_convertors)
    # FastAPI answers 422 for any malformed parameter (path, query, header, cookie) or body.
    validated = route.body_field is not None or any(
        d.path_params or d.query_params or d.header_params or d.cookie_params for d in dependants
    )
    answers: list[Answer] = []
    if staff:
        answers += [
            Answer(
                401,
                "No staff bearer token, or one the desk does not know",
                {"WWW-Authenticate": {"schema": {"type": "string"}, "description": "Bearer"}},
            ),
            Answer(403, "The token's role may not do this, or it acts for another municipality"),
            Answer(
                503,
                "The identity provider cannot be reached for the keys this token needs "
                "(type identity_provider_unavailable); retry, the token is not refused",
                {
                    "Retry-After": {
                        "schema": {"type": "integer"},
                        "description": "Seconds to wait before trying again",
                    }
                },
            ),
        ]
    if proposer:
        answers += [
            Answer(401, "The status token from the receipt is missing"),
            Answer(404, "No such proposal, or not with this status token"),
            Answer(
                410,
                "The status link expired after the proposal closed; the desk can send a new one",
            ),
        ]
    if in_path:
        answers.append(Answer(404, "Nothing by this id here, or a municipality not served"))
    if writes:
        answers.append(Answer(409, "The state of what this is about does not allow it now"))
    if writes or validated:
        answers.append(Answer(422, "A value is missing or malformed, or a rule refuses it"))
    if route.body_field is not None:
        answers += [
            Answer(400, "The body is not UTF-8 text"),
            Answer(413, "The request body is larger than the desk accepts"),
        ]
    if writes or proposer:
        # Every write without a staff token is counted per client (shared/edge.py): on a
        # staff route, one that comes too often without a token is told to wait too.
        answers.append(
            Answer(
                429,
                "Too many requests without a staff token from this client; try again later"
                if staff
                else "Too many requests from this client; try again later",
                {
                    "Retry-After": {
                        "schema": {"type": "integer"},
                        "description": "Seconds to wait before trying again",
                    }
                },
            )
        )
    return answers


def _declare(operation: dict[str, Any], answers: list[Answer]) -> None:
    """Merge the derived answers into an operation's responses; what the router declared
    for a status (its description, its content) wins, except FastAPI's own 422 schema,
    which the common error shape replaces."""
    responses: dict[str, Any] = operation.setdefault("responses", {})
    descriptions: dict[int, list[str]] = {}
    headers: dict[int, dict[str, Any]] = {}
    contents: dict[int, dict[str, Any]] = {}
    for answer in answers:
        descriptions.setdefault(answer.status, []).append(answer.description)
        headers.setdefault(answer.status, {}).update(answer.headers)
        contents[answer.status] = answer.content
    for status in sorted(descriptions):
        declared = responses.setdefault(str(status), {})
        if declared.get("content") == FASTAPI_422_CONTENT:
            declared.clear()
        declared.setdefault("description", "; ".join(descriptions[status]))
        declared.setdefault("content", copy.deepcopy(contents[status]))
        if headers[status]:
            declared.setdefault("headers", headers[status])
    operation["responses"] = dict(sorted(responses.items()))


# Answers of routes built where derivation cannot see them: readiness answers 503 in its
# own shape when the store or the broker cannot be used (shared/web.py `health_router`).
ELSEWHERE: dict[str, dict[int, dict[str, Any]]] = {
    "/readyz": {
        503: {
            "description": "Not ready: the store or the broker cannot be used",
            "content": {
                "application/json": {
                    "schema": {
                        "type": "object",
                        "properties": {
                            "status": {"type": "string", "const": "unavailable"},
                            "reason": {"type": "string"},
                        },
                        "required": ["status", "reason"],
                    }
                }
            },
        }
    }
}


def _error_schemas() -> dict[str, Any]:
    schemas: dict[str, Any] = {}
    for model in (ErrorAnswer,):
        schema = model.model_json_schema(ref_template=COMPONENTS + "{model}", mode="serialization")
        schemas.update(schema.pop("$defs", {}))
        schemas[model.__name__] = schema
    return schemas


def _api_routes(app: FastAPI) -> Iterator[Any]:
    """The app's API routes with their full paths. Newer FastAPI keeps included routers
    whole and tells their routes through `iter_route_contexts`; older FastAPI copies them
    into `app.routes`."""
    contexts = getattr(fastapi.routing, "iter_route_contexts", None)
    routes: Iterable[Any] = contexts(app.routes) if contexts else app.routes
    for route in routes:
        if (
            isinstance(getattr(route, "original_route", route), APIRoute)
            and route.include_in_schema
        ):
            yield route


def document_answers(app: FastAPI) -> None:
    """Have the app's OpenAPI document every refusal of every route (see the module's
    docstring), in the one error shape."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        schema = generate()
        paths: dict[str, Any] = schema.get("paths", {})
        for route in _api_routes(app):
            for method in route.methods:
                operation = paths.get(route.path_format, {}).get(method.lower())
                if operation is not None:
                    _declare(operation, answers_of(route))
        for path, answers in ELSEWHERE.items():
            for operation in paths.get(path, {}).values():
                for status, answer in answers.items():
                    operation.setdefault("responses", {}).setdefault(str(status), answer)
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        components.update(_error_schemas())
        if "HTTPValidationError" not in json.dumps(paths):
            components.pop("HTTPValidationError", None)
            components.pop("ValidationError", None)
        return schema

    app.openapi = openapi  # type: ignore[method-assign]  # FastAPI's documented extension point
