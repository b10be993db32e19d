"""Soundings (サウンディング型市場調査): the public reads and responds; the desk and the
sounding's department run it (Setagaya 004 「民間に広く呼びかけ、直接対話によって意見を
聴く手法」; Kitakyushu 003 「複数の事業者と機会を均等に」)."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Response, status

from services.intake.api.dependencies import DeskStaff, Intake, Today
from services.intake.api.sounding_views import (
    PublicSoundingView,
    QuestionReceipt,
    SoundingReceipt,
    StaffSoundingView,
)
from services.intake.application import IntakeApplication
from services.intake.sounding_commands import (
    QuestionAndAnswer,
    SoundingCall,
    SoundingDraft,
    SoundingQuestion,
    SoundingResponse,
    SoundingSummary,
    SoundingTheme,
)
from services.intake.soundings import Sounding
from shared.authorisation import department_named
from shared.errors import InvalidValue, NotFound
from shared.paging import PAGED, Paging, paged
from shared.staff_auth import CorrelationId, StaffToken, staff_acting, staff_dependency

M = "/api/v1/municipalities/{municipality}"
public = APIRouter(prefix=f"{M}/soundings", tags=["soundings"])
staff = APIRouter(prefix=f"{M}/staff/soundings", tags=["soundings"])

# The desk runs every sounding of its city, a department its own; the auditor reads them.
Reader = Annotated[StaffToken, Depends(staff_dependency("desk", "department", "auditor"))]
Runner = Annotated[StaffToken, Depends(staff_dependency("desk", "department"))]


# -- public ------------------------------------------------------------------------------


@public.get("", summary="サウンディング一覧 / Published soundings, newest first", responses=PAGED)
def list_soundings(
    municipality: str, intake: Intake, today: Today, page: Paging, response: Response
) -> list[PublicSoundingView]:
    soundings = intake.soundings(municipality, published_only=True)
    return paged(soundings, page, response, lambda s: PublicSoundingView.of(s, today))


@public.get("/{sounding_id}", summary="サウンディング / One sounding, its Q&A and summary")
def get_sounding(
    municipality: str, sounding_id: UUID, intake: Intake, today: Today
) -> PublicSoundingView:
    return PublicSoundingView.of(intake.published_sounding(municipality, sounding_id), today)


@public.post(
    "/{sounding_id}/responses",
    status_code=status.HTTP_201_CREATED,
    summary="サウンディングに回答する / Respond to a sounding",
    responses={409: {"description": "Outside the sounding's period"}},
)
def respond(
    municipality: str,
    sounding_id: UUID,
    body: SoundingResponse,
    intake: Intake,
    today: Today,
    correlation_id: CorrelationId = None,
) -> SoundingReceipt:
    """Any company, within the period. The response is kept in intake, protected: it is
    never published, and the summary names no respondent."""
    sounding, response_id = intake.respond_to_sounding(
        municipality, sounding_id, body, today, correlation_id
    )
    kept = sounding.responses[response_id]
    return SoundingReceipt(
        response_id=response_id,
        sounding_id=sounding.id,
        subject=sounding.subject,
        organisation=kept["organisation"],
        responded_on=kept["responded_on"],
    )


@public.post(
    "/{sounding_id}/responses/check",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="回答を確認する（記録しない） / Check a response without sending it",
    responses={409: {"description": "Outside the sounding's period"}},
)
def check_response(
    municipality: str, sounding_id: UUID, body: SoundingResponse, intake: Intake, today: Today
) -> Response:
    """The answer a response with this body would get, except that nothing is kept."""
    intake.check_sounding_response(municipality, sounding_id, body, today)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@public.post(
    "/{sounding_id}/questions",
    status_code=status.HTTP_201_CREATED,
    summary="サウンディングへの質問 / Ask about a sounding (answered for all)",
    responses={409: {"description": "Outside the sounding's period"}},
)
def ask(
    municipality: str,
    sounding_id: UUID,
    body: SoundingQuestion,
    intake: Intake,
    today: Today,
    correlation_id: CorrelationId = None,
) -> QuestionReceipt:
    """The answer is published on the sounding's page for every company alike, never
    sent to the one who asked."""
    question_id = intake.ask_about_sounding(municipality, sounding_id, body, today, correlation_id)
    return QuestionReceipt(question_id=question_id, sounding_id=sounding_id)


# -- staff -------------------------------------------------------------------------------


def _in_sight(
    intake: IntakeApplication, municipality: str, sounding_id: UUID, staff: StaffToken
) -> Sounding:
    """The sounding, for the desk and the auditor of its city and its own department; for
    any other department it is not there (404)."""
    sounding = intake.sounding(municipality, sounding_id)
    if staff.role == "department" and staff.department != sounding.department:
        raise NotFound(f"no sounding {sounding_id} in {municipality}")
    return sounding


def _runs_this_sounding(
    municipality: str, sounding_id: UUID, intake: Intake, staff_member: Runner
) -> StaffToken:
    """The desk, or the sounding's own department: declared in a route's signature, so no
    step on a sounding can forget to check it (any other department: 404)."""
    _in_sight(intake, municipality, sounding_id, staff_member)
    return staff_member


RunsThisSounding = Annotated[StaffToken, Depends(_runs_this_sounding)]


@staff.get(
    "", summary="サウンディング（職員） / The city's soundings, for the staff", responses=PAGED
)
def staff_soundings(
    municipality: str,
    intake: Intake,
    staff_member: Reader,
    today: Today,
    page: Paging,
    response: Response,
) -> list[StaffSoundingView]:
    """The desk and the auditor see every sounding of their city, a department its own."""
    department = department_named(staff_member) if staff_member.role == "department" else None
    soundings = intake.soundings(municipality, department=department)
    return paged(soundings, page, response, lambda s: StaffSoundingView.of_staff(s, today))


@staff.post(
    "", status_code=status.HTTP_201_CREATED, summary="サウンディングの作成 / Draft a sounding"
)
def draft_sounding(
    municipality: str,
    draft: SoundingDraft,
    intake: Intake,
    staff_member: Runner,
    today: Today,
    correlation_id: CorrelationId = None,
) -> StaffSoundingView:
    """A department drafts for itself (the department it names, if any, must be its own);
    the desk names the department the sounding is for."""
    if staff_member.role == "department":
        department = department_named(staff_member)
        if draft.department not in (None, department):
            raise InvalidValue("department", f"a department drafts for itself ({department})")
    elif draft.department is None:
        raise InvalidValue("department", "name the department the sounding is for")
    else:
        department = draft.department
    sounding = intake.draft_sounding(
        municipality, department, draft, staff_acting(staff_member, correlation_id)
    )
    return StaffSoundingView.of_staff(sounding, today)


@staff.get("/{sounding_id}", summary="サウンディング（回答を含む） / A sounding with its responses")
def staff_sounding(
    municipality: str, sounding_id: UUID, intake: Intake, staff_member: Reader, today: Today
) -> StaffSoundingView:
    return StaffSoundingView.of_staff(
        _in_sight(intake, municipality, sounding_id, staff_member), today
    )


@staff.post("/{sounding_id}/publish", summary="公表する / Publish the sounding")
def publish(
    municipality: str,
    sounding_id: UUID,
    intake: Intake,
    staff_member: RunsThisSounding,
    today: Today,
    correlation_id: CorrelationId = None,
) -> StaffSoundingView:
    sounding = intake.publish_sounding(
        municipality, sounding_id, staff_acting(staff_member, correlation_id)
    )
    return StaffSoundingView.of_staff(sounding, today)


@staff.post("/{sounding_id}/answers", summary="質問への回答を公表 / Publish a Q&A for all")
def answer_question(
    municipality: str,
    sounding_id: UUID,
    body: QuestionAndAnswer,
    intake: Intake,
    staff_member: RunsThisSounding,
    today: Today,
    correlation_id: CorrelationId = None,
) -> StaffSoundingView:
    """Published on the sounding's page to every company alike; the question is worded so
    that it names no one."""
    sounding = intake.answer_sounding_question(
        municipality, sounding_id, body, today, staff_acting(staff_member, correlation_id)
    )
    return StaffSoundingView.of_staff(sounding, today)


@staff.post("/{sounding_id}/close", summary="終了する / Close the sounding after its period")
def close(
    municipality: str,
    sounding_id: UUID,
    intake: Intake,
    staff_member: RunsThisSounding,
    today: Today,
    correlation_id: CorrelationId = None,
) -> StaffSoundingView:
    sounding = intake.close_sounding(
        municipality, sounding_id, today, staff_acting(staff_member, correlation_id)
    )
    return StaffSoundingView.of_staff(sounding, today)


@staff.post("/{sounding_id}/summary", summary="結果概要を公表 / Publish the summary")
def publish_summary(
    municipality: str,
    sounding_id: UUID,
    body: SoundingSummary,
    intake: Intake,
    staff_member: RunsThisSounding,
    today: Today,
    correlation_id: CorrelationId = None,
) -> StaffSoundingView:
    """After the sounding closed; refused when it names a respondent."""
    sounding = intake.publish_sounding_summary(
        municipality, sounding_id, body.summary, staff_acting(staff_member, correlation_id)
    )
    return StaffSoundingView.of_staff(sounding, today)


@staff.post(
    "/{sounding_id}/theme",
    status_code=status.HTTP_201_CREATED,
    summary="テーマ化 / Publish a theme from the sounding (desk)",
)
def lead_to_theme(
    municipality: str,
    sounding_id: UUID,
    body: SoundingTheme,
    intake: Intake,
    staff_member: DeskStaff,
    today: Today,
    correlation_id: CorrelationId = None,
) -> StaffSoundingView:
    sounding, _ = intake.lead_sounding_to_theme(
        municipality, sounding_id, body, staff_acting(staff_member, correlation_id)
    )
    return StaffSoundingView.of_staff(sounding, today)


@staff.post("/{sounding_id}/call", summary="公募へ / Record the call it led to (desk)")
def lead_to_call(
    municipality: str,
    sounding_id: UUID,
    body: SoundingCall,
    intake: Intake,
    staff_member: DeskStaff,
    today: Today,
    correlation_id: CorrelationId = None,
) -> StaffSoundingView:
    sounding = intake.lead_sounding_to_call(
        municipality, sounding_id, body.call, staff_acting(staff_member, correlation_id)
    )
    return StaffSoundingView.of_staff(sounding, today)
