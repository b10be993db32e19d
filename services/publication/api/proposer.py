"""The proposer is consulted before a case is published, and may object."""

from __future__ import annotations

from fastapi import APIRouter

from services.publication.api.dependencies import ProposerAccess, Publication
from services.publication.api.views import ProposerCaseView
from services.publication.commands import Reason
from shared.staff_auth import CorrelationId

router = APIRouter(prefix="/api/v1/proposer/proposals/{proposal_id}/case", tags=["proposer"])


@router.get("", summary="公開予定の事例 / The case as it would be published")
def my_case(proposal_id: ProposerAccess, publication: Publication) -> ProposerCaseView:
    return ProposerCaseView.of(publication.proposers_case(proposal_id))


@router.post("/objection", summary="異議 / Object to publication, with the reason")
def object_to_it(
    proposal_id: ProposerAccess,
    body: Reason,
    publication: Publication,
    correlation_id: CorrelationId = None,
) -> ProposerCaseView:
    return ProposerCaseView.of(publication.object(proposal_id, body.reason, correlation_id))


@router.post("/consent", summary="同意 / Consent to publication now")
def consent(
    proposal_id: ProposerAccess, publication: Publication, correlation_id: CorrelationId = None
) -> ProposerCaseView:
    return ProposerCaseView.of(publication.consent(proposal_id, correlation_id))
