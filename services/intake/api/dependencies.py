"""FastAPI dependencies: the application, the caller and the acting context."""

from __future__ import annotations

from datetime import date
from typing import Annotated
from uuid import UUID

from fastapi import Depends, Header, HTTPException, Query, Request

from services.intake.application import IntakeApplication
from services.intake.group_commit import SubmissionQueue
from services.intake.settings import IntakeSettings
from shared.municipalities import today_in_japan
from shared.staff_auth import StaffDirectory, StaffToken, staff_dependency
from shared.status_tokens import StatusTokens


async def get_intake(request: Request) -> IntakeApplication:
    app: IntakeApplication = request.app.state.intake
    return app


async def get_settings(request: Request) -> IntakeSettings:
    settings: IntakeSettings = request.app.state.settings
    return settings


async def get_status_tokens(request: Request) -> StatusTokens:
    tokens: StatusTokens = request.app.state.status_tokens
    return tokens


def _staff_directory(request: Request) -> StaffDirectory:
    directory: StaffDirectory = request.app.state.staff
    return directory


async def get_submissions(request: Request) -> SubmissionQueue:
    queue: SubmissionQueue = request.app.state.submissions
    return queue


Intake = Annotated[IntakeApplication, Depends(get_intake)]
Submissions = Annotated[SubmissionQueue, Depends(get_submissions)]
Settings = Annotated[IntakeSettings, Depends(get_settings)]
Tokens = Annotated[StatusTokens, Depends(get_status_tokens)]
DeskStaff = Annotated[StaffToken, Depends(staff_dependency(_staff_directory, "desk"))]
AnyStaff = Annotated[
    StaffToken, Depends(staff_dependency(_staff_directory, "desk", "department", "council"))
]


async def proposer_token(
    proposal_id: UUID,
    tokens: Tokens,
    token: Annotated[str | None, Query(description="Status token from the receipt")] = None,
    x_status_token: Annotated[str | None, Header(alias="X-Status-Token")] = None,
) -> UUID:
    """The proposal id, once the caller has shown the proposal's status token."""
    presented = x_status_token or token
    if not presented:
        raise HTTPException(
            401,
            detail=[
                {"loc": ["query", "token"], "msg": "the status token from your receipt is required"}
            ],
        )
    if not tokens.verify(proposal_id, presented):
        # Same answer as for an unknown proposal: a wrong token learns nothing.
        raise HTTPException(
            404, detail=[{"loc": ["path", "proposal_id"], "msg": "no such proposal"}]
        )
    return proposal_id


ProposerAccess = Annotated[UUID, Depends(proposer_token)]


async def get_today(request: Request) -> date:
    """Today in Japan, by the service's clock (tests move it)."""
    return today_in_japan(request.app.state.clock())


Today = Annotated[date, Depends(get_today)]
