"""The projects after adoption (事業), from implementation's staff endpoints: a
department's list and pages with the forms of the steps that can come next (selection by
the route the fairness assessment gave, the agreement with the council's vote, the
implementation and Aomori's experiment steps, the effect verification, the close); the
desk's list and read-only pages of every project of its city; the council's read of the
projects it adopted (the council's vote among them).

Implementation decides who sees which project (a department its own: any other is a 404)
and every step; the pages show what it answers and its refusals beside the fields."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Request, Response

from services.portal.api import project_forms, project_refusals
from services.portal.api.console import (
    Console,
    ConsoleRoute,
    console_for,
    field_errors,
    form_token_ok,
    history_lines,
)
from services.portal.backends import Refused
from shared.errors import DomainError, InvalidValue, NotFound, NotYetHeard, StateConflict
from shared.i18n import N_

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)
Department = Annotated[Console, Depends(console_for("department"))]
Reader = Annotated[Console, Depends(console_for("desk", "council"))]
DEPARTMENT = "/staff/department/projects"
HOMES = {
    "department": DEPARTMENT,
    "desk": "/staff/desk/projects",
    "council": "/staff/council/projects",
}


# -- the lists -----------------------------------------------------------------------------


@router.get(DEPARTMENT)
async def department_projects(console: Department) -> Response:
    return await _list_page(console)


@router.get("/staff/desk/projects")
@router.get("/staff/council/projects")
async def projects(console: Reader) -> Response:
    return await _list_page(console)


async def _list_page(console: Console) -> Response:
    """The projects this person sees (implementation decides), overdue verifications
    flagged, each with its receipt number and title: one call, the lines carry them."""
    lines = await console.calls.projects(console.city)
    overdue = {line["proposal_id"] for line in lines if line["overdue"]}
    departments = await console.public.departments(console.city)
    return console.render(
        "staff/projects.html",
        home=HOMES[console.staff.role],
        lines=lines,
        overdue=overdue,
        departments=departments,
        phase_names=project_forms.PHASE_NAMES,
        route_names=project_forms.ROUTE_NAMES,
        verdict_names=project_forms.verdict_names(console.page),
    )


# -- one project ---------------------------------------------------------------------------


@router.get(DEPARTMENT + "/{proposal_id}")
async def department_project(console: Department, proposal_id: UUID, done: str = "") -> Response:
    step = project_forms.STEPS.get(done)
    notice = console.page.gettext(step.done) if step else ""
    return await project_page(console, proposal_id, notice=notice)


@router.get("/staff/desk/projects/{proposal_id}")
@router.get("/staff/council/projects/{proposal_id}")
async def project(console: Reader, proposal_id: UUID) -> Response:
    return await project_page(console, proposal_id)


async def project_page(
    console: Console,
    proposal_id: UUID,
    *,
    notice: str = "",
    errors: dict[str, str] | None = None,
    values: dict[str, dict[str, Any]] | None = None,
    status_code: int = 200,
) -> Response:
    """Where the project stands, its history, and (its department) the forms of the
    steps that can come next."""
    found = await console.calls.project(console.city, proposal_id)
    if found is None:
        return console.render("not_found.html", status_code=404)
    departments = await console.public.departments(console.city)
    home = HOMES[console.staff.role]
    acting = console.staff.role == "department"
    offered = project_forms.offered(found) if acting else []
    values = {"logic-model": project_forms.logic_model_values(found), **(values or {})}
    return console.render(
        "staff/project.html",
        status_code=status_code,
        home=home,
        project=found,
        departments=departments,
        history=history_lines("implementation", found["history"], console.page),
        offered=[project_forms.STEPS[key] for key in offered],
        fields_of=project_forms.fields_of,
        choices=project_forms.choices_of(console.page, found),
        next_step=project_forms.next_experiment_step(found),
        phase_names=project_forms.PHASE_NAMES,
        route_names=project_forms.ROUTE_NAMES,
        agreement_names=project_forms.AGREEMENT_NAMES,
        involvement_names=project_forms.INVOLVEMENT_NAMES,
        matter_names=project_forms.MATTER_NAMES,
        step_names=project_forms.step_names(console.page),
        verdict_names=project_forms.verdict_names(console.page),
        logic_model_parts=LOGIC_MODEL_NAMES,
        notice=notice,
        errors=errors or {},
        values=values,
        crumbs=[(home, console.page.gettext(N_("Projects")))],
    )


LOGIC_MODEL_NAMES = {
    "inputs": N_("Inputs"),
    "activities": N_("Activities"),
    "outputs": N_("Outputs"),
    "outcomes": N_("Outcomes"),
    "impact": N_("Impact"),
}


@router.post(DEPARTMENT + "/{proposal_id}/{key}")
async def step(console: Department, proposal_id: UUID, key: str, request: Request) -> Response:
    """One step of the project, sent to implementation; a refusal comes back beside the
    field it names, the form filled in as it was sent."""
    form = await request.form()
    if not form_token_ok(request, form):
        return console.render("expired.html", status_code=403)
    chosen = project_forms.STEPS.get(key)
    if chosen is None:
        return console.render("not_found.html", status_code=404)
    found = await console.calls.project(console.city, proposal_id)
    if found is None:
        return console.render("not_found.html", status_code=404)
    values = project_forms.values_of(chosen, form)
    body = project_forms.body_of(chosen, values, found)
    try:
        await console.calls.project_step(console.city, proposal_id, key, body, method=chosen.method)
    except Refused as refused:
        if refused.status_code not in (409, 422):
            raise
        errors = refusal_beside_fields(console, refused, chosen)
        return await project_page(
            console,
            proposal_id,
            errors=errors,
            values={key: values},
            status_code=refused.status_code,
        )
    return console.redirect(f"{DEPARTMENT}/{proposal_id}", done=key)


# The types of the domain's refusals: each rule of a project names its own (worded in
# project_refusals), else its kind's general type (shared.errors); pydantic's refusals of
# the form's own mistakes carry pydantic's types.
_DOMAIN_TYPES = frozenset(
    {"", NotFound.code, *project_refusals.WORDING}
    | {kind.general_code for kind in (DomainError, InvalidValue, StateConflict, NotYetHeard)}
)


def _by_the_domain(item: dict[str, Any]) -> bool:
    return str(item.get("type", "")) in _DOMAIN_TYPES


def refusal_beside_fields(
    console: Console, refused: Refused, chosen: project_forms.Step
) -> dict[str, str]:
    """Implementation's refusal as one message per field of the step's form, keyed
    `step.field`. A form's own mistake (missing, too long) and a rule of the project (a
    date before the call closes, a cap) in the portal's words, after the field's label
    (a rule not worded yet in implementation's own); what names no field of the form
    goes to the summary."""
    gettext = console.page.gettext
    labels = {field.name: field.label for field in chosen.fields}
    labels["council_vote"] = N_("Council vote on")
    # An empty list (no line given) is a missing field, as the person sees it.
    typed = Refused(
        refused.status_code,
        [
            {**item, "type": "missing"} if item.get("type") == "too_short" else item
            for item in refused.detail
            if not _by_the_domain(item)
        ],
    )
    found = field_errors(typed, labels, gettext, frozenset({"kind", "involvement", "verdict"}))
    for item in refused.detail:
        if not _by_the_domain(item):
            continue
        loc = [str(part) for part in item.get("loc", [])]
        name = ".".join(loc[1:]) if loc[:1] == ["body"] else ""
        message = project_refusals.worded(item, console.page) or str(item.get("msg", ""))
        if name == "step":
            name = "done_on"  # the step is the page's choice: the message goes by its date
        if name in labels:
            found.setdefault(name, f"{gettext(labels[name])}: {message}")
        else:
            found.setdefault("", message)
    return {(f"{chosen.key}.{name}" if name else ""): text for name, text in found.items()}
