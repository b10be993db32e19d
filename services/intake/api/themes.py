"""Themes: the public list, and the desk creating and closing them."""

from __future__ import annotations

from fastapi import APIRouter, Response, status

from services.intake.api.dependencies import DeskStaff, Intake, Today
from services.intake.api.views import ThemeView
from services.intake.commands import ThemeDraft
from shared.paging import PAGED, Paging, paged
from shared.staff_auth import CorrelationId, staff_acting

router = APIRouter(prefix="/api/v1/municipalities/{municipality}/themes", tags=["themes"])


@router.get("", summary="テーマ一覧 / The municipality's themes", responses=PAGED)
def list_themes(
    municipality: str, intake: Intake, today: Today, page: Paging, response: Response
) -> list[ThemeView]:
    """By number, a page at a time; the total in X-Total-Count."""
    return paged(intake.themes(municipality), page, response, lambda t: ThemeView.of(t, today))


@router.get("/{number}", summary="テーマ / One theme")
def get_theme(municipality: str, number: int, intake: Intake, today: Today) -> ThemeView:
    return ThemeView.of(intake.theme(municipality, number), today)


@router.post("", status_code=status.HTTP_201_CREATED, summary="Publish a theme (desk)")
def publish_theme(
    municipality: str,
    draft: ThemeDraft,
    intake: Intake,
    staff: DeskStaff,
    today: Today,
    correlation_id: CorrelationId = None,
) -> ThemeView:
    theme = intake.publish_theme(municipality, draft, staff_acting(staff, correlation_id))
    return ThemeView.of(theme, today)


@router.post("/{number}/close", summary="Close a theme's call (desk)")
def close_theme(
    municipality: str,
    number: int,
    intake: Intake,
    staff: DeskStaff,
    today: Today,
    correlation_id: CorrelationId = None,
) -> ThemeView:
    theme = intake.close_theme(municipality, number, staff_acting(staff, correlation_id))
    return ThemeView.of(theme, today)
