"""FastAPI dependencies of the routing service."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Request

from services.routing.application import RoutingApplication
from shared.staff_auth import DeskStaff, StaffToken, staff_dependency


async def get_routing(request: Request) -> RoutingApplication:
    app: RoutingApplication = request.app.state.application
    return app


RoutingApp = Annotated[RoutingApplication, Depends(get_routing)]
Staff = Annotated[StaffToken, Depends(staff_dependency("desk", "department"))]


def department_of(
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


DepartmentStaff = Annotated[StaffToken, Depends(department_of)]

__all__ = ["DepartmentStaff", "DeskStaff", "RoutingApp", "Staff"]
