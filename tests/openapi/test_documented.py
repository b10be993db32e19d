"""What a client reads in a service's OpenAPI: every refusal a route can answer, in the
one error shape, and the rules the request bodies follow."""

from __future__ import annotations

from typing import Any

from services.registry import SERVICES
from tests.openapi.apps import service_app

ERROR = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorAnswer"}}}


def responses(service: str, method: str, path: str) -> dict[str, Any]:
    answers: dict[str, Any] = service_app(service).openapi()["paths"][path][method]["responses"]
    return answers


def test_staff_routes_document_401_and_403_and_writes_409_and_422() -> None:
    screening = responses(
        "intake",
        "post",
        "/api/v1/municipalities/{municipality}/desk/proposals/{proposal_id}/screening",
    )
    assert set(screening) == {
        *("200", "400", "401", "403", "404", "409", "413", "422", "429", "503"),
    }
    assert all(
        screening[status]["content"] == ERROR
        for status in ("401", "403", "404", "409", "422", "503")
    )
    assert "WWW-Authenticate" in screening["401"]["headers"]
    # A write without a staff token is counted per client like any anonymous one.
    assert "without a staff token" in screening["429"]["description"]
    inbox = responses("intake", "get", "/api/v1/municipalities/{municipality}/desk/proposals")
    assert "429" not in inbox
    # The identity provider unreachable for the token's keys: retry, not sign in again.
    assert "Retry-After" in screening["503"]["headers"]
    assert "identity_provider_unavailable" in screening["503"]["description"]


def test_proposer_routes_document_the_status_token_and_the_rate_limit() -> None:
    withdrawal = responses("intake", "post", "/api/v1/proposer/proposals/{proposal_id}/withdrawal")
    assert {"401", "404", "409", "422", "429"} <= set(withdrawal)
    assert "status token" in withdrawal["401"]["description"]
    assert "Retry-After" in withdrawal["429"]["headers"]
    status = responses("intake", "get", "/api/v1/proposer/proposals/{proposal_id}")
    assert set(status) == {"200", "401", "404", "410", "422", "429"}


def test_what_a_router_declares_wins_over_what_is_derived() -> None:
    submission = responses("intake", "post", "/api/v1/municipalities/{municipality}/proposals")
    assert submission["409"]["description"] == "The theme's call is closed"
    assert submission["409"]["content"] == ERROR
    assert submission["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/SubmissionReceipt"
    }


def test_public_reads_document_only_what_they_answer() -> None:
    assert set(
        responses("routing", "get", "/api/v1/municipalities/{municipality}/departments")
    ) == {
        "200",
        "404",
        "422",
    }
    assert set(responses("intake", "get", "/healthz")) == {"200"}
    assert set(responses("intake", "get", "/readyz")) == {"200", "503"}


def test_every_service_has_one_error_shape_and_no_fastapi_default() -> None:
    for service in SERVICES:  # implementation too
        schemas = service_app(service).openapi()["components"]["schemas"]
        assert schemas["ErrorItem"]["required"] == ["loc", "msg"]
        assert "HTTPValidationError" not in schemas


def test_the_rules_of_the_request_bodies_are_in_the_schema() -> None:
    schemas = service_app("intake").openapi()["components"]["schemas"]
    submission = schemas["ProposalSubmission"]
    assert submission["if"] == {"properties": {"channel": {"const": "theme"}}}
    assert submission["then"]["required"] == ["theme_number"]
    assert schemas["Screening"]["then"]["properties"]["reasons"] == {"minItems": 1}
    assert "closes_on is on or after opens_on" in schemas["ThemeDraft"]["description"]
    section = service_app("publication").openapi()["components"]["schemas"]["SectionIn"]
    assert section["properties"]["protected"]["type"] == "boolean"
