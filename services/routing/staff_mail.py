"""What the city's staff are told by e-mail, and when.

Issue 15: 「Staff get an e-mail when something lands in their inbox or goes overdue」. The
outbox (shared.outbox) follows routing's own history and calls `StaffMail.send` for each
stored event, so a mail is caused by an event stored in the same transaction, is sent at
least once, and is never sent again by a replay or a rebuild of the read models (the
outbox's position is kept beside the events). Who hears of what:

- a department, when a proposal is routed or reassigned to it (it lands in its inbox);
- the desk, when a routing goes past its deadline or a department declines (the desk
  stays responsible: 「たらい回しは絶対にしない」, Kitakyushu), and when no department fits
  a newly accepted proposal (it waits in the desk's triage queue);
- the department in dialogue, when its dialogue goes past its deadline and when the
  proposer answered (the desk, when it wrote and no department has taken it on);
- the department that runs an adopted proposal's project, when implementation says its
  effect verification went past its due date (the one that took it on, when implementation
  names none).

Addresses are the directory's (services/routing/data/<city>.json: `notify_email` per
department, `desk_notify_email`); a missing one means that nobody is e-mailed. A mail says
only what staff need to open the console: the receipt number, the title and a link. It
never carries the proposer's contact details, the content or its protected part, nor the
proposer's answer: those stay behind the console's sign-in.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from services.routing.application import RoutingApplication
from services.routing.directory import Directory, directory
from services.routing.domain import Routing
from services.routing.settings import RoutingSettings
from shared.mail import Mailer, mail_templates, rendered
from shared.outbox import Outbox, mail_outbox

log = logging.getLogger(__name__)

_templates = mail_templates("services.routing")

# The staff console's page of one proposal (services/portal/api/department_console.py and
# desk_console.py).
DEPARTMENT_PAGE = "/staff/department/proposals/{id}"
DESK_PAGE = "/staff/desk/proposals/{id}"


class StaffMail:
    def __init__(
        self, routing: RoutingApplication, settings: RoutingSettings, mailer: Mailer
    ) -> None:
        self._routing = routing
        self._settings = settings
        self._mailer = mailer

    def send(self, domain_event: Any) -> None:
        """The e-mails this stored event calls for, if any."""
        for address, template, values in self.mails(domain_event):
            subject, body = rendered(_templates, template, **values)
            self._mailer.send(self._mailer.message(address, subject, body))
            log.info("mailed %s to %s", template, address)

    def mails(self, domain_event: Any) -> list[tuple[str, str, dict[str, Any]]]:
        """(address, template, values) of each mail the event calls for; a department or
        desk without an address gets none."""
        match domain_event:
            case Routing.Routed() if domain_event.hop == 1 and not domain_event.departments:
                # No department fits: it lands in the desk's triage queue. (After a
                # decline, the desk's mail about the decline says where it went.)
                return self._to_desk(domain_event, "triage.txt")
            case Routing.Routed():
                before = self._as_of(domain_event, before=True)
                newly = [d for d in domain_event.departments if d not in before.departments]
                reassigned = domain_event.hop > 1
                return self._to_departments(
                    domain_event, newly, "routed.txt", reassigned=reassigned
                )
            case Routing.Declined():
                return self._to_desk(
                    domain_event,
                    "declined.txt",
                    declined_by=self._name(domain_event, domain_event.department),
                    reason=domain_event.reason,
                )
            case Routing.DeadlinePassed() if domain_event.deadline == "routing":
                return self._to_desk(
                    domain_event, "routing_overdue.txt", due_on=domain_event.due_on
                )
            case Routing.DeadlinePassed() if domain_event.deadline == "dialogue":
                return self._to_departments(
                    domain_event,
                    [domain_event.department],
                    "dialogue_overdue.txt",
                    due_on=domain_event.due_on,
                )
            case Routing.VerificationOverdueHeard():
                department = domain_event.department or self._as_of(domain_event).taken_on_by
                return self._to_departments(
                    domain_event,
                    [department],
                    "verification_overdue.txt",
                    due_on=domain_event.due_on,
                )
            case Routing.ProposerAnswered():
                taken_on_by = self._as_of(domain_event).taken_on_by
                if taken_on_by is None:
                    return self._to_desk(domain_event, "answered.txt")
                return self._to_departments(domain_event, [taken_on_by], "answered.txt")
        return []

    def _as_of(self, domain_event: Any, before: bool = False) -> Routing:
        """The routing as it was just after (or just before) this event: a mail sent late
        (the SMTP server was down) says what was true when it happened."""
        version = domain_event.originator_version - (1 if before else 0)
        routing: Routing = self._routing.repository.get(domain_event.originator_id, version=version)
        return routing

    def _directory(self, domain_event: Any) -> Directory:
        return directory(self._as_of(domain_event).municipality)

    def _name(self, domain_event: Any, department: str) -> dict[str, str]:
        found = self._directory(domain_event).department(department)
        return {
            "ja": found.name_ja if found else department,
            "en": found.name_en if found else department,
        }

    def _to_departments(
        self, domain_event: Any, departments: Sequence[str | None], template: str, **values: Any
    ) -> list[tuple[str, str, dict[str, Any]]]:
        mails = []
        for department in departments:
            if department is None:
                continue
            address = self._directory(domain_event).notify_email(department)
            if address is None:
                continue
            page = DEPARTMENT_PAGE.format(id=domain_event.originator_id)
            mails.append(
                (
                    address,
                    template,
                    self._values(domain_event, page)
                    | {"to": self._name(domain_event, department)}
                    | values,
                )
            )
        return mails

    def _to_desk(
        self, domain_event: Any, template: str, **values: Any
    ) -> list[tuple[str, str, dict[str, Any]]]:
        address = self._directory(domain_event).notify_email(None)
        if address is None:
            return []
        page = DESK_PAGE.format(id=domain_event.originator_id)
        desk = {"ja": "共創窓口", "en": "the co-creation desk"}
        return [(address, template, self._values(domain_event, page) | {"to": desk} | values)]

    def _values(self, domain_event: Any, page: str) -> dict[str, Any]:
        routing = self._as_of(domain_event)
        return {
            "receipt_number": routing.receipt_number,
            "title": routing.title,
            "console_url": self._settings.portal_url(page),
        }


def staff_mail_outbox(settings: RoutingSettings, routing: RoutingApplication) -> Outbox | None:
    """The outbox beside the routing API, when an SMTP server is configured."""
    return mail_outbox(
        routing, "staff-mail", settings, lambda mailer: StaffMail(routing, settings, mailer).send
    )
