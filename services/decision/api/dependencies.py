"""FastAPI dependencies of the decision service."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Request

from services.decision.application import DecisionApplication
from services.decision.domain import COUNCIL
from shared.staff_auth import StaffDirectory, StaffToken, staff_dependency


async def get_decision(request: Request) -> DecisionApplication:
    app: DecisionApplication = request.app.state.decision
    return app


def _staff_directory(request: Request) -> StaffDirectory:
    directory: StaffDirectory = request.app.state.staff
    return directory


Decisions = Annotated[DecisionApplication, Depends(get_decision)]
Staff = Annotated[
    StaffToken, Depends(staff_dependency(_staff_directory, "desk", "department", "council"))
]
CouncilStaff = Annotated[StaffToken, Depends(staff_dependency(_staff_directory, "council"))]
DeskStaff = Annotated[StaffToken, Depends(staff_dependency(_staff_directory, "desk"))]


def _decider(
    staff: Annotated[
        StaffToken, Depends(staff_dependency(_staff_directory, "department", "council"))
    ],
) -> StaffToken:
    if staff.role == "department" and not staff.department:
        raise HTTPException(
            403,
            detail=[
                {
                    "loc": ["header", "Authorization"],
                    "msg": "this department token names no department",
                }
            ],
        )
    return staff


DeciderStaff = Annotated[StaffToken, Depends(_decider)]


def decider_of(staff: StaffToken) -> str:
    """Who decides: the department the token acts for, or the council."""
    if staff.role == "council":
        return COUNCIL
    assert staff.department is not None
    return staff.department
