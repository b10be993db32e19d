"""Publication's read model: the public register (Nagasaki's columns), theme titles, cases.

Rebuilt from publication's own store: what it heard of each proposal, folded with the
shared fold, and its cases.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from eventsourcing.persistence import Notification

from services.publication.domain import AnnouncedCall, Case, ThemeTitle
from shared.contract.vocabulary import Channel
from shared.observed import (
    HEARD_TOPIC,
    HeardProposal,
    ObservedProposal,
    heard_envelope,
    heard_until,
)
from shared.projection import CatchingUpProjection, Snapshot
from shared.proposal import ProposalState, ProposalStatus

# Nagasaki's three register statuses (002_2a17031293640b66.txt, 対応状況).
UNDER_REVIEW = ("提案内容検討中", "Proposal under review")
BEING_ARRANGED = ("事業調整中", "Project being arranged")
REVIEW_CLOSED = ("検討終了", "Review closed")


def register_status(state: ProposalState) -> tuple[str, str] | None:
    """The register's status, or None for a proposal the desk never took on (screened
    out at intake: it is answered privately, not listed)."""
    if state.accepted_on is None:
        return None
    if state.channel is Channel.PRE_CONSULTATION:
        # A consultation is not a proposal: Nagasaki's register lists 提案 (its columns
        # are 受付日・件名・分野・提案概要・対応状況, seeds/002), Aomori discloses 「実現した
        # 取組」 (seeds/000), and Aomori's flow marks 事前相談 「※必須ではありません」, a step
        # before proposing. No seed lists consultations, so the register does not.
        return None
    if state.status is ProposalStatus.ADOPTED:
        return BEING_ARRANGED
    if state.status.is_closed:
        return REVIEW_CLOSED
    return UNDER_REVIEW


@dataclass(frozen=True)
class RegisterLine:
    """One listed proposal, with the register's status and its theme's title."""

    state: ProposalState
    status: tuple[str, str]
    theme_title: str | None


class Register(CatchingUpProjection):
    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self._proposal_of: dict[UUID | str, UUID] = {}  # observed aggregate id → proposal id
        self._heard: dict[UUID, HeardProposal] = defaultdict(HeardProposal)
        self._states: dict[UUID, ProposalState] = {}
        self._themes: dict[tuple[str, int], str] = {}
        self._cases: dict[str, dict[UUID, UUID]] = defaultdict(dict)  # proposal → case
        self._calls: dict[str, dict[UUID, dict[str, Any]]] = defaultdict(dict)  # as announced

    def take_in(self, notification: Notification) -> None:
        if notification.topic != HEARD_TOPIC:
            super().take_in(notification)
            return
        proposal_id = self._proposal_of[notification.originator_id]
        state = self._heard[proposal_id].hear(
            heard_envelope(self._app.mapper, notification),
            lambda: heard_until(self._app, notification),
        )
        if state is not None:
            self._states[proposal_id] = state

    def apply(self, domain_event: Any) -> None:
        match domain_event:
            case ObservedProposal.Opened(proposal_id=proposal_id):
                self._proposal_of[domain_event.originator_id] = proposal_id
            case ThemeTitle.Heard(municipality=municipality, number=number, title=title):
                self._themes[(municipality, number)] = title
            case Case.Drafted(municipality=municipality, proposal_id=proposal_id):
                self._cases[municipality][proposal_id] = domain_event.originator_id
            case AnnouncedCall.Announced(municipality=municipality, disclosed=disclosed):
                self._calls[municipality][domain_event.originator_id] = disclosed

    def proposals(self, municipality: str) -> list[tuple[ProposalState, tuple[str, str]]]:
        """The register: listed proposals of a municipality, oldest first."""
        self.catch_up()
        rows = []
        for state in self._states.values():
            status = register_status(state)
            if state.municipality == municipality and status is not None:
                rows.append((state, status))
        rows.sort(key=lambda row: (row[0].received_on, row[0].receipt_number))
        return rows

    def lines(self, municipality: str) -> list[RegisterLine]:
        """The register as the public reads it: listed proposals, oldest first, each
        theme proposal with its theme's title."""
        return [
            RegisterLine(state, status, self.theme_title(municipality, state.theme_number))
            for state, status in self.proposals(municipality)
        ]

    def proposal(self, proposal_id: UUID) -> ProposalState | None:
        self.catch_up()
        return self._states.get(proposal_id)

    def theme_title(self, municipality: str, number: int | None) -> str | None:
        self.catch_up()
        return None if number is None else self._themes.get((municipality, number))

    def case_ids(self, municipality: str) -> list[UUID]:
        self.catch_up()
        return list(self._cases[municipality].values())

    def calls(self, municipality: str) -> list[dict[str, Any]]:
        """The calls for an implementer announced in the municipality, as they went public."""
        self.catch_up()
        return list(self._calls[municipality].values())

    def view(self) -> Snapshot:
        # Every proposal heard, listed or not (proposal() answers for each), with the
        # register's status when it is listed.
        proposals = []
        for proposal_id, state in sorted(self._states.items(), key=lambda item: str(item[0])):
            status = register_status(state)
            proposals.append(
                {
                    "proposal_id": str(proposal_id),
                    "state": state.model_dump(mode="json"),
                    "register_status": None if status is None else list(status),
                }
            )
        return {
            "proposals": proposals,
            "themes": [
                {"municipality": municipality, "number": number, "title": title}
                for (municipality, number), title in sorted(self._themes.items())
            ],
            "cases": [
                {"municipality": municipality, "proposal_id": str(pid), "case_id": str(case_id)}
                for municipality, cases in sorted(self._cases.items())
                for pid, case_id in sorted(cases.items(), key=lambda item: str(item[0]))
            ],
            "calls": [
                call
                for municipality, calls in sorted(self._calls.items())
                for _, call in sorted(calls.items(), key=lambda item: str(item[0]))
            ],
        }
