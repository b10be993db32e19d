"""Department inboxes and what departments and the desk do with a routed proposal."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, HTTPException, Response, status

from services.routing.api.dependencies import (
    DepartmentStaff,
    DeskStaff,
    InboxReader,
    RoutingApp,
    RoutingReader,
    Staff,
)
from services.routing.api.views import (
    DepartmentView,
    DialogueView,
    RoutingLineView,
    RoutingView,
)
from services.routing.application import RoutingApplication
from services.routing.commands import Decline, DialogueText, Milestone, Reassignment, StatusLine
from services.routing.domain import Routing
from shared.authorisation import department_named, require_sight
from shared.paging import PAGED, Paging, paged
from shared.staff_auth import CorrelationId, StaffToken, staff_acting

router = APIRouter(prefix="/api/v1/municipalities/{municipality}", tags=["routing"])


@router.get("/departments", summary="所管課一覧 / Department directory", responses=PAGED)
def departments(
    municipality: str, routing: RoutingApp, page: Paging, response: Response
) -> list[DepartmentView]:
    """A page at a time; the total in X-Total-Count."""
    return paged(routing.departments(municipality), page, response, DepartmentView.of)


@router.get(
    "/departments/{department}/inbox",
    summary="所管課の受信箱 / A department's inbox",
    responses=PAGED,
)
def inbox(
    municipality: str,
    department: str,
    routing: RoutingApp,
    staff: InboxReader,
    page: Paging,
    response: Response,
) -> list[RoutingLineView]:
    """In the order they were routed, a page at a time; the total in X-Total-Count."""
    if staff.role == "department" and staff.department != department:
        raise HTTPException(
            403,
            detail=[
                {"loc": ["path", "department"], "msg": f"this token acts for {staff.department}"}
            ],
        )
    return paged(routing.inbox(municipality, department), page, response, RoutingLineView.of)


@router.get("/routings/{proposal_id}", summary="The routing of one proposal, with every hop")
def routing_of(
    municipality: str, proposal_id: UUID, routing: RoutingApp, staff: RoutingReader
) -> RoutingView:
    _seen(routing, proposal_id, municipality, staff)
    return _view(routing, proposal_id, municipality)


def _seen(
    routing: RoutingApplication, proposal_id: UUID, municipality: str, staff: StaffToken
) -> Routing:
    """The proposal's routing, if the caller may see it: the desk and the auditor every
    one of their city, a department only one routed to it, the council one escalated to
    it (else, for it, there is none: the same 404 as for a proposal that does not exist)."""
    found = routing.routing(proposal_id, municipality)
    require_sight(
        staff,
        found.departments,
        f"no routing for proposal {proposal_id} in {municipality}",
        escalated=staff.role == "council" and routing.escalated(proposal_id),
    )
    return found


def _view(routing: RoutingApplication, proposal_id: UUID, municipality: str) -> RoutingView:
    return RoutingView.of_record(routing.record(proposal_id, municipality))


@router.post(
    "/routings/{proposal_id}/take-on", summary="所管課が受ける / The department takes it on"
)
def take_on(
    municipality: str,
    proposal_id: UUID,
    routing: RoutingApp,
    staff: DepartmentStaff,
    correlation_id: CorrelationId = None,
) -> RoutingView:
    _seen(routing, proposal_id, municipality, staff)
    assert staff.department is not None
    routing.take_on(proposal_id, staff.department, staff_acting(staff, correlation_id))
    return _view(routing, proposal_id, municipality)


@router.post(
    "/routings/{proposal_id}/decline", summary="所管課が辞退する / Decline, with the reason"
)
def decline(
    municipality: str,
    proposal_id: UUID,
    body: Decline,
    routing: RoutingApp,
    staff: DepartmentStaff,
    correlation_id: CorrelationId = None,
) -> RoutingView:
    _seen(routing, proposal_id, municipality, staff)
    assert staff.department is not None
    routing.decline(proposal_id, staff.department, body.reason, staff_acting(staff, correlation_id))
    left = routing.record(proposal_id, municipality).as_left_by_decliner()
    return RoutingView.of_record(left)


@router.post("/routings/{proposal_id}/reassign", summary="窓口が振り直す / The desk reassigns")
def reassign(
    municipality: str,
    proposal_id: UUID,
    body: Reassignment,
    routing: RoutingApp,
    staff: DeskStaff,
    correlation_id: CorrelationId = None,
) -> RoutingView:
    routing.reassign(
        proposal_id, body.departments, body.reason, staff_acting(staff, correlation_id)
    )
    return _view(routing, proposal_id, municipality)


@router.post("/routings/{proposal_id}/milestones", summary="対話の節目 / A dialogue milestone")
def milestone(
    municipality: str,
    proposal_id: UUID,
    body: Milestone,
    routing: RoutingApp,
    staff: Staff,
    correlation_id: CorrelationId = None,
) -> RoutingView:
    _seen(routing, proposal_id, municipality, staff)
    routing.reach_milestone(
        proposal_id,
        body.milestone.value,
        body.note,
        staff_acting(staff, correlation_id),
        body.confidentiality_scope,
    )
    return _view(routing, proposal_id, municipality)


@router.post(
    "/routings/{proposal_id}/status-line", summary="提案者に見せる状況 / The proposer's status line"
)
def status_line(
    municipality: str,
    proposal_id: UUID,
    body: StatusLine,
    routing: RoutingApp,
    staff: Staff,
    correlation_id: CorrelationId = None,
) -> RoutingView:
    _seen(routing, proposal_id, municipality, staff)
    routing.set_status_line(proposal_id, body.ja, body.en, staff_acting(staff, correlation_id))
    return _view(routing, proposal_id, municipality)


# -- the dialogue log ---------------------------------------------------------------------


def _writer(staff: StaffToken) -> str | None:
    """Who writes in (or reads) the dialogue log: the token's department, or the desk and
    the auditor (None: the whole log of their city). A department token that names no
    department is nobody's: it never passes for the desk (403)."""
    return department_named(staff) if staff.role == "department" else None


def _dialogue(
    routing: RoutingApplication, proposal_id: UUID, municipality: str, staff: StaffToken
) -> DialogueView:
    return DialogueView.of(*routing.dialogue(proposal_id, municipality, _writer(staff)))


@router.get(
    "/routings/{proposal_id}/dialogue",
    summary="対話の記録 / The dialogue log: notes, messages to and from the proposer",
)
def dialogue(
    municipality: str, proposal_id: UUID, routing: RoutingApp, staff: RoutingReader
) -> DialogueView:
    """For the desk, the auditor and the departments the proposal is with (any other
    department gets 404, as for a proposal that does not exist)."""
    _seen(routing, proposal_id, municipality, staff)
    return _dialogue(routing, proposal_id, municipality, staff)


@router.post(
    "/routings/{proposal_id}/notes",
    status_code=status.HTTP_201_CREATED,
    summary="内部メモ / An internal note in the dialogue log (staff only)",
)
def note(
    municipality: str,
    proposal_id: UUID,
    body: DialogueText,
    routing: RoutingApp,
    staff: Staff,
    correlation_id: CorrelationId = None,
) -> DialogueView:
    _seen(routing, proposal_id, municipality, staff)
    routing.write_note(proposal_id, _writer(staff), body.text, staff_acting(staff, correlation_id))
    return _dialogue(routing, proposal_id, municipality, staff)


@router.post(
    "/routings/{proposal_id}/messages",
    status_code=status.HTTP_201_CREATED,
    summary="提案者へのメッセージ / A message to the proposer (shown and e-mailed to them)",
)
def message(
    municipality: str,
    proposal_id: UUID,
    body: DialogueText,
    routing: RoutingApp,
    staff: Staff,
    correlation_id: CorrelationId = None,
) -> DialogueView:
    """From the department that took the proposal on, or from the desk."""
    _seen(routing, proposal_id, municipality, staff)
    routing.message_proposer(
        proposal_id, _writer(staff), body.text, staff_acting(staff, correlation_id)
    )
    return _dialogue(routing, proposal_id, municipality, staff)
