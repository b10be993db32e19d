"""Finding 5: every response of every service and of the portal carries the browser protections; what a
proposer or staff member sees is never cached; /metrics can be closed with a token."""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path

import httpx
import pytest

from services.registry import PROCESSES
from tests.conftest import NAGASAKI_DESK, MovableClock, bearer
from tests.edge.desk import portal_beside, running, service_app, serving
from tests.factories import free_proposal_body
from tests.portal.harness import portal_app
from tests.running import serving as serving_app

EVERY_RESPONSE = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}


def policy(response: httpx.Response) -> dict[str, list[str]]:
    directives = [d.strip() for d in response.headers["Content-Security-Policy"].split(";")]
    return {d.split()[0]: d.split()[1:] for d in directives if d}


def sha256_source(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


@pytest.mark.parametrize("service", list(PROCESSES))  # the services and the portal
@pytest.mark.parametrize("path", ["/healthz", "/readyz", "/no/such/page", "/openapi.json"])
async def test_every_response_carries_the_browser_protections(
    service: str, path: str, tmp_path: Path
) -> None:
    async with serving(service, tmp_path) as client:
        response = await client.get(path)
    for header, value in EVERY_RESPONSE.items():
        assert response.headers[header] == value
    directives = policy(response)
    assert directives["default-src"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["base-uri"] == ["'none'"]
    assert directives["form-action"] == ["'self'"]  # a form posts to its own service only


async def test_a_page_may_use_only_its_own_styles_and_scripts(tmp_path: Path) -> None:
    """The portal is the one web front (DESIGN.md §9); its terms page calls no service."""
    nowhere = httpx.MockTransport(lambda request: httpx.Response(503))
    app = portal_app({}, tmp_path, MovableClock(), transports={"all://": nowhere})
    async with serving_app(app) as client:
        response = await client.get("/nagasaki/terms")
    assert response.status_code == 200
    (style,) = re.findall(r"<style>(.*?)</style>", response.text, flags=re.S)
    directives = policy(response)
    # The layout's inline style and the service's own stylesheets; nothing from elsewhere.
    assert directives["style-src"] == ["'self'", sha256_source(style)]
    # Scripts only from the service's own files: no inline script, nothing from elsewhere.
    assert directives["script-src"] == ["'self'"] and directives["connect-src"] == ["'self'"]
    assert "<script>" not in response.text
    assert directives["form-action"] == ["'self'"] and directives["frame-ancestors"] == ["'none'"]


@pytest.mark.parametrize(
    ("service", "page"), [("intake", "/"), ("publication", "/register/nagasaki")]
)
async def test_the_old_pages_redirect_with_the_browser_protections(
    service: str, page: str, tmp_path: Path
) -> None:
    async with serving(service, tmp_path) as client:
        response = await client.get(page)
    assert response.status_code == 308
    for header, value in EVERY_RESPONSE.items():
        assert response.headers[header] == value


async def test_the_api_docs_may_load_swagger_ui_from_its_cdn_and_nothing_else(
    tmp_path: Path,
) -> None:
    async with serving("intake", tmp_path) as client:
        response = await client.get("/docs")
    assert response.status_code == 200
    directives = policy(response)
    inline = re.findall(r"<script>(.*?)</script>", response.text, flags=re.S)
    assert inline, "the docs page starts Swagger UI with an inline script"
    assert set(directives["script-src"]) == {
        "https://cdn.jsdelivr.net",
        *(sha256_source(script) for script in inline),
    }
    assert directives["connect-src"] == ["'self'"]  # it fetches /openapi.json, nothing else
    assert directives["frame-ancestors"] == ["'none'"]
    assert response.headers["X-Frame-Options"] == "DENY"


async def test_what_a_proposer_or_the_desk_sees_is_never_cached(tmp_path: Path) -> None:
    async with serving("intake", tmp_path) as client:
        receipt = await client.post(
            "/api/v1/municipalities/nagasaki/proposals", json=free_proposal_body()
        )
        pid, token = receipt.json()["proposal_id"], receipt.json()["status_token"]
        answers = {
            "receipt": receipt,
            "status API": await client.get(f"/api/v1/proposer/proposals/{pid}?token={token}"),
            "status page": await client.get(f"/status/{pid}", params={"token": token}),
            "wrong token": await client.get(f"/status/{pid}", params={"token": "nope"}),
            "desk inbox": await client.get(
                "/api/v1/municipalities/nagasaki/desk/proposals", headers=bearer(NAGASAKI_DESK)
            ),
        }
        public = await client.get("/api/v1/municipalities/nagasaki/themes")
    for what, response in answers.items():
        assert response.headers.get("Cache-Control") == "no-store", what
    assert "Cache-Control" not in public.headers


async def test_metrics_are_open_when_no_token_is_configured(tmp_path: Path) -> None:
    async with serving("routing", tmp_path) as client:
        response = await client.get("/metrics")
    assert response.status_code == 200
    assert "kyoso_http_requests_total" in response.text


@pytest.mark.parametrize("service", list(PROCESSES))
async def test_metrics_need_the_metrics_token_when_one_is_configured(
    service: str, tmp_path: Path
) -> None:
    token = "metrics-" + "m" * 24
    async with serving(service, tmp_path, metrics_token=token) as client:
        without = await client.get("/metrics")
        wrong = await client.get("/metrics", headers=bearer("metrics-" + "x" * 24))
        staff = await client.get("/metrics", headers=bearer(NAGASAKI_DESK))
        right = await client.get("/metrics", headers=bearer(token))
    for refused in (without, wrong, staff):
        assert refused.status_code == 401
        assert refused.headers["WWW-Authenticate"] == "Bearer"
        assert refused.json()["detail"][0]["loc"] == ["header", "Authorization"]
    assert right.status_code == 200 and "kyoso_http_requests_total" in right.text


async def test_an_unexpected_error_is_answered_with_the_protections_too(tmp_path: Path) -> None:
    app = service_app("routing", tmp_path)

    def broken() -> None:
        raise RuntimeError("a bug")

    app.add_api_route("/broken", broken)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with (
        running(app),
        httpx.AsyncClient(transport=transport, base_url="http://desk.test") as client,
    ):
        response = await client.get("/broken")
    assert response.status_code == 500
    assert response.text == "Internal Server Error"
    for header, value in EVERY_RESPONSE.items():
        assert response.headers[header] == value


async def test_every_kind_of_portal_answer_carries_the_protections(tmp_path: Path) -> None:
    """The portal's pages, its redirects and its refusals, as a browser meets them."""
    unknown = "/status/0a6b0000-0000-4000-8000-000000000000"
    async with portal_beside(tmp_path, rate_limit_per_minute=0.6, rate_limit_burst=1) as (
        portal,
        _,
    ):
        answers = {
            "front page": await portal.get("/"),
            "a city's desk": await portal.get("/nagasaki"),
            "the proposal form": await portal.get("/nagasaki/propose/free"),
            "no such page": await portal.get("/nowhere/at/all"),
            "a status page without its link": await portal.get(unknown),
            "a console, not signed in": await portal.get("/staff"),
            "a form without its form token": await portal.post("/nagasaki/status-link"),
            "a form too often": await portal.post("/nagasaki/status-link"),
            "a body too large": await portal.post(
                "/nagasaki/propose/free", content=b"x" * (13 * 1024 * 1024)
            ),
        }
    assert answers["a form too often"].status_code == 429
    assert answers["a body too large"].status_code == 413
    assert answers["a console, not signed in"].status_code == 303
    for what, response in answers.items():
        for header, value in EVERY_RESPONSE.items():
            assert response.headers.get(header) == value, what
        assert policy(response)["frame-ancestors"] == ["'none'"], what
    for private in ("a status page without its link", "a form too often"):
        assert answers[private].headers["Cache-Control"] == "no-store", private


async def test_nothing_under_the_staff_consoles_is_cached(tmp_path: Path) -> None:
    """The consoles' answers are personal data and the city's internal record, whatever
    page or redirect answers (a console to come, a download) and whether signed in or not."""
    async with portal_beside(tmp_path) as (portal, _):
        answers = {
            "the consoles' landing": await portal.get("/staff"),
            "the sign-in": await portal.get("/staff/sign-in"),
            "no such console page": await portal.get("/staff/no/such/page"),
        }
        public = await portal.get("/nagasaki")
    for what, response in answers.items():
        assert response.headers.get("Cache-Control") == "no-store", what
    assert "Cache-Control" not in public.headers
