"""The call for an implementer goes public: publication hears implementation's call and
announces it on the public topic (public.call.published v1) and in its API of open calls,
with the period and the proposer's bonus (Setagaya 004 §5(3): 10 % at most, announced in
the call), and nothing of the proposer."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from uuid import UUID, uuid4

import pytest

from kyoso.subscribe import LocalCopy
from services.publication.application import PublicationApplication
from services.publication.domain import AnnouncedCall
from services.publication.integration import to_envelope
from services.publication.settings import PublicationSettings
from shared.contract import (
    CallPublished,
    Envelope,
    PublicCall,
    PublicCallPublished,
    SelectionRoute,
)
from shared.contract.topics import PUBLIC_CASES, topic_of
from tests.factories import adopted, envelope, taken_on


@pytest.fixture
def publication() -> Iterator[PublicationApplication]:
    application = PublicationApplication(
        PublicationSettings(database_url="memory:"), lambda: datetime(2026, 4, 20, 1, tzinfo=UTC)
    )
    yield application
    application.close()


def call(proposal_id: UUID, closes_on: date = date(2026, 4, 30)) -> CallPublished:
    return CallPublished(
        proposal_id=proposal_id,
        route=SelectionRoute.OPEN_CALL,
        opens_on=date(2026, 4, 1),
        closes_on=closes_on,
        announcement="自動運転バス運行事業者の公募（公告第12号）",
        proposer_bonus_ratio=0.1,
    )


def heard_call(
    publication: PublicationApplication, closes_on: date = date(2026, 4, 30)
) -> tuple[UUID, Envelope]:
    proposal_id = uuid4()
    story = [
        *taken_on(proposal_id, "co-lab", municipality="setagaya", receipt_number="STG-2025-0001"),
        adopted(proposal_id, "co-lab", municipality="setagaya"),
        envelope(
            "implementation",
            proposal_id,
            2,
            call(proposal_id, closes_on),
            minute=20,
            municipality="setagaya",
        ),
    ]
    assert all(publication.process(e) for e in story)
    [announced] = [
        e
        for e in map(to_envelope, publication.events.get(AnnouncedCall.create_id(proposal_id)))
        if e
    ]
    return proposal_id, announced


def test_a_heard_call_is_announced_on_the_public_topic_with_its_bonus(
    publication: PublicationApplication,
) -> None:
    proposal_id, announced = heard_call(publication)
    event = announced.event
    assert isinstance(event, PublicCallPublished)
    assert topic_of(PublicCallPublished) is PUBLIC_CASES  # publication owns the public topic
    assert event.cloudevent_type() == "jp.kyoso.public.call.published.v1"
    public = event.call
    assert (public.municipality, public.route, public.title, public.field) == (
        "setagaya",
        "open_call",
        "通学路安全点検支援システム",
        "教育",
    )
    assert (public.opens_on, public.closes_on, public.proposer_bonus_ratio) == (
        date(2026, 4, 1),
        date(2026, 4, 30),
        0.1,
    )
    # Nobody is named: not the staff member who published it, not the proposer.
    assert announced.meta.actor_name is None and announced.meta.actor_subject is None
    assert "みなと観光" not in event.model_dump_json()
    assert announced.meta.subject == str(public.call_id) != str(proposal_id)

    [listed] = publication.open_calls("setagaya")
    assert listed == public
    assert publication.open_calls("nagasaki") == []


def test_a_call_is_announced_once_and_listed_only_while_it_takes_applications(
    publication: PublicationApplication,
) -> None:
    proposal_id, _ = heard_call(publication)
    again = envelope(
        "implementation", proposal_id, 2, call(proposal_id), minute=20, municipality="setagaya"
    )
    publication.process(again)  # a copy
    assert len(publication.open_calls("setagaya")) == 1
    heard_call(publication, closes_on=date(2026, 4, 19))  # closed the day before "today"
    assert [c.closes_on for c in publication.open_calls("setagaya")] == [date(2026, 4, 30)]


def test_a_public_call_has_no_field_for_the_proposer_or_contact_details() -> None:
    fields = set(PublicCall.model_fields)
    assert not fields & {
        "proposer",
        "partner",
        "organisation",
        "email",
        "phone",
        "contact",
        "contact_person",
        "protected",
        "content",
    }


def test_a_subscriber_keeps_each_call_once(tmp_path: Path) -> None:
    publication = PublicationApplication(
        PublicationSettings(database_url="memory:"), lambda: datetime(2026, 4, 20, 1, tzinfo=UTC)
    )
    try:
        _, announced = heard_call(publication)
    finally:
        publication.close()
    copy = LocalCopy(tmp_path / "cases.sqlite")
    try:
        copy.keep(announced.event)
        copy.keep(announced.event)
        [kept] = copy.calls()
        assert kept["closes_on"] == "2026-04-30" and kept["proposer_bonus_ratio"] == 0.1
        assert copy.cases() == []
    finally:
        copy.close()
    with sqlite3.connect(tmp_path / "cases.sqlite") as connection:
        assert connection.execute("SELECT count(*) FROM calls").fetchone() == (1,)
