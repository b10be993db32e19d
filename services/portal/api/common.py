"""What the portal's routers share: the services' client, the city, the answers every
page may give (not found, form expired)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request, Response

from services.portal.backends import Backends as BackendsClient
from services.portal.pages import Page
from shared import csrf
from shared.municipalities import municipalities


async def get_backends(request: Request) -> BackendsClient:
    backends: BackendsClient = request.app.state.backends
    return backends


Backends = Annotated[BackendsClient, Depends(get_backends)]


def with_city(page: Page, code: str) -> bool:
    """Whether the desk serves this city; the page then speaks of it."""
    city = municipalities().get(code)
    page.city = city
    return city is not None


def not_found(page: Page) -> Response:
    return page.render("not_found.html", status_code=404)


def form_expired(page: Page) -> Response:
    """A POST whose form token is missing or wrong: another site's form, or an old page."""
    return page.render("expired.html", status_code=403)


def form_token_ok(request: Request, field: object) -> bool:
    """Whether a POST carries the form token its cookie holds (shared.csrf)."""
    tokens: csrf.CsrfTokens = request.app.state.csrf
    return tokens.accepts(
        request.cookies.get(csrf.COOKIE), field if isinstance(field, str) else None
    )
