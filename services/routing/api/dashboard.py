"""The desk's dashboard: what waits, what is overdue, how often proposals were rerouted."""

from __future__ import annotations

from fastapi import APIRouter

from services.routing.api.dependencies import DeskStaff, Routing
from services.routing.api.views import Dashboard, RoutingLineView

router = APIRouter(prefix="/api/v1/municipalities/{municipality}", tags=["dashboard"])


@router.get("/dashboard", summary="窓口ダッシュボード / The desk's dashboard")
def dashboard(municipality: str, routing: Routing, staff: DeskStaff) -> Dashboard:
    lines = [line for line in routing.board.lines(municipality) if not line.closed]
    overdue = [line for line in lines if line.overdue]
    triage = [line for line in lines if line.stage == "triage"]
    return Dashboard(
        municipality=municipality,
        triage=len(triage),
        waiting=sum(line.stage == "waiting" for line in lines),
        in_dialogue=sum(line.stage == "in_dialogue" for line in lines),
        overdue=len(overdue),
        reroutes=sum(
            line.declines + line.reassignments for line in routing.board.lines(municipality)
        ),
        overdue_proposals=[RoutingLineView.of(line) for line in overdue],
        triage_proposals=[RoutingLineView.of(line) for line in triage],
    )
