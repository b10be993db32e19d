"""The proposer's own pages, behind the status link: status and history, the dialogue with
the department (its messages, and a form to answer), withdrawal, and the consultation on
the case before it is published; and, for a proposer who lost the link, a form to have
it sent again to the proposal's own address.

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

from services.portal.api.common import (
    Backends,
    form_expired,
    form_token_ok,
    not_found,
    with_city,
)
from services.portal.backends import Backends as BackendsClient
from services.portal.backends import Refused, ServiceUnavailable
from services.portal.pages import Page, PageOf, PortalRoute
from services.portal.views import Department, ProposerStatus
from shared import csrf
from shared.contract.vocabulary import MESSAGE_MAX_LENGTH

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


async def _token_into_cookie(
    page: Page, backends: BackendsClient, pid: UUID, token: str, path: str
) -> Response:
    """First visit with the link (the receipt's, or an e-mail's to a page behind it): check
    the token, keep it in the cookie, and send the browser to `path` without it."""
    if await backends.my_proposal(pid, token) is None:
        return _private(page.render("status_unknown.html", status_code=404))
    remember_status_token(page, pid, token)
    moved = RedirectResponse(page.url(path, **page.query), status_code=303)
    page.apply_cookies(moved)
    return _private(moved)


@router.get("/status/{proposal_id}")
async def status(
    proposal_id: str, request: Request, page: PageOf, backends: Backends, token: str = ""
) -> Response:
    pid = _proposal_id(proposal_id)
    if pid is None:
        return not_found(page)
    if token:
        return await _token_into_cookie(page, backends, pid, token, f"/status/{pid}")
    remembered = request.cookies.get(STATUS_COOKIE)
    if not remembered:
        return _private(page.render("status_unknown.html", status_code=401))
    return await _status_page(page, backends, pid, remembered)


async def _status_page(
    page: Page,
    backends: BackendsClient,
    pid: UUID,
    token: str,
    *,
    status_code: int = 200,
    answer_error: str | None = None,
    answer_text: str = "",
) -> Response:
    proposal, case = await asyncio.gather(
        backends.my_proposal(pid, token), backends.my_case(pid, token)
    )
    if proposal is None:
        return _private(page.render("status_unknown.html", status_code=404))
    return _private(
        page.render(
            "status.html",
            status_code=status_code,
            proposal=proposal,
            case=case,
            departments=await _departments(backends, proposal),
            answer_error=answer_error,
            answer_text=answer_text,
            answer_max=MESSAGE_MAX_LENGTH,
        )
    )


async def _departments(backends: BackendsClient, proposal: ProposerStatus) -> dict[str, Department]:
    """The names of the departments that wrote, from routing's directory; without it the
    page names them by role only (the messages are what matters)."""
    if not any(m.department for m in proposal.messages) or not proposal.municipality:
        return {}
    try:
        return await backends.departments(proposal.municipality)
    except (ServiceUnavailable, Refused):
        return {}


@router.post("/status/{proposal_id}/messages")
async def answer(proposal_id: str, request: Request, page: PageOf, backends: Backends) -> Response:
    """The proposer answers the department: Post/Redirect/Get back to the dialogue, or the
    page again with the error beside the field and the text as typed."""
    pid, token = _proposal_id(proposal_id), request.cookies.get(STATUS_COOKIE)
    if pid is None or not token:
        return _private(page.render("status_unknown.html", status_code=401))
    form = await request.form()
    if not form_token_ok(request, form.get(csrf.FIELD)):
        return form_expired(page)
    # A form sends a textarea's line breaks as CRLF (HTML's form encoding): the message
    # keeps the proposer's lines, not the encoding.
    text = str(form.get("text", "")).replace("\r\n", "\n").strip()
    in_reply_to = _proposal_id(str(form.get("in_reply_to", "")))
    error: str | None = None
    if not text:
        error = page.gettext("Write your message.")
    elif len(text) > MESSAGE_MAX_LENGTH:
        error = page.gettext(
            "Your message must be %(max)s characters or fewer (it has %(count)s).",
            max=MESSAGE_MAX_LENGTH,
            count=len(text),
        )
    else:
        try:
            await backends.answer(pid, token, text, in_reply_to)
        except Refused as refused:
            if refused.status_code == 404:
                return _private(page.render("status_unknown.html", status_code=404))
            error = page.gettext(
                "Your message could not be sent: %(reason)s", reason=_reason(refused)
            )
    if error is not None:
        return await _status_page(
            page, backends, pid, token, status_code=422, answer_error=error, answer_text=text
        )
    return _private(RedirectResponse(page.url(f"/status/{pid}") + "#dialogue", status_code=303))


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
    if not proposal.may_withdraw:
        # Intake would refuse (ended, or bound by the signed agreement): the status page
        # says why.
        return _private(RedirectResponse(page.url(f"/status/{pid}") + "#withdraw", status_code=303))
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
async def case(
    proposal_id: str, request: Request, page: PageOf, backends: Backends, token: str = ""
) -> Response:
    pid = _proposal_id(proposal_id)
    if pid is not None and token:
        # The link of the consultation e-mail: the token moves into the cookie here too.
        return await _token_into_cookie(page, backends, pid, token, f"/status/{pid}/case")
    token = request.cookies.get(STATUS_COOKIE) or ""
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


# -- a lost status link ---------------------------------------------------------------------


@router.get("/{city}/status-link")
async def lost_link_form(city: str, page: PageOf, sent: str = "") -> Response:
    if not with_city(page, city):
        return not_found(page)
    return page.render("lost_link.html", sent=bool(sent), error=None, email="")


@router.post("/{city}/status-link")
async def resend_link(city: str, request: Request, page: PageOf, backends: Backends) -> Response:
    """Intake sends the link to the address given with the proposal, and answers alike
    whether or not it knows the address; so does this page (Post/Redirect/Get)."""
    if not with_city(page, city):
        return not_found(page)
    form = await request.form()
    if not form_token_ok(request, form.get(csrf.FIELD)):
        return form_expired(page)
    email = str(form.get("email", "")).strip()
    error: str | None = None
    if not email:
        error = page.gettext("Enter the e-mail address you gave with your proposal.")
    else:
        try:
            await backends.resend_status_link(city, email)
        except Refused as refused:
            if refused.status_code == 404:
                return not_found(page)
            error = page.gettext("Enter an e-mail address in the form name@example.jp.")
    if error is not None:
        return page.render("lost_link.html", status_code=422, sent=False, error=error, email=email)
    return RedirectResponse(page.city_url("/status-link", sent=1), status_code=303)


def _reason(refused: Refused) -> str:
    return "; ".join(str(item.get("msg", "")) for item in refused.detail) or str(
        refused.status_code
    )
