"""Intake's read model: which themes and proposals each municipality has."""

from __future__ import annotations

from collections import defaultdict
from typing import Any
from uuid import UUID

from services.intake.domain import Proposal, Theme
from shared.projection import CatchingUpProjection, Snapshot


class IntakeCatalogue(CatchingUpProjection):
    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self._themes: dict[str, dict[int, UUID]] = defaultdict(dict)
        self._proposals: dict[str, dict[UUID, str]] = defaultdict(dict)  # id → status

    def apply(self, domain_event: Any) -> None:
        match domain_event:
            case Theme.Published(municipality=municipality, number=number):
                self._themes[municipality][number] = domain_event.originator_id
            case Proposal.Submitted(municipality=municipality):
                self._proposals[municipality][domain_event.originator_id] = "received"
            case Proposal.Accepted() | Proposal.Rejected() | Proposal.Withdrawn():
                status = type(domain_event).__name__.lower()
                self._proposals[domain_event.meta["municipality"]][domain_event.originator_id] = (
                    status
                )

    def theme_ids(self, municipality: str) -> list[UUID]:
        self.catch_up()
        themes = self._themes[municipality]
        return [themes[number] for number in sorted(themes)]

    def proposal_ids(self, municipality: str, status: str | None = None) -> list[UUID]:
        self.catch_up()
        return [
            pid
            for pid, current in self._proposals[municipality].items()
            if status is None or current == status
        ]

    def view(self) -> Snapshot:
        return {
            "themes": [
                {"municipality": municipality, "number": number, "theme_id": str(theme_id)}
                for municipality, themes in sorted(self._themes.items())
                for number, theme_id in sorted(themes.items())
            ],
            "proposals": [
                {"municipality": municipality, "proposal_id": str(pid), "status": status}
                for municipality, proposals in sorted(self._proposals.items())
                for pid, status in sorted(proposals.items(), key=lambda item: str(item[0]))
            ],
        }
