"""The council's console (官民連携推進本部会議, Sapporo): the proposals departments escalated,
each one's record, and the council's decision (adopt with the fairness assessment, or
reject with reasons), through decision's staff endpoints with the member's token."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Request, Response

from services.portal.api.console import Console, ConsoleRoute, console_for, form_token_ok
from services.portal.api.department_console import NOTICES, decide, record_page

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)
Council = Annotated[Console, Depends(console_for("council"))]
HOME = "/staff/council"


@router.get(HOME)
async def inbox(console: Council) -> Response:
    lines = await console.calls.council_inbox(console.city)
    departments = await console.public.departments(console.city)
    return console.render("staff/council_inbox.html", lines=lines, departments=departments)


@router.get(HOME + "/proposals/{proposal_id}")
async def proposal(console: Council, proposal_id: UUID, done: str = "") -> Response:
    notice = console.page.gettext(NOTICES[done]) if done in NOTICES else ""
    return await record_page(console, proposal_id, HOME, notice=notice)


@router.post(HOME + "/proposals/{proposal_id}/{how}")
async def decision(console: Council, proposal_id: UUID, how: str, request: Request) -> Response:
    form = await request.form()
    if not form_token_ok(request, form):
        return console.render("expired.html", status_code=403)
    if how in ("escalate", "infeasible"):  # a department's acts
        return console.render("not_found.html", status_code=404)
    return await decide(console, proposal_id, how, form, HOME)
