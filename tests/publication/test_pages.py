"""Publication's public pages: the register's old page leads to the portal's (DESIGN.md
§9), consultations are not listed, and the feed's links come from the configured address."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from pathlib import Path
from uuid import UUID, uuid4

import httpx
import pytest
from fastapi import FastAPI

from services.publication.service import PUBLICATION
from services.publication.settings import PublicationSettings
from shared.contract import Envelope, IntegrationEvent
from shared.contract.envelope import EventMetadata
from shared.contract.intake import ProposalAccepted, ProposalSubmitted, PublicProposer
from shared.contract.vocabulary import ActorRole, Channel, ProposerKind
from shared.service import create_app
from tests.running import serving

HOSTILE = "<script>alert(1)</script> & 公園"
SHOWN = "&lt;script&gt;alert(1)&lt;/script&gt; &amp; 公園"
RECEIVED_AT = datetime(2025, 10, 30, 1, 0, tzinfo=UTC)


def from_intake(event: IntegrationEvent, subject: UUID, sequence: int) -> Envelope:
    """An intake event as publication hears it from the topic."""
    return Envelope(
        event=event,
        meta=EventMetadata(
            event_id=uuid4(),
            service="intake",
            subject=str(subject),
            time=RECEIVED_AT.replace(minute=sequence),
            municipality="nagasaki",
            actor_role=ActorRole.DESK,
            correlation_id=f"test-{subject}",
            sequence=sequence,
        ),
    )


def accepted_proposal(
    number: int,
    theme_number: int | None,
    title: str,
    summary: str,
    channel: Channel | None = None,
) -> list[Envelope]:
    """A proposal submitted and taken on by the desk: the register lists it."""
    proposal_id = uuid4()
    submitted = ProposalSubmitted(
        proposal_id=proposal_id,
        municipality="nagasaki",
        receipt_number=f"NGS-2025-{number:04d}",
        fiscal_year=2025,
        received_on=date(2025, 10, 30),
        channel=channel or (Channel.FREE if theme_number is None else Channel.THEME),
        theme_number=theme_number,
        proposer=PublicProposer(organisation="株式会社みなと観光", kind=ProposerKind.COMPANY),
        title=title,
        field="まちづくり",
        summary=summary,
        content="本文",
        has_protected_part=False,
    )
    return [
        from_intake(submitted, proposal_id, 1),
        from_intake(ProposalAccepted(proposal_id=proposal_id), proposal_id, 2),
    ]


@pytest.fixture
async def publication(tmp_path: Path) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    settings = PublicationSettings(
        data_dir=tmp_path,
        database_url="memory:",
        secret_key=secrets.token_urlsafe(32),
        relay_enabled=False,
        consumer_enabled=False,
    )
    app = create_app(PUBLICATION, settings)
    async with serving(app) as client:
        yield app, client


async def test_the_old_register_page_redirects_to_the_portals_register(tmp_path: Path) -> None:
    settings = PublicationSettings(
        data_dir=tmp_path,
        database_url="memory:",
        secret_key=secrets.token_urlsafe(32),
        relay_enabled=False,
        consumer_enabled=False,
        portal_public_base_url="https://kyoso.city.example.jp",
    )
    async with serving(create_app(PUBLICATION, settings)) as client:
        moved = await client.get("/register/nagasaki", headers={"Host": "evil.example"})
        unknown = await client.get("/register/atlantis")
    assert moved.status_code == 308
    assert moved.headers["location"] == "https://kyoso.city.example.jp/nagasaki/register"
    assert unknown.status_code == 404


async def test_a_pre_consultation_is_not_listed_in_the_register(
    publication: tuple[FastAPI, httpx.AsyncClient],
) -> None:
    """No seed lists consultations: Nagasaki's register lists proposals (提案), and
    Aomori's 事前相談 is a step before proposing (「※必須ではありません」)."""
    app, client = publication
    heard = [
        *accepted_proposal(1, None, "通学路安全点検支援システム", "通学路の安全点検"),
        *accepted_proposal(2, None, "実証実験の進め方の相談", "", Channel.PRE_CONSULTATION),
    ]
    for envelope in heard:
        assert app.state.application.process(envelope)
    register = await client.get("/api/v1/municipalities/nagasaki/register")
    assert [row["title"] for row in register.json()] == ["通学路安全点検支援システム"]


async def test_the_case_feed_links_to_the_configured_address_whatever_the_host_header(
    tmp_path: Path,
) -> None:
    """Issue 18, finding 5: the Host header was copied into the feed's links, so anyone
    could make the desk hand out links to their own site."""
    settings = PublicationSettings(
        data_dir=tmp_path,
        database_url="memory:",
        secret_key=secrets.token_urlsafe(32),
        relay_enabled=False,
        consumer_enabled=False,
        publication_base_url="https://kyoso.city.example.jp/public",
    )
    async with serving(create_app(PUBLICATION, settings)) as client:
        feed = await client.get("/feeds/nagasaki.json", headers={"Host": "evil.example"})
    assert feed.status_code == 200
    assert feed.json()["feed_url"] == "https://kyoso.city.example.jp/public/feeds/nagasaki.json"
    assert "evil.example" not in feed.text
