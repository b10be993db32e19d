"""The desk's work on proposals of its own municipality: the inbox and screening."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Response

from services.intake.api.dependencies import DeskStaff, Intake
from services.intake.api.views import DeskProposalLine, DeskProposalView
from services.intake.commands import Screening
from shared.authorisation import DeskOrAuditor
from shared.paging import PAGED, Paging, paged
from shared.proposal import ProposalStatus
from shared.staff_auth import CorrelationId, staff_acting

router = APIRouter(prefix="/api/v1/municipalities/{municipality}/desk", tags=["desk"])


@router.get("/proposals", summary="受付一覧 / Proposals of this municipality", responses=PAGED)
def inbox(
    municipality: str,
    intake: Intake,
    staff: DeskOrAuditor,
    page: Paging,
    response: Response,
    status: Annotated[
        ProposalStatus | None, Query(description="Only proposals in this status")
    ] = None,
) -> list[DeskProposalLine]:
    """In the order they came in, a page at a time; the total in X-Total-Count."""
    ids = intake.proposal_ids(municipality, status.value if status else None)
    return paged(ids, page, response, lambda pid: DeskProposalLine.of(intake.proposal(pid)))


@router.get("/proposals/{proposal_id}", summary="The whole proposal, with contact details")
def proposal(
    municipality: str, proposal_id: UUID, intake: Intake, staff: DeskOrAuditor
) -> DeskProposalView:
    return DeskProposalView.of(intake.proposal(proposal_id, municipality=municipality))


@router.post("/proposals/{proposal_id}/screening", summary="受付審査 / Accept or reject")
def screen(
    municipality: str,
    proposal_id: UUID,
    screening: Screening,
    intake: Intake,
    staff: DeskStaff,
    correlation_id: CorrelationId = None,
) -> DeskProposalView:
    return DeskProposalView.of(
        intake.screen(proposal_id, screening, staff_acting(staff, correlation_id))
    )


@router.post(
    "/proposals/{proposal_id}/status-link",
    summary="状況確認リンクの再発行 / Replace the proposer's status link",
)
def reissue_status_link(
    municipality: str,
    proposal_id: UUID,
    intake: Intake,
    staff: DeskStaff,
    correlation_id: CorrelationId = None,
) -> DeskProposalView:
    """A new link is mailed to the address given with the proposal; every earlier link
    stops opening the proposal (here, on the portal and for the case consultation)."""
    return DeskProposalView.of(
        intake.reissue_status_link(municipality, proposal_id, staff_acting(staff, correlation_id))
    )
