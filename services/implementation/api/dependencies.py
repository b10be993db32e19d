"""FastAPI dependencies of the implementation service: who reads and who acts follow
shared.authorisation, as in the other services (a department sees only what it owns)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from services.implementation.application import ImplementationApplication
from services.implementation.domain import Project
from shared.authorisation import DepartmentStaff, Reader, department_named, require_sight
from shared.staff_auth import StaffToken


async def get_implementation(request: Request) -> ImplementationApplication:
    app: ImplementationApplication = request.app.state.application
    return app


Implementation = Annotated[ImplementationApplication, Depends(get_implementation)]


def department_of(staff: StaffToken) -> str:
    return department_named(staff)


def require_project_sight(
    implementation: ImplementationApplication, project: Project, staff: StaffToken
) -> None:
    """The desk and the auditor see every project of their city; a department the ones it
    runs; the council the ones it adopted. For anyone else the project is not there (404)."""
    owner = implementation.owner(project)
    require_sight(
        staff,
        [] if owner is None else [owner],
        f"no project for proposal {project.id} in {project.municipality} (not adopted?)",
        escalated=project.department is None,  # adopted by the council
    )


__all__ = ["DepartmentStaff", "Implementation", "Reader", "department_of", "require_project_sight"]
