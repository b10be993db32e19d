"""FastAPI dependencies: the application, the caller and the acting context."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import Depends, Request

from services.intake.application import IntakeApplication
from services.intake.group_commit import SubmissionQueue
from services.intake.settings import IntakeSettings
from shared.municipalities import today_in_japan

# Re-exported: the routers import every dependency from here.
from shared.staff_auth import AnyStaff, DeskStaff
from shared.status_tokens import ProposerAccess, StatusTokens


async def get_intake(request: Request) -> IntakeApplication:
    app: IntakeApplication = request.app.state.application
    return app


async def get_settings(request: Request) -> IntakeSettings:
    settings: IntakeSettings = request.app.state.settings
    return settings


async def get_status_tokens(request: Request) -> StatusTokens:
    tokens: StatusTokens = request.app.state.status_tokens
    return tokens


async def get_submissions(request: Request) -> SubmissionQueue:
    queue: SubmissionQueue = request.app.state.submissions
    return queue


Intake = Annotated[IntakeApplication, Depends(get_intake)]
Submissions = Annotated[SubmissionQueue, Depends(get_submissions)]
Settings = Annotated[IntakeSettings, Depends(get_settings)]
Tokens = Annotated[StatusTokens, Depends(get_status_tokens)]


async def get_today(request: Request) -> date:
    """Today in Japan, by the service's clock (tests move it)."""
    return today_in_japan(request.app.state.clock())


Today = Annotated[date, Depends(get_today)]

__all__ = [
    "AnyStaff",
    "DeskStaff",
    "Intake",
    "ProposerAccess",
    "Settings",
    "Submissions",
    "Today",
    "Tokens",
]
