"""The portal's page of calls for an implementer (/{city}/calls): a call the department
publishes in implementation reaches the public page through publication, with its period
and the proposer's bonus (Setagaya 004 §5(3): 10 % at most, announced in the call), in
Japanese first and English second, and nothing of the proposer."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from services.intake.settings import IntakeSettings
from tests.brokers import Broker, embedded_broker_only
from tests.conftest import wait_until
from tests.implementation.projects import (
    project_desk,
    setagaya_open_call,
)
from tests.portal.harness import PUBLIC_BASE, Html, portal_app, serving_portal
from tests.whole_desk import MARKERS, Desk

pytestmark = [pytest.mark.integration, embedded_broker_only()]


@pytest.fixture
async def desk(
    tmp_path: Path,
    broker: Broker,
    database_url: str,
    make_settings: Callable[..., IntakeSettings],
) -> AsyncIterator[Desk]:
    async with project_desk(tmp_path, broker, database_url, make_settings) as desk:
        yield desk


async def test_the_public_reads_the_open_call_with_its_period_and_bonus(
    desk: Desk, tmp_path: Path
) -> None:
    project = await setagaya_open_call(desk)
    async with serving_portal(portal_app(desk.apps, tmp_path, desk.clock)) as portal:
        empty = Html((await portal.get("/setagaya/calls")).text)
        assert "現在募集中の公募・調達はありません。" in empty.text
        await project.post(
            "call",
            {
                "opens_on": "2025-11-10",
                "closes_on": "2025-11-30",
                "announcement": "空き店舗活用事業者の公募（公告第12号）",
                "proposer_bonus_ratio": 0.1,
            },
        )

        async def listed() -> Html | None:
            answer = await portal.get("/setagaya/calls")
            assert answer.status_code == 200, answer.text
            page = Html(answer.text)
            return page if "公告第12号" in page.text else None

        page = await wait_until(listed, what="the call on the portal")
        assert "商店街の空き店舗を使う実証実験" in page.text
        assert "2025-11-10〜2025-11-30" in page.text
        assert "公募" in page.text
        assert "総配点（加点部分を除く。）の10%を上限として" in page.text
        found = {what: m for what, m in MARKERS.items() if m in page.source}
        assert found == {}, f"protected data went public: {found}"

        english = Html((await portal.get("/setagaya/calls", params={"lang": "en"})).text)
        assert "Application period" in english.text and "2025-11-10 to 2025-11-30" in english.text
        assert "up to 10% of the total score (bonus excluded)" in english.text

        home = Html((await portal.get("/setagaya")).text)
        assert f"{PUBLIC_BASE}/setagaya/calls" in home.links()
        nagasaki = Html((await portal.get("/nagasaki/calls", params={"lang": "ja"})).text)
        assert "現在募集中の公募・調達はありません。" in nagasaki.text
        assert (await portal.get("/nowhere/calls")).status_code == 404
