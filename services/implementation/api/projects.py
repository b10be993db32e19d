"""After adoption, per adopted proposal: the implementer's selection, the agreement, the
implementation and the effect verification. The department that owns the proposal acts;
the desk, the council and departments read."""

from __future__ import annotations

from collections.abc import Callable
from uuid import UUID

from fastapi import APIRouter, Response

from services.implementation.api.dependencies import (
    DepartmentStaff,
    Implementation,
    Reader,
    department_of,
    require_project_sight,
)
from services.implementation.api.views import ProjectSummary, ProjectView
from services.implementation.application import ImplementationApplication
from services.implementation.commands import (
    Agreement,
    Applicant,
    Call,
    Closing,
    End,
    KpiBody,
    LogicModelBody,
    Measurement,
    Milestone,
    Selection,
    Start,
    Step,
    VerdictBody,
)
from services.implementation.read_models import ProjectLine
from services.implementation.rules import CityRules
from shared.acting import Acting
from shared.authorisation import sees
from shared.contract import LogicModel
from shared.errors import NotFound
from shared.paging import PAGED, Paging, paged
from shared.staff_auth import CorrelationId, StaffToken, staff_acting

router = APIRouter(prefix="/api/v1/municipalities/{municipality}", tags=["implementation"])

PROJECT = "/projects/{proposal_id}"


def _acted(
    implementation: ImplementationApplication,
    proposal_id: UUID,
    staff: StaffToken,
    correlation_id: str | None,
    act: Callable[[str, Acting], object],
) -> ProjectView:
    act(department_of(staff), staff_acting(staff, correlation_id))
    return ProjectView.of(implementation.record(proposal_id, staff.municipality))


@router.get(
    "/implementation/rules", summary="実施に関する市の基準 / The city's rules after adoption"
)
def rules(municipality: str, implementation: Implementation) -> CityRules:
    return implementation.rules(municipality)


@router.get(
    "/projects", summary="事業の一覧 / Projects, overdue verifications first", responses=PAGED
)
def projects(
    municipality: str,
    implementation: Implementation,
    staff: Reader,
    page: Paging,
    response: Response,
) -> list[ProjectSummary]:
    lines = [
        line
        for line in implementation.project_lines(municipality)
        if _sees(implementation, staff, municipality, line)
    ]
    return paged(lines, page, response, ProjectSummary.of)


def _sees(
    implementation: ImplementationApplication,
    staff: StaffToken,
    municipality: str,
    line: ProjectLine,
) -> bool:
    """Whether `staff` sees this line: from the line where it names the department that
    decided (no project read per line); a council's decision is run by the lead
    department heard from routing, which the project's record gives."""
    if municipality != staff.municipality:
        return False
    if line.department is not None:
        return sees(staff, [line.department])
    try:
        project = implementation.project(line.proposal_id, staff.municipality)
        require_project_sight(implementation, project, staff)
    except NotFound:
        return False
    return True


@router.get(
    "/projects/overdue-verifications",
    summary="効果検証の期限超過 / Verifications past their due date",
    responses=PAGED,
)
def overdue(
    municipality: str,
    implementation: Implementation,
    staff: Reader,
    page: Paging,
    response: Response,
) -> list[ProjectSummary]:
    lines = [
        line
        for line in implementation.overdue_verifications(municipality)
        if _sees(implementation, staff, municipality, line)
    ]
    return paged(lines, page, response, ProjectSummary.of)


@router.get(PROJECT, summary="One project, with its history")
def project_of(
    municipality: str, proposal_id: UUID, implementation: Implementation, staff: Reader
) -> ProjectView:
    """The desk and the auditor read every project of their city (the uniqueness that
    justified a direct selection included), a department the ones it runs, the council
    the ones it adopted; for anyone else there is none (404)."""
    require_project_sight(implementation, implementation.project(proposal_id, municipality), staff)
    return ProjectView.of(implementation.record(proposal_id, municipality))


@router.post(PROJECT + "/call", summary="公募・調達の公告 / Publish the call")
def publish_call(
    municipality: str,
    proposal_id: UUID,
    body: Call,
    implementation: Implementation,
    staff: DepartmentStaff,
    correlation_id: CorrelationId = None,
) -> ProjectView:
    return _acted(
        implementation,
        proposal_id,
        staff,
        correlation_id,
        lambda department, acting: implementation.publish_call(
            proposal_id,
            department,
            acting,
            opens_on=body.opens_on,
            closes_on=body.closes_on,
            announcement=body.announcement,
            proposer_bonus_ratio=body.proposer_bonus_ratio,
        ),
    )


@router.post(PROJECT + "/applicants", summary="応募者 / Record an applicant")
def record_applicant(
    municipality: str,
    proposal_id: UUID,
    body: Applicant,
    implementation: Implementation,
    staff: DepartmentStaff,
    correlation_id: CorrelationId = None,
) -> ProjectView:
    return _acted(
        implementation,
        proposal_id,
        staff,
        correlation_id,
        lambda department, acting: implementation.record_applicant(
            proposal_id, department, acting, applicant=body.applicant, applied_on=body.applied_on
        ),
    )


@router.post(PROJECT + "/selection", summary="事業者の選定 / Select the implementer")
def select(
    municipality: str,
    proposal_id: UUID,
    body: Selection,
    implementation: Implementation,
    staff: DepartmentStaff,
    correlation_id: CorrelationId = None,
) -> ProjectView:
    return _acted(
        implementation,
        proposal_id,
        staff,
        correlation_id,
        lambda department, acting: implementation.select(
            proposal_id,
            department,
            acting,
            implementer=body.implementer,
            reasons=body.reasons,
            selected_on=body.selected_on,
            uniqueness_justification=body.uniqueness_justification,
        ),
    )


@router.post(PROJECT + "/agreement", summary="協定・覚書・契約 / Conclude the agreement")
def conclude_agreement(
    municipality: str,
    proposal_id: UUID,
    body: Agreement,
    implementation: Implementation,
    staff: DepartmentStaff,
    correlation_id: CorrelationId = None,
) -> ProjectView:
    vote = body.council_vote
    return _acted(
        implementation,
        proposal_id,
        staff,
        correlation_id,
        lambda department, acting: implementation.conclude_agreement(
            proposal_id,
            department,
            acting,
            kind=body.kind,
            parties=body.parties,
            signed_on=body.signed_on,
            term_from=body.term_from,
            term_until=body.term_until,
            fields=body.fields,
            involvement=body.involvement,
            council_vote=None
            if vote is None
            else (tuple(dict.fromkeys(vote.matters)), vote.voted_on),
        ),
    )


@router.post(PROJECT + "/start", summary="事業開始 / Start the implementation")
def start(
    municipality: str,
    proposal_id: UUID,
    body: Start,
    implementation: Implementation,
    staff: DepartmentStaff,
    correlation_id: CorrelationId = None,
) -> ProjectView:
    return _acted(
        implementation,
        proposal_id,
        staff,
        correlation_id,
        lambda department, acting: implementation.start(
            proposal_id,
            department,
            acting,
            started_on=body.started_on,
            city_cost_share_yen=body.city_cost_share_yen,
        ),
    )


@router.post(PROJECT + "/milestones", summary="マイルストーン / A milestone reached")
def milestone(
    municipality: str,
    proposal_id: UUID,
    body: Milestone,
    implementation: Implementation,
    staff: DepartmentStaff,
    correlation_id: CorrelationId = None,
) -> ProjectView:
    return _acted(
        implementation,
        proposal_id,
        staff,
        correlation_id,
        lambda department, acting: implementation.reach_milestone(
            proposal_id, department, acting, milestone=body.milestone, reached_on=body.reached_on
        ),
    )


@router.post(PROJECT + "/experiment-steps", summary="実証実験の手順 / An experiment step done")
def experiment_step(
    municipality: str,
    proposal_id: UUID,
    body: Step,
    implementation: Implementation,
    staff: DepartmentStaff,
    correlation_id: CorrelationId = None,
) -> ProjectView:
    return _acted(
        implementation,
        proposal_id,
        staff,
        correlation_id,
        lambda department, acting: implementation.complete_step(
            proposal_id,
            department,
            acting,
            step=body.step,
            done_on=body.done_on,
            city_present=body.city_present,
            note=body.note,
        ),
    )


@router.post(PROJECT + "/end", summary="事業終了 / End the implementation")
def end(
    municipality: str,
    proposal_id: UUID,
    body: End,
    implementation: Implementation,
    staff: DepartmentStaff,
    correlation_id: CorrelationId = None,
) -> ProjectView:
    return _acted(
        implementation,
        proposal_id,
        staff,
        correlation_id,
        lambda department, acting: implementation.end(
            proposal_id,
            department,
            acting,
            ended_on=body.ended_on,
            verification_due_on=body.verification_due_on,
        ),
    )


@router.put(PROJECT + "/logic-model", summary="ロジックモデル / The logic model")
def logic_model(
    municipality: str,
    proposal_id: UUID,
    body: LogicModelBody,
    implementation: Implementation,
    staff: DepartmentStaff,
    correlation_id: CorrelationId = None,
) -> ProjectView:
    model = LogicModel.model_validate(body.model_dump())
    return _acted(
        implementation,
        proposal_id,
        staff,
        correlation_id,
        lambda department, acting: implementation.set_logic_model(
            proposal_id, department, acting, logic_model=model
        ),
    )


@router.post(PROJECT + "/kpis", summary="評価指標 / Define a KPI")
def define_kpi(
    municipality: str,
    proposal_id: UUID,
    body: KpiBody,
    implementation: Implementation,
    staff: DepartmentStaff,
    correlation_id: CorrelationId = None,
) -> ProjectView:
    return _acted(
        implementation,
        proposal_id,
        staff,
        correlation_id,
        lambda department, acting: implementation.define_kpi(
            proposal_id,
            department,
            acting,
            name=body.name,
            unit=body.unit,
            baseline=body.baseline,
            target=body.target,
        ),
    )


@router.post(PROJECT + "/measurements", summary="測定値 / A KPI's measured value")
def measure(
    municipality: str,
    proposal_id: UUID,
    body: Measurement,
    implementation: Implementation,
    staff: DepartmentStaff,
    correlation_id: CorrelationId = None,
) -> ProjectView:
    return _acted(
        implementation,
        proposal_id,
        staff,
        correlation_id,
        lambda department, acting: implementation.measure_kpi(
            proposal_id,
            department,
            acting,
            name=body.name,
            measured_on=body.measured_on,
            value=body.value,
        ),
    )


@router.post(PROJECT + "/verdict", summary="効果検証の結論 / The verification's verdict")
def verdict(
    municipality: str,
    proposal_id: UUID,
    body: VerdictBody,
    implementation: Implementation,
    staff: DepartmentStaff,
    correlation_id: CorrelationId = None,
) -> ProjectView:
    return _acted(
        implementation,
        proposal_id,
        staff,
        correlation_id,
        lambda department, acting: implementation.give_verdict(
            proposal_id,
            department,
            acting,
            verdict=body.verdict,
            reasons=body.reasons,
            verified_on=body.verified_on,
        ),
    )


@router.post(PROJECT + "/close", summary="事業の終結 / Close the project (verified)")
def close(
    municipality: str,
    proposal_id: UUID,
    body: Closing,
    implementation: Implementation,
    staff: DepartmentStaff,
    correlation_id: CorrelationId = None,
) -> ProjectView:
    return _acted(
        implementation,
        proposal_id,
        staff,
        correlation_id,
        lambda department, acting: implementation.close_project(
            proposal_id, department, acting, closed_on=body.closed_on
        ),
    )
