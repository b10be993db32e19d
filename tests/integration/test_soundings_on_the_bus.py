"""A sounding's news on the real broker: intake's relay publishes what was said to the
whole market on the themes topic, signed like every event; publication, which reads that
topic for the themes, applies the sounding's events in order (none parked, none
dead-lettered) and keeps taking themes after them; no record names a respondent."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from services.intake.domain import Theme
from services.intake.settings import IntakeSettings
from shared.contract.topics import INTAKE_THEMES
from tests.brokers import Broker
from tests.conftest import NAGASAKI_DESK, bearer, wait_until
from tests.kafka import read_topic
from tests.whole_desk import NAGASAKI, running_desk

pytestmark = pytest.mark.integration

SOUNDING = {
    "subject": "観光案内所の運営に関するサウンディング",
    "description": "観光案内所の運営について民間の意見を聴きます。",
    "field": "観光",
    "department": "machizukuri",
    "questions": ["運営のアイデアは？"],
    "opens_on": "2025-10-30",
    "closes_on": "2025-11-05",
}
COMPANY = "株式会社ながさき観光ラボ"


async def test_a_soundings_public_news_travels_and_its_responses_do_not(
    tmp_path: Path,
    broker: Broker,
    make_settings: Callable[..., IntakeSettings],
) -> None:
    database_url = f"sqlite:///{tmp_path / 'intake.sqlite'}"
    async with running_desk(
        ("intake", "publication"),
        tmp_path,
        broker,
        database_url,
        make_settings,
    ) as desk:
        staff = bearer(NAGASAKI_DESK)
        made = await desk.intake.post(f"{NAGASAKI}/staff/soundings", json=SOUNDING, headers=staff)
        sid = made.json()["sounding_id"]
        base = f"{NAGASAKI}/staff/soundings/{sid}"
        assert (await desk.intake.post(f"{base}/publish", headers=staff)).status_code == 200
        response = {
            "organisation": COMPANY,
            "contact_person": "出島 太郎",
            "email": "taro@example.jp",
            "answers": ["多言語の案内を大学と"],
        }
        answered = await desk.intake.post(f"{NAGASAKI}/soundings/{sid}/responses", json=response)
        assert answered.status_code == 201
        desk.clock.advance(days=7)
        assert (await desk.intake.post(f"{base}/close", headers=staff)).status_code == 200
        summary = {"summary": "1者から回答。多言語案内の提案があった。"}
        assert (
            await desk.intake.post(f"{base}/summary", json=summary, headers=staff)
        ).status_code == 200
        theme = {
            "number": 41,
            "title": "観光案内の多言語化",
            "field": "観光",
            "department": "kanko",
        }
        assert (
            await desk.intake.post(f"{NAGASAKI}/themes", json=theme, headers=staff)
        ).status_code == 201

        # Publication applied the sounding's events (its tracking reached the summary, at
        # the sounding's version 5: drafted, published, responded, closed, summary) and
        # the theme published after them.
        publication = desk.application("publication")
        await wait_until(
            lambda: publication.recorder.max_tracking_id(f"intake/{sid}") == 5,
            what="publication to apply the sounding's events in order",
        )
        theme_id = Theme.create_id("nagasaki", 41)
        await wait_until(
            lambda: publication.recorder.max_tracking_id(f"intake/{theme_id}") == 1,
            what="publication to take the theme published after the sounding",
        )

        key = sid.encode()
        records = await read_topic(
            desk.bootstrap,
            INTAKE_THEMES.name(desk.settings["intake"]),
            lambda r: sum(1 for x in r if x.key == key) >= 3,
        )
    mine = [r for r in records if r.key == key]
    types = [dict(r.headers)["ce_type"] for r in mine]
    assert types == [
        b"jp.kyoso.intake.sounding.published.v1",
        b"jp.kyoso.intake.sounding.closed.v1",
        b"jp.kyoso.intake.sounding.summary_published.v1",
    ]  # the response stays in intake
    on_the_bus = b"".join(r.value or b"" for r in mine)
    for private in (COMPANY, "出島", "taro@example.jp", "多言語の案内を大学と"):
        assert private.encode() not in on_the_bus
