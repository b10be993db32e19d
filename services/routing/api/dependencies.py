"""FastAPI dependencies of the routing service."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from services.routing.application import RoutingApplication
from shared.authorisation import DepartmentStaff, DeskOrAuditor
from shared.staff_auth import DeskStaff, StaffToken, staff_dependency


async def get_routing(request: Request) -> RoutingApplication:
    app: RoutingApplication = request.app.state.application
    return app


RoutingApp = Annotated[RoutingApplication, Depends(get_routing)]
# Who works on routings: the desk, and a department on what was routed to it.
Staff = Annotated[StaffToken, Depends(staff_dependency("desk", "department"))]
# Who reads them: the same, and the auditor.
RoutingReader = Annotated[StaffToken, Depends(staff_dependency("desk", "department", "auditor"))]

__all__ = [
    "DepartmentStaff",
    "DeskOrAuditor",
    "DeskStaff",
    "RoutingApp",
    "RoutingReader",
    "Staff",
]
