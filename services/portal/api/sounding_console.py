"""The soundings in the staff consoles (サウンディング型市場調査): the desk runs every
sounding of its city, a department its own (Setagaya 004: the desk 「官民連携に関する庁内外
の繋ぎ役」; a department asks the market for its field).

Pages: the list with the draft form; one sounding with its steps — publish, answer a
company's question for all (or publish a clarification), close after the period, publish
the summary, and (the desk) lead it to a theme or a call. The auditor reads the same pages
without their forms. Every form posts to intake's
staff endpoints with the person's token and comes back here (Post/Redirect/Get); intake
decides, and its refusal is shown beside the field it names.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response

from services.portal.api.console import Console, ConsoleRoute, console_for, form_token_ok
from services.portal.backends import Refused
from services.portal.soundings import staff_post, staff_sounding, staff_soundings
from shared.i18n import N_

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)
Runner = Annotated[Console, Depends(console_for("desk", "department"))]
# The auditor reads every sounding of its city, responses included, and changes nothing.
Reader = Annotated[Console, Depends(console_for("desk", "department", "auditor"))]
HOME = "/staff/soundings"

DRAFT_LABELS = {
    "subject": N_("Subject"),
    "description": N_("What the city wants to learn"),
    "field": N_("Field"),
    "department": N_("Department"),
    "questions": N_("Questions to the market"),
    "opens_on": N_("First day of responses"),
    "closes_on": N_("Last day of responses"),
}
STEP_LABELS = {
    "question": N_("Question as published"),
    "answer": N_("Answer"),
    "summary": N_("Summary of the responses"),
    "number": N_("Number"),
    "title": N_("Theme title"),
    "call": N_("The call"),
    "question_id": N_("Question"),
    "sounding_id": N_("Sounding"),
}
NOTICES = {
    "drafted": N_("The sounding is drafted. Publish it when it is ready."),
    "published": N_("The sounding is published."),
    "answered": N_("The answer is published for every company."),
    "closed": N_("The sounding is closed."),
    "summary": N_("The summary is published."),
    "theme": N_("The theme is published from the sounding."),
    "call": N_("The call the sounding led to is recorded."),
}
NAMES_A_RESPONDENT = N_(
    "%(label)s names a respondent. What is published must not tell whose idea was what."
)
REQUIRED = N_("%(label)s is required.")
CHECK = N_("%(label)s: check the value.")
STEPS = {"publish", "answers", "close", "summary", "theme", "call"}


@router.get(HOME)
async def soundings(console: Reader, done: str = "") -> Response:
    return await _list_page(console, notice=_notice(console, done))


async def _list_page(
    console: Console,
    *,
    notice: str = "",
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    found = await staff_soundings(console.calls, console.city)
    departments = await console.public.departments(console.city)
    return console.render(
        "staff/soundings.html",
        status_code=status_code,
        soundings=found,
        departments=departments,
        notice=notice,
        errors=errors or {},
        values=values or {},
    )


@router.post(HOME)
async def draft(console: Runner, request: Request) -> Response:
    form = await request.form()
    if not form_token_ok(request, form):
        return console.render("expired.html", status_code=403)
    values = {name: str(form.get(name, "")).strip() for name in DRAFT_LABELS}
    body: dict[str, Any] = {k: v for k, v in values.items() if v and k != "questions"}
    # One question a line: the form's one text area.
    body["questions"] = [q.strip() for q in values["questions"].splitlines() if q.strip()]
    if console.staff.role == "department":
        body.pop("department", None)  # a department drafts for itself
    try:
        made = await staff_post(console.calls, console.city, "", body)
    except Refused as refused:
        if refused.status_code not in (409, 422):
            raise
        errors = _errors(console, refused, DRAFT_LABELS)
        return await _list_page(console, errors=errors, values=values, status_code=422)
    return console.redirect(f"{HOME}/{made['sounding_id']}", done="drafted")


@router.get(HOME + "/{sounding_id}")
async def sounding(console: Reader, sounding_id: str, done: str = "") -> Response:
    return await _sounding_page(console, sounding_id, notice=_notice(console, done))


async def _sounding_page(
    console: Console,
    sounding_id: str,
    *,
    notice: str = "",
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    step: str = "",
    status_code: int = 200,
) -> Response:
    found = await staff_sounding(console.calls, console.city, sounding_id)
    if found is None:
        return console.render("not_found.html", status_code=404)
    departments = await console.public.departments(console.city)
    return console.render(
        "staff/sounding.html",
        status_code=status_code,
        sounding=found,
        department=departments.get(found["department"]),
        unanswered=[q for q in found["asked"] if not q["answered"]],
        notice=notice,
        errors=errors or {},
        values=values or {},
        step=step,
        crumbs=((HOME, console.page.gettext("Soundings")),),
    )


@router.post(HOME + "/{sounding_id}/{step}")
async def take_step(console: Runner, sounding_id: str, step: str, request: Request) -> Response:
    """One step of the sounding: its form's fields are the body intake takes."""
    if step not in STEPS:
        return console.render("not_found.html", status_code=404)
    form = await request.form()
    if not form_token_ok(request, form):
        return console.render("expired.html", status_code=403)
    values = {
        name: str(form.get(name, "")).strip() for name in STEP_LABELS if form.get(name) is not None
    }
    body: dict[str, Any] | None = {k: v for k, v in values.items() if v} or None
    if step in ("publish", "close"):
        body = None
    try:
        await staff_post(console.calls, console.city, f"/{sounding_id}/{step}", body)
    except Refused as refused:
        if refused.status_code not in (409, 422):
            raise
        errors = _errors(console, refused, STEP_LABELS)
        values["step"] = step
        return await _sounding_page(
            console, sounding_id, errors=errors, values=values, step=step, status_code=422
        )
    done = {"publish": "published", "answers": "answered", "close": "closed"}.get(step, step)
    return console.redirect(f"{HOME}/{sounding_id}", done=done)


def _notice(console: Console, done: str) -> str:
    return console.page.gettext(NOTICES[done]) if done in NOTICES else ""


def _errors(console: Console, refused: Refused, labels: dict[str, str]) -> dict[str, str]:
    """Intake's refusal, one message per field of the form (under "" when it names none:
    e.g. a 409, whose reason is the service's own words)."""
    gettext = console.page.gettext
    found: dict[str, str] = {}
    for item in refused.detail:
        loc = [str(part) for part in item.get("loc", [])]
        name = ".".join(p for p in loc[1:] if not p.isdigit()) if loc[:1] == ["body"] else ""
        message = str(item.get("msg", ""))
        if name.startswith("closes_on") or message.startswith("Value error, closes_on"):
            name = "closes_on"
        if name not in labels or refused.status_code == 409:
            found.setdefault("", message)
            continue
        label = gettext(labels[name])
        kind = str(item.get("type", ""))
        if kind == "names_a_respondent":
            text = gettext(NAMES_A_RESPONDENT) % {"label": label}
        elif kind in ("missing", "string_too_short", "too_short") or "empty" in message:
            text = gettext(REQUIRED) % {"label": label}
        else:
            text = gettext(CHECK) % {"label": label}
        found.setdefault(name, text)
    return found
