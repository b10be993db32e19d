"""Test data: proposals as a proposer would send them, and intake's events as the other
services receive them, Nagasaki-flavoured."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

from shared.contract import (
    Envelope,
    IntegrationEvent,
    ProposalAccepted,
    ProposalRejected,
    ProposalSubmitted,
    ProposalWithdrawn,
    PublicProposer,
)
from shared.contract.envelope import EventMetadata, stable_event_id
from shared.contract.vocabulary import ActorRole, Channel, ProposerKind, ScreeningReason


def proposal_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "channel": "theme",
        "theme_number": 5,
        "proposer": {
            "organisation": "株式会社みなと観光",
            "kind": "company",
            "contact_person": "出島 花子",
            "email": "hanako@minato-kanko.example.jp",
            "phone": "095-000-0000",
        },
        "title": "トイレマップで都心部の回遊性を高める",
        "field": "まちづくり",
        "summary": "トイレに特化したマップを作成し、観光客等のトイレの不安を解消する提案。",
        "content": "観光客が安心してまちなかを回遊できるよう、公衆トイレの位置と設備をまとめた地図を作る。",
        "protected": "協力店舗の一覧と交渉ノウハウ",
    }
    body.update(overrides)
    return body


def free_proposal_body(**overrides: Any) -> dict[str, Any]:
    body = proposal_body(
        channel="free",
        theme_number=None,
        title="通学路安全点検支援システム",
        field="教育",
        summary="通学路の安全点検を効率化するWebシステムの提案。",
    )
    body.pop("theme_number")
    body.update(overrides)
    return body


# -- intake's events, as a consuming service receives them ----------------------------


@dataclass
class IntakeEvents:
    """One proposal's events as intake publishes them, numbered 1, 2, 3 ... like intake's
    store numbers them, so a consuming application can be fed with `app.process(...)`.

    Defaults: a Nagasaki free proposal in the field 教育 (which Nagasaki's directory
    routes to kyoiku); `submitted(...)` takes the event's fields to change."""

    municipality: str = "nagasaki"
    proposal_id: UUID = field(default_factory=uuid4)
    at: datetime = datetime(2025, 10, 30, 1, 0, tzinfo=UTC)
    sequence: int = 0

    def submitted(self, **overrides: Any) -> Envelope:
        fields: dict[str, Any] = {
            "proposal_id": self.proposal_id,
            "municipality": self.municipality,
            "receipt_number": "NGS-2025-0001",
            "fiscal_year": 2025,
            "received_on": date(2025, 10, 30),
            "channel": Channel.FREE,
            "proposer": PublicProposer(
                organisation="株式会社みなと観光", kind=ProposerKind.COMPANY
            ),
            "title": "通学路安全点検支援システム",
            "field": "教育",
            "summary": "通学路の安全点検を効率化するWebシステムの提案。",
            "content": "学校と保護者が通学路の危険箇所を共有する。",
            "has_protected_part": False,
        }
        return self._envelope(ProposalSubmitted(**(fields | overrides)), ActorRole.PROPOSER)

    def accepted(self) -> Envelope:
        return self._envelope(ProposalAccepted(proposal_id=self.proposal_id), ActorRole.DESK)

    def rejected(self) -> Envelope:
        event = ProposalRejected(
            proposal_id=self.proposal_id,
            reasons=[ScreeningReason.SALES_PITCH],
            explanation="自社製品の販売のみの内容です。",
            automatic=False,
        )
        return self._envelope(event, ActorRole.DESK)

    def withdrawn(self) -> Envelope:
        event = ProposalWithdrawn(proposal_id=self.proposal_id, reason="社内で再検討します")
        return self._envelope(event, ActorRole.PROPOSER)

    def _envelope(self, event: IntegrationEvent, role: ActorRole) -> Envelope:
        self.sequence += 1
        subject = str(self.proposal_id)
        return Envelope(
            event=event,
            meta=EventMetadata(
                event_id=stable_event_id("intake", subject, self.sequence),
                service="intake",
                subject=subject,
                time=self.at + timedelta(minutes=self.sequence),
                municipality=self.municipality,
                actor_role=role,
                correlation_id=f"test-{subject}",
                sequence=self.sequence,
            ),
        )
