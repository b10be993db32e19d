"""The desk's dashboard: what waits, what is overdue, how often proposals were rerouted;
and the overdue proposals alone, which the desk's inbox filters by (routing keeps the
deadlines, so it alone says what is overdue)."""

from __future__ import annotations

from fastapi import APIRouter, Response

from services.routing.api.dependencies import DeskOrAuditor, RoutingApp
from services.routing.api.views import Dashboard, RoutingLineView
from shared.paging import PAGED, Paging, paged

router = APIRouter(prefix="/api/v1/municipalities/{municipality}", tags=["dashboard"])


@router.get("/dashboard", summary="窓口ダッシュボード / The desk's dashboard")
def dashboard(municipality: str, routing: RoutingApp, staff: DeskOrAuditor) -> Dashboard:
    return Dashboard.of(routing.dashboard(municipality))


@router.get("/overdue", summary="期限超過の提案 / The overdue proposals", responses=PAGED)
def overdue(
    municipality: str,
    routing: RoutingApp,
    staff: DeskOrAuditor,
    page: Paging,
    response: Response,
) -> list[RoutingLineView]:
    """The open routings whose routing or dialogue deadline has passed (`overdue` says
    which), in the order they were routed, a page at a time; the total in X-Total-Count."""
    return paged(routing.overdue(municipality), page, response, RoutingLineView.of)
