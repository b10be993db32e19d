"""Staff sign in at the city's OpenID Connect provider: authorization code with PKCE.

GET /staff/sign-in sends the browser to the provider with a fresh state, nonce and PKCE
verifier, which travel in a short-lived cookie sealed with the portal's session key (no
server store: any replica finishes the sign-in). GET /staff/callback checks the state,
exchanges the code, verifies the ID token (issuer, client, nonce) and reads the access
token with the same verifier the services use (shared.identity), then keeps the person in
the staff cookie (staff_session) and goes back to the page asked for — only ever a path
of this portal. POST /staff/sign-out (a form with the CSRF token) forgets the person and
ends the provider's session too when it offers RP-initiated logout.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import secrets
import time
from datetime import UTC, datetime
from typing import Any, get_args
from urllib.parse import urlencode

import httpx
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse

from services.portal.api.common import form_expired, form_token_ok
from services.portal.pages import Page, PageOf, PortalRoute
from services.portal.settings import PortalSettings
from services.portal.staff_session import (
    SignedIn,
    SignedInStaff,
    StaffConsoleRole,
    StaffSessions,
    forget,
    remember,
)
from shared import csrf
from shared.i18n import N_
from shared.identity import ProviderUnavailable, TokenRefused, TokenVerifier
from shared.municipalities import municipalities

router = APIRouter(route_class=PortalRoute, include_in_schema=False)

TRANSACTION_COOKIE = "kyoso_sign_in"
TRANSACTION_SECONDS = 600  # time to sign in at the provider
CALLBACK = "/staff/callback"
SIGNED_OUT = "/staff/signed-out"
CONSOLES: dict[str, list[tuple[str, str]]] = {
    # (path, label) of the consoles each role works in (built beside this page).
    "desk": [("/staff/desk", N_("Desk console"))],
    "department": [("/staff/department", N_("Department console"))],
    "council": [("/staff/council", N_("Council console"))],
    "auditor": [("/staff/audit", N_("Audit"))],
}
ROLE_LABELS = {
    "desk": N_("Desk officer"),
    "department": N_("Department officer"),
    "council": N_("Council member"),
    "auditor": N_("Auditor"),
}


def safe_next(path: str | None) -> str:
    """Only a path on this portal: never another site (`//evil`, `/\\evil`, `https:`)."""
    if not path or not path.startswith("/") or path.startswith(("//", "/\\")):
        return "/staff"
    if any(c in path for c in "\r\n\\") or ":" in path.split("?")[0]:
        return "/staff"
    return path


def _transaction_key(request: Request) -> bytes:
    sessions: StaffSessions = request.app.state.staff_sessions
    return sessions.derived_key("sign-in transaction")


def _seal(key: bytes, values: dict[str, Any]) -> str:
    body = base64.urlsafe_b64encode(json.dumps(values).encode()).decode()
    return f"{body}.{hmac.new(key, body.encode(), hashlib.sha256).hexdigest()}"


def _open(key: bytes, sealed: str | None) -> dict[str, Any] | None:
    if not sealed:
        return None
    body, _, signature = sealed.rpartition(".")
    expected = hmac.new(key, body.encode(), hashlib.sha256).hexdigest()
    if not body or not hmac.compare_digest(expected.encode(), signature.encode()):
        return None
    try:
        values: dict[str, Any] = json.loads(base64.urlsafe_b64decode(body))
    except ValueError:
        return None
    return values if values.get("expires", 0) > time.time() else None


def _verifier(request: Request) -> TokenVerifier | None:
    verifier: TokenVerifier | None = request.app.state.staff_verifier
    return verifier


def verifier_for(settings: PortalSettings) -> TokenVerifier | None:
    return settings.token_verifier(roles=get_args(StaffConsoleRole))


def _problem(page: Page, status_code: int, what: str) -> Response:
    # The page's own links (the language switch) must not repeat the callback's query:
    # a code or whatever the provider said stays out of the page.
    page.query = {}
    response = page.render("staff_sign_in_problem.html", status_code=status_code, problem=what)
    response.headers["Cache-Control"] = "no-store"
    return response


def _provider_down(page: Page, unavailable: ProviderUnavailable) -> Response:
    """The provider cannot be reached: nobody can sign in now; say so, and when to retry."""
    response = _problem(page, 503, page.gettext("The identity provider does not answer."))
    response.headers["Retry-After"] = str(unavailable.retry_after_seconds)
    return response


@router.get("/staff/sign-in")
async def sign_in(request: Request, page: PageOf, next: str = "/staff") -> Response:
    settings: PortalSettings = request.app.state.settings
    verifier = _verifier(request)
    if verifier is None:
        return _problem(page, 503, page.gettext("Staff sign-in is not set up on this portal."))
    try:
        metadata = await asyncio.to_thread(verifier.provider_metadata)
    except ProviderUnavailable as unavailable:
        return _provider_down(page, unavailable)
    except TokenRefused:
        return _problem(page, 502, page.gettext("The identity provider does not answer."))
    state, nonce = secrets.token_urlsafe(24), secrets.token_urlsafe(24)
    code_verifier = secrets.token_urlsafe(48)
    query = {
        "response_type": "code",
        "client_id": settings.portal_oidc_client_id,
        "redirect_uri": f"{settings.portal_oidc_redirect_base_url}{CALLBACK}",
        "scope": settings.portal_oidc_scope,
        "state": state,
        "nonce": nonce,
        "code_challenge": create_s256_code_challenge(code_verifier),
        "code_challenge_method": "S256",
        "resource": settings.oidc_audience,
        "ui_locales": page.language,
    }
    response = RedirectResponse(f"{metadata['authorization_endpoint']}?{urlencode(query)}", 303)
    sealed = _seal(
        _transaction_key(request),
        {
            "state": state,
            "nonce": nonce,
            "verifier": code_verifier,
            "next": safe_next(next),
            "expires": time.time() + TRANSACTION_SECONDS,
        },
    )
    # SameSite=Lax: the provider's redirect back is a top-level GET from its site.
    response.set_cookie(
        TRANSACTION_COOKIE,
        sealed,
        max_age=TRANSACTION_SECONDS,
        path=CALLBACK,
        httponly=True,
        secure=page.secure,
        samesite="lax",
    )
    page.apply_cookies(response)
    return response


@router.get(CALLBACK)
async def callback(
    request: Request,
    page: PageOf,
    code: str = "",
    state: str = "",
    error: str = "",
) -> Response:
    settings: PortalSettings = request.app.state.settings
    verifier = _verifier(request)
    if verifier is None:
        return _problem(page, 503, page.gettext("Staff sign-in is not set up on this portal."))
    transaction = _open(_transaction_key(request), request.cookies.get(TRANSACTION_COOKIE))
    if error:
        # e.g. access_denied: the person cancelled, or the provider refused them.
        return _problem(
            page, 400, page.gettext("The identity provider did not sign you in. Please try again.")
        )
    if (
        transaction is None
        or not state
        or not hmac.compare_digest(str(transaction["state"]).encode(), state.encode())
        or not code
    ):
        return _problem(
            page,
            400,
            page.gettext("This sign-in has expired or was not started here. Please start again."),
        )
    try:
        tokens = await _exchange(settings, verifier, code, str(transaction["verifier"]))
        claims = await asyncio.to_thread(
            verifier.verify_id_token,
            str(tokens["id_token"]),
            settings.portal_oidc_client_id,
            str(transaction["nonce"]),
        )
        staff = await asyncio.to_thread(verifier.verify, str(tokens["access_token"]))
    except ProviderUnavailable as unavailable:
        return _provider_down(page, unavailable)
    except (httpx.HTTPError, TokenRefused, KeyError, ValueError):
        return _problem(
            page,
            502,
            page.gettext("The sign-in could not be completed with the identity provider."),
        )
    if claims["sub"] != staff.subject or staff.municipality not in municipalities():
        return _problem(page, 403, page.gettext("This account is not staff of a desk we serve."))
    signed_in = SignedInStaff(
        access_token=str(tokens["access_token"]),
        subject=staff.subject,
        name=staff.name or str(claims.get("name") or staff.subject),
        role=staff.role,  # the verifier checked it is one of the console roles
        municipality=staff.municipality,
        department=staff.department,
        expires_at=datetime.fromtimestamp(int(staff.claims["exp"]), UTC),
    )
    response = RedirectResponse(safe_next(str(transaction.get("next"))), 303)
    remember(response, request.app.state.staff_sessions, signed_in, secure=page.secure)
    response.delete_cookie(TRANSACTION_COOKIE, path=CALLBACK)
    page.apply_cookies(response)
    return response


async def _exchange(
    settings: PortalSettings, verifier: TokenVerifier, code: str, code_verifier: str
) -> dict[str, Any]:
    metadata = await asyncio.to_thread(verifier.provider_metadata)
    async with httpx.AsyncClient(timeout=settings.portal_backend_timeout_seconds) as client:
        answer = await client.post(
            str(metadata["token_endpoint"]),
            data={
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": f"{settings.portal_oidc_redirect_base_url}{CALLBACK}",
                "code_verifier": code_verifier,
                "resource": settings.oidc_audience,
            },
            auth=(settings.portal_oidc_client_id, settings.portal_oidc_client_secret),
        )
    answer.raise_for_status()
    tokens: dict[str, Any] = answer.json()
    return tokens


@router.get("/staff")
async def landing(staff: SignedIn, page: PageOf) -> Response:
    city = municipalities()[staff.municipality]
    page.city = None
    response = page.render(
        "staff.html",
        staff=staff,
        city_name=page.city_name(city),
        consoles=CONSOLES.get(staff.role, []),
        role_label=ROLE_LABELS[staff.role],
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@router.post("/staff/sign-out")
async def sign_out(request: Request, page: PageOf) -> Response:
    form = await request.form()
    if not form_token_ok(request, form.get(csrf.FIELD)):
        return form_expired(page)
    settings: PortalSettings = request.app.state.settings
    target = page.url(SIGNED_OUT)
    verifier = _verifier(request)
    if verifier is not None:
        try:
            metadata = await asyncio.to_thread(verifier.provider_metadata)
        except (TokenRefused, ProviderUnavailable):
            metadata = {}
        end_session = metadata.get("end_session_endpoint")
        if end_session:
            # RP-initiated logout: the provider ends its session too, then sends back here.
            target = f"{end_session}?" + urlencode(
                {
                    "client_id": settings.portal_oidc_client_id,
                    "post_logout_redirect_uri": (
                        f"{settings.portal_oidc_redirect_base_url}{SIGNED_OUT}"
                    ),
                    "ui_locales": page.language,
                }
            )
    response = RedirectResponse(target, 303)
    forget(response)
    page.apply_cookies(response)
    return response


@router.get(SIGNED_OUT)
async def signed_out(page: PageOf) -> Response:
    return page.render("staff_signed_out.html")
