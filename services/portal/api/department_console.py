"""A department's console (所管課): its inbox, one routed proposal, taking it on or
declining it, the dialogue's milestones, the status line the proposer reads, and the
decision (adopt with the fairness assessment, reject with reasons, escalate).

Routing says what was routed to the department and keeps the dialogue; decision decides;
intake holds the proposal's content. Each form posts to their staff endpoints with the
department officer's token; the services refuse what the department may not do.
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Request, Response

from services.portal.api import decision_form, dialogue_log
from services.portal.api.console import (
    Console,
    ConsoleRoute,
    console_for,
    field_errors,
    form_token_ok,
    history_lines,
)
from services.portal.backends import Refused
from services.portal.forms import CHANNEL_NAMES
from shared.contract import DialogueMilestone
from shared.i18n import N_

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)
Department = Annotated[Console, Depends(console_for("department"))]
PAGE_SIZE = 20
MILESTONE_NAMES: dict[str, str] = {
    DialogueMilestone.STARTED: N_("Dialogue started"),
    DialogueMilestone.CONFIDENTIALITY_AGREED: N_("Confidentiality scope agreed"),
    DialogueMilestone.SKELETON_AGREED: N_("Skeleton agreed (why, what, roles, business model)"),
    DialogueMilestone.FEASIBILITY_REVIEWED: N_("Feasibility reviewed (laws, risks)"),
    DialogueMilestone.KPIS_REVIEWED: N_("KPIs reviewed"),
}
ROUTING_LABELS = {
    "reason": N_("Reason for declining"),
    "milestone": N_("Milestone"),
    "confidentiality_scope": N_("Agreed confidentiality scope"),
    "note": N_("Note"),
    "ja": N_("Status line in Japanese"),
    "en": N_("Status line in English"),
}
NOTICES = {
    "taken_on": N_("You took the proposal on."),
    "declined": N_("You declined the proposal; the desk routes it onward."),
    "milestone": N_("The milestone is recorded."),
    "status_line": N_("The status line is set; the proposer sees it on the status page."),
    "adopt": N_("The proposal is adopted."),
    "reject": N_("The proposal is rejected; the proposer reads the reasons."),
    "infeasible": N_(
        "You answered that the proposal is infeasible; the proposer reads the reasons."
    ),
    "escalate": N_("The proposal is escalated to the council."),
    "note": N_("The internal note is kept; the proposer does not see it."),
    "message": N_("The message is sent; the proposer reads it on the status page."),
}
HOME = "/staff/department"


@router.get(HOME)
async def inbox(console: Department, offset: int = 0) -> Response:
    offset = max(offset, 0)
    department = console.staff.department or ""
    lines, total = await console.calls.department_inbox(
        console.city, department, limit=PAGE_SIZE, offset=offset
    )
    departments = await console.public.departments(console.city)
    return console.render(
        "staff/department_inbox.html",
        lines=lines,
        total=total,
        offset=offset,
        size=PAGE_SIZE,
        departments=departments,
        department=departments.get(department),
    )


# -- theme requests (テーマの要望) -------------------------------------------------------

THEME_REQUEST_LABELS = {
    "title": N_("Theme title"),
    "description": N_("Description"),
    "background": N_("Background"),
    "expected_outcome": N_("Expected outcome"),
    "field": N_("Field"),
    "opens_on": N_("Call opens on (wished)"),
    "closes_on": N_("Call closes on (wished)"),
}
REQUEST_STATES = {
    "open": N_("Waiting for the desk"),
    "published": N_("Published as a theme"),
    "declined": N_("Declined by the desk"),
}


@router.get(HOME + "/theme-requests")
async def theme_requests(console: Department, done: str = "") -> Response:
    notice = console.page.gettext(N_("Your theme request is sent to the desk.")) if done else ""
    return await _theme_requests_page(console, notice=notice)


async def _theme_requests_page(
    console: Console,
    *,
    notice: str = "",
    errors: dict[str, str] | None = None,
    values: dict[str, Any] | None = None,
    status_code: int = 200,
) -> Response:
    """The department's theme requests with the desk's answers, and the form for a new one."""
    return console.render(
        "staff/department_theme_requests.html",
        status_code=status_code,
        requests=await console.calls.theme_requests(console.city),
        states=REQUEST_STATES,
        notice=notice,
        errors=errors or {},
        values=values or {},
    )


@router.post(HOME + "/theme-requests")
async def request_theme(console: Department, request: Request) -> Response:
    form = await _form(request)
    if form is None:
        return console.render("expired.html", status_code=403)
    values = {name: str(form.get(name, "")).strip() for name in THEME_REQUEST_LABELS}
    body = {k: v for k, v in values.items() if v}
    try:
        await console.calls.request_theme(console.city, body)
    except Refused as refused:
        if refused.status_code != 422:
            raise
        errors = field_errors(refused, THEME_REQUEST_LABELS, console.page.gettext)
        return await _theme_requests_page(console, errors=errors, values=values, status_code=422)
    return console.redirect(HOME + "/theme-requests", done="requested")


@router.get(HOME + "/proposals/{proposal_id}")
async def proposal(console: Department, proposal_id: UUID, done: str = "") -> Response:
    notice = console.page.gettext(NOTICES[done]) if done in NOTICES else ""
    return await record_page(console, proposal_id, HOME, notice=notice)


async def record_page(
    console: Console,
    proposal_id: UUID,
    home: str,
    *,
    notice: str = "",
    errors: dict[str, str] | None = None,
    values: dict[str, Any] | None = None,
    assessment: dict[str, Any] | None = None,
    status_code: int = 200,
) -> Response:
    """One proposal as a department or the council reads it: its routing, its content
    where intake lets this person read it, its decision, and the forms of this role."""
    routing = await _readable(console.calls.routing(console.city, proposal_id))
    # Intake shows the whole proposal to the desk only, and routing its routings to the
    # desk and departments, until issue 15's authorisation lets each role read what it
    # decides on: the page shows what this person may read.
    content = await _readable(console.calls.proposal(console.city, proposal_id))
    decision = await console.calls.decision(console.city, proposal_id)
    escalation = await _escalated(console, proposal_id)
    subject = routing or content or escalation or decision
    if subject is None:
        return console.render("not_found.html", status_code=404)
    departments = await console.public.departments(console.city)
    # Routing lets the desk, the auditor and the departments the proposal is with read the
    # log; anyone else reads the page without it.
    log = await dialogue_log.log_of(console, proposal_id) if routing else None
    history = history_lines("routing", routing["history"], console.page) if routing else []
    if decision:
        history += history_lines("decision", decision["history"], console.page)
    history.sort(key=lambda line: line.when)
    return console.render(
        "staff/record.html",
        status_code=status_code,
        home=home,
        proposal_id=proposal_id,
        receipt_number=subject["receipt_number"],
        title=subject.get("title") or "",
        routing=routing,
        escalation=escalation,
        proposal=content,
        decision=decision,
        departments=departments,
        history=history,
        **dialogue_log.shown(log, console, departments),
        notice=notice,
        errors=errors or {},
        values=values or decision_form.values_of({}, [], []),
        assessment=assessment,
        channel_names=CHANNEL_NAMES,
        milestone_names=MILESTONE_NAMES,
        form=decision_form,
        rejection_reasons=decision_form.rejection_reasons(console.page),
        crumbs=[(home, console.page.gettext(console.navigation[0][1]))],
    )


async def _readable(call: Awaitable[dict[str, Any] | None]) -> dict[str, Any] | None:
    """What a service answers, or None where it does not let this role read it."""
    try:
        return await call
    except Refused as refused:
        if refused.status_code in (403, 404):
            return None
        raise


async def _escalated(console: Console, proposal_id: UUID) -> dict[str, Any] | None:
    """The council's line of an escalated proposal (its receipt number and title)."""
    if console.staff.role != "council":
        return None
    lines = await console.calls.council_inbox(console.city)
    return next((line for line in lines if line["proposal_id"] == str(proposal_id)), None)


async def _form(request: Request) -> Any:
    form = await request.form()
    return form if form_token_ok(request, form) else None


def _back(console: Console, home: str, proposal_id: UUID, done: str) -> Response:
    return console.redirect(f"{home}/proposals/{proposal_id}", done=done)


@router.post(HOME + "/proposals/{proposal_id}/take-on")
async def take_on(console: Department, proposal_id: UUID, request: Request) -> Response:
    if await _form(request) is None:
        return console.render("expired.html", status_code=403)
    await console.calls.take_on(console.city, proposal_id)
    return _back(console, HOME, proposal_id, "taken_on")


@router.post(HOME + "/proposals/{proposal_id}/{step}")
async def routing_step(
    console: Department, proposal_id: UUID, step: str, request: Request
) -> Response:
    """Decline, a milestone, the status line, an internal note or a message to the
    proposer: one field set each, sent to routing."""
    form = await _form(request)
    if form is None:
        return console.render("expired.html", status_code=403)
    fields = {
        "decline": ("reason",),
        "milestone": ("milestone", "confidentiality_scope", "note"),
        "status-line": ("ja", "en"),
        # Two forms send a "text" to routing: on the page, each is named for its form.
        "note": ("note-text",),
        "message": ("message-text",),
    }
    if step not in fields:
        return await decide(console, proposal_id, step, form, HOME)
    body = {name.split("-")[-1]: str(form.get(name, "")).strip() for name in fields[step]}
    if step == "milestone":
        body = {name: value for name, value in body.items() if value}
    send = {
        "decline": console.calls.decline,
        "milestone": console.calls.milestone,
        "status-line": console.calls.status_line,
        "note": console.calls.write_note,
        "message": console.calls.message_proposer,
    }[step]
    try:
        await send(console.city, proposal_id, body)
    except Refused as refused:
        if refused.status_code != 422:
            raise
        labels = {**ROUTING_LABELS, "text": dialogue_log.TEXT_LABELS.get(step, "")}
        errors = field_errors(refused, labels, console.page.gettext, frozenset({"milestone"}))
        values = {**decision_form.values_of({}, [], []), **body}
        if step in dialogue_log.STEPS:
            errors = {(f"{step}-{k}" if k else k): v for k, v in errors.items()}
            values[f"{step}-text"] = body["text"]
        return await record_page(
            console, proposal_id, HOME, errors=errors, values=values, status_code=422
        )
    done = {
        "decline": "declined",
        "milestone": "milestone",
        "status-line": "status_line",
        "note": "note",
        "message": "message",
    }[step]
    return _back(console, HOME, proposal_id, done)


async def decide(console: Console, proposal_id: UUID, how: str, form: Any, home: str) -> Response:
    """assess, adopt, reject or escalate, from the decision form; or, before take-on,
    answer infeasible (a rejection with the same reasons and explanation)."""
    if how not in ("assess", "adopt", "reject", "escalate", "infeasible"):
        return console.render("not_found.html", status_code=404)
    values = decision_form.values_of(
        form,
        [str(e) for e in form.getlist("uniqueness_evidence")],
        [str(r) for r in form.getlist("reasons")],
    )
    gettext = console.page.gettext
    if how == "assess":
        try:
            found = await console.calls.assess(console.city, decision_form.inputs_of(values))
        except Refused as refused:
            if refused.status_code != 422:
                raise
            errors = decision_form.prefixed(
                field_errors(refused, decision_form.assess_labels(), gettext, decision_form.CHOICES)
            )
            return await record_page(
                console, proposal_id, home, errors=errors, values=values, status_code=422
            )
        return await record_page(console, proposal_id, home, values=values, assessment=found)
    body: dict[str, Any] = {
        "adopt": lambda: decision_form.adoption_of(values),
        "reject": lambda: {"reasons": values["reasons"], "explanation": values["explanation"]},
        "infeasible": lambda: {
            "reasons": values["reasons"],
            "explanation": values["explanation"],
        },
        "escalate": lambda: {"reason": values["reason"]},
    }[how]()
    try:
        await console.calls.decide(console.city, proposal_id, how, body)
    except Refused as refused:
        if refused.status_code != 422:
            raise
        errors = field_errors(refused, decision_form.LABELS, gettext, decision_form.CHOICES)
        return await record_page(
            console, proposal_id, home, errors=errors, values=values, status_code=422
        )
    return _back(console, home, proposal_id, how)
