"""Theme requests: a department asks its city's desk for a theme (テーマの要望); the desk
publishes a theme from it or declines it with a reason (Sapporo 001: 庁内照会等を通じ、
地域・行政課題の収集を行います)."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Response, status

from services.intake.api.dependencies import DeskStaff, Intake, Today
from services.intake.api.views import ThemeRequestView, ThemeView
from services.intake.commands import ThemeDraft, ThemeRequestDecline, ThemeRequestDraft
from shared.authorisation import DepartmentStaff, department_named
from shared.paging import PAGED, Paging, paged
from shared.staff_auth import CorrelationId, StaffToken, staff_acting, staff_dependency

router = APIRouter(prefix="/api/v1/municipalities/{municipality}/theme-requests", tags=["themes"])
# The desk and the auditor read every request of their city; a department its own.
RequestReader = Annotated[StaffToken, Depends(staff_dependency("desk", "department", "auditor"))]


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="テーマの要望 / A department asks the desk for a theme",
)
def request_theme(
    municipality: str,
    draft: ThemeRequestDraft,
    intake: Intake,
    staff: DepartmentStaff,
    correlation_id: CorrelationId = None,
) -> ThemeRequestView:
    request = intake.request_theme(
        municipality, department_named(staff), draft, staff_acting(staff, correlation_id)
    )
    return ThemeRequestView.of(request)


@router.get("", summary="テーマの要望一覧 / Theme requests, oldest first", responses=PAGED)
def theme_requests(
    municipality: str, intake: Intake, staff: RequestReader, page: Paging, response: Response
) -> list[ThemeRequestView]:
    """The desk and the auditor see every request of their city, a department only its own."""
    department = department_named(staff) if staff.role == "department" else None
    requests = intake.theme_requests(municipality, department)
    return paged(requests, page, response, ThemeRequestView.of)


@router.post(
    "/{request_id}/publish",
    status_code=status.HTTP_201_CREATED,
    summary="要望からテーマを公表 / Publish a theme from a request (desk)",
)
def publish_requested_theme(
    municipality: str,
    request_id: UUID,
    draft: ThemeDraft,
    intake: Intake,
    staff: DeskStaff,
    today: Today,
    correlation_id: CorrelationId = None,
) -> ThemeView:
    theme = intake.publish_requested_theme(
        municipality, request_id, draft, staff_acting(staff, correlation_id)
    )
    return ThemeView.of(theme, today)


@router.post("/{request_id}/decline", summary="要望を見送る / Decline a request (desk)")
def decline_theme_request(
    municipality: str,
    request_id: UUID,
    body: ThemeRequestDecline,
    intake: Intake,
    staff: DeskStaff,
    correlation_id: CorrelationId = None,
) -> ThemeRequestView:
    request = intake.decline_theme_request(
        municipality, request_id, body.reason, staff_acting(staff, correlation_id)
    )
    return ThemeRequestView.of(request)
