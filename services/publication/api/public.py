"""What anyone may read: the register, the published cases and their feed."""

from __future__ import annotations

from html import escape
from typing import Any
from uuid import UUID

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse

from services.publication.api.dependencies import Publication
from services.publication.api.views import RegisterRow
from shared.contract import PublicCase
from shared.municipalities import municipalities

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


@router.get("/register", summary="提案受付状況 / The public register of proposals")
def register(municipality: str, publication: Publication) -> list[RegisterRow]:
    return register_rows(publication, municipality)


@router.get("/cases", summary="官民連携事例 / Published cases")
def cases(municipality: str, publication: Publication) -> list[PublicCase]:
    _known(municipality)
    return publication.published_cases(municipality)


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
    return publication.case_feed(municipality, str(request.base_url).rstrip("/"))


@pages.get("/register/{municipality}")
def register_page(municipality: str, publication: Publication) -> HTMLResponse:
    rows = register_rows(publication, municipality)
    city = municipalities()[municipality]

    def table(channel_rows: list[RegisterRow], theme: bool) -> str:
        head = (
            "<tr><th>提案受付日<br>Received</th><th>課題番号<br>Theme</th><th>課題名<br>Theme title</th>"
            if theme
            else "<tr><th>提案受付日<br>Received</th><th>提案題名<br>Title</th>"
        )
        head += "<th>分野<br>Field</th><th>提案概要<br>Summary</th><th>対応状況<br>Status</th></tr>"
        body = "".join(
            f"<tr><td>{r.received_on:%Y/%m/%d}</td>"
            + (
                f"<td>{r.theme_number:02d}</td><td>{escape(r.theme_title or '')}</td>"
                if theme
                else f"<td>{escape(r.title or '')}</td>"
            )
            + f"<td>{escape(r.field)}</td><td>{escape(r.summary)}</td>"
            f"<td>{escape(r.status_ja)}<br><small>{escape(r.status_en)}</small></td></tr>"
            for r in channel_rows
        )
        return f"<table>{head}{body}</table>"

    themed = [r for r in rows if r.theme_number is not None]
    free = [r for r in rows if r.theme_number is None]
    return HTMLResponse(
        '<!doctype html><html lang="ja"><head><meta charset="utf-8">'
        f"<title>{escape(city.name_ja)} 提案受付状況</title>"
        "<style>body{font-family:system-ui,sans-serif;max-width:70rem;margin:2rem auto;padding:0 1rem}"
        "table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ddd;padding:.4rem;"
        "text-align:left;vertical-align:top}small{color:#666}</style></head><body>"
        f"<h1>{escape(city.name_ja)} 提案受付状況 <small>{escape(city.name_en)}: register of proposals</small></h1>"
        f"<h2>テーマ型提案 <small>Theme proposals</small></h2>{table(themed, True)}"
        f"<h2>フリー型提案 <small>Free proposals</small></h2>{table(free, False)}"
        f'<p><a href="/feeds/{municipality}.json">事例フィード / Case feed (JSON Feed)</a></p>'
        "</body></html>"
    )
