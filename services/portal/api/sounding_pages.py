"""The public's pages of the soundings (サウンディング型市場調査): the list, one sounding
with its questions, its Q&A published for all and, afterwards, its summary; a company's
question; and the response: form → confirmation → receipt.

Setagaya 004: 「事業を決定する前に、民間に広く呼びかけ、直接対話によって意見を聴く手法」.
Kitakyushu 003: 「複数の事業者と機会を均等に」 — so an answer to one company's question is
published here for every company alike, and never sent to the one who asked; and
「民間のノウハウや提案内容に対する知財保護」 — so no page shows who responded or what.
Intake decides every rule; these pages carry its answers. Every POST carries the form token.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID, uuid4

from fastapi import APIRouter, Request, Response

from services.portal import soundings
from services.portal.api.common import Backends, form_expired, form_token_ok, not_found, with_city
from services.portal.backends import Refused
from services.portal.forms import MESSAGES, FieldError, FormField
from services.portal.pages import Page, PageOf, PortalRoute
from shared import csrf
from shared.i18n import N_

router = APIRouter(route_class=PortalRoute, include_in_schema=False)
KEY = "response_key"

RESPONDENT_FIELDS = (
    FormField("organisation", N_("Organisation"), max_length=200, autocomplete="organization"),
    FormField("contact_person", N_("Contact person"), max_length=200, autocomplete="name"),
    FormField("email", N_("E-mail address"), kind="email", autocomplete="email"),
    FormField("phone", N_("Phone"), kind="tel", required=False, autocomplete="tel"),
)
QUESTION_FIELDS = (
    FormField("organisation", N_("Organisation"), max_length=200, autocomplete="organization"),
    FormField("email", N_("E-mail address"), kind="email", autocomplete="email"),
    FormField("text", N_("Your question"), kind="textarea", max_length=4000, rows=4),
)
SOUNDING_MESSAGES = {
    "period": N_("This sounding is not taking responses now (outside its period)."),
    "no_answer": N_("Answer at least one question."),
}


def _answer_field(number: int) -> FormField:
    return FormField(
        f"answers.{number}", N_("Answer"), kind="textarea", required=False, max_length=4000, rows=5
    )


async def _sounding(page: Page, backends: Backends, city: str, sounding_id: str) -> Any:
    """The published sounding of the address, or None (a page not found)."""
    if not with_city(page, city):
        return None
    try:
        wanted = UUID(sounding_id)
    except ValueError:
        return None
    return await soundings.public_sounding(backends, city, wanted)


@router.get("/{city}/soundings")
async def list_soundings(city: str, page: PageOf, backends: Backends) -> Response:
    if not with_city(page, city):
        return not_found(page)
    found, departments = (
        await soundings.public_soundings(backends, city),
        await backends.departments(city),
    )
    return page.render("soundings.html", soundings=found, departments=departments)


@router.get("/{city}/soundings/{sounding_id}")
async def sounding(
    city: str, sounding_id: str, page: PageOf, backends: Backends, asked: str = ""
) -> Response:
    found = await _sounding(page, backends, city, sounding_id)
    if found is None:
        return not_found(page)
    return await _sounding_page(page, backends, found, asked=asked == "1")


async def _sounding_page(
    page: Page,
    backends: Backends,
    found: soundings.Sounding,
    *,
    asked: bool = False,
    errors: list[FieldError] | None = None,
    values: dict[str, str] | None = None,
) -> Response:
    assert page.city is not None
    departments = await backends.departments(page.city.code)
    errors = errors or []
    return page.render(
        "sounding.html",
        status_code=422 if errors else 200,
        sounding=found,
        department=departments.get(found.department),
        asked=asked,
        question_fields=QUESTION_FIELDS,
        errors=errors,
        error_of={e.field.name: e.message for e in errors if e.field},
        values=values or {},
    )


@router.post("/{city}/soundings/{sounding_id}/question")
async def ask(
    city: str, sounding_id: str, request: Request, page: PageOf, backends: Backends
) -> Response:
    """A company asks; the answer is published on the sounding's page for all."""
    found = await _sounding(page, backends, city, sounding_id)
    if found is None:
        return not_found(page)
    form = await request.form()
    if not form_token_ok(request, form.get(csrf.FIELD)):
        return form_expired(page)
    values = {f.name: str(form.get(f.name, "")).strip() for f in QUESTION_FIELDS}
    try:
        await soundings.ask(backends, city, found.sounding_id, values)
    except Refused as refused:
        if refused.status_code not in (409, 422):
            raise
        errors = _errors(page, refused, QUESTION_FIELDS)
        return await _sounding_page(page, backends, found, errors=errors, values=values)
    # Post/Redirect/Get: the page again, saying the question was received.
    response = Response(status_code=303)
    response.headers["Location"] = page.city_url(f"/soundings/{found.sounding_id}", asked="1")
    page.apply_cookies(response)
    return response


@router.get("/{city}/soundings/{sounding_id}/respond")
async def response_form(city: str, sounding_id: str, page: PageOf, backends: Backends) -> Response:
    found = await _sounding(page, backends, city, sounding_id)
    if found is None:
        return not_found(page)
    return _form(page, found, {}, [])


@router.post("/{city}/soundings/{sounding_id}/respond")
async def check(
    city: str, sounding_id: str, request: Request, page: PageOf, backends: Backends
) -> Response:
    """Intake checks the response, keeping nothing; the company then confirms it."""
    found = await _sounding(page, backends, city, sounding_id)
    if found is None:
        return not_found(page)
    form = await request.form()
    if not form_token_ok(request, form.get(csrf.FIELD)):
        return form_expired(page)
    values = _values(form, found)
    if form.get("action") == "edit":
        return _form(page, found, values, [])
    try:
        await soundings.check_response(backends, city, found.sounding_id, _body(values, found))
    except Refused as refused:
        if refused.status_code not in (409, 422):
            raise
        return _form(page, found, values, _errors(page, refused, _fields(found)))
    # A key made here, sent with the response: the form sent twice is one response.
    response = page.render(
        "sounding_confirm.html",
        sounding=found,
        values=values,
        fields=_fields(found),
        key=str(uuid4()),
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@router.post("/{city}/soundings/{sounding_id}/respond/submission")
async def submit(
    city: str, sounding_id: str, request: Request, page: PageOf, backends: Backends
) -> Response:
    found = await _sounding(page, backends, city, sounding_id)
    if found is None:
        return not_found(page)
    form = await request.form()
    if not form_token_ok(request, form.get(csrf.FIELD)):
        return form_expired(page)
    values = _values(form, found)
    body = _body(values, found)
    try:
        body["response_key"] = str(UUID(str(form.get(KEY, ""))))
    except ValueError:
        return form_expired(page)  # not the confirmation page's form
    try:
        receipt = await soundings.respond(backends, city, found.sounding_id, body)
    except Refused as refused:
        if refused.status_code not in (409, 422):
            raise
        return _form(page, found, values, _errors(page, refused, _fields(found)))
    response = page.render("sounding_receipt.html", sounding=found, receipt=receipt)
    response.headers["Cache-Control"] = "no-store"
    return response


def _fields(found: soundings.Sounding) -> tuple[FormField, ...]:
    answers = tuple(_answer_field(n) for n in range(len(found.questions)))
    return RESPONDENT_FIELDS + answers


def _values(form: Any, found: soundings.Sounding) -> dict[str, str]:
    return {f.name: str(form.get(f.name, "")).strip() for f in _fields(found)}


def _body(values: dict[str, str], found: soundings.Sounding) -> dict[str, Any]:
    body: dict[str, Any] = {f.name: values[f.name] for f in RESPONDENT_FIELDS if values[f.name]}
    body["answers"] = [values[f"answers.{n}"] for n in range(len(found.questions))]
    return body


def _form(
    page: Page, found: soundings.Sounding, values: dict[str, str], errors: list[FieldError]
) -> Response:
    response = page.render(
        "sounding_respond.html",
        status_code=422 if errors else 200,
        sounding=found,
        respondent_fields=RESPONDENT_FIELDS,
        answer_fields=_fields(found)[len(RESPONDENT_FIELDS) :],
        values=values,
        errors=errors,
        error_of={e.field.name: e.message for e in errors if e.field},
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def _errors(page: Page, refused: Refused, fields: tuple[FormField, ...]) -> list[FieldError]:
    """Intake's refusal as one message beside each field it names, in the form's order."""
    by_name = {f.name: f for f in fields}
    found: dict[str | None, FieldError] = {}
    for item in refused.detail:
        loc = [str(part) for part in item.get("loc", [])]
        name = ".".join(loc[1:]) if loc[:1] == ["body"] else ""
        if name == "answers":  # the response as a whole: shown at the first answer
            name = "answers.0"
        field = by_name.get(name)
        key = field.name if field else None
        if key in found:
            continue
        kind = str(item.get("type", ""))
        if refused.status_code == 409:
            message = page.gettext(SOUNDING_MESSAGES["period"])
            field = None
            key = None
        elif field is None:
            message = page.gettext(MESSAGES["refused"]) % {"reason": str(item.get("msg", ""))}
        elif kind == "no_answer":
            message = page.gettext(SOUNDING_MESSAGES["no_answer"])
        elif kind in ("missing", "string_too_short"):
            message = page.gettext(MESSAGES["missing"]) % {"label": page.gettext(field.label)}
        elif kind == "string_too_long":
            message = page.gettext(MESSAGES["string_too_long"]) % {
                "label": page.gettext(field.label),
                "max": field.max_length,
            }
        elif field.kind == "email":
            message = page.gettext(MESSAGES["email"])
        elif field.kind == "tel":
            message = page.gettext(MESSAGES["phone"])
        else:
            message = page.gettext(MESSAGES["other"]) % {"label": page.gettext(field.label)}
        found.setdefault(key, FieldError(field, message))
    order = {f.name: i for i, f in enumerate(fields)}
    return sorted(
        found.values(), key=lambda e: order.get(e.field.name, -1) if e.field else len(order)
    )
