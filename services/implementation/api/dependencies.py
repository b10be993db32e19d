"""FastAPI dependencies of the implementation service (as decision's: a department token
must name its department)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Request

from services.implementation.application import ImplementationApplication
from shared.staff_auth import StaffToken, staff_dependency


async def get_implementation(request: Request) -> ImplementationApplication:
    app: ImplementationApplication = request.app.state.application
    return app


Implementation = Annotated[ImplementationApplication, Depends(get_implementation)]
Staff = Annotated[StaffToken, Depends(staff_dependency("desk", "department", "council"))]


def _department(
    staff: Annotated[StaffToken, Depends(staff_dependency("department"))],
) -> StaffToken:
    if not staff.department:
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


DepartmentStaff = Annotated[StaffToken, Depends(_department)]


def department_of(staff: StaffToken) -> str:
    assert staff.department is not None
    return staff.department
