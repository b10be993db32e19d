"""Operations: the live read models, told by digest, to compare with a rebuild from
history (`kyoso rebuild decision --against URL`)."""

from __future__ import annotations

from fastapi import APIRouter

from services.decision.api.dependencies import Decisions, DeskStaff
from services.decision.integration import SERVICE
from shared.rebuild import ReadModelsReport, live_report

router = APIRouter(prefix="/audit", tags=["operations"])


@router.get("/read-models", summary="読み取りモデルの照合 / The live read models' digests")
def read_models(decisions: Decisions, staff: DeskStaff) -> ReadModelsReport:
    """Position, row counts and digest of each read model, caught up to the end of the log;
    no content. They cover every municipality the service serves, so any desk may ask."""
    return live_report(SERVICE, decisions)
