"""Every service's OpenAPI against its answers: schemathesis generates requests from each
service's OpenAPI (valid and invalid ones, boundary values included), and every answer
must be no 5xx, a status the OpenAPI documents for the route, in the documented shape.

Each generated request is sent as generated, by a stranger, and again by an insider —
Nagasaki's desk, department or council for staff routes (in turn, until one is let in),
the proposer with the proposal's own status token for proposer routes — in Nagasaki, on
a proposal and a case that exist (where the generated path names well-formed ones), so
the requests reach past authentication into the routers and the applications. The services
run in-process on the memory store, without relay or consumer; the examples are
bounded so the module runs in CI in well under two minutes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from uuid import UUID, uuid4

import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, settings
from schemathesis import Case
from schemathesis.checks import not_a_server_error
from schemathesis.python.asgi import ASGIClient, get_client
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from services.intake.demo_data import load_nagasaki_themes
from services.registry import SERVICES
from shared.consumer import ConsumingApplication
from shared.contract import Envelope
from shared.status_tokens import StatusTokens
from tests.conftest import NAGASAKI_DESK, bearer
from tests.factories import adopted, free_proposal_body, taken_on
from tests.openapi.apps import NAGASAKI_COUNCIL, NAGASAKI_KYOIKU, SECRET_KEY, service_app

INSIDERS = [NAGASAKI_DESK, NAGASAKI_KYOIKU, NAGASAKI_COUNCIL]  # tried in turn until one is let in
CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]
STATUS_TOKENS = StatusTokens(SECRET_KEY.encode())

APPS = {name: service_app(name) for name in SERVICES}
# Schemathesis starts an app's lifespan on its first request and ends it after each test.
SCHEMAS = {name: schemathesis.openapi.from_asgi("/openapi.json", app) for name, app in APPS.items()}


@dataclass
class Records:
    """What exists in one service, for the insider's requests: a value for each path
    parameter (and body field) that names something."""

    path: dict[str, str] = field(default_factory=dict)
    body: dict[str, str] = field(default_factory=dict)


def _hear(app: FastAPI, envelopes: list[Envelope]) -> None:
    application = app.state.application
    assert isinstance(application, ConsumingApplication)
    for envelope in envelopes:
        application.process(envelope)


def _intake(app: FastAPI, client: ASGIClient) -> Records:
    load_nagasaki_themes(app.state.application)
    receipt = client.post("/api/v1/municipalities/nagasaki/proposals", json=free_proposal_body())
    assert receipt.status_code == 201, receipt.text
    return Records({"proposal_id": receipt.json()["proposal_id"], "number": "5"})


def _routing(app: FastAPI, client: ASGIClient) -> Records:
    proposal_id = uuid4()
    _hear(app, taken_on(proposal_id)[:2])  # submitted and accepted: routed to kyoiku
    return Records({"proposal_id": str(proposal_id), "department": "kyoiku"})


def _decision(app: FastAPI, client: ASGIClient) -> Records:
    proposal_id = uuid4()
    _hear(app, taken_on(proposal_id))
    return Records({"proposal_id": str(proposal_id)})


def _publication(app: FastAPI, client: ASGIClient) -> Records:
    with_case, without_case = uuid4(), uuid4()
    for proposal_id in (with_case, without_case):
        _hear(app, [*taken_on(proposal_id), adopted(proposal_id)])
    drafted = client.post(
        "/api/v1/municipalities/nagasaki/desk/cases",
        json={"proposal_id": str(with_case)},
        headers=bearer(NAGASAKI_DESK),
    )
    assert drafted.status_code == 201, drafted.text
    return Records(
        {"proposal_id": str(with_case), "case_id": drafted.json()["case_id"]},
        {"proposal_id": str(without_case)},
    )


def _implementation(app: FastAPI, client: ASGIClient) -> Records:
    proposal_id = uuid4()
    _hear(app, [*taken_on(proposal_id), adopted(proposal_id)])  # a partnership, by kyoiku
    return Records({"proposal_id": str(proposal_id)})


SEEDS = {
    "intake": _intake,
    "routing": _routing,
    "decision": _decision,
    "implementation": _implementation,
    "publication": _publication,
}


@dataclass
class Service:
    """One service under test: its client, and the records of its running application.

    Schemathesis ends an app's lifespan after each test (one per operation), and the
    next request starts a new one on an empty memory store; so the records are made
    again whenever the application is a new one."""

    name: str
    app: FastAPI
    client: ASGIClient
    application: object = None
    records: Records = field(default_factory=Records)

    def running_records(self) -> Records:
        if self.app.state.application is not self.application:
            self.records = SEEDS[self.name](self.app, self.client)
            self.application = self.app.state.application
        return self.records


def entered_client(app: FastAPI) -> ASGIClient:
    """A client that starts the app's lifespan again on its next request when it ended."""
    # schemathesis types an ASGI app's messages as plain dicts, FastAPI as mappings
    return get_client(app).__enter__()  # type: ignore[arg-type]


SERVICES_BY_APP = {id(app): Service(name, app, entered_client(app)) for name, app in APPS.items()}


def _same_kind(generated: object, existing: str) -> bool:
    """Whether `generated` is well-formed like `existing` (a UUID, a number, a name): a
    malformed value is left alone, so it reaches validation as an insider's request."""
    for kind in (UUID, int):
        try:
            kind(existing)
        except ValueError:
            continue
        try:
            kind(str(generated))
        except ValueError:
            return False
        return True
    return isinstance(generated, str)


def _on_existing_records(case: Case[Any], records: Records) -> None:
    """The case, in Nagasaki (where the insiders work) and on the records that exist."""
    parameters = case.path_parameters or {}
    if "municipality" in parameters:
        parameters["municipality"] = "nagasaki"
    for name, value in records.path.items():
        if name in parameters and _same_kind(parameters[name], value):
            parameters[name] = value
    if isinstance(case.body, dict):
        for name, value in records.body.items():
            if name in case.body and _same_kind(case.body[name], value):
                case.body[name] = value


def _proposer_headers(case: Case[Any]) -> dict[str, str]:
    proposal_id = (case.path_parameters or {}).get("proposal_id")
    try:
        return {"X-Status-Token": STATUS_TOKENS.issue(UUID(str(proposal_id)))}
    except ValueError:
        return {}


def _insiders(case: Case[Any]) -> list[dict[str, str]]:
    """The headers of those who may send the request, to try in turn."""
    if case.operation.definition.raw.get("security"):
        return [bearer(token) for token in INSIDERS]
    if "/proposer/" in case.operation.path:
        return [_proposer_headers(case)]
    return [{}]


def _as_insider(case: Case[Any], service: Service) -> None:
    _on_existing_records(case, service.running_records())
    for headers in _insiders(case):
        response = case.call(headers=headers, session=service.client)
        case.validate_response(response, checks=CHECKS)
        if response.status_code != 403:
            return


@schemathesis.pytest.parametrize(**SCHEMAS)
@settings(
    max_examples=10,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_every_answer_is_documented_and_no_request_breaks_a_service(
    case: Case[Any],
) -> None:
    service = SERVICES_BY_APP[id(case.operation.app)]
    case.validate_response(case.call(session=service.client), checks=CHECKS)
    _as_insider(case, service)
