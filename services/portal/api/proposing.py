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
from starlette.datastructures import UploadFile

from services.portal.api.common import Backends, form_expired, form_token_ok, not_found, with_city
from services.portal.api.proposer import remember_status_token
from services.portal.backends import Backends as BackendsClient
from services.portal.backends import Refused
from services.portal.forms import (
    CHANNEL_DESCRIPTIONS,
    CHANNEL_NAMES,
    CONTENT_HINTS,
    DOCUMENT_FIELD,
    DOCUMENT_KEPT,
    KIND_NAMES,
    SCOPE_NAMES,
    FieldError,
    body_of,
    channels_of,
    errors_of,
    shown_fields,
    values_of,
)
from services.portal.pages import Page, PageOf, PortalRoute
from services.portal.terms import TERMS
from services.portal.views import Theme
from shared import csrf

router = APIRouter(route_class=PortalRoute, include_in_schema=False)
CONSENT = "consent"
TERMS_VERSION = "terms_version"
KEY = "idempotency_key"
DOCUMENT_MAX_BYTES = 10 * 1024 * 1024  # intake's limit (services/intake/documents.py)


@router.get("/{city}/propose")
async def channels(city: str, page: PageOf, backends: Backends) -> Response:
    if not with_city(page, city):
        return not_found(page)
    themes = await backends.themes(city)
    assert page.city is not None
    return page.render(
        "propose.html",
        channels=channels_of(page.city),
        channel_names=CHANNEL_NAMES,
        channel_descriptions=CHANNEL_DESCRIPTIONS,
        open_themes=[t for t in themes if t.open],
    )


@router.get("/{city}/propose/{channel}")
async def blank_form(
    city: str, channel: str, page: PageOf, backends: Backends, theme: str = ""
) -> Response:
    if not _offered(page, city, channel):
        return not_found(page)
    values = values_of({"theme_number": theme}, channel)
    return await _form(page, backends, city, channel, values, [])


@router.post("/{city}/propose/{channel}")
async def check(
    city: str, channel: str, request: Request, page: PageOf, backends: Backends
) -> Response:
    """Intake checks the form (and keeps the attached PDF, checking it); the proposer then
    confirms what they are sending."""
    if not _offered(page, city, channel):
        return not_found(page)
    # The form may carry one PDF (the edge lets this route read up to 12 MiB for it).
    form = await request.form()
    if not form_token_ok(request, form.get(csrf.FIELD)):
        return form_expired(page)
    values = values_of(form, channel)
    if form.get("action") == "edit":
        return await _form(page, backends, city, channel, values, [])
    try:
        await _attach(backends, city, form.get(DOCUMENT_FIELD.name), values)
        await backends.check_proposal(city, body_of(channel, values))
    except Refused as refused:
        errors = errors_of(refused.status_code, refused.detail, channel, page.gettext)
        status = 413 if refused.status_code == 413 else 422
        return await _form(page, backends, city, channel, values, errors, status)
    return await _confirmation(page, backends, city, channel, values, secrets.token_hex(16), [])


@router.post("/{city}/propose/{channel}/submission")
async def submit(
    city: str, channel: str, request: Request, page: PageOf, backends: Backends
) -> Response:
    if not _offered(page, city, channel):
        return not_found(page)
    form = await request.form()
    if not form_token_ok(request, form.get(csrf.FIELD)):
        return form_expired(page)
    values = values_of(form, channel)
    key = str(form.get(KEY, ""))
    if len(key) != 32:
        return form_expired(page)
    # The consent goes to intake, which refuses a proposal without it and records the
    # version of the terms consented to (the one this page showed).
    body = body_of(channel, values) | {
        "terms_consent": form.get(CONSENT) == "yes",
        "terms_version": str(form.get(TERMS_VERSION, "")) or None,
    }
    try:
        receipt = await backends.submit_proposal(city, body, key)
    except Refused as refused:
        if _about_consent(refused):
            consent_error = FieldError(
                None,
                page.gettext("Agree to the terms to send the proposal.")
                if refused.status_code == 422
                else page.gettext("The terms have changed. Read them again and agree."),
            )
            return await _confirmation(page, backends, city, channel, values, key, [consent_error])
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


def _offered(page: Page, city: str, channel: str) -> bool:
    """Whether the city's desk offers this channel (pre-consultation only some do)."""
    return with_city(page, city) and page.city is not None and channel in channels_of(page.city)


def _about_consent(refused: Refused) -> bool:
    return any(
        str(part) in ("terms_consent", "terms_version")
        for item in refused.detail
        for part in item.get("loc", [])
    )


async def _attach(
    backends: BackendsClient, city: str, upload: object, values: dict[str, str]
) -> None:
    """Hand a newly chosen PDF to intake, which checks and keeps it; the form then carries
    its reference (a document chosen earlier stays unless a new one replaces it)."""
    if not isinstance(upload, UploadFile) or not upload.filename:
        return
    content = await upload.read(DOCUMENT_MAX_BYTES + 1)
    if len(content) > DOCUMENT_MAX_BYTES:
        # Said on the page in the page's language, without sending the file on.
        raise Refused(413, [{"loc": ["body", "document"], "msg": "larger than 10 MB"}])
    reference = await backends.upload_document(city, upload.filename, content)
    values["document.sha256"] = reference.sha256
    values["document.name"] = reference.name
    values["document.size"] = str(reference.size)


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
    status_code: int = 422,
) -> Response:
    themes = await _themes_to_choose(backends, city, channel, values.get("theme_number", ""))
    response = page.render(
        "form.html",
        status_code=status_code if errors else 200,
        channel=channel,
        channel_name=CHANNEL_NAMES[channel],
        channel_description=CHANNEL_DESCRIPTIONS[channel],
        content_hint=CONTENT_HINTS[channel],
        fields=shown_fields(channel, page.city),
        values=values,
        errors=errors,
        error_of={e.field.name: e.message for e in errors if e.field},
        themes=themes,
        kinds=KIND_NAMES,
        choices={"proposer.kind": KIND_NAMES, "agreement.scope": SCOPE_NAMES},
        document_kept=DOCUMENT_KEPT,
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
        fields=shown_fields(channel, page.city),
        values=values,
        key=key,
        errors=errors,
        theme_titles={str(t.number): t.title for t in themes},
        kinds=KIND_NAMES,
        choices={"proposer.kind": KIND_NAMES, "agreement.scope": SCOPE_NAMES},
        document_kept=DOCUMENT_KEPT,
        terms=TERMS,
        terms_version=page.city.terms_version if page.city else "",
    )
    response.headers["Cache-Control"] = "no-store"
    return response
