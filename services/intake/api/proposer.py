"""The proposer's own view, behind the secret status token: status, history, the dialogue
with the department, withdrawal; and a lost status link sent again to the proposal's
e-mail address."""

from __future__ import annotations

from fastapi import APIRouter, status

from services.intake.api.dependencies import Intake, ProposerAccess
from services.intake.api.views import ProposerView, StatusLinkAnswer
from services.intake.commands import ProposerMessage, StatusLinkRequest, Withdrawal
from shared.openapi import ErrorAnswer
from shared.staff_auth import CorrelationId

router = APIRouter(prefix="/api/v1/proposer", tags=["proposer"])


@router.get("/proposals/{proposal_id}", summary="提案の状況 / Status and history of my proposal")
def my_proposal(proposal_id: ProposerAccess, intake: Intake) -> ProposerView:
    return ProposerView.of_state(intake.state(proposal_id))


@router.post(
    "/proposals/{proposal_id}/withdrawal", summary="提案を取り下げる / Withdraw my proposal"
)
def withdraw(
    proposal_id: ProposerAccess,
    withdrawal: Withdrawal,
    intake: Intake,
    correlation_id: CorrelationId = None,
) -> ProposerView:
    intake.withdraw(proposal_id, withdrawal.reason, correlation_id)
    return ProposerView.of_state(intake.state(proposal_id))


@router.post(
    "/proposals/{proposal_id}/messages",
    status_code=status.HTTP_201_CREATED,
    summary="担当部署への返信 / Answer the department in the dialogue",
)
def answer(
    proposal_id: ProposerAccess,
    message: ProposerMessage,
    intake: Intake,
    correlation_id: CorrelationId = None,
) -> ProposerView:
    """Once the department (or the desk) has written to the proposer, and while the
    proposal has not ended; the department reads it in the proposal's dialogue log."""
    intake.answer(proposal_id, message.text, message.in_reply_to, correlation_id)
    return ProposerView.of_state(intake.state(proposal_id))


@router.post(
    "/status-links",
    status_code=status.HTTP_202_ACCEPTED,
    summary="状況確認リンクの再送 / Send my status link again",
    responses={404: {"model": ErrorAnswer, "description": "The municipality is not served"}},
)
def resend_status_link(
    request: StatusLinkRequest, intake: Intake, correlation_id: CorrelationId = None
) -> StatusLinkAnswer:
    """The same answer whether or not the address is known: the link goes to the address
    given with the proposal, never to the asker."""
    intake.resend_status_links(request.municipality, str(request.email), correlation_id)
    return StatusLinkAnswer()
