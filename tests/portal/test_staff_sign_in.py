"""Staff sign-in at the portal against the real local OpenID Connect provider: the
authorization code flow with PKCE as HTTP sees it, and every way it can go wrong."""

from __future__ import annotations

import re
import secrets
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from services.portal.api.staff_sign_in import safe_next
from services.portal.service import PORTAL
from services.portal.staff_session import COOKIE as STAFF_COOKIE
from shared.broker import free_port
from shared.service import create_app
from tests.conftest import MovableClock
from tests.oidc import (
    PORTAL_BASE,
    PORTAL_CLIENT_ID,
    PORTAL_CLIENT_SECRET,
    RunningIdp,
    idp,  # noqa: F401  (the fixture)
    password_of,
)
from tests.portal.harness import Html, portal_settings
from tests.running import serving

UNUSED = {name: "http://127.0.0.1:9" for name in ("intake", "routing", "publication")}


def signing_in_portal_settings(data: Path, issuer: str, **overrides: Any) -> Any:
    return portal_settings(
        data,
        UNUSED,
        portal_public_base_url=PORTAL_BASE,
        oidc_issuer=issuer,
        portal_oidc_client_id=PORTAL_CLIENT_ID,
        portal_oidc_client_secret=PORTAL_CLIENT_SECRET,
        portal_session_key=secrets.token_urlsafe(32),
        **overrides,
    )


@pytest.fixture
async def portal(
    idp: RunningIdp,  # noqa: F811
    tmp_path: Path,
) -> AsyncIterator[httpx.AsyncClient]:
    settings = signing_in_portal_settings(tmp_path, idp.issuer)
    app = create_app(PORTAL, settings, clock=MovableClock())
    async with serving(app, PORTAL_BASE) as client:
        yield client


def test_only_a_path_of_the_portal_is_a_place_to_go_back_to() -> None:
    assert safe_next("/staff/desk?status=received") == "/staff/desk?status=received"
    for elsewhere in ("//evil.example/x", "https://evil.example", "/\\evil.example", "", None):
        assert safe_next(elsewhere) == "/staff"
    assert safe_next("/staff\r\nSet-Cookie: x=1") == "/staff"


async def test_a_console_page_sends_whoever_is_not_signed_in_to_the_sign_in(
    portal: httpx.AsyncClient,
) -> None:
    response = await portal.get("/staff")
    assert response.status_code == 303
    assert response.headers["location"] == "/staff/sign-in?next=/staff"


async def test_the_sign_in_goes_to_the_provider_with_pkce_state_and_nonce(
    idp: RunningIdp,  # noqa: F811
    portal: httpx.AsyncClient,
) -> None:
    response = await portal.get("/staff/sign-in", params={"next": "/staff/desk"})
    assert response.status_code == 303
    target = urlsplit(response.headers["location"])
    assert f"{target.scheme}://{target.netloc}" == idp.issuer
    query = {k: v[0] for k, v in parse_qs(target.query).items()}
    assert query["code_challenge_method"] == "S256" and len(query["code_challenge"]) == 43
    assert query["redirect_uri"] == f"{PORTAL_BASE}/staff/callback"
    assert len(query["state"]) >= 32 and len(query["nonce"]) >= 32
    cookie = response.headers["set-cookie"]
    assert "kyoso_sign_in=" in cookie and "Path=/staff/callback" in cookie
    assert "HttpOnly" in cookie and query["state"] not in cookie  # sealed, not readable


async def _signed_in_through_the_provider(
    portal: httpx.AsyncClient, login: str, next_path: str = "/staff"
) -> httpx.Response:
    """The whole code flow as a browser does it, the login form filled in at the provider."""
    started = await portal.get("/staff/sign-in", params={"next": next_path})
    async with httpx.AsyncClient(follow_redirects=False, timeout=10) as browser:
        at_provider = await browser.get(started.headers["location"])
        while at_provider.status_code in (302, 303):
            at_provider = await browser.get(
                httpx.URL(str(at_provider.url)).join(at_provider.headers["location"])
            )
        form_action = re.search(r'action="([^"]+)"', at_provider.text)
        assert form_action, at_provider.text
        answer = await browser.post(
            httpx.URL(str(at_provider.url)).join(form_action.group(1)),
            data={"login": login, "password": password_of(login)},
        )
        while not str(answer.headers.get("location", "")).startswith(PORTAL_BASE):
            assert answer.status_code in (302, 303), answer.text
            answer = await browser.get(httpx.URL(str(answer.url)).join(answer.headers["location"]))
        back = answer.headers["location"]
    return await portal.get(back.removeprefix(PORTAL_BASE))


async def test_a_department_officer_signs_in_and_sees_who_they_are(
    idp: RunningIdp,  # noqa: F811
    portal: httpx.AsyncClient,
) -> None:
    back = await _signed_in_through_the_provider(portal, "nagasaki-machizukuri", "/staff?x=1")
    assert back.status_code == 303 and back.headers["location"] == "/staff?x=1"
    assert STAFF_COOKIE in portal.cookies
    landing = Html((await portal.get("/staff")).text)
    person = idp.staff["nagasaki-machizukuri"]
    assert f"{person.name} としてサインインしています" in landing.text
    assert "所管課の担当者" in landing.text and "長崎市" in landing.text
    assert f"{PORTAL_BASE}/staff/department" in landing.links()
    english = Html((await portal.get("/staff", params={"lang": "en"})).text)
    assert f"Signed in as {person.name}" in english.text and "Department officer" in english.text


async def test_signing_out_needs_the_form_token_and_ends_the_providers_session(
    idp: RunningIdp,  # noqa: F811
    portal: httpx.AsyncClient,
) -> None:
    await _signed_in_through_the_provider(portal, "nagasaki-desk")
    forged = await portal.post("/staff/sign-out", data={})
    assert forged.status_code == 403 and STAFF_COOKIE in portal.cookies
    landing = Html((await portal.get("/staff")).text)
    out = await portal.post("/staff/sign-out", data=landing.form_values())
    assert out.status_code == 303
    assert out.headers["location"].startswith(f"{idp.issuer}/session/end?")
    assert "post_logout_redirect_uri" in out.headers["location"]
    assert STAFF_COOKIE not in portal.cookies
    assert (await portal.get("/staff")).status_code == 303


@pytest.mark.parametrize(
    ("query", "says"),
    [
        (
            {"error": "access_denied", "error_description": "<b>secret-detail</b>"},
            "認証サーバーでサインインできませんでした",
        ),
        ({"code": "abc", "state": "not-the-one"}, "このサインインは期限切れか"),
        ({}, "このサインインは期限切れか"),
    ],
)
async def test_a_failed_callback_is_a_clear_page_that_echoes_nothing(
    portal: httpx.AsyncClient, query: dict[str, str], says: str
) -> None:
    await portal.get("/staff/sign-in")  # a sign-in under way, with its cookie
    response = await portal.get("/staff/callback", params=query)
    assert response.status_code == 400
    page = Html(response.text)
    assert says in page.text
    assert "secret-detail" not in response.text and "not-the-one" not in response.text
    assert STAFF_COOKIE not in portal.cookies


async def test_a_provider_that_does_not_answer_is_said_so(tmp_path: Path) -> None:
    settings = signing_in_portal_settings(tmp_path, f"http://127.0.0.1:{free_port()}")
    app = create_app(PORTAL, settings, clock=MovableClock())
    async with serving(app, PORTAL_BASE) as client:
        response = await client.get("/staff/sign-in")
    # Nobody can sign in while the provider is down: 503, and when to try again.
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert (
        "認証サーバーが応答しません。しばらくしてからお試しください。" in Html(response.text).text
    )


async def test_without_a_provider_the_sign_in_says_it_is_not_set_up(tmp_path: Path) -> None:
    settings = signing_in_portal_settings(tmp_path, "")
    app = create_app(PORTAL, settings, clock=MovableClock())
    async with serving(app, PORTAL_BASE) as client:
        response = await client.get("/staff/sign-in")
    assert response.status_code == 503
