"""A proposer proposes: the form of each channel, its confirmation, consent to the city's
terms, and the receipt.

form (GET) → check (POST: intake checks, nothing is recorded) → confirmation page with
the terms to consent to → submission (POST: intake records, with an Idempotency-Key made
at the confirmation, so sending twice gives one receipt) → receipt page with the private
status link. Every POST carries the signed form token (shared.csrf).
"""

from __future__ import annotations

import secrets

from fastapi import APIRouter, Request, Response

from services.portal.api.common import Backends, form_expired, form_token_ok, not_found, with_city
from services.portal.api.proposer import remember_status_token
from services.portal.backends import Backends as BackendsClient
from services.portal.backends import Refused
from services.portal.forms import (
    CHANNEL_DESCRIPTIONS,
    CHANNEL_NAMES,
    CHANNELS,
    CONTENT_HINTS,
    KIND_NAMES,
    FieldError,
    body_of,
    errors_of,
    fields_of,
    values_of,
)
from services.portal.pages import Page, PageOf, PortalRoute
from services.portal.terms import TERMS
from services.portal.views import Theme
from shared import csrf

router = APIRouter(route_class=PortalRoute, include_in_schema=False)
CONSENT = "consent"
KEY = "idempotency_key"


@router.get("/{city}/propose")
async def channels(city: str, page: PageOf, backends: Backends) -> Response:
    if not with_city(page, city):
        return not_found(page)
    themes = await backends.themes(city)
    return page.render(
        "propose.html",
        channels=CHANNELS,
        channel_names=CHANNEL_NAMES,
        channel_descriptions=CHANNEL_DESCRIPTIONS,
        open_themes=[t for t in themes if t.open],
    )


@router.get("/{city}/propose/{channel}")
async def blank_form(
    city: str, channel: str, page: PageOf, backends: Backends, theme: str = ""
) -> Response:
    if not with_city(page, city) or channel not in CHANNELS:
        return not_found(page)
    values = values_of({"theme_number": theme}, channel)
    return await _form(page, backends, city, channel, values, [])


@router.post("/{city}/propose/{channel}")
async def check(
    city: str, channel: str, request: Request, page: PageOf, backends: Backends
) -> Response:
    """Intake checks the form; the proposer then confirms what they are sending."""
    if not with_city(page, city) or channel not in CHANNELS:
        return not_found(page)
    form = await request.form()
    if not form_token_ok(request, form.get(csrf.FIELD)):
        return form_expired(page)
    values = values_of(form, channel)
    if form.get("action") == "edit":
        return await _form(page, backends, city, channel, values, [])
    try:
        await backends.check_proposal(city, body_of(channel, values))
    except Refused as refused:
        errors = errors_of(refused.status_code, refused.detail, channel, page.gettext)
        return await _form(page, backends, city, channel, values, errors)
    return await _confirmation(page, backends, city, channel, values, secrets.token_hex(16), [])


@router.post("/{city}/propose/{channel}/submission")
async def submit(
    city: str, channel: str, request: Request, page: PageOf, backends: Backends
) -> Response:
    if not with_city(page, city) or channel not in CHANNELS:
        return not_found(page)
    form = await request.form()
    if not form_token_ok(request, form.get(csrf.FIELD)):
        return form_expired(page)
    values = values_of(form, channel)
    key = str(form.get(KEY, ""))
    if len(key) != 32:
        return form_expired(page)
    if form.get(CONSENT) != "yes":
        consent_error = FieldError(None, page.gettext("Agree to the terms to send the proposal."))
        return await _confirmation(page, backends, city, channel, values, key, [consent_error])
    try:
        receipt = await backends.submit_proposal(city, body_of(channel, values), key)
    except Refused as refused:
        # Something changed since the check (a theme's call closed): back to the form.
        errors = errors_of(refused.status_code, refused.detail, channel, page.gettext)
        return await _form(page, backends, city, channel, values, errors)
    remember_status_token(page, receipt.proposal_id, receipt.status_token)
    response = page.render(
        "receipt.html",
        receipt=receipt,
        status_link=page.url(f"/status/{receipt.proposal_id}", token=receipt.status_token),
        channel_name=CHANNEL_NAMES[channel],
    )
    # The page holds the status link: kept out of caches and of any Referer.
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


async def _themes_to_choose(
    backends: BackendsClient, city: str, channel: str, chosen: str
) -> list[Theme]:
    """The open themes; and the chosen one if its call is closed, so that the form shows
    what was chosen beside intake's refusal."""
    if channel != "theme":
        return []
    themes = await backends.themes(city)
    return [t for t in themes if t.open or str(t.number) == chosen]


async def _form(
    page: Page,
    backends: BackendsClient,
    city: str,
    channel: str,
    values: dict[str, str],
    errors: list[FieldError],
) -> Response:
    themes = await _themes_to_choose(backends, city, channel, values.get("theme_number", ""))
    response = page.render(
        "form.html",
        status_code=422 if errors else 200,
        channel=channel,
        channel_name=CHANNEL_NAMES[channel],
        channel_description=CHANNEL_DESCRIPTIONS[channel],
        content_hint=CONTENT_HINTS[channel],
        fields=fields_of(channel),
        values=values,
        errors=errors,
        error_of={e.field.name: e.message for e in errors if e.field},
        themes=themes,
        kinds=KIND_NAMES,
    )
    response.headers["Cache-Control"] = "no-store"
    return response


async def _confirmation(
    page: Page,
    backends: BackendsClient,
    city: str,
    channel: str,
    values: dict[str, str],
    key: str,
    errors: list[FieldError],
) -> Response:
    themes = await _themes_to_choose(backends, city, channel, values.get("theme_number", ""))
    response = page.render(
        "confirm.html",
        status_code=422 if errors else 200,
        channel=channel,
        channel_name=CHANNEL_NAMES[channel],
        fields=fields_of(channel),
        values=values,
        key=key,
        errors=errors,
        theme_titles={str(t.number): t.title for t in themes},
        kinds=KIND_NAMES,
        terms=TERMS,
    )
    response.headers["Cache-Control"] = "no-store"
    return response
