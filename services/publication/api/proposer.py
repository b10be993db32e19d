"""The proposer is consulted before a case is published, and may object."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter

from services.publication.api.dependencies import ProposerAccess, Publication
from services.publication.api.views import ProposerCaseView, Reason
from shared.acting import Acting
from shared.contract.vocabulary import ActorRole
from shared.errors import NotFound
from shared.staff_auth import CorrelationId

router = APIRouter(prefix="/api/v1/proposer/proposals/{proposal_id}/case", tags=["proposer"])


def _acting(publication: Publication, proposal_id: UUID, correlation_id: str | None) -> Acting:
    case = publication.case_of(proposal_id)
    if case is None:
        raise NotFound("no case is being prepared for this proposal")
    return Acting.new(ActorRole.PROPOSER, case.municipality, correlation_id)


@router.get("", summary="公開予定の事例 / The case as it would be published")
def my_case(proposal_id: ProposerAccess, publication: Publication) -> ProposerCaseView:
    case = publication.case_of(proposal_id)
    if case is None:
        raise NotFound("no case is being prepared for this proposal")
    return ProposerCaseView.of(case)


@router.post("/objection", summary="異議 / Object to publication, with the reason")
def object_to_it(
    proposal_id: ProposerAccess,
    body: Reason,
    publication: Publication,
    correlation_id: CorrelationId = None,
) -> ProposerCaseView:
    acting = _acting(publication, proposal_id, correlation_id)
    return ProposerCaseView.of(publication.object(proposal_id, body.reason, acting))


@router.post("/consent", summary="同意 / Consent to publication now")
def consent(
    proposal_id: ProposerAccess, publication: Publication, correlation_id: CorrelationId = None
) -> ProposerCaseView:
    acting = _acting(publication, proposal_id, correlation_id)
    return ProposerCaseView.of(publication.consent(proposal_id, acting))
