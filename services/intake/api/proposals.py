"""Submitting a proposal: open to anyone, 24/7 (Aomori)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Header, Response, UploadFile, status

from services.intake.api.dependencies import Intake, Settings, Submissions, Today, Tokens
from services.intake.api.views import SubmissionReceipt
from services.intake.application import SubmissionRequest
from services.intake.commands import ProposalSubmission
from services.intake.documents import DOCUMENT_MAX_BYTES, DocumentTooLarge
from shared.acting import Acting
from shared.contract.intake import DocumentReference
from shared.contract.vocabulary import ActorRole
from shared.staff_auth import CorrelationId
from shared.web import error

router = APIRouter(prefix="/api/v1/municipalities/{municipality}/proposals", tags=["proposals"])

IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=8,
        max_length=128,
        pattern=r"^[A-Za-z0-9._:-]+$",
        description="Any unique value; a retried request with the same key creates nothing new",
    ),
]


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="提案する / Submit a proposal",
    responses={
        200: {
            "model": SubmissionReceipt,
            "description": "A retry with the same Idempotency-Key: the earlier receipt",
        },
        409: {"description": "The theme's call is closed"},
        422: {"description": "A field is missing or malformed, or the theme does not exist"},
    },
)
async def submit_proposal(
    municipality: str,
    submission: ProposalSubmission,
    response: Response,
    queue: Submissions,
    tokens: Tokens,
    settings: Settings,
    today: Today,
    idempotency_key: IdempotencyKey = None,
    correlation_id: CorrelationId = None,
) -> SubmissionReceipt:
    submitted = await queue.submit(
        SubmissionRequest(
            municipality,
            submission,
            Acting.new(ActorRole.PROPOSER, municipality, correlation_id),
            today,
            idempotency_key,
        )
    )
    if submitted.replayed:
        response.status_code = status.HTTP_200_OK
        response.headers["Idempotent-Replayed"] = "true"
    proposal = submitted.proposal
    token = tokens.issue(proposal.id, proposal.status_link_generation)
    return SubmissionReceipt.of(
        proposal,
        status_token=token,
        status_url=f"{settings.public_base_url.rstrip('/')}/status/{proposal.id}?token={token}",
    )


@router.post(
    "/check",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="提案を確認する（記録しない） / Check a proposal without submitting it",
    responses={
        409: {"description": "The theme's call is closed"},
        422: {"description": "A field is missing or malformed, or the theme does not exist"},
    },
)
def check_proposal(
    municipality: str, submission: ProposalSubmission, intake: Intake, today: Today
) -> Response:
    """The answer a submission of this body would get, except that nothing is recorded
    and no receipt is issued: 204, or the same 409/422 with the fields named."""
    intake.check_submission(municipality, submission, today)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


documents = APIRouter(prefix="/api/v1/municipalities/{municipality}/documents", tags=["proposals"])


@documents.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=DocumentReference,
    summary="提案書を添付する / Upload the proposal document (PDF, up to 10 MB)",
    responses={
        413: {"description": "The document is larger than 10 MB"},
        422: {"description": "The document is not a PDF, or is empty"},
    },
)
async def upload_document(
    municipality: str, intake: Intake, document: Annotated[UploadFile, File()]
) -> Response | DocumentReference:
    """Keep the PDF a proposal will name (by the sha256 answered here) in its
    `document` field. The file stays in intake: no event and no topic carries it."""
    intake.known_municipality(municipality)
    # One byte more than allowed is enough to know it is too large.
    content = await document.read(DOCUMENT_MAX_BYTES + 1)
    try:
        reference = intake.documents.keep(content, document.filename or "document.pdf")
    except DocumentTooLarge as too_large:
        return error(413, too_large.loc, too_large.reason)
    return DocumentReference.model_validate(reference)
