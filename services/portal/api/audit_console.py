"""The auditor's console (a read-only role): one proposal's whole history across the
services, with who did each step (intake's history of the proposal, which holds what
routing and decision said of it), and where it stands in each service."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Response

from services.portal.api import dialogue_log, project_forms
from services.portal.api.console import Console, ConsoleRoute, console_for, history_lines
from services.portal.backends import Refused, ServiceUnavailable
from services.portal.forms import CHANNEL_NAMES

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)
Auditor = Annotated[Console, Depends(console_for("auditor"))]
HOME = "/staff/audit"


@router.get(HOME)
async def find(console: Auditor, proposal: str = "") -> Response:
    """A proposal's ID typed in: its history; anything else is said beside the field."""
    error = ""
    if proposal:
        try:
            return console.redirect(f"{HOME}/{UUID(proposal.strip())}")
        except ValueError:
            error = console.page.gettext("Enter the proposal's ID as it is shown in its record.")
    return console.render(
        "staff/audit_find.html",
        status_code=422 if error else 200,
        proposal=proposal,
        error=error,
    )


@router.get(HOME + "/{proposal_id}")
async def history(console: Auditor, proposal_id: UUID) -> Response:
    content = await console.calls.proposal(console.city, proposal_id)
    routing = await console.calls.routing(console.city, proposal_id)
    decision = await console.calls.decision(console.city, proposal_id)
    # Intake's history holds its own events and what routing and decision said since,
    # in the order it happened (as `kyoso replay` tells it).
    raw = await console.calls.history(console.city, proposal_id)
    lines = history_lines("intake", raw, console.page)
    # After adoption, where the project stands (its steps are in intake's history, which
    # hears implementation too).
    try:
        project = await console.calls.project(console.city, proposal_id)
        project_unavailable = False
    except ServiceUnavailable:
        project, project_unavailable = None, True  # the history still reads
    case = await _case_of(console, proposal_id)
    departments = await console.public.departments(console.city)
    log = await dialogue_log.log_of(console, proposal_id) if routing else None
    return console.render(
        "staff/audit_history.html",
        proposal=content,
        routing=routing,
        decision=decision,
        case=case,
        project=project,
        project_unavailable=project_unavailable,
        phase_names=project_forms.PHASE_NAMES,
        route_names=project_forms.ROUTE_NAMES,
        history=lines,
        departments=departments,
        **dialogue_log.shown(log, console, departments),
        channel_names=CHANNEL_NAMES,
        crumbs=[(HOME, console.page.gettext("Proposal history"))],
    )


async def _case_of(console: Console, proposal_id: UUID) -> dict[str, Any] | None:
    try:
        cases = await console.calls.cases(console.city)
    except Refused as refused:
        if refused.status_code != 403:
            raise
        return None  # publication shows its drafts to the desk only (so far)
    return next((c for c in cases if c["proposal_id"] == str(proposal_id)), None)
