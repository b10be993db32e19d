"""The proposer's own view, behind the secret status token: status, history, withdrawal."""

from __future__ import annotations

from fastapi import APIRouter

from services.intake.api.dependencies import Intake, ProposerAccess
from services.intake.api.views import ProposerView
from services.intake.commands import Withdrawal
from shared.staff_auth import CorrelationId

router = APIRouter(prefix="/api/v1/proposer/proposals/{proposal_id}", tags=["proposer"])


@router.get("", summary="提案の状況 / Status and history of my proposal")
def my_proposal(proposal_id: ProposerAccess, intake: Intake) -> ProposerView:
    return ProposerView.of_state(intake.state(proposal_id))


@router.post("/withdrawal", summary="提案を取り下げる / Withdraw my proposal")
def withdraw(
    proposal_id: ProposerAccess,
    withdrawal: Withdrawal,
    intake: Intake,
    correlation_id: CorrelationId = None,
) -> ProposerView:
    intake.withdraw(proposal_id, withdrawal.reason, correlation_id)
    return ProposerView.of_state(intake.state(proposal_id))
