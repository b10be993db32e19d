"""Intake's old pages, which now lead to the portal (DESIGN.md §9: one web front).

`/` and `/status/{id}` answer 308 with the portal's address for the same thing. A status
link mailed before carries its token in the query: it is passed on to the portal's
status page, which moves it into a cookie and out of the address bar; the token is not
checked here, so a redirect reveals nothing about the proposal.
"""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, Query
from fastapi.responses import RedirectResponse

from services.intake.api.dependencies import Settings

router = APIRouter(include_in_schema=False)
PERMANENT = 308


@router.get("/")
def portal(settings: Settings) -> RedirectResponse:
    return RedirectResponse(settings.portal_url("/"), status_code=PERMANENT)


@router.get("/status/{proposal_id}")
def status_page(
    proposal_id: UUID, settings: Settings, token: str = Query("", max_length=512)
) -> RedirectResponse:
    query = {"token": token} if token else {}
    response = RedirectResponse(
        settings.portal_url(f"/status/{proposal_id}", **query), status_code=PERMANENT
    )
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "no-store"
    return response
