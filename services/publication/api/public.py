"""What anyone may read: the register, the published cases and their feed."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse

from services.publication.api.dependencies import Publication
from services.publication.api.views import RegisterRow
from shared.contract import PublicCase
from shared.municipalities import municipalities
from shared.pages import PageTemplates

router = APIRouter(prefix="/api/v1/municipalities/{municipality}", tags=["public"])
pages = APIRouter(include_in_schema=False)
feeds = APIRouter(tags=["public"])


def _known(municipality: str) -> None:
    if municipality not in municipalities():
        raise HTTPException(
            404,
            detail=[{"loc": ["path", "municipality"], "msg": f"'{municipality}' is not served"}],
        )


def register_rows(publication: Publication, municipality: str) -> list[RegisterRow]:
    _known(municipality)
    return [
        RegisterRow.of(
            state, status, publication.register.theme_title(municipality, state.theme_number)
        )
        for state, status in publication.register.proposals(municipality)
    ]


def published_cases(publication: Publication, municipality: str) -> list[PublicCase]:
    _known(municipality)
    cases = []
    for case_id in publication.register.case_ids(municipality):
        case = publication.case(case_id, municipality)
        if case.disclosed is not None and not case.retracted:
            cases.append(PublicCase.model_validate(case.disclosed))
    return sorted(cases, key=lambda c: c.published_on, reverse=True)


@router.get("/register", summary="提案受付状況 / The public register of proposals")
def register(municipality: str, publication: Publication) -> list[RegisterRow]:
    return register_rows(publication, municipality)


@router.get("/cases", summary="官民連携事例 / Published cases")
def cases(municipality: str, publication: Publication) -> list[PublicCase]:
    return published_cases(publication, municipality)


@router.get("/cases/{case_id}", summary="One published case")
def case(municipality: str, case_id: UUID, publication: Publication) -> PublicCase:
    found = next(
        (c for c in published_cases(publication, municipality) if c.case_id == case_id), None
    )
    if found is None:
        raise HTTPException(
            404, detail=[{"loc": ["path", "case_id"], "msg": "no such published case"}]
        )
    return found


@feeds.get(
    "/feeds/{municipality}.json", summary="JSON Feed of published cases, for cities without Kafka"
)
def json_feed(municipality: str, request: Request, publication: Publication) -> dict[str, Any]:
    city = municipalities().get(municipality)
    cases_ = published_cases(publication, municipality)
    base = str(request.base_url).rstrip("/")
    assert city is not None
    return {
        "version": "https://jsonfeed.org/version/1.1",
        "title": f"{city.name_ja} 官民連携事例 / {city.name_en} co-creation cases",
        "home_page_url": f"{base}/register/{municipality}",
        "feed_url": f"{base}/feeds/{municipality}.json",
        "language": "ja",
        "items": [
            {
                "id": str(c.case_id),
                "url": f"{base}/api/v1/municipalities/{municipality}/cases/{c.case_id}",
                "title": c.title,
                "summary": c.summary,
                "content_text": "\n\n".join(f"{s.heading}\n{s.text}" for s in c.sections)
                or c.summary,
                "date_published": f"{c.published_on.isoformat()}T00:00:00+09:00",
                "tags": [c.field],
                "_kyoso": {
                    "version": c.version,
                    "partner": c.partner,
                    "theme_number": c.theme_number,
                },
            }
            for c in cases_
        ],
    }


templates = PageTemplates("services.publication")


@pages.get("/register/{municipality}")
def register_page(municipality: str, publication: Publication) -> HTMLResponse:
    rows = register_rows(publication, municipality)
    city = municipalities()[municipality]
    return templates.render("register.html", city=city, rows=rows)
