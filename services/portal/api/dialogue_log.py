"""The dialogue log as the consoles show it (issue 15: 「a dialogue log (notes, and
messages to and from the proposer that the proposer sees on the status page)」).

Routing keeps the log and decides who may read and write it; the consoles only show its
entries in order, say which are internal, and offer the two forms of the department.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from services.portal.api.console import Console
from services.portal.backends import Refused
from services.portal.pages import Page
from services.portal.views import Department
from shared.contract.vocabulary import MESSAGE_MAX_LENGTH
from shared.i18n import N_

TEXT_MAX_LENGTH = MESSAGE_MAX_LENGTH  # routing's limit, said as a hint beside each field
# The kinds of entry routing keeps (services/routing/application.py DialogueEntry.kind).
KIND_NAMES = {
    "note": N_("Internal note (the proposer does not see it)"),
    "to_proposer": N_("Message to the proposer"),
    "from_proposer": N_("The proposer's answer"),
}
# The form of each step (its field is named "<step>-text") and the label of its text.
TEXT_LABELS = {"note": N_("Internal note"), "message": N_("Message to the proposer")}
STEPS = tuple(TEXT_LABELS)


@dataclass(frozen=True)
class DialogueLine:
    """One entry of the log: what kind, when, who (the role, the department that wrote
    it where there is one, and the person: staff read one another's names; the proposer's
    page names the department only), and the text."""

    kind: str
    at: str
    role: str
    department: str | None
    text: str
    who: str | None = None

    @property
    def internal(self) -> bool:
        return self.kind == "note"


def dialogue_lines(
    log: dict[str, Any] | None, page: Page, departments: dict[str, Department]
) -> list[DialogueLine]:
    """Routing's log, oldest first, with the department's name in the page's language."""
    if not log:
        return []
    lines = []
    for entry in log["entries"]:
        code = entry.get("department")
        name = departments[code].name(page.language) if code in departments else code
        lines.append(
            DialogueLine(
                kind=str(entry["kind"]),
                at=page.when(datetime.fromisoformat(str(entry["at"]))),
                role=str(entry.get("actor_role") or ""),
                department=name,
                text=str(entry["text"]),
                who=str(entry["actor_name"]) if entry.get("actor_name") else None,
            )
        )
    return lines


async def log_of(console: Console, proposal_id: UUID) -> dict[str, Any] | None:
    """The log, where routing lets this person read it (the desk, the auditor, the
    departments the proposal is with, the council once escalated); None for anyone else,
    or before routing heard."""
    try:
        return await console.calls.dialogue(console.city, proposal_id)
    except Refused as refused:
        if refused.status_code in (403, 404):
            return None
        raise


def shown(
    log: dict[str, Any] | None, console: Console, departments: dict[str, Department]
) -> dict[str, Any]:
    """What a page needs to show the log (the template's `dialogue_log` macro)."""
    return {
        "dialogue": log,
        "dialogue_lines": dialogue_lines(log, console.page, departments),
        "dialogue_kinds": KIND_NAMES,
        "text_max_length": TEXT_MAX_LENGTH,
    }
