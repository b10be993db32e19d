"""What anyone may read: the register, the published cases and their feed."""

from __future__ import annotations

from typing import Any, TypeVar
from uuid import UUID

from fastapi import APIRouter, HTTPException, Request, Response
from fastapi.responses import RedirectResponse

from services.publication.api.dependencies import Publication
from services.publication.api.views import RegisterRow
from services.publication.settings import PublicationSettings
from shared.contract import PublicCase
from shared.municipalities import municipalities
from shared.paging import PAGED, Paging, paged

T = TypeVar("T")

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
    return [RegisterRow.of(line) for line in publication.register.lines(municipality)]


@router.get("/register", summary="提案受付状況 / The public register of proposals", responses=PAGED)
def register(
    municipality: str, publication: Publication, page: Paging, response: Response
) -> list[RegisterRow]:
    return paged(register_rows(publication, municipality), page, response, _same)


@router.get("/cases", summary="官民連携事例 / Published cases", responses=PAGED)
def cases(
    municipality: str, publication: Publication, page: Paging, response: Response
) -> list[PublicCase]:
    _known(municipality)
    return paged(publication.published_cases(municipality), page, response, _same)


def _same(line: T) -> T:
    return line


@router.get("/cases/{case_id}", summary="One published case")
def case(municipality: str, case_id: UUID, publication: Publication) -> PublicCase:
    _known(municipality)
    found = publication.published_case(case_id, municipality)
    if found is None:
        raise HTTPException(
            404, detail=[{"loc": ["path", "case_id"], "msg": "no such published case"}]
        )
    return found


@feeds.get(
    "/feeds/{municipality}.json", summary="JSON Feed of published cases, for cities without Kafka"
)
def json_feed(municipality: str, request: Request, publication: Publication) -> dict[str, Any]:
    _known(municipality)
    # Links from the configured address: a request's Host header is the caller's to set.
    settings: PublicationSettings = request.app.state.settings
    return publication.case_feed(municipality, settings.publication_base_url.rstrip("/"))


@pages.get("/register/{municipality}")
def register_page(municipality: str, request: Request) -> RedirectResponse:
    """The register's page is the portal's now (DESIGN.md §9: one web front)."""
    _known(municipality)
    settings: PublicationSettings = request.app.state.settings
    return RedirectResponse(settings.portal_url(f"/{municipality}/register"), status_code=308)
