"""The desk records what became of a pre-consultation (事前相談) and links the proposal that
followed it (services/intake/consultations.py); both show on the desk's view."""

from __future__ import annotations

from datetime import date
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from services.intake.api.dependencies import DeskStaff, Intake
from services.intake.consultations import (
    NOTE_MAX_LENGTH,
    OUTCOME_LABELS,
    ConsultationOutcome,
    ConsultationRecord,
    Consultations,
)
from shared.authorisation import DeskOrAuditor
from shared.contract.vocabulary import Channel
from shared.staff_auth import CorrelationId, staff_acting

router = APIRouter(prefix="/api/v1/municipalities/{municipality}/desk", tags=["desk"])

ReceiptNumber = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)
]


class OutcomeBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    outcome: ConsultationOutcome
    note: str | None = Field(None, max_length=NOTE_MAX_LENGTH, description="What was advised")
    proposal_receipt_number: ReceiptNumber | None = Field(
        None, description="The proposal it led to (led_to_proposal only), e.g. AOM-2026-0002"
    )


class OutcomeLine(BaseModel):
    outcome: ConsultationOutcome
    ja: str
    en: str
    note: str | None
    recorded_on: date
    recorded_by: str | None


class LinkedProposal(BaseModel):
    proposal_id: UUID
    receipt_number: str


class ConsultationLinks(BaseModel):
    """For a pre-consultation: its outcomes and the proposal that followed; for a proposal:
    the consultation it followed (each None or empty when there is none)."""

    proposal_id: UUID
    receipt_number: str
    is_consultation: bool
    outcomes: list[OutcomeLine] = []
    followed_by: LinkedProposal | None = None
    follows: LinkedProposal | None = None


def _links(intake: Intake, municipality: str, proposal_id: UUID) -> ConsultationLinks:
    proposal = intake.proposal(proposal_id, municipality=municipality)
    consultations = Consultations(intake)
    record: ConsultationRecord | None = consultations.record(proposal_id)
    follows = consultations.follows(proposal_id)
    return ConsultationLinks(
        proposal_id=proposal_id,
        receipt_number=proposal.receipt_number,
        is_consultation=proposal.channel == Channel.PRE_CONSULTATION.value,
        outcomes=[]
        if record is None
        else [
            OutcomeLine(
                outcome=ConsultationOutcome(o["outcome"]),
                ja=OUTCOME_LABELS[ConsultationOutcome(o["outcome"])][0],
                en=OUTCOME_LABELS[ConsultationOutcome(o["outcome"])][1],
                note=o["note"],
                recorded_on=o["recorded_on"],
                recorded_by=o["recorded_by"],
            )
            for o in record.outcomes
        ],
        followed_by=None
        if record is None or record.followed_by is None
        else LinkedProposal(
            proposal_id=record.followed_by[0], receipt_number=record.followed_by[1]
        ),
        follows=None
        if follows is None
        else LinkedProposal(
            proposal_id=follows.consultation_id,
            receipt_number=follows.consultation_receipt_number,
        ),
    )


@router.get(
    "/proposals/{proposal_id}/consultation",
    summary="事前相談の結果とつながり / A consultation's outcome, or the one a proposal followed",
)
def consultation(
    municipality: str, proposal_id: UUID, intake: Intake, staff: DeskOrAuditor
) -> ConsultationLinks:
    return _links(intake, municipality, proposal_id)


@router.post(
    "/proposals/{proposal_id}/consultation/outcome",
    summary="事前相談の結果 / Record what became of a pre-consultation",
)
def record_outcome(
    municipality: str,
    proposal_id: UUID,
    body: OutcomeBody,
    intake: Intake,
    staff: DeskStaff,
    correlation_id: CorrelationId = None,
) -> ConsultationLinks:
    """Advice given (more may follow), led to a proposal (name its receipt number: the two
    are linked), or closed."""
    Consultations(intake).record_outcome(
        municipality,
        proposal_id,
        body.outcome,
        body.note,
        body.proposal_receipt_number,
        staff_acting(staff, correlation_id),
    )
    return _links(intake, municipality, proposal_id)
