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
# Who reads the inboxes: the same, and the auditor.
InboxReader = Annotated[StaffToken, Depends(staff_dependency("desk", "department", "auditor"))]
# Who reads a routing and its dialogue: those, and the council (what was escalated to it).
RoutingReader = Annotated[
    StaffToken, Depends(staff_dependency("desk", "department", "council", "auditor"))
]

__all__ = [
    "DepartmentStaff",
    "DeskOrAuditor",
    "DeskStaff",
    "InboxReader",
    "RoutingApp",
    "RoutingReader",
    "Staff",
]
