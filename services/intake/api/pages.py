"""The portal pages people open in a browser: Japanese first, English second."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from services.intake.api.dependencies import Intake, ProposerAccess, Today
from services.intake.api.views import ProposerView, ThemeView
from shared.municipalities import Municipality, municipalities
from shared.pages import PageTemplates

router = APIRouter(include_in_schema=False)
templates = PageTemplates("services.intake")


@dataclass(frozen=True)
class CityDesk:
    """One city's section of the portal: its desk and the themes it published."""

    city: Municipality
    themes: list[ThemeView]


@router.get("/")
def portal(intake: Intake, today: Today) -> HTMLResponse:
    desks = [
        CityDesk(city, [ThemeView.of(t, today) for t in intake.themes(code)])
        for code, city in municipalities().items()
    ]
    return templates.render("portal.html", desks=desks)


@router.get("/status/{proposal_id}")
def status_page(proposal_id: ProposerAccess, intake: Intake) -> HTMLResponse:
    view = ProposerView.of_state(intake.state(proposal_id))
    return templates.render("status.html", view=view)
