"""FastAPI dependencies of the decision service."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from services.decision.application import DecisionApplication
from services.decision.domain import COUNCIL
from shared.authorisation import Reader, department_named
from shared.staff_auth import DeskStaff, StaffToken, staff_dependency


async def get_decision(request: Request) -> DecisionApplication:
    app: DecisionApplication = request.app.state.application
    return app


Decisions = Annotated[DecisionApplication, Depends(get_decision)]
Staff = Annotated[StaffToken, Depends(staff_dependency("desk", "department", "council"))]
# Who may read decisions (each then narrowed to what the caller sees): the auditor too.
DecisionReader = Reader
# The council's inbox: the council, and the desk and the auditor, who read all of it.
CouncilReader = Annotated[StaffToken, Depends(staff_dependency("council", "desk", "auditor"))]


def _decider(
    staff: Annotated[StaffToken, Depends(staff_dependency("department", "council"))],
) -> StaffToken:
    if staff.role == "department":
        department_named(staff)  # 403 for a department token naming no department
    return staff


DeciderStaff = Annotated[StaffToken, Depends(_decider)]


def decider_of(staff: StaffToken) -> str:
    """Who decides: the department the token acts for, or the council."""
    if staff.role == "council":
        return COUNCIL
    assert staff.department is not None
    return staff.department


__all__ = [
    "CouncilReader",
    "DeciderStaff",
    "DecisionReader",
    "Decisions",
    "DeskStaff",
    "Staff",
    "decider_of",
]
