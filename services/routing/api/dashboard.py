"""The desk's dashboard: what waits, what is overdue, how often proposals were rerouted."""

from __future__ import annotations

from fastapi import APIRouter

from services.routing.api.dependencies import DeskOrAuditor, RoutingApp
from services.routing.api.views import Dashboard

router = APIRouter(prefix="/api/v1/municipalities/{municipality}", tags=["dashboard"])


@router.get("/dashboard", summary="窓口ダッシュボード / The desk's dashboard")
def dashboard(municipality: str, routing: RoutingApp, staff: DeskOrAuditor) -> Dashboard:
    return Dashboard.of(routing.dashboard(municipality))
