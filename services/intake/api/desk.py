"""The desk's work on proposals of its own municipality: the inbox and screening."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote
from uuid import UUID

from fastapi import APIRouter, Query, Response

from services.intake.api.dependencies import DeskStaff, Intake
from services.intake.api.views import DeskProposalLine, DeskProposalView
from services.intake.application import IntakeApplication
from services.intake.commands import Screening
from services.intake.domain import Proposal
from shared.authorisation import DeskOrAuditor
from shared.contract.vocabulary import Channel
from shared.errors import NotFound
from shared.paging import MOST_LINES, PAGED, Paging, paged
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
    channel: Annotated[Channel | None, Query(description="Only proposals of this channel")] = None,
    theme_number: Annotated[
        int | None, Query(ge=1, description="Only proposals answering this theme")
    ] = None,
    field: Annotated[
        str | None, Query(max_length=200, description="Only proposals in this field (分野)")
    ] = None,
    q: Annotated[
        str | None,
        Query(
            min_length=1,
            max_length=200,
            description="Search: part of the receipt number, title or organisation",
        ),
    ] = None,
    proposal_id: Annotated[
        list[UUID] | None,
        Query(
            max_length=MOST_LINES,
            description="Only these proposals (repeat the parameter): e.g. the overdue ones "
            "routing names, so the other filters and the paging apply to them",
        ),
    ] = None,
) -> list[DeskProposalLine]:
    """In the order they came in, a page at a time; the total in X-Total-Count."""
    ids = intake.proposal_ids(
        municipality,
        status.value if status else None,
        channel=channel.value if channel else None,
        theme_number=theme_number,
        field=field,
        text=q,
        among=frozenset(proposal_id) if proposal_id is not None else None,
    )
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


@router.get(
    "/proposals/{proposal_id}/document",
    summary="提案書のダウンロード / The attached proposal document",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}, "description": "The PDF"}},
)
def document(
    municipality: str, proposal_id: UUID, intake: Intake, staff: DeskOrAuditor
) -> Response:
    """The desk (and the auditor) of the proposal's city; a department reads it at
    `…/proposals/{id}/document` once the proposal is routed to it. Never the public."""
    return document_download(intake.proposal(proposal_id, municipality=municipality), intake)


def document_download(proposal: Proposal, intake: IntakeApplication) -> Response:
    """The proposal's PDF as a download (404 when it has none, or the file is not kept)."""
    if proposal.document is None:
        raise NotFound(f"proposal {proposal.id} has no attached document")
    reference = proposal.document
    return Response(
        intake.documents.read(reference["sha256"]),
        media_type=reference["content_type"],
        headers={
            # Downloaded, never shown inline: a PDF opened in the desk's origin could script.
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(reference['name'])}",
            "Cache-Control": "no-store",
        },
    )
