"""The desk's disclosure workflow: draft, mark what stays protected, consult, publish."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, Response, status

from services.publication.api.dependencies import DeskStaff, Publication
from services.publication.api.views import DeskCaseView
from services.publication.commands import CaseCorrection, CaseDraft, CaseRevision, Reason
from shared.authorisation import DeskOrAuditor
from shared.paging import PAGED, Paging, paged
from shared.staff_auth import CorrelationId, staff_acting

router = APIRouter(prefix="/api/v1/municipalities/{municipality}/desk/cases", tags=["desk"])


def _sections(body: CaseDraft | CaseRevision) -> list[dict[str, object]]:
    return [s.model_dump() for s in body.sections]


@router.get("", summary="Cases of this municipality, drafts included", responses=PAGED)
def all_cases(
    municipality: str,
    publication: Publication,
    staff: DeskOrAuditor,
    page: Paging,
    response: Response,
) -> list[DeskCaseView]:
    return paged(publication.cases(municipality), page, response, DeskCaseView.of)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="事例の作成 / Draft a case from an adopted proposal",
)
def draft(
    municipality: str,
    body: CaseDraft,
    publication: Publication,
    staff: DeskStaff,
    correlation_id: CorrelationId = None,
) -> DeskCaseView:
    case = publication.draft(
        body.proposal_id,
        body.title,
        body.summary,
        _sections(body),
        staff_acting(staff, correlation_id),
    )
    return DeskCaseView.of(case)


@router.put("/{case_id}", summary="Revise the draft (the proposer is consulted again)")
def revise(
    municipality: str,
    case_id: UUID,
    body: CaseRevision,
    publication: Publication,
    staff: DeskStaff,
    correlation_id: CorrelationId = None,
) -> DeskCaseView:
    case = publication.revise(
        case_id, body.title, body.summary, _sections(body), staff_acting(staff, correlation_id)
    )
    return DeskCaseView.of(case)


@router.post("/{case_id}/consultation", summary="提案者への意見照会 / Consult the proposer")
def consult(
    municipality: str,
    case_id: UUID,
    publication: Publication,
    staff: DeskStaff,
    correlation_id: CorrelationId = None,
) -> DeskCaseView:
    return DeskCaseView.of(publication.consult(case_id, staff_acting(staff, correlation_id)))


@router.post("/{case_id}/publication", summary="公開 / Publish, once the proposer had its say")
def publish(
    municipality: str,
    case_id: UUID,
    publication: Publication,
    staff: DeskStaff,
    correlation_id: CorrelationId = None,
) -> DeskCaseView:
    return DeskCaseView.of(publication.publish(case_id, staff_acting(staff, correlation_id)))


@router.post("/{case_id}/correction", summary="訂正 / Correct a published case")
def correct(
    municipality: str,
    case_id: UUID,
    body: CaseCorrection,
    publication: Publication,
    staff: DeskStaff,
    correlation_id: CorrelationId = None,
) -> DeskCaseView:
    case = publication.correct(
        case_id,
        body.title,
        body.summary,
        _sections(body),
        body.note,
        staff_acting(staff, correlation_id),
    )
    return DeskCaseView.of(case)


@router.post("/{case_id}/retraction", summary="公開の取消し / Retract a published case")
def retract(
    municipality: str,
    case_id: UUID,
    body: Reason,
    publication: Publication,
    staff: DeskStaff,
    correlation_id: CorrelationId = None,
) -> DeskCaseView:
    return DeskCaseView.of(
        publication.retract(case_id, body.reason, staff_acting(staff, correlation_id))
    )
