"""The public register page, as a browser gets it: whatever a proposer or a desk typed is
shown as text, never run, under Nagasaki's Japanese column labels."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from pathlib import Path
from uuid import UUID, uuid4

import httpx
import pytest
from fastapi import FastAPI

from services.publication.api.public import templates
from services.publication.api.views import RegisterRow
from services.publication.service import PUBLICATION
from services.publication.settings import PublicationSettings
from shared.contract import Envelope, IntegrationEvent
from shared.contract.envelope import EventMetadata
from shared.contract.intake import (
    ProposalAccepted,
    ProposalSubmitted,
    PublicProposer,
    ThemePublished,
)
from shared.contract.vocabulary import ActorRole, Channel, ProposerKind
from shared.municipalities import municipalities
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
    number: int, theme_number: int | None, title: str, summary: str
) -> list[Envelope]:
    """A proposal submitted and taken on by the desk: the register lists it."""
    proposal_id = uuid4()
    submitted = ProposalSubmitted(
        proposal_id=proposal_id,
        municipality="nagasaki",
        receipt_number=f"NGS-2025-{number:04d}",
        fiscal_year=2025,
        received_on=date(2025, 10, 30),
        channel=Channel.FREE if theme_number is None else Channel.THEME,
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


async def test_text_with_markup_is_shown_as_text_in_the_register(
    publication: tuple[FastAPI, httpx.AsyncClient],
) -> None:
    app, client = publication
    theme_id = uuid4()
    theme = ThemePublished(
        theme_id=theme_id,
        municipality="nagasaki",
        number=5,
        title=HOSTILE,
        field="まちづくり",
        department="machizukuri",
    )
    heard = [
        from_intake(theme, theme_id, 1),
        *accepted_proposal(1, 5, "トイレマップ", HOSTILE),
        *accepted_proposal(2, None, HOSTILE, "通学路の安全点検"),
    ]
    for envelope in heard:
        assert app.state.application.process(envelope)

    response = await client.get("/register/nagasaki")

    assert response.status_code == 200
    page = response.text
    assert page.startswith('<!doctype html>\n<html lang="ja">')
    assert page.count("<main") == 1 and page.count("<h1>") == 1
    assert "<script>" not in page
    theme_row = f"<td>05</td><td>{SHOWN}</td><td>まちづくり</td><td>{SHOWN}</td>"
    free_row = f"<td>{SHOWN}</td><td>まちづくり</td><td>通学路の安全点検</td>"
    assert f"<td>2025/10/30</td>{theme_row}" in page
    assert f"<td>2025/10/30</td>{free_row}" in page
    assert "<title>長崎市 提案受付状況</title>" in page
    assert "<h1>長崎市 提案受付状況 <small>Nagasaki City: register" in page
    assert '<th scope="col">提案受付日<br>Received</th>' in page
    assert '<th scope="col">課題名<br>Theme title</th>' in page
    assert '<th scope="col">提案題名<br>Title</th>' in page
    assert page.count("提案内容検討中<br><small>Proposal under review</small>") == 2
    assert '<a href="/feeds/nagasaki.json">' in page


async def test_an_unknown_city_has_no_register_page(
    publication: tuple[FastAPI, httpx.AsyncClient],
) -> None:
    _, client = publication
    response = await client.get("/register/atlantis")
    assert response.status_code == 404


def test_each_channel_gets_its_own_table_headed_by_its_heading() -> None:
    row = RegisterRow(
        received_on=date(2025, 4, 1),
        channel="free",
        theme_number=None,
        theme_title=None,
        title="公園 & 広場",
        field="環境",
        summary="要旨",
        status_ja="検討終了",
        status_en="Review closed",
    )

    page = templates.render("register.html", city=municipalities()["aomori"], rows=[row])

    body = bytes(page.body).decode()
    themed, free = body.split('<h2 id="free-proposals">')
    assert '<table aria-labelledby="theme-proposals">' in themed and "公園" not in themed
    assert '<table aria-labelledby="free-proposals">' in free
    assert "<td>公園 &amp; 広場</td>" in free


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
