"""Who may read and do what: by role, municipality and department (DESIGN.md §8).

"Authorisation is by role, municipality and department, and a department sees only what
was routed to it." The proposer's know-how is shared with the city on trust: Sapporo 001
「民間事業者の独自アイデアについて、保護すべき情報は適切に対処しつつ」, and the city's
staff 「公平性の担保と適切な秘密保持に努めながら」. The token's municipality is checked against the path by
`shared.staff_auth.staff_dependency` (403 for another city); what is decided here is which
proposal of its own city a caller may see:

- the desk and the auditor see every proposal of their city;
- a department sees a proposal only while it is routed to it (and what it took on);
- the council sees only what a department escalated to it.

What a caller may not see is, for it, not there at all: 404, never 403, so that a
department cannot even learn that another department's proposal exists. The auditor
reads everything of its city and writes nothing: write endpoints do not list its role,
so it gets 403 from the token check.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Annotated

from fastapi import Depends, HTTPException

from shared.errors import NotFound
from shared.staff_auth import StaffRole, StaffToken, staff_dependency

# Who may read a service's staff views (each view then narrows to what the caller sees).
READERS: tuple[StaffRole, ...] = ("desk", "department", "council", "auditor")

Reader = Annotated[StaffToken, Depends(staff_dependency(*READERS))]
# The desk's own lists and views, which the auditor may read too.
DeskOrAuditor = Annotated[StaffToken, Depends(staff_dependency("desk", "auditor"))]


def department_named(staff: StaffToken) -> str:
    """The department a department token acts for; a token naming none may do nothing
    a department does (403: it is the token that is wrong, not the proposal)."""
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
    return staff.department


def _department_of(
    staff: Annotated[StaffToken, Depends(staff_dependency("department"))],
) -> StaffToken:
    department_named(staff)
    return staff


DepartmentStaff = Annotated[StaffToken, Depends(_department_of)]


def sees(staff: StaffToken, routed_to: Collection[str], *, escalated: bool = False) -> bool:
    """Whether `staff` may see a proposal of its own city that is routed to `routed_to`
    (departments) and, if `escalated`, with the council."""
    match staff.role:
        case "desk" | "auditor":
            return True
        case "department":
            return staff.department is not None and staff.department in routed_to
        case "council":
            return escalated
    return False


def require_sight(
    staff: StaffToken, routed_to: Collection[str], absent: str, *, escalated: bool = False
) -> None:
    """404 unless `staff` may see the proposal, with `absent`: the very answer the service
    gives for a proposal it does not have, so nothing is learnt of it."""
    if not sees(staff, routed_to, escalated=escalated):
        raise NotFound(absent)
