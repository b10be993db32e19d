"""What the staff consoles share: who is signed in, their calls to the services with their
own token, the navigation of their role, and the services' refusals as pages or as
messages beside a form's fields.

The consoles hold no rule: every button calls a service's staff endpoint with the
signed-in person's token, and the service decides (a 403 or 404 is shown as a page, a 422
beside the field it names, a 409 as the service's reason). A 401 means the token expired:
the person signs in again and comes back to the same page.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from fastapi import Request, Response
from fastapi.responses import RedirectResponse

from services.portal.api import common
from services.portal.backends import Backends, Refused, StaffCalls, TokenRejected
from services.portal.pages import Page, PortalRoute, page_of
from services.portal.staff_session import SignedInStaff, SignInRequired, signed_in_staff
from shared import csrf
from shared.i18n import N_
from shared.municipalities import municipalities

STAFF_HOME = "/staff"  # the landing page after signing in: it leads to the person's console
# The consoles of each role, in the order the navigation shows them: (path, label).
NAVIGATION: dict[str, tuple[tuple[str, str], ...]] = {
    "desk": (
        ("/staff/desk", N_("Inbox")),
        ("/staff/desk/dashboard", N_("Dashboard")),
        ("/staff/desk/themes", N_("Themes")),
        ("/staff/desk/cases", N_("Cases")),
        ("/staff/desk/projects", N_("Projects")),
    ),
    "department": (
        ("/staff/department", N_("Department inbox")),
        ("/staff/department/theme-requests", N_("Theme requests")),
        ("/staff/department/projects", N_("Projects")),
    ),
    "council": (
        ("/staff/council", N_("Council inbox")),
        ("/staff/council/projects", N_("Projects")),
    ),
    "auditor": (("/staff/audit", N_("Proposal history")),),
}
ROLE_NAMES = {
    "desk": N_("Desk"),
    "department": N_("Department"),
    "council": N_("Council"),
    "auditor": N_("Auditor"),
}

# Routing's stages of a proposal (services/routing/read_models.py).
STAGE_NAMES = {
    "triage": N_("To triage by the desk"),
    "waiting": N_("Waiting for a department to take it on"),
    "in_dialogue": N_("In dialogue"),
    "closed": N_("Closed"),
}

# The steps a history shows (the services' event types), and who took them.
EVENT_NAMES = {
    "intake.proposal.submitted": N_("Proposal submitted"),
    "intake.proposal.accepted": N_("Accepted in screening"),
    "intake.proposal.rejected": N_("Not accepted in screening"),
    "intake.proposal.withdrawn": N_("Withdrawn by the proposer"),
    "intake.proposal.status_link_reissued": N_("Status link sent again"),
    "intake.dialogue.proposer_answered": N_("The proposer's answer"),
    "routing.proposal.routed": N_("Routed"),
    "routing.proposal.taken_on": N_("Taken on"),
    "routing.proposal.declined": N_("Declined"),
    "routing.dialogue.milestone": N_("Dialogue milestone"),
    "routing.dialogue.message_to_proposer": N_("Message to the proposer"),
    "routing.proposal.status_line": N_("Status line set"),
    "routing.proposal.overdue": N_("Overdue"),
    "decision.proposal.adopted": N_("Adopted"),
    "decision.proposal.rejected": N_("Rejected after review"),
    "decision.proposal.escalated": N_("Escalated to the council"),
    "decision.incentive.recorded": N_("Bonus points recorded"),
    "implementation.call.published": N_("Call published"),
    "implementation.applicant.recorded": N_("Applicant recorded"),
    "implementation.implementer.selected": N_("Implementer selected"),
    "implementation.agreement.concluded": N_("Agreement concluded"),
    "implementation.started": N_("Implementation started"),
    "implementation.milestone.reached": N_("Milestone reached"),
    "implementation.experiment_step.done": N_("Experiment step done"),
    "implementation.ended": N_("Implementation ended"),
    "implementation.logic_model.set": N_("Logic model set"),
    "implementation.kpi.defined": N_("KPI defined"),
    "implementation.kpi.measured": N_("KPI measured"),
    "implementation.verdict.given": N_("Verdict given"),
    "implementation.project.closed": N_("Project closed"),
}
ACTOR_NAMES = {
    "proposer": N_("Proposer"),
    "desk": N_("Desk"),
    "department": N_("Department"),
    "council": N_("Council"),
    "system": N_("System"),
}
OUTCOME_NAMES = {"adopted": N_("Adopted"), "rejected": N_("Rejected after review")}


class WrongConsole(Exception):
    """A signed-in person opened the console of another role."""


@dataclass
class Console:
    """One request to a console page: the page, who is signed in, their calls."""

    page: Page
    staff: SignedInStaff
    calls: StaffCalls
    public: Backends  # the public endpoints (the department directory)

    @property
    def city(self) -> str:
        return self.staff.municipality

    @property
    def navigation(self) -> tuple[tuple[str, str], ...]:
        return NAVIGATION[self.staff.role]

    def here(self, path: str) -> bool:
        return self.page.path == path

    def render(self, template: str, /, status_code: int = 200, **context: Any) -> Response:
        response = self.page.render(
            template,
            status_code=status_code,
            console=self,
            role_names=ROLE_NAMES,
            stage_names=STAGE_NAMES,
            event_names=EVENT_NAMES,
            actor_names=ACTOR_NAMES,
            outcome_names=OUTCOME_NAMES,
            **context,
        )
        # What staff read is personal data and the city's internal record: never cached.
        response.headers["Cache-Control"] = "no-store"
        return response

    def redirect(self, path: str, **query: Any) -> Response:
        """Post/Redirect/Get: after a form is taken, the browser asks for the page again."""
        response = RedirectResponse(self.page.url(path, **query), status_code=303)
        self.page.apply_cookies(response)
        return response


async def console_of(request: Request, *roles: str) -> Console:
    """The console of a signed-in person of one of `roles` (else a page saying so)."""
    staff = signed_in_staff(request)
    if staff.role not in roles:
        raise WrongConsole(staff.role)
    page = await page_of(request)
    page.city = municipalities().get(staff.municipality)
    backends: Backends = request.app.state.backends
    return Console(page, staff, backends.as_staff(staff.access_token), backends)


def console_for(*roles: str) -> Callable[[Request], Coroutine[Any, Any, Console]]:
    """A FastAPI dependency: the console of a signed-in person of one of `roles`."""

    async def dependency(request: Request) -> Console:
        return await console_of(request, *roles)

    return dependency


class ConsoleRoute(PortalRoute):
    """A console route: an expired token signs the person in again; a service's 403 or
    404, or a page of another role, is answered as a page; any other refusal the handler
    did not expect (a 409) shows the service's reason."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handle = super().get_route_handler()

        async def handle_or_explain(request: Request) -> Response:
            try:
                return await handle(request)
            except TokenRejected:
                # After signing in again, a GET comes back to its page; a form's POST
                # cannot be replayed, so the person starts again from their console.
                path = STAFF_HOME if request.method == "POST" else _path_of(request)
                raise SignInRequired(path) from None
            except WrongConsole:
                return (await page_of(request)).render("console_forbidden.html", status_code=403)
            except Refused as refused:
                page = await page_of(request)
                if refused.status_code == 403:
                    return page.render("console_forbidden.html", status_code=403)
                if refused.status_code == 404:
                    return page.render("not_found.html", status_code=404)
                return page.render(
                    "console_refused.html",
                    status_code=refused.status_code,
                    refusals=refusals_of(refused, page.gettext),
                )

        return handle_or_explain


# -- a refusal the page did not expect, in the reader's language -----------------------

# The services' stable refusal types (`type` of each item of `detail`; shared.errors),
# worded here for the reader. A type not listed is shown with a general sentence and the
# service's own words, marked as such.
REFUSALS: dict[str, str] = {
    "routing_closed": N_("The proposal's routing is closed: nothing more can be recorded on it."),
    "dialogue_not_started": N_(
        "The dialogue starts when a department takes the proposal on: take it on first."
    ),
    "milestone_already_recorded": N_("This milestone is already recorded."),
    "already_decided": N_("The proposal is already decided; a decision is final."),
    "already_escalated": N_("The proposal is already with the council."),
    "council_decides": N_("The proposal was escalated: the council decides it."),
    "not_escalated": N_("The council decides only what a department escalated to it."),
    "decided_by_another": N_(
        "The proposal is decided by the department that took it on, not by you."
    ),
    "withdrawn": N_("The proposer withdrew the proposal: there is nothing to decide."),
    "already_screened": N_("The proposal is already screened."),
    "theme_already_closed": N_("The theme's call is already closed."),
    "theme_number_taken": N_("A theme with this number already exists: choose another number."),
    "theme_request_answered": N_("The theme request is already answered."),
    "not_adopted": N_("A case is prepared only from an adopted proposal."),
    "case_already_exists": N_("This proposal already has a case."),
    "case_not_consulted": N_(
        "A case is published only after the proposer was consulted on it without objection."
    ),
    "not_yet_heard": N_(
        "The service has not yet heard of the last step (it learns of it within seconds): "
        "try again in a moment."
    ),
}


@dataclass(frozen=True)
class Refusal:
    """One reason a service gave: in the reader's words where its type is known
    (`worded`), else None, and the service's own sentence (`said`)."""

    worded: str | None
    said: str


def refusals_of(refused: Refused, gettext: Callable[[str], str]) -> list[Refusal]:
    return [
        Refusal(
            worded=gettext(REFUSALS[kind])
            if (kind := str(item.get("type", ""))) in REFUSALS
            else None,
            said=str(item.get("msg", "")),
        )
        for item in refused.detail
    ]


@dataclass(frozen=True)
class HistoryLine:
    """One step of a service's history of a proposal, as the consoles show it."""

    at: str
    when: datetime
    service: str
    event: str
    role: str
    who: str | None
    details: list[tuple[str, str]]


def history_lines(service: str, raw: list[dict[str, Any]], page: Page) -> list[HistoryLine]:
    """A service's `history` as lines; `who` (the person) where the service gives it."""
    lines = []
    for step in raw:
        when = datetime.fromisoformat(str(step["at"]))
        details = step.get("details") or {}
        # The person, where the service names them (issue 15: subject and display name).
        who = step.get("who") or step.get("actor") or step.get("actor_name") or details.get("who")
        if isinstance(who, dict):
            who = who.get("name") or who.get("subject")
        lines.append(
            HistoryLine(
                at=page.when(when),
                when=when,
                service=str(step.get("service") or service),
                event=str(step.get("event", "")),
                role=str(step.get("role") or step.get("actor_role") or ""),
                who=str(who) if who else None,
                details=[
                    (str(k), _shown(v)) for k, v in details.items() if v not in (None, "", [])
                ],
            )
        )
    return lines


def _shown(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(_shown(v) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{k}: {_shown(v)}" for k, v in value.items() if v not in (None, ""))
    return str(value)


def _path_of(request: Request) -> str:
    return request.url.path + (f"?{request.url.query}" if request.url.query else "")


def form_token_ok(request: Request, form: Any) -> bool:
    """Whether a console form carries the form token its cookie holds."""
    return common.form_token_ok(request, form.get(csrf.FIELD))


# -- a service's 422 as messages beside the form's fields ------------------------------

MESSAGES: dict[str, str] = {
    "missing": N_("%(label)s is required."),
    "string_too_long": N_("%(label)s must be %(max)s characters or fewer."),
    "choose": N_("%(label)s: choose one."),
    "number": N_("%(label)s: enter a whole number of 0 or more."),
    "other": N_("%(label)s: check the value."),
}
_NAMED_IN_MESSAGE = re.compile(r"^(?:Value error, )?([a-z_.]+): ")
_NUMBER_TYPES = {"int_parsing", "float_parsing", "greater_than_equal", "greater_than", "int_type"}


def field_errors(
    refused: Refused,
    labels: dict[str, str],
    gettext: Callable[..., str],
    choices: frozenset[str] = frozenset(),
) -> dict[str, str]:
    """The service's refusal as one message per form field (`labels`: the field's dotted
    name in the service's body → its label; `choices`: fields chosen, not typed); what
    names no field goes under ""."""
    found: dict[str, str] = {}
    for item in refused.detail:
        loc = [str(part) for part in item.get("loc", [])]
        name = ".".join(p for p in loc[1:] if not p.isdigit()) if loc[:1] == ["body"] else ""
        if loc[:1] == ["body"] and not name:
            # A rule on several fields names its field at the start of the message.
            matched = _NAMED_IN_MESSAGE.match(str(item.get("msg", "")))
            name = matched.group(1) if matched else ""
        if name not in labels:
            kind = str(item.get("type", ""))
            said = str(item.get("msg", ""))
            found.setdefault("", gettext(REFUSALS[kind]) if kind in REFUSALS else said)
            continue
        if name in found:
            continue
        kind = str(item.get("type", ""))
        if name in choices:
            key = "choose"
        elif kind in ("missing", "string_too_short", "value_error"):
            key = "missing"
        elif kind == "string_too_long":
            key = "string_too_long"
        elif kind in _NUMBER_TYPES:
            key = "number"
        else:
            key = "other"
        maximum = (item.get("ctx") or {}).get("max_length", "")
        found[name] = gettext(MESSAGES[key]) % {"label": gettext(labels[name]), "max": maximum}
    return found
