"""What anyone may read: the desks, their terms, themes, register, cases, the calls for an
implementer and statistics."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Response
from fastapi.responses import FileResponse

from services.portal.api.common import Backends, not_found, with_city
from services.portal.api.decision_form import ROUTE_NAMES
from services.portal.forms import CHANNEL_DESCRIPTIONS, CHANNEL_NAMES, CHANNELS
from services.portal.pages import PageOf, PortalRoute
from services.portal.register import Choices, Filters, Statistics, as_csv, selected
from services.portal.soundings import public_soundings
from services.portal.terms import TERMS
from shared.contract.topics import PUBLIC_CASES

router = APIRouter(route_class=PortalRoute, include_in_schema=False)
STYLE = Path(__file__).parent.parent / "static" / "portal.css"
ASSESS_SCRIPT = Path(__file__).parent.parent / "static" / "assess.js"


@router.get("/static/portal.css")
async def style() -> FileResponse:
    return FileResponse(STYLE, media_type="text/css", headers={"Cache-Control": "max-age=3600"})


@router.get("/static/assess.js")
async def assess_script() -> FileResponse:
    """The staff consoles' one script: the live fairness assessment (static/assess.js)."""
    return FileResponse(
        ASSESS_SCRIPT, media_type="text/javascript", headers={"Cache-Control": "max-age=3600"}
    )


@router.get("/")
async def desks(page: PageOf) -> Response:
    return page.render("index.html")


@router.get("/{city}")
async def desk(city: str, page: PageOf, backends: Backends) -> Response:
    if not with_city(page, city):
        return not_found(page)
    themes, published_soundings = await asyncio.gather(
        backends.themes(city), public_soundings(backends, city)
    )
    return page.render(
        "desk.html",
        channels=CHANNELS,
        channel_names=CHANNEL_NAMES,
        channel_descriptions=CHANNEL_DESCRIPTIONS,
        open_themes=[t for t in themes if t.open],
        open_soundings=[s for s in published_soundings if s.open],
    )


@router.get("/{city}/terms")
async def terms(city: str, page: PageOf) -> Response:
    if not with_city(page, city):
        return not_found(page)
    return page.render("terms.html", terms=TERMS, cities={c.code: c for c in page.cities})


@router.get("/{city}/themes")
async def themes(city: str, page: PageOf, backends: Backends) -> Response:
    if not with_city(page, city):
        return not_found(page)
    found, departments = await asyncio.gather(backends.themes(city), backends.departments(city))
    return page.render("themes.html", themes=found, departments=departments)


@router.get("/{city}/themes/{number}")
async def theme(city: str, number: str, page: PageOf, backends: Backends) -> Response:
    if not with_city(page, city) or not number.isdigit():
        return not_found(page)
    found, departments, register = await asyncio.gather(
        backends.theme(city, int(number)), backends.departments(city), backends.register(city)
    )
    if found is None:
        return not_found(page)
    answers = [row for row in register if row.theme_number == found.number]
    return page.render(
        "theme.html",
        theme=found,
        department=departments.get(found.department),
        answers=answers,
        channel_names=CHANNEL_NAMES,
    )


FilterQuery = Annotated[str, Query(max_length=200)]


def register_filters(
    status: FilterQuery = "",
    channel: FilterQuery = "",
    field: FilterQuery = "",
    year: FilterQuery = "",
) -> Filters:
    """The register's filters from the address (the page and its CSV take the same)."""
    return Filters(status, channel, field, year)


FiltersOf = Annotated[Filters, Depends(register_filters)]


@router.get("/{city}/register")
async def register(city: str, page: PageOf, backends: Backends, filters: FiltersOf) -> Response:
    if not with_city(page, city):
        return not_found(page)
    rows = await backends.register(city)
    return page.render(
        "register.html",
        rows=selected(rows, filters),
        total=len(rows),
        filters=filters,
        choices=Choices.of(rows, page.language),
        channel_names=CHANNEL_NAMES,
    )


@router.get("/{city}/register.csv")
async def register_csv(city: str, page: PageOf, backends: Backends, filters: FiltersOf) -> Response:
    if not with_city(page, city):
        return not_found(page)
    rows = selected(await backends.register(city), filters)
    text = as_csv(rows, page.language, page.gettext)
    response = Response(
        "\ufeff" + text,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="register-{city}.csv"'},
    )
    page.apply_cookies(response)
    return response


@router.get("/{city}/cases")
async def cases(city: str, page: PageOf, backends: Backends) -> Response:
    if not with_city(page, city):
        return not_found(page)
    return page.render(
        "cases.html",
        cases=await backends.cases(city),
        feed_url=f"{page.settings.publication_base_url}/feeds/{city}.json",
        topic=PUBLIC_CASES.name(page.settings),
        channel_names=CHANNEL_NAMES,
    )


@router.get("/{city}/calls")
async def calls(city: str, page: PageOf, backends: Backends) -> Response:
    """The open calls (公募) and procurements for the implementer of an adopted proposal,
    with their period and, where the city has an incentive scheme, the proposer's bonus
    announced in the call (Setagaya 004 §5(3): 「公告文等に明示したうえで…10%を上限として
    …加点を行う可能性がある」)."""
    if not with_city(page, city):
        return not_found(page)
    return page.render(
        "calls.html",
        calls=await backends.calls(city),
        route_names=ROUTE_NAMES,
        topic=PUBLIC_CASES.name(page.settings),
    )


@router.get("/{city}/cases/{case_id}")
async def case(city: str, case_id: str, page: PageOf, backends: Backends) -> Response:
    if not with_city(page, city):
        return not_found(page)
    try:
        wanted = UUID(case_id)
    except ValueError:
        return not_found(page)
    found = await backends.case(city, wanted)
    if found is None:
        return not_found(page)
    return page.render("case.html", case=found, channel_names=CHANNEL_NAMES)


@router.get("/{city}/statistics")
async def statistics(
    city: str, page: PageOf, backends: Backends, year: FilterQuery = ""
) -> Response:
    if not with_city(page, city):
        return not_found(page)
    rows = await backends.register(city)
    years = Choices.of(rows, page.language).years
    shown = int(year) if year.isdigit() else (years[0] if years else None)
    return page.render(
        "statistics.html",
        statistics=Statistics.of(rows, shown, page.language),
        years=years,
        channel_names=CHANNEL_NAMES,
    )
