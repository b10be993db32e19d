"""The proposer's own pages, behind the status link: status and history, withdrawal, and
the consultation on the case before it is published.

The status link (`/status/{id}?token=…`) is a credential. On its first use the token moves
into a cookie only this proposal's pages receive (HttpOnly, SameSite=Strict, Path=
/status/{id}) and the browser is sent to the address without it, so the token leaves the
address bar, the history and any Referer. Intake and publication check the token on every
call; the portal keeps nothing.
"""

from __future__ import annotations

import asyncio
from uuid import UUID

from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse

from services.portal.api.common import Backends, form_expired, form_token_ok, not_found
from services.portal.backends import Refused
from services.portal.pages import Page, PageOf, PortalRoute
from shared import csrf

router = APIRouter(route_class=PortalRoute, include_in_schema=False)
STATUS_COOKIE = "kyoso_status"
STATUS_COOKIE_DAYS = 400  # the longest a browser keeps a cookie (RFC 6265bis)


def remember_status_token(page: Page, proposal_id: UUID, token: str) -> None:
    page.set_cookie(
        STATUS_COOKIE,
        token,
        max_age=STATUS_COOKIE_DAYS * 24 * 3600,
        path=f"/status/{proposal_id}",
        same_site="strict",
    )


def _proposal_id(text: str) -> UUID | None:
    try:
        return UUID(text)
    except ValueError:
        return None


def _private(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@router.get("/status/{proposal_id}")
async def status(
    proposal_id: str, request: Request, page: PageOf, backends: Backends, token: str = ""
) -> Response:
    pid = _proposal_id(proposal_id)
    if pid is None:
        return not_found(page)
    if token:
        # First visit with the link: check it, keep it in the cookie, drop it from the address.
        if await backends.my_proposal(pid, token) is None:
            return _private(page.render("status_unknown.html", status_code=404))
        remember_status_token(page, pid, token)
        moved = RedirectResponse(page.url(f"/status/{pid}", **page.query), status_code=303)
        page.apply_cookies(moved)
        return _private(moved)
    remembered = request.cookies.get(STATUS_COOKIE)
    if not remembered:
        return _private(page.render("status_unknown.html", status_code=401))
    proposal, case = await asyncio.gather(
        backends.my_proposal(pid, remembered), backends.my_case(pid, remembered)
    )
    if proposal is None:
        return _private(page.render("status_unknown.html", status_code=404))
    return _private(page.render("status.html", proposal=proposal, case=case))


@router.get("/status/{proposal_id}/withdrawal")
async def withdrawal_form(
    proposal_id: str, request: Request, page: PageOf, backends: Backends
) -> Response:
    pid, token = _proposal_id(proposal_id), request.cookies.get(STATUS_COOKIE)
    if pid is None or not token:
        return _private(page.render("status_unknown.html", status_code=401))
    proposal = await backends.my_proposal(pid, token)
    if proposal is None:
        return _private(page.render("status_unknown.html", status_code=404))
    return _private(page.render("withdraw.html", proposal=proposal, error=None))


@router.post("/status/{proposal_id}/withdrawal")
async def withdraw(
    proposal_id: str, request: Request, page: PageOf, backends: Backends
) -> Response:
    pid, token = _proposal_id(proposal_id), request.cookies.get(STATUS_COOKIE)
    if pid is None or not token:
        return _private(page.render("status_unknown.html", status_code=401))
    form = await request.form()
    if not form_token_ok(request, form.get(csrf.FIELD)):
        return form_expired(page)
    reason = str(form.get("reason", "")).strip()
    try:
        await backends.withdraw(pid, token, reason or None)
    except Refused as refused:
        proposal = await backends.my_proposal(pid, token)
        if proposal is None:
            return _private(page.render("status_unknown.html", status_code=404))
        error = page.gettext(
            "The proposal could not be withdrawn: %(reason)s", reason=_reason(refused)
        )
        return _private(
            page.render("withdraw.html", status_code=409, proposal=proposal, error=error)
        )
    return _private(RedirectResponse(page.url(f"/status/{pid}"), status_code=303))


@router.get("/status/{proposal_id}/case")
async def case(proposal_id: str, request: Request, page: PageOf, backends: Backends) -> Response:
    pid, token = _proposal_id(proposal_id), request.cookies.get(STATUS_COOKIE)
    if pid is None or not token:
        return _private(page.render("status_unknown.html", status_code=401))
    proposal, found = await asyncio.gather(
        backends.my_proposal(pid, token), backends.my_case(pid, token)
    )
    if proposal is None or found is None:
        return _private(page.render("status_unknown.html", status_code=404))
    return _private(page.render("consultation.html", proposal=proposal, case=found, error=None))


@router.post("/status/{proposal_id}/case/{answer}")
async def answer_consultation(
    proposal_id: str, answer: str, request: Request, page: PageOf, backends: Backends
) -> Response:
    pid, token = _proposal_id(proposal_id), request.cookies.get(STATUS_COOKIE)
    if pid is None or not token or answer not in ("consent", "objection"):
        return _private(page.render("status_unknown.html", status_code=404))
    form = await request.form()
    if not form_token_ok(request, form.get(csrf.FIELD)):
        return form_expired(page)
    reason = str(form.get("reason", "")).strip()
    error: str | None = None
    if answer == "objection" and not reason:
        error = page.gettext("Write why you object, so that the desk can answer.")
    else:
        try:
            if answer == "consent":
                await backends.consent_to_case(pid, token)
            else:
                await backends.object_to_case(pid, token, reason)
        except Refused as refused:
            error = page.gettext(
                "Your answer could not be recorded: %(reason)s", reason=_reason(refused)
            )
    if error is None:
        return _private(RedirectResponse(page.url(f"/status/{pid}/case"), status_code=303))
    proposal, found = await asyncio.gather(
        backends.my_proposal(pid, token), backends.my_case(pid, token)
    )
    if proposal is None or found is None:
        return _private(page.render("status_unknown.html", status_code=404))
    return _private(
        page.render(
            "consultation.html", status_code=422, proposal=proposal, case=found, error=error
        )
    )


def _reason(refused: Refused) -> str:
    return "; ".join(str(item.get("msg", "")) for item in refused.detail) or str(
        refused.status_code
    )
