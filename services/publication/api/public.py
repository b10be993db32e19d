"""What anyone may read: the register, the published cases and their feed."""

from __future__ import annotations

from typing import Any, TypeVar
from uuid import UUID

from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse

from services.publication.api.dependencies import Publication
from services.publication.api.views import RegisterRow
from services.publication.settings import PublicationSettings
from shared.contract import PublicCall, PublicCase
from shared.paging import PAGED, Paging, paged

T = TypeVar("T")

router = APIRouter(prefix="/api/v1/municipalities/{municipality}", tags=["public"])
pages = APIRouter(include_in_schema=False)
feeds = APIRouter(tags=["public"])


@router.get("/register", summary="提案受付状況 / The public register of proposals", responses=PAGED)
def register(
    municipality: str, publication: Publication, page: Paging, response: Response
) -> list[RegisterRow]:
    lines = publication.register_lines(municipality)
    return paged(lines, page, response, RegisterRow.of)


@router.get("/cases", summary="官民連携事例 / Published cases", responses=PAGED)
def cases(
    municipality: str, publication: Publication, page: Paging, response: Response
) -> list[PublicCase]:
    return paged(publication.published_cases(municipality), page, response, _same)


def _same(line: T) -> T:
    return line


@router.get("/cases/{case_id}", summary="One published case")
def case(municipality: str, case_id: UUID, publication: Publication) -> PublicCase:
    return publication.published_case(case_id, municipality)


@router.get("/calls", summary="事業者の募集 / Open calls for an implementer", responses=PAGED)
def calls(
    municipality: str, publication: Publication, page: Paging, response: Response
) -> list[PublicCall]:
    """The open calls (公募) and procurements that still take applications, the soonest to
    close first, each with its period and, where the city has an incentive scheme, the
    proposer's bonus announced in it (Setagaya 004 §5(3): at most 10 %)."""
    return paged(publication.open_calls(municipality), page, response, _same)


@feeds.get(
    "/feeds/{municipality}.json", summary="JSON Feed of published cases, for cities without Kafka"
)
def json_feed(
    municipality: str, request: Request, publication: Publication, page: Paging
) -> dict[str, Any]:
    """A page of the feed (`?limit=&offset=`); one that is not the last names the next in
    `next_url` (JSON Feed 1.1)."""
    # Links from the configured address: a request's Host header is the caller's to set.
    settings: PublicationSettings = request.app.state.settings
    return publication.case_feed(
        municipality,
        settings.publication_base_url.rstrip("/"),
        limit=page.limit,
        offset=page.offset,
    )


@pages.get("/register/{municipality}")
def register_page(
    municipality: str, request: Request, publication: Publication
) -> RedirectResponse:
    """The register's page is the portal's now (DESIGN.md §9: one web front)."""
    publication.serves(municipality)
    settings: PublicationSettings = request.app.state.settings
    return RedirectResponse(settings.portal_url(f"/{municipality}/register"), status_code=308)
