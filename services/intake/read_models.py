"""Intake's read model: which themes and proposals each municipality has."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from services.intake.domain import Proposal, Theme, ThemeRequest
from shared.projection import CatchingUpProjection, Snapshot


@dataclass(frozen=True)
class InboxFacts:
    """What the desk's inbox filters a proposal by (as submitted; none of it changes)."""

    channel: str
    theme_number: int | None
    field: str
    searchable: str  # receipt number, title and organisation, for the inbox's search

    def matches(
        self, channel: str | None, theme_number: int | None, field: str | None, text: str | None
    ) -> bool:
        return (
            (channel is None or self.channel == channel)
            and (theme_number is None or self.theme_number == theme_number)
            and (field is None or self.field == field)
            and (text is None or text.casefold() in self.searchable)
        )


class IntakeCatalogue(CatchingUpProjection):
    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self._themes: dict[str, dict[int, UUID]] = defaultdict(dict)
        self._proposals: dict[str, dict[UUID, str]] = defaultdict(dict)  # id → status
        self._facts: dict[UUID, InboxFacts] = {}
        # Theme requests from departments, in the order they came (id → department).
        self._theme_requests: dict[str, dict[UUID, str]] = defaultdict(dict)

    def apply(self, domain_event: Any) -> None:
        match domain_event:
            case Theme.Published(municipality=municipality, number=number):
                self._themes[municipality][number] = domain_event.originator_id
            case ThemeRequest.Requested(municipality=municipality, department=department):
                self._theme_requests[municipality][domain_event.originator_id] = department
            case Proposal.Submitted(municipality=municipality):
                self._proposals[municipality][domain_event.originator_id] = "received"
                searchable = " ".join(
                    (domain_event.receipt_number, domain_event.title, domain_event.organisation)
                )
                self._facts[domain_event.originator_id] = InboxFacts(
                    channel=domain_event.channel,
                    theme_number=domain_event.theme_number,
                    field=domain_event.field,
                    searchable=searchable.casefold(),
                )
            case Proposal.Accepted() | Proposal.Rejected() | Proposal.Withdrawn():
                status = type(domain_event).__name__.lower()
                self._proposals[domain_event.meta["municipality"]][domain_event.originator_id] = (
                    status
                )

    def theme_ids(self, municipality: str) -> list[UUID]:
        self.catch_up()
        themes = self._themes[municipality]
        return [themes[number] for number in sorted(themes)]

    def theme_request_ids(self, municipality: str, department: str | None = None) -> list[UUID]:
        """A city's theme requests, oldest first; of one department if it is named."""
        self.catch_up()
        return [
            rid
            for rid, by in self._theme_requests[municipality].items()
            if department is None or by == department
        ]

    def proposal_ids(
        self,
        municipality: str,
        status: str | None = None,
        *,
        channel: str | None = None,
        theme_number: int | None = None,
        field: str | None = None,
        text: str | None = None,
        among: frozenset[UUID] | None = None,
    ) -> list[UUID]:
        self.catch_up()
        return [
            pid
            for pid, current in self._proposals[municipality].items()
            if (among is None or pid in among)
            and (status is None or current == status)
            and self._facts[pid].matches(channel, theme_number, field, text)
        ]

    def view(self) -> Snapshot:
        return {
            "themes": [
                {"municipality": municipality, "number": number, "theme_id": str(theme_id)}
                for municipality, themes in sorted(self._themes.items())
                for number, theme_id in sorted(themes.items())
            ],
            "theme_requests": [
                {"municipality": municipality, "request_id": str(rid), "department": department}
                for municipality, requests in sorted(self._theme_requests.items())
                for rid, department in requests.items()
            ],
            "proposals": [
                {"municipality": municipality, "proposal_id": str(pid), "status": status}
                for municipality, proposals in sorted(self._proposals.items())
                for pid, status in sorted(proposals.items(), key=lambda item: str(item[0]))
            ],
        }
