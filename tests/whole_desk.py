"""The whole desk in one test process, or the part of it a test needs: the named
services' settings on one broker and one kind of store, their apps running in the test's
event loop, and the steps that take a proposal through them (submitted, routed, taken on,
adopted, published). The one harness of the pipeline tests (routing, decision, relay,
publication, audit replay and the chain anchor, rebuild, broker loss)."""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import uuid
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx
from fastapi import FastAPI

from services.intake.demo_data import load_nagasaki_themes
from services.intake.settings import IntakeSettings
from services.registry import SERVICES
from shared.paging import MOST_LINES, TOTAL_HEADER
from shared.projection import CatchingUpProjection
from shared.proposal import ProposalStatus
from shared.service import create_app
from shared.settings import CommonSettings
from tests.brokers import Broker
from tests.conftest import (
    NAGASAKI_DEPARTMENT,
    NAGASAKI_DESK,
    STAFF_TOKENS,
    MovableClock,
    bearer,
    wait_until,
)
from tests.factories import proposal_body
from tests.running import serving

MARKERS = {
    "protected part": "MARKER-PROTECTED-3f9e1c",
    "contact person": "MARKER-CONTACT-8b2d44",
    "email": "marker-email-1a7f90@example.jp",
    "phone": "090-3141-5926",
    "sole proprietor's name": "MARKER-PERSON-5c0e21",
    "protected case section": "MARKER-CASE-SECTION-77aa02",
}
NAGASAKI = "/api/v1/municipalities/nagasaki"
EVERY_SERVICE = tuple(SERVICES)


@dataclass
class Desk:
    """The running services of one test, by name, with the proposal's steps."""

    apps: dict[str, FastAPI]
    clients: dict[str, httpx.AsyncClient]
    settings: dict[str, CommonSettings]
    clock: MovableClock
    prefix: str
    bootstrap: str

    def application(self, name: str) -> Any:
        return self.apps[name].state.application

    def read_models(self, name: str) -> dict[str, CatchingUpProjection]:
        models: dict[str, CatchingUpProjection] = self.application(name).read_models()
        return models

    def topic(self, service: str, stream: str) -> str:
        """The name of a service's topic on this desk (the same prefix for all)."""
        return next(iter(self.settings.values())).topic(service, stream)

    @property
    def intake(self) -> httpx.AsyncClient:
        return self.clients["intake"]

    @property
    def routing(self) -> httpx.AsyncClient:
        return self.clients["routing"]

    @property
    def decision(self) -> httpx.AsyncClient:
        return self.clients["decision"]

    @property
    def publication(self) -> httpx.AsyncClient:
        return self.clients["publication"]

    @property
    def intake_app(self) -> FastAPI:
        return self.apps["intake"]

    async def accepted_receipt(
        self, body: dict[str, Any], city: str = "nagasaki", desk: str = NAGASAKI_DESK
    ) -> dict[str, Any]:
        """Submitted, and screened in by the city's desk: the proposer's receipt."""
        base = f"/api/v1/municipalities/{city}"
        receipt: dict[str, Any] = (await self.intake.post(f"{base}/proposals", json=body)).json()
        accepted = await self.intake.post(
            f"{base}/desk/proposals/{receipt['proposal_id']}/screening",
            json={"decision": "accept"},
            headers=bearer(desk),
        )
        assert accepted.status_code == 200, accepted.text
        return receipt

    async def submit_and_accept(
        self, body: dict[str, Any], city: str = "nagasaki", desk: str = NAGASAKI_DESK
    ) -> str:
        return str((await self.accepted_receipt(body, city, desk))["proposal_id"])

    async def routed(self, pid: str, hop: int = 1) -> dict[str, Any]:
        """Routing's view of the proposal once it has made that hop."""

        async def view() -> dict[str, Any] | None:
            response = await self.routing.get(
                f"{NAGASAKI}/routings/{pid}", headers=bearer(NAGASAKI_DESK)
            )
            if response.status_code != 200 or response.json()["hop"] < hop:
                return None
            found: dict[str, Any] = response.json()
            return found

        found: dict[str, Any] = await wait_until(view, what=f"proposal {pid} routed (hop {hop})")
        return found

    async def take_on(
        self, pid: str, city: str = "nagasaki", department: str = NAGASAKI_DEPARTMENT
    ) -> None:
        """Once routing has routed the proposal to the department, it takes it on."""

        async def taken() -> bool:
            response = await self.routing.post(
                f"/api/v1/municipalities/{city}/routings/{pid}/take-on",
                headers=bearer(department),
            )
            return response.status_code == 200

        await wait_until(taken, what=f"{pid} routed to {department} and taken on")

    async def taken_on(
        self,
        body: dict[str, Any],
        city: str = "nagasaki",
        desk: str = NAGASAKI_DESK,
        department: str = NAGASAKI_DEPARTMENT,
    ) -> str:
        """Submitted, accepted, routed, taken on, and heard by decision."""
        pid = await self.submit_and_accept(body, city, desk)
        await self.take_on(pid, city, department)
        decision = self.application("decision")

        def heard() -> bool:
            state = decision.proposal_state(UUID(pid))
            return state is not None and state.status is ProposalStatus.IN_DIALOGUE

        await wait_until(heard, what=f"decision heard that {pid} was taken on")
        return pid


def service_settings(
    names: Sequence[str],
    data_dir: Path,
    bootstrap_servers: str,
    database_url: str,
    make_settings: Callable[..., IntakeSettings],
    prefix: str,
    staff_tokens: list[dict[str, str]],
    overrides: dict[str, dict[str, Any]],
) -> dict[str, CommonSettings]:
    """Each named service's settings, as its container would have them: a SQLite file per
    service beside intake's, or the service's own schema in the test's PostgreSQL prefix;
    then the test's own values for that service."""
    common: dict[str, Any] = {
        "data_dir": data_dir,
        "kafka_bootstrap_servers": bootstrap_servers,
        "topic_prefix": prefix,
        "staff_tokens": staff_tokens,
        "kafka_session_timeout_seconds": 2,
        "relay_poll_interval_seconds": 0.05,
        "relay_enabled": True,
        "consumer_enabled": True,
    }
    # Intake issues the proposers' status tokens, publication checks them: one key. The
    # deadline timer stays out of the way unless a test asks for it (and moves the clock).
    secret_key = secrets.token_urlsafe(32)
    only: dict[str, dict[str, Any]] = {
        "intake": {"secret_key": secret_key},
        "routing": {"deadline_check_interval_seconds": 3600},
        "publication": {"secret_key": secret_key},
    }
    settings: dict[str, CommonSettings] = {}
    for name in names:
        values = {
            **common,
            "database_url": database_url.replace("intake.sqlite", f"{name}.sqlite"),
            **only.get(name, {}),
            **overrides.get(name, {}),
        }
        # Intake's from the lane's own maker (its demo data off: the harness loads the
        # themes alone, and tests count their proposals).
        build: Callable[..., CommonSettings] = (
            make_settings if name == "intake" else SERVICES[name].settings
        )
        settings[name] = build(**values)
    return settings


@contextlib.asynccontextmanager
async def running_desk(
    names: Sequence[str],
    tmp_path: Path,
    broker: Broker,
    database_url: str,
    make_settings: Callable[..., IntakeSettings],
    *,
    staff_tokens: list[dict[str, str]] = STAFF_TOKENS,
    overrides: dict[str, dict[str, Any]] | None = None,
    clock: MovableClock | None = None,
) -> AsyncIterator[Desk]:
    """The named services running on the broker, topics unique to the test, intake with
    Nagasaki's 27 themes (not its register: tests count their proposals)."""
    prefix = f"t{uuid.uuid4().hex[:12]}"
    clock = clock or MovableClock()
    settings = service_settings(
        names,
        tmp_path,
        broker.bootstrap_servers,
        database_url,
        make_settings,
        prefix,
        staff_tokens,
        overrides or {},
    )
    apps = {name: create_app(SERVICES[name], settings[name], clock=clock) for name in names}
    async with contextlib.AsyncExitStack() as stack:
        clients = {
            name: await stack.enter_async_context(serving(apps[name], f"http://{name}.test"))
            for name in names
        }
        if "intake" in apps:
            await asyncio.to_thread(load_nagasaki_themes, apps["intake"].state.application)
        yield Desk(apps, clients, settings, clock, prefix, broker.bootstrap_servers)


async def adopted_proposal(desk: Desk, body: dict[str, Any]) -> dict[str, Any]:
    """Submit, screen in, route to the theme's owner, take on and adopt: the real pipeline."""
    receipt = await desk.accepted_receipt(body)
    pid = receipt["proposal_id"]
    await desk.take_on(pid)

    async def adopted() -> bool:
        response = await desk.decision.post(
            f"{NAGASAKI}/decisions/{pid}/adopt",
            json={"inputs": {}, "agreement": "business_agreement"},
            headers=bearer(NAGASAKI_DEPARTMENT),
        )
        return response.status_code == 200

    await wait_until(adopted, what="decision to hear the dialogue and adopt")
    return receipt


def marked_body() -> dict[str, Any]:
    body = proposal_body(protected=f"ノウハウ {MARKERS['protected part']}")
    body["proposer"].update(
        kind="sole_proprietor",
        organisation=MARKERS["sole proprietor's name"],
        contact_person=MARKERS["contact person"],
        email=MARKERS["email"],
        phone=MARKERS["phone"],
    )
    return body


async def publish_case(
    desk: Desk, receipt: dict[str, Any], city: str = "nagasaki", city_desk: str = NAGASAKI_DESK
) -> str:
    pid = receipt["proposal_id"]
    base = f"/api/v1/municipalities/{city}"

    async def drafted() -> dict[str, Any] | None:
        response = await desk.publication.post(
            f"{base}/desk/cases",
            json={
                "proposal_id": pid,
                "sections": [
                    {
                        "heading": "成果 Results",
                        "text": "公衆トイレマップを公開し、観光客の回遊が増えた。",
                    },
                    {
                        "heading": "協力店舗との交渉",
                        "text": MARKERS["protected case section"],
                        "protected": True,
                    },
                ],
            },
            headers=bearer(city_desk),
        )
        return response.json() if response.status_code == 201 else None

    case = await wait_until(drafted, what="publication to hear the adoption")
    case_id = case["case_id"]
    too_early = await desk.publication.post(
        f"{base}/desk/cases/{case_id}/publication", headers=bearer(city_desk)
    )
    assert too_early.status_code == 409  # the proposer has not been consulted
    consulting = await desk.publication.post(
        f"{base}/desk/cases/{case_id}/consultation", headers=bearer(city_desk)
    )
    assert consulting.json()["stage"] == "consulting"
    mine = await desk.publication.get(
        f"/api/v1/proposer/proposals/{pid}/case", params={"token": receipt["status_token"]}
    )
    assert [s["heading"] for s in mine.json()["sections"]] == ["成果 Results"]
    consent = await desk.publication.post(
        f"/api/v1/proposer/proposals/{pid}/case/consent", params={"token": receipt["status_token"]}
    )
    assert consent.json()["consented"] is True
    published = await desk.publication.post(
        f"{base}/desk/cases/{case_id}/publication", headers=bearer(city_desk)
    )
    assert published.json()["stage"] == "published"
    return str(case_id)


def audit_settings(desk: Desk, tmp_path: Path, database_url: str) -> CommonSettings:
    """What an auditor's KYOSO_ settings would be for this desk."""
    return CommonSettings(
        data_dir=tmp_path,
        database_url=database_url if database_url.startswith("postgres") else "",
        kafka_bootstrap_servers=desk.bootstrap,
        topic_prefix=desk.prefix,
    )


async def published_lifecycle(desk: Desk) -> tuple[dict[str, Any], UUID]:
    receipt = await adopted_proposal(desk, marked_body())
    await publish_case(desk, receipt)
    proposal_id = UUID(receipt["proposal_id"])
    if "implementation" in desk.apps:
        # Every running service has taken the adoption in: implementation opened the
        # project, so what the audit reads of the stores no longer changes by itself.
        implementation = desk.application("implementation")
        await wait_until(
            lambda: any(
                line.proposal_id == proposal_id
                for line in implementation.projects.lines("nagasaki")
            ),
            what="implementation to open the adopted proposal's project",
        )
        # A partnership without selection: the department signs the agreement, so that
        # implementation has published too (the proposer, a sole proprietor, unnamed).
        signed = await desk.clients["implementation"].post(
            f"{NAGASAKI}/projects/{proposal_id}/agreement",
            json={
                "kind": "business_agreement",
                "parties": ["長崎市", "提案者"],
                "signed_on": "2025-11-01",
                "term_from": "2025-11-01",
                "term_until": "2026-03-31",
                "fields": ["観光"],
            },
            headers=bearer(NAGASAKI_DEPARTMENT),
        )
        assert signed.status_code == 200, signed.text
        if "publication" in desk.apps:
            register = desk.application("publication").register

            def agreement_heard() -> bool:
                state = register.proposal(proposal_id)
                return state is not None and state.project_phase == "implementation_pending"

            await wait_until(agreement_heard, what="publication to hear the agreement")
    return receipt, proposal_id


async def every_line(client: httpx.AsyncClient, path: str) -> list[Any]:
    """A list the service answers a page at a time (shared/paging.py), whole: the way a
    reader of a thousand proposals' register has to read it."""
    lines: list[Any] = []
    while True:
        answer = await client.get(path, params={"limit": MOST_LINES, "offset": len(lines)})
        answer.raise_for_status()
        page: list[Any] = answer.json()
        lines.extend(page)
        if not page or len(lines) >= int(answer.headers[TOTAL_HEADER]):
            return lines
