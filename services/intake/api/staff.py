"""The whole proposal for the city's staff who may see it: the desk and the auditor every
proposal of their city, a department what was routed to it, the council what was
escalated to it (DESIGN.md §8); and the proposal's history for the desk and the auditor."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, Response

from services.intake.api.dependencies import Intake
from services.intake.api.desk import document_download
from services.intake.api.views import DeskProposalView
from services.intake.application import IntakeApplication
from services.intake.domain import Proposal
from shared.authorisation import DeskOrAuditor, Reader, require_sight
from shared.history_step import HistoryStep
from shared.staff_auth import StaffToken

router = APIRouter(prefix="/api/v1/municipalities/{municipality}/proposals", tags=["staff"])


@router.get(
    "/{proposal_id}",
    summary="提案の全文 / The whole proposal, for the staff who may see it",
)
def proposal_for_staff(
    municipality: str, proposal_id: UUID, intake: Intake, staff: Reader
) -> DeskProposalView:
    """Content, proposer, contact details and the protected part. A department sees a
    proposal only while it is routed to it (routing's word, as intake heard it), the
    council only once it was escalated; for anyone else it does not exist (404)."""
    return DeskProposalView.of(_in_sight(intake, municipality, proposal_id, staff))


@router.get(
    "/{proposal_id}/document",
    summary="提案書 / The attached proposal document, for the staff who may see it",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}, "description": "The PDF"}},
)
def document_for_staff(
    municipality: str, proposal_id: UUID, intake: Intake, staff: Reader
) -> Response:
    """Need-to-know: whoever may see the proposal (a department once it is routed to it,
    the council once escalated, the desk and the auditor); never the public."""
    return document_download(_in_sight(intake, municipality, proposal_id, staff), intake)


def _in_sight(
    intake: IntakeApplication, municipality: str, proposal_id: UUID, staff: StaffToken
) -> Proposal:
    proposal = intake.proposal(proposal_id, municipality=municipality)
    if staff.role in ("department", "council"):
        state = intake.state(proposal_id)
        require_sight(
            staff,
            state.departments,
            f"proposal {proposal_id} does not exist",
            escalated=state.escalated_by is not None,
        )
    return proposal


@router.get(
    "/{proposal_id}/history",
    summary="提案の経過 / The proposal's whole history (desk, auditor)",
)
def proposal_history(
    municipality: str, proposal_id: UUID, intake: Intake, staff: DeskOrAuditor
) -> list[HistoryStep]:
    """Intake's events of the proposal and what routing and decision said of it since, in
    the order it happened, as `kyoso replay` tells it."""
    intake.proposal(proposal_id, municipality=municipality)
    return [HistoryStep.of(envelope) for envelope in intake.history(proposal_id)]
