"""The whole desk in one test process: the four services' settings on one broker and one
kind of store, and the steps that take a proposal through them (submitted, adopted,
published). Shared by the pipeline tests (publication, audit replay and the chain anchor,
rebuild)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx

from services.decision.settings import DecisionSettings
from services.intake.settings import IntakeSettings
from services.publication.settings import PublicationSettings
from services.routing.settings import RoutingSettings
from shared.settings import CommonSettings
from tests.conftest import (
    NAGASAKI_DEPARTMENT,
    NAGASAKI_DESK,
    STAFF_TOKENS,
    MovableClock,
    bearer,
    wait_until,
)
from tests.factories import proposal_body

MARKERS = {
    "protected part": "MARKER-PROTECTED-3f9e1c",
    "contact person": "MARKER-CONTACT-8b2d44",
    "email": "marker-email-1a7f90@example.jp",
    "phone": "090-3141-5926",
    "sole proprietor's name": "MARKER-PERSON-5c0e21",
    "protected case section": "MARKER-CASE-SECTION-77aa02",
}
NAGASAKI = "/api/v1/municipalities/nagasaki"


@dataclass
class Desk:
    intake: httpx.AsyncClient
    routing: httpx.AsyncClient
    decision: httpx.AsyncClient
    publication: httpx.AsyncClient
    intake_app: Any
    prefix: str
    bootstrap: str
    clock: MovableClock


@dataclass(frozen=True)
class DeskSettings:
    """Each service's settings, as its container would have them, for one test."""

    intake: IntakeSettings
    routing: RoutingSettings
    decision: DecisionSettings
    publication: PublicationSettings
    prefix: str
    database_urls: dict[str, str]


def desk_settings(
    tmp_path: Path,
    bootstrap_servers: str,
    database_url: str,
    make_settings: Callable[..., IntakeSettings],
) -> DeskSettings:
    """Topics unique to the test; a SQLite file per service beside intake's, or the
    service's own schema in the test's PostgreSQL prefix."""
    prefix = f"t{uuid.uuid4().hex[:12]}"
    intake = make_settings(
        relay_enabled=True,
        consumer_enabled=True,
        database_url=database_url,
        kafka_bootstrap_servers=bootstrap_servers,
        topic_prefix=prefix,
    )
    common: dict[str, Any] = {
        "data_dir": tmp_path,
        "kafka_bootstrap_servers": bootstrap_servers,
        "topic_prefix": prefix,
        "staff_tokens": STAFF_TOKENS,
        "kafka_session_timeout_seconds": 2,
        "relay_poll_interval_seconds": 0.05,
    }
    urls = {
        name: database_url.replace("intake.sqlite", f"{name}.sqlite")
        for name in ("intake", "routing", "decision", "publication")
    }
    return DeskSettings(
        intake=intake,
        routing=RoutingSettings(
            **common, database_url=urls["routing"], deadline_check_interval_seconds=3600
        ),
        decision=DecisionSettings(**common, database_url=urls["decision"]),
        publication=PublicationSettings(
            **common, database_url=urls["publication"], secret_key=intake.secret_key
        ),
        prefix=prefix,
        database_urls=urls,
    )


async def adopted_proposal(desk: Desk, body: dict[str, Any]) -> dict[str, Any]:
    """Submit, screen in, route to the theme's owner, take on and adopt: the real pipeline."""
    receipt = (await desk.intake.post(f"{NAGASAKI}/proposals", json=body)).json()
    pid = receipt["proposal_id"]
    screened = await desk.intake.post(
        f"{NAGASAKI}/desk/proposals/{pid}/screening",
        json={"decision": "accept"},
        headers=bearer(NAGASAKI_DESK),
    )
    assert screened.status_code == 200

    async def taken_on() -> bool:
        response = await desk.routing.post(
            f"{NAGASAKI}/routings/{pid}/take-on", headers=bearer(NAGASAKI_DEPARTMENT)
        )
        return response.status_code == 200

    await wait_until(taken_on, what="routing to machizukuri and taking it on")

    async def adopted() -> bool:
        response = await desk.decision.post(
            f"{NAGASAKI}/decisions/{pid}/adopt",
            json={"inputs": {}, "agreement": "business_agreement"},
            headers=bearer(NAGASAKI_DEPARTMENT),
        )
        return response.status_code == 200

    await wait_until(adopted, what="decision to hear the dialogue and adopt")
    return dict(receipt)


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


async def publish_case(desk: Desk, receipt: dict[str, Any]) -> str:
    pid = receipt["proposal_id"]

    async def drafted() -> dict[str, Any] | None:
        response = await desk.publication.post(
            f"{NAGASAKI}/desk/cases",
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
            headers=bearer(NAGASAKI_DESK),
        )
        return response.json() if response.status_code == 201 else None

    case = await wait_until(drafted, what="publication to hear the adoption")
    case_id = case["case_id"]
    too_early = await desk.publication.post(
        f"{NAGASAKI}/desk/cases/{case_id}/publication", headers=bearer(NAGASAKI_DESK)
    )
    assert too_early.status_code == 409  # the proposer has not been consulted
    consulting = await desk.publication.post(
        f"{NAGASAKI}/desk/cases/{case_id}/consultation", headers=bearer(NAGASAKI_DESK)
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
        f"{NAGASAKI}/desk/cases/{case_id}/publication", headers=bearer(NAGASAKI_DESK)
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
    return receipt, UUID(receipt["proposal_id"])
