"""A small world for authorisation tests: each service's app in-process on the memory
store (no broker, no database), its staff of every role in two cities, and one Nagasaki
proposal (field 教育, so Nagasaki's directory routes it to kyoiku) as far as each service
knows it: routed to and taken on by kyoiku, adopted by it, drafted as a case."""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import httpx
from fastapi import FastAPI

from services.decision.fairness import assess, thresholds
from services.intake.commands import ProposalSubmission, ThemeDraft, ThemeRequestDraft
from services.intake.sounding_commands import SoundingDraft
from services.registry import SERVICES
from shared.acting import Acting
from shared.contract import (
    ActorRole,
    AssessmentInputs,
    Envelope,
    ProposalAdopted,
    ProposalEscalated,
    ProposalRouted,
    ProposalTakenOn,
    RoutingMethod,
)
from shared.service import create_app
from shared.status_tokens import StatusTokenSettings
from tests.factories import envelope, free_proposal_body, taken_on

OWN, OTHER = "nagasaki", "aomori"
# The services' clock: the proposal is submitted then, and routed and decided after.
MORNING = datetime(2025, 10, 30, 0, 0, tzinfo=UTC)
OWN_DEPARTMENT, OTHER_DEPARTMENT = "kyoiku", "kankyo"  # both Nagasaki's
AOMORI_DEPARTMENT = "koumin-renkei"  # Aomori's one department (routing's directory)

# The roles of the matrix, in its columns' order.
ROLES = ("desk", "own_department", "other_department", "council", "auditor")


def _token(city: str, role: str) -> str:
    return f"{city}-{role}-token-{'t' * 12}"


def _staff(city: str, role: str, department: str | None) -> dict[str, str]:
    entry = {
        "token": _token(city, role),
        "role": role.split("_")[-1],
        "municipality": city,
    }
    if department is not None:
        entry["department"] = department
    return entry


STAFF = [
    _staff(OWN, "desk", None),
    _staff(OWN, "own_department", OWN_DEPARTMENT),
    _staff(OWN, "other_department", OTHER_DEPARTMENT),
    _staff(OWN, "council", None),
    _staff(OWN, "auditor", None),
    _staff(OTHER, "desk", None),
    _staff(OTHER, "own_department", AOMORI_DEPARTMENT),
    _staff(OTHER, "council", None),
    _staff(OTHER, "auditor", None),
]
OTHER_CITY_ROLES = ("desk", "own_department", "council", "auditor")


def bearer(city: str, role: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {_token(city, role)}"}


def as_acting(role: ActorRole, city: str = OWN) -> Acting:
    return Acting.new(role, city, "authorisation-test")


@dataclass
class World:
    """One service running with the proposal (and what it needs) in its store; `ids`
    fill a route's path parameters."""

    app: FastAPI
    client: httpx.AsyncClient
    ids: dict[str, str] = field(default_factory=dict)

    @property
    def application(self) -> Any:
        return self.app.state.application

    def path(self, template: str, city: str = OWN) -> str:
        return template.format(municipality=city, **self.ids)


def routed_to_kyoiku(proposal_id: UUID) -> list[Envelope]:
    """Routing's word that the proposal went to kyoiku, which took it on (as intake hears
    it: routing's own sequence numbers)."""
    due = date(2025, 11, 13)
    routed = ProposalRouted(
        proposal_id=proposal_id,
        hop=1,
        lead_department=OWN_DEPARTMENT,
        departments=[OWN_DEPARTMENT],
        method=RoutingMethod.MATCH,
        reason="教育",
        due_on=due,
    )
    took = ProposalTakenOn(proposal_id=proposal_id, department=OWN_DEPARTMENT, dialogue_due_on=due)
    return [
        envelope("routing", proposal_id, 1, routed, minute=3),
        envelope("routing", proposal_id, 2, took, minute=4),
    ]


def after_now(envelopes: list[Envelope]) -> list[Envelope]:
    """The envelopes as if they happened from now on, in their order: intake stamps its
    own events with the time they are stored, and the fold keeps the order of time."""
    now = datetime.now(UTC)
    return [
        e.model_copy(
            update={"meta": e.meta.model_copy(update={"time": now + timedelta(seconds=n)})}
        )
        for n, e in enumerate(envelopes, start=1)
    ]


def escalated_by_kyoiku(proposal_id: UUID, sequence: int = 1) -> Envelope:
    event = ProposalEscalated(
        proposal_id=proposal_id,
        department=OWN_DEPARTMENT,
        reason="部局横断の判断が必要",
    )
    return envelope("decision", proposal_id, sequence, event, minute=8)


def adopted_by_kyoiku(proposal_id: UUID) -> Envelope:
    assessment = assess(AssessmentInputs(), thresholds(OWN))
    event = ProposalAdopted(
        proposal_id=proposal_id, decided_by=OWN_DEPARTMENT, assessment=assessment
    )
    return envelope("decision", proposal_id, 1, event, minute=10)


def _intake(app: FastAPI) -> dict[str, str]:
    intake = app.state.application
    draft = ThemeDraft(number=5, title="回遊性の向上", field="まちづくり", department="machizukuri")
    intake.publish_theme(OWN, draft, as_acting(ActorRole.DESK))
    # With its proposal document, which only those who may see the proposal download.
    document = intake.documents.keep(b"%PDF-1.7\n%%EOF\n", "提案書.pdf")
    body = free_proposal_body(document={"sha256": document["sha256"], "name": "提案書.pdf"})
    submission = ProposalSubmission.model_validate(body)
    proposal = intake.submit(
        OWN, submission, as_acting(ActorRole.PROPOSER), today=date(2025, 10, 30)
    ).proposal
    for heard in after_now(routed_to_kyoiku(proposal.id)):
        assert intake.process(heard)
    # And a theme the own department asks the desk for.
    wish = ThemeRequestDraft(title="通学路の見守り", field="教育")
    request = intake.request_theme(OWN, OWN_DEPARTMENT, wish, as_acting(ActorRole.DEPARTMENT))
    # And a sounding of the own department (サウンディング).
    sounding = intake.draft_sounding(
        OWN,
        OWN_DEPARTMENT,
        SoundingDraft(
            subject="通学路の見守りに関するサウンディング",
            description="見守りの担い手について民間の意見を聴きます。",
            field="教育",
            questions=["見守りの方法は？"],
            opens_on=date(2025, 10, 1),
            closes_on=date(2025, 11, 30),
        ),
        as_acting(ActorRole.DEPARTMENT),
    )
    return {
        "proposal_id": str(proposal.id),
        "number": "5",
        "request_id": str(request.id),
        "sounding_id": str(sounding.id),
    }


def _routing(app: FastAPI) -> dict[str, str]:
    routing = app.state.application
    proposal_id = uuid4()
    for heard in taken_on(proposal_id)[:2]:  # submitted and accepted: routing routes it
        assert routing.process(heard)
    assert routing.routing(proposal_id, OWN).departments == [OWN_DEPARTMENT]
    return {"proposal_id": str(proposal_id), "department": OWN_DEPARTMENT}


def _decision(app: FastAPI) -> dict[str, str]:
    decision = app.state.application
    proposal_id = uuid4()
    for heard in taken_on(proposal_id, OWN_DEPARTMENT):
        assert decision.process(heard)
    decision.adopt(proposal_id, OWN_DEPARTMENT, AssessmentInputs(), as_acting(ActorRole.DEPARTMENT))
    return {"proposal_id": str(proposal_id)}


def _publication(app: FastAPI) -> dict[str, str]:
    publication = app.state.application
    proposal_id = uuid4()
    for heard in [*taken_on(proposal_id, OWN_DEPARTMENT), adopted_by_kyoiku(proposal_id)]:
        assert publication.process(heard)
    case = publication.draft(proposal_id, None, None, [], as_acting(ActorRole.DESK))
    return {"proposal_id": str(proposal_id), "case_id": str(case.id)}


def _implementation(app: FastAPI) -> dict[str, str]:
    implementation = app.state.application
    proposal_id = uuid4()
    for heard in [*taken_on(proposal_id, OWN_DEPARTMENT), adopted_by_kyoiku(proposal_id)]:
        assert implementation.process(heard)
    return {"proposal_id": str(proposal_id)}


PREPARE: dict[str, Callable[[FastAPI], dict[str, str]]] = {
    "intake": _intake,
    "routing": _routing,
    "decision": _decision,
    "implementation": _implementation,
    "publication": _publication,
}


def service_app(name: str, clock: Callable[[], datetime] | None = None) -> FastAPI:
    declaration = SERVICES[name]
    values: dict[str, Any] = {
        "database_url": "memory:",
        "relay_enabled": False,
        "consumer_enabled": False,
        "staff_tokens": STAFF,
    }
    if issubclass(declaration.settings, StatusTokenSettings):
        values["secret_key"] = secrets.token_urlsafe(32)
    settings = declaration.settings(**values)
    return (
        create_app(declaration, settings)
        if clock is None
        else create_app(declaration, settings, clock=clock)
    )


@contextlib.asynccontextmanager
async def world(name: str) -> AsyncIterator[World]:
    """The service `name` running in-process, prepared with the proposal."""
    app = service_app(name, clock=lambda: MORNING)
    async with app.router.lifespan_context(app):
        ids = PREPARE[name](app)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            yield World(app, client, ids)
