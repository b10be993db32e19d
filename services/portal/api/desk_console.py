"""The desk's console (窓口): the inbox, one proposal with its screening and routing, the
dashboard of what waits and what is overdue, the themes, and the cases.

Intake keeps the proposals and the themes, routing where each proposal is, publication
the cases; every form here posts to one of their staff endpoints with the desk officer's
token and comes back to the page it was sent from (Post/Redirect/Get).
"""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Request, Response

from services.portal.api import dialogue_log
from services.portal.api.console import (
    Console,
    ConsoleRoute,
    console_for,
    field_errors,
    form_token_ok,
    history_lines,
)
from services.portal.backends import Refused
from services.portal.forms import CHANNEL_NAMES, KIND_NAMES
from services.portal.pages import Page
from shared.contract.vocabulary import SCREENING_REASON_LABELS, ScreeningReason
from shared.i18n import N_
from shared.proposal.status import STATUS_LABELS, ProposalStatus

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)
Desk = Annotated[Console, Depends(console_for("desk"))]
PAGE_SIZE = 20
# The statuses intake's inbox filters by: what screening decides (the later steps are
# routing's and decision's, on the dashboard).
INBOX_STATUSES = (
    ProposalStatus.RECEIVED,
    ProposalStatus.ACCEPTED,
    ProposalStatus.REJECTED,
    ProposalStatus.WITHDRAWN,
)
SCREENING_LABELS = {
    "decision": N_("Screening"),
    "reasons": N_("Reasons"),
    "explanation": N_("Explanation for the proposer"),
}
CONSULTATION_LABELS = {
    "outcome": N_("Outcome"),
    "note": N_("Note"),
    "proposal_receipt_number": N_("Receipt number of the proposal that followed"),
}
# Intake's outcomes of a pre-consultation (services/intake/consultations.py).
CONSULTATION_OUTCOMES = {
    "advice_given": N_("Advice given"),
    "led_to_proposal": N_("Led to a proposal"),
    "closed": N_("Closed"),
}
REASSIGN_LABELS = {"departments": N_("Departments"), "reason": N_("Reason for the routing")}
THEME_LABELS = {
    "number": N_("Number"),
    "title": N_("Theme title"),
    "field": N_("Field"),
    "department": N_("Owning department"),
    "background": N_("Background"),
    "expected_outcome": N_("Expected outcome"),
    "opens_on": N_("Call opens on"),
    "closes_on": N_("Call closes on"),
}


# Which deadline passed (routing's `overdue` of a line): its name on the page.
DEADLINE_NAMES = {
    "routing": N_("Routing deadline passed"),
    "dialogue": N_("Dialogue deadline passed"),
}


def screening_reasons(page: Page) -> list[tuple[str, str]]:
    """The coded reasons, in the service's own words (shared contract)."""
    index = 1 if page.language == "en" else 0
    return [(reason.value, SCREENING_REASON_LABELS[reason][index]) for reason in ScreeningReason]


# -- the inbox ------------------------------------------------------------------------


@router.get("/staff/desk")
async def inbox(
    desk: Desk,
    status: str = "",
    channel: str = "",
    theme_number: str = "",
    field: str = "",
    q: str = "",
    overdue: str = "",
    offset: int = 0,
) -> Response:
    filters = {
        "status": status if status in INBOX_STATUSES else "",
        "channel": channel if channel in CHANNEL_NAMES else "",
        "theme_number": theme_number if theme_number.isdigit() else "",
        "field": field.strip()[:200],
        "q": q.strip()[:200],
    }
    offset = max(offset, 0)
    # Overdue only: routing says which proposals are (it keeps the deadlines); intake
    # lists those with the other filters and the paging, as any other line.
    late: dict[str, dict[str, Any]] | None = None  # overdue proposal → routing's line
    if overdue == "yes":
        late = {str(line["proposal_id"]): line for line in await desk.calls.overdue(desk.city)}
    lines: list[dict[str, Any]] = []
    total = 0
    if late != {}:  # nothing overdue: nothing to ask intake for
        lines, total = await desk.calls.desk_inbox(
            desk.city,
            filters,
            limit=PAGE_SIZE,
            offset=offset,
            among=list(late) if late is not None else None,
        )
    themes = await desk.public.themes(desk.city)
    index = 1 if desk.page.language == "en" else 0
    return desk.render(
        "staff/desk_inbox.html",
        lines=lines,
        total=total,
        offset=offset,
        size=PAGE_SIZE,
        filters={**filters, "overdue": "yes" if late is not None else ""},
        late=late or {},
        deadline_names=DEADLINE_NAMES,
        statuses=[(s.value, STATUS_LABELS[s][index]) for s in INBOX_STATUSES],
        channel_names=CHANNEL_NAMES,
        themes=themes,
    )


# -- one proposal: screening, routing -------------------------------------------------


@router.get("/staff/desk/proposals/{proposal_id}")
async def proposal(desk: Desk, proposal_id: UUID, done: str = "") -> Response:
    return await _proposal_page(desk, proposal_id, notice=_notice(desk, done))


async def _proposal_page(
    desk: Console,
    proposal_id: UUID,
    *,
    notice: str = "",
    errors: dict[str, str] | None = None,
    values: dict[str, Any] | None = None,
    status_code: int = 200,
) -> Response:
    found = await desk.calls.proposal(desk.city, proposal_id)
    routing = await desk.calls.routing(desk.city, proposal_id)
    departments = await desk.public.departments(desk.city)
    log = await dialogue_log.log_of(desk, proposal_id) if routing else None
    consultation = await desk.calls.consultation(desk.city, proposal_id)
    return desk.render(
        "staff/desk_proposal.html",
        consultation=consultation,
        consultation_outcomes=CONSULTATION_OUTCOMES,
        **dialogue_log.shown(log, desk, departments),
        status_code=status_code,
        proposal=found,
        routing=routing,
        history=history_lines("routing", routing["history"], desk.page) if routing else [],
        departments=departments,
        reasons=screening_reasons(desk.page),
        channel_names=CHANNEL_NAMES,
        kinds=KIND_NAMES,
        notice=notice,
        errors=errors or {},
        values=values or {},
        crumbs=[("/staff/desk", desk.page.gettext("Inbox"))],
    )


@router.post("/staff/desk/proposals/{proposal_id}/screening")
async def screen(desk: Desk, proposal_id: UUID, request: Request) -> Response:
    form = await request.form()
    if not form_token_ok(request, form):
        return desk.render("expired.html", status_code=403)
    decision = str(form.get("decision", ""))
    body: dict[str, Any] = {"decision": decision}
    if decision == "reject":
        body["reasons"] = [str(r) for r in form.getlist("reasons")]
        body["explanation"] = str(form.get("explanation", ""))
    try:
        await desk.calls.screen(desk.city, proposal_id, body)
    except Refused as refused:
        if refused.status_code != 422:
            raise
        errors = field_errors(
            refused, SCREENING_LABELS, desk.page.gettext, frozenset({"decision", "reasons"})
        )
        return await _proposal_page(desk, proposal_id, errors=errors, values=body, status_code=422)
    return desk.redirect(f"/staff/desk/proposals/{proposal_id}", done="screened")


@router.post("/staff/desk/proposals/{proposal_id}/consultation")
async def consultation_outcome(desk: Desk, proposal_id: UUID, request: Request) -> Response:
    """What became of a pre-consultation (事前相談): advice given, led to a proposal (named
    by its receipt number: intake links the two), or closed."""
    form = await request.form()
    if not form_token_ok(request, form):
        return desk.render("expired.html", status_code=403)
    body: dict[str, Any] = {"outcome": str(form.get("outcome", ""))}
    note = str(form.get("note", "")).strip()
    if note:
        body["note"] = note
    receipt_number = str(form.get("proposal_receipt_number", "")).strip()
    if receipt_number:
        body["proposal_receipt_number"] = receipt_number
    try:
        await desk.calls.record_consultation_outcome(desk.city, proposal_id, body)
    except Refused as refused:
        if refused.status_code not in (409, 422):
            raise
        errors = field_errors(
            refused, CONSULTATION_LABELS, desk.page.gettext, frozenset({"outcome"})
        )
        return await _proposal_page(
            desk, proposal_id, errors=errors, values=body, status_code=refused.status_code
        )
    return desk.redirect(f"/staff/desk/proposals/{proposal_id}", done="consultation")


@router.post("/staff/desk/proposals/{proposal_id}/routing")
async def reassign(desk: Desk, proposal_id: UUID, request: Request) -> Response:
    form = await request.form()
    if not form_token_ok(request, form):
        return desk.render("expired.html", status_code=403)
    lead = str(form.get("lead", ""))
    others = [str(d) for d in form.getlist("departments") if d and d != lead]
    body = {"departments": [d for d in [lead, *others] if d], "reason": str(form.get("reason", ""))}
    try:
        await desk.calls.reassign(desk.city, proposal_id, body)
    except Refused as refused:
        if refused.status_code != 422:
            raise
        errors = field_errors(
            refused, REASSIGN_LABELS, desk.page.gettext, frozenset({"departments"})
        )
        return await _proposal_page(desk, proposal_id, errors=errors, values=body, status_code=422)
    return desk.redirect(f"/staff/desk/proposals/{proposal_id}", done="routed")


# -- the dashboard --------------------------------------------------------------------


@router.get("/staff/desk/dashboard")
async def dashboard(desk: Desk) -> Response:
    found = await desk.calls.dashboard(desk.city)
    departments = await desk.public.departments(desk.city)
    return desk.render("staff/desk_dashboard.html", dashboard=found, departments=departments)


# -- themes ---------------------------------------------------------------------------


@router.get("/staff/desk/themes")
async def themes(desk: Desk, done: str = "", from_request: str = "") -> Response:
    return await _themes_page(desk, notice=_notice(desk, done), from_request=from_request)


async def _themes_page(
    desk: Console,
    *,
    notice: str = "",
    errors: dict[str, str] | None = None,
    values: dict[str, Any] | None = None,
    status_code: int = 200,
    from_request: str = "",
    declining: str = "",
    decline_reason: str = "",
) -> Response:
    """The themes, the departments' open theme requests, and the publish form: blank, or
    filled from the request `from_request` the desk publishes a theme from."""
    found = await desk.calls.themes(desk.city)
    departments = await desk.public.departments(desk.city)
    requests = await desk.calls.theme_requests(desk.city)
    next_number = max((t["number"] for t in found), default=0) + 1
    source = next((r for r in requests if r["request_id"] == from_request), None)
    if values is None:
        values = {"number": str(next_number)}
        if source is not None:
            values.update(_prefilled(source))
    return desk.render(
        "staff/desk_themes.html",
        status_code=status_code,
        themes=found,
        departments=departments,
        requests=[r for r in requests if r["state"] == "open"],
        source=source,
        declining=declining,
        decline_values={"reason": decline_reason},
        notice=notice,
        errors=errors or {},
        values=values,
    )


def _prefilled(request: dict[str, Any]) -> dict[str, str]:
    """The publish form filled from a department's theme request."""
    background = "\n\n".join(p for p in (request["description"], request["background"]) if p)
    return {
        "title": request["title"],
        "field": request["field"],
        "department": request["department"],
        "background": background,
        "expected_outcome": request["expected_outcome"],
        "opens_on": request["opens_on"] or "",
        "closes_on": request["closes_on"] or "",
        "request_id": request["request_id"],
    }


@router.post("/staff/desk/themes")
async def publish_theme(desk: Desk, request: Request) -> Response:
    form = await request.form()
    if not form_token_ok(request, form):
        return desk.render("expired.html", status_code=403)
    values = {name: str(form.get(name, "")).strip() for name in THEME_LABELS}
    body: dict[str, Any] = {k: v for k, v in values.items() if v}
    # Published from a department's theme request: intake answers the request with it.
    request_id = str(form.get("request_id", "")).strip()
    try:
        if request_id:
            await desk.calls.publish_requested_theme(desk.city, request_id, body)
        else:
            await desk.calls.publish_theme(desk.city, body)
    except Refused as refused:
        if refused.status_code not in (409, 422):
            raise
        errors = field_errors(refused, THEME_LABELS, desk.page.gettext, frozenset({"department"}))
        values["request_id"] = request_id
        return await _themes_page(
            desk, errors=errors, values=values, status_code=422, from_request=request_id
        )
    return desk.redirect("/staff/desk/themes", done="theme_published")


@router.post("/staff/desk/theme-requests/{request_id}/decline")
async def decline_theme_request(desk: Desk, request_id: str, request: Request) -> Response:
    """The desk does not publish a department's theme request, and says why."""
    form = await request.form()
    if not form_token_ok(request, form):
        return desk.render("expired.html", status_code=403)
    reason = str(form.get("reason", "")).strip()
    try:
        await desk.calls.decline_theme_request(desk.city, request_id, {"reason": reason})
    except Refused as refused:
        if refused.status_code != 422:
            raise
        labels = {"reason": N_("Reason for not publishing")}
        errors = field_errors(refused, labels, desk.page.gettext)
        return await _themes_page(
            desk,
            errors=errors,
            status_code=422,
            declining=request_id,
            decline_reason=reason,
        )
    return desk.redirect("/staff/desk/themes", done="theme_request_declined")


@router.post("/staff/desk/themes/{number}/close")
async def close_theme(desk: Desk, number: int, request: Request) -> Response:
    form = await request.form()
    if not form_token_ok(request, form):
        return desk.render("expired.html", status_code=403)
    await desk.calls.close_theme(desk.city, number)
    return desk.redirect("/staff/desk/themes", done="theme_closed")


# -- cases ----------------------------------------------------------------------------

CASE_STEPS = {"consultation", "publication", "retraction"}
SECTION_SLOTS = 2  # empty sections offered beside a case's own, to add one
CASE_LABELS = {
    "proposal_id": N_("Proposal ID"),
    "title": N_("Case title"),
    "summary": N_("Summary"),
    "sections.heading": N_("Section heading"),
    "sections.text": N_("Section text"),
    "note": N_("What was corrected"),
    "reason": N_("Reason for retracting"),
}
CASE_STAGES = {
    "draft": N_("Draft"),
    "consulting": N_("The proposer is being consulted"),
    "objected": N_("The proposer objected"),
    "published": N_("Published and public"),
    "retracted": N_("Retracted"),
}
REFUSED_CASE = N_("No adopted proposal has this ID, or its case is already drafted.")


@router.get("/staff/desk/cases")
async def cases(desk: Desk, done: str = "") -> Response:
    return await _cases_page(desk, notice=_notice(desk, done))


async def _cases_page(
    desk: Console,
    *,
    notice: str = "",
    errors: dict[str, str] | None = None,
    values: dict[str, Any] | None = None,
    editing: str = "",
    status_code: int = 200,
) -> Response:
    found = await desk.calls.cases(desk.city)
    return desk.render(
        "staff/desk_cases.html",
        status_code=status_code,
        cases=found,
        notice=notice,
        errors=errors or {},
        values=values or {"sections": []},
        editing=editing,
        slots=SECTION_SLOTS,
        case_stages=CASE_STAGES,
    )


def _sections_of(form: Any) -> list[dict[str, Any]]:
    """The form's sections (section-N-heading, -text, -protected), blank ones left out."""
    sections = []
    for n in range(50 + SECTION_SLOTS):
        heading = str(form.get(f"section-{n}-heading", "")).strip()
        text = str(form.get(f"section-{n}-text", "")).strip()
        if heading or text:
            protected = form.get(f"section-{n}-protected") == "yes"
            sections.append({"heading": heading, "text": text, "protected": protected})
    return sections


def _case_values(form: Any, *names: str) -> dict[str, Any]:
    values: dict[str, Any] = {name: str(form.get(name, "")).strip() for name in names}
    values["sections"] = _sections_of(form)
    return values


@router.post("/staff/desk/cases")
async def draft_case(desk: Desk, request: Request) -> Response:
    form = await request.form()
    if not form_token_ok(request, form):
        return desk.render("expired.html", status_code=403)
    values = _case_values(form, "proposal_id", "title", "summary")
    body: dict[str, Any] = {k: v for k, v in values.items() if v}
    try:
        await desk.calls.draft_case(desk.city, body)
    except Refused as refused:
        if refused.status_code not in (404, 409, 422):
            raise
        errors = field_errors(refused, CASE_LABELS, desk.page.gettext)
        if refused.status_code != 422:
            errors = {"proposal_id": desk.page.gettext(REFUSED_CASE)}
        return await _cases_page(desk, errors=errors, values=values, status_code=422)
    return desk.redirect("/staff/desk/cases", done="case_drafted")


@router.post("/staff/desk/cases/{case_id}/revision")
async def revise_case(desk: Desk, case_id: UUID, request: Request) -> Response:
    """A draft revised, or (with a note) a published case corrected: the whole case."""
    form = await request.form()
    if not form_token_ok(request, form):
        return desk.render("expired.html", status_code=403)
    correcting = form.get("correcting") == "yes"
    values = _case_values(form, "title", "summary", "note")
    body = {k: values[k] for k in ("title", "summary", "sections")}
    try:
        if correcting:
            await desk.calls.case_step(
                desk.city, case_id, "correction", {**body, "note": values["note"]}
            )
        else:
            await desk.calls.revise_case(desk.city, case_id, body)
    except Refused as refused:
        if refused.status_code != 422:
            raise
        errors = field_errors(refused, CASE_LABELS, desk.page.gettext)
        return await _cases_page(
            desk, errors=errors, values=values, editing=str(case_id), status_code=422
        )
    return desk.redirect(
        "/staff/desk/cases", done="case_corrected" if correcting else "case_revised"
    )


@router.post("/staff/desk/cases/{case_id}/{step}")
async def case_step(desk: Desk, case_id: UUID, step: str, request: Request) -> Response:
    form = await request.form()
    if not form_token_ok(request, form):
        return desk.render("expired.html", status_code=403)
    if step not in CASE_STEPS:
        return desk.render("not_found.html", status_code=404)
    reason = str(form.get("reason", "")).strip()
    body = {"reason": reason} if step == "retraction" else None
    try:
        await desk.calls.case_step(desk.city, case_id, step, body)
    except Refused as refused:
        if refused.status_code != 422:
            raise
        errors = field_errors(refused, CASE_LABELS, desk.page.gettext)
        return await _cases_page(desk, errors=errors, editing=str(case_id), status_code=422)
    return desk.redirect("/staff/desk/cases", done=f"case_{step}")


# -- what a finished step says --------------------------------------------------------

NOTICES = {
    "screened": N_("The screening is recorded."),
    "consultation": N_("The consultation's outcome is recorded."),
    "routed": N_("The routing is recorded."),
    "theme_published": N_("The theme is published."),
    "theme_closed": N_("The theme's call is closed."),
    "theme_request_declined": N_("The theme request is declined; the department reads why."),
    "case_drafted": N_("The case is drafted."),
    "case_consultation": N_("The proposer is being consulted."),
    "case_publication": N_("The case is published."),
    "case_retraction": N_("The case is retracted."),
    "case_revised": N_("The draft is revised; consult the proposer on it again."),
    "case_corrected": N_("The published case is corrected."),
}


def _notice(desk: Console, done: str) -> str:
    return desk.page.gettext(NOTICES[done]) if done in NOTICES else ""
