"""Test data: proposals as a proposer would send them, Nagasaki-flavoured, and the
integration events other services deliver about them (for `app.process(envelope)`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

from services.decision.fairness import assess, thresholds
from shared.contract import (
    ActorRole,
    AssessmentInputs,
    Channel,
    Envelope,
    EventMetadata,
    IntegrationEvent,
    ProposalAccepted,
    ProposalAdopted,
    ProposalRejected,
    ProposalRouted,
    ProposalSubmitted,
    ProposalTakenOn,
    ProposalWithdrawn,
    ProposerAnswered,
    ProposerKind,
    PublicProposer,
    RoutingMethod,
    stable_event_id,
)
from shared.contract.vocabulary import ScreeningReason


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
        "terms_consent": True,
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

    def answered(
        self, text: str, in_reply_to: UUID | None = None, message_id: UUID | None = None
    ) -> Envelope:
        """The proposer's answer on the status page, as intake publishes it."""
        event = ProposerAnswered(
            proposal_id=self.proposal_id,
            message_id=message_id or uuid4(),
            in_reply_to=in_reply_to,
            text=text,
        )
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


# -- integration events as another service delivers them, for `app.process(envelope)` --

HAPPENED_FROM = datetime(2025, 10, 30, 0, 0, tzinfo=UTC)  # 09:00 in Japan


def envelope(
    service: str,
    subject: UUID,
    sequence: int,
    event: IntegrationEvent,
    *,
    minute: int = 0,
    municipality: str = "nagasaki",
) -> Envelope:
    """`event` as `service` sends it: the `sequence`-th event of `subject` (a proposal or
    a theme), with the metadata a relay puts on it; it happened `minute` minutes into
    the morning of 2025-10-30 (JST), so events of several services keep their order."""
    meta = EventMetadata(
        event_id=stable_event_id(service, str(subject), sequence),
        service=service,
        subject=str(subject),
        time=HAPPENED_FROM + timedelta(minutes=minute),
        municipality=municipality,
        actor_role=ActorRole.SYSTEM,
        correlation_id=f"test-{subject}",
        sequence=sequence,
    )
    return Envelope(event=event, meta=meta)


def submitted(
    proposal_id: UUID,
    *,
    municipality: str = "nagasaki",
    receipt_number: str = "NGS-2025-0001",
    theme_number: int | None = None,
    kind: ProposerKind = ProposerKind.COMPANY,
    title: str = "通学路安全点検支援システム",
    received_on: date = date(2025, 10, 30),
) -> ProposalSubmitted:
    """Intake's word that a proposal arrived (its public part: intake keeps the rest)."""
    return ProposalSubmitted(
        proposal_id=proposal_id,
        municipality=municipality,
        receipt_number=receipt_number,
        fiscal_year=2025,
        channel=Channel.FREE if theme_number is None else Channel.THEME,
        theme_number=theme_number,
        proposer=PublicProposer(organisation="株式会社みなと観光", kind=kind),
        title=title,
        field="教育",
        summary="通学路の安全点検を効率化するWebシステムの提案。",
        content="学校と保護者が危険箇所を共有する。",
        has_protected_part=False,
        received_on=received_on,
    )


def taken_on(
    proposal_id: UUID,
    department: str = "kyoiku",
    *,
    municipality: str = "nagasaki",
    **submission: Any,
) -> list[Envelope]:
    """A proposal submitted and accepted (intake), routed to `department` which took it
    on (routing): what decision needs before the department decides."""
    due = date(2025, 11, 13)
    routed = ProposalRouted(
        proposal_id=proposal_id,
        hop=1,
        lead_department=department,
        departments=[department],
        method=RoutingMethod.MATCH,
        reason="教育",
        due_on=due,
    )
    taken = ProposalTakenOn(proposal_id=proposal_id, department=department, dialogue_due_on=due)
    steps: list[tuple[str, int, IntegrationEvent]] = [
        ("intake", 1, submitted(proposal_id, municipality=municipality, **submission)),
        ("intake", 2, ProposalAccepted(proposal_id=proposal_id)),
        ("routing", 2, routed),
        ("routing", 3, taken),
    ]
    return [
        envelope(service, proposal_id, sequence, event, minute=minute, municipality=municipality)
        for minute, (service, sequence, event) in enumerate(steps)
    ]


def adopted(
    proposal_id: UUID,
    decided_by: str = "kyoiku",
    *,
    sequence: int = 2,
    minute: int = 10,
    municipality: str = "nagasaki",
) -> Envelope:
    """Decision's word that the proposal was adopted, as a partnership without selection."""
    assessment = assess(AssessmentInputs(), thresholds(municipality))
    event = ProposalAdopted(proposal_id=proposal_id, decided_by=decided_by, assessment=assessment)
    return envelope(
        "decision", proposal_id, sequence, event, minute=minute, municipality=municipality
    )
