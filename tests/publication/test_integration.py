"""Publication with the real broker: the whole lifecycle, intake → routing → decision →
publication, and the proof that nothing protected ever goes public."""

from __future__ import annotations

from typing import Any

import pytest
from prometheus_client import REGISTRY

from shared.contract import CasePublished, CaseRetracted, from_kafka
from tests.conftest import (
    NAGASAKI_DESK,
    bearer,
    wait_until,
)
from tests.factories import proposal_body
from tests.kafka import read_topic
from tests.whole_desk import (
    MARKERS,
    NAGASAKI,
    Desk,
    adopted_proposal,
    marked_body,
    publish_case,
)

pytestmark = pytest.mark.integration


async def test_nothing_protected_reaches_any_public_response_the_public_topic_or_the_feed(
    desk: Desk,
) -> None:
    receipt = await adopted_proposal(desk, marked_body())
    case_id = await publish_case(desk, receipt)

    public_topic = f"{desk.prefix}.public.cases"
    records = await read_topic(desk.bootstrap, public_topic, lambda r: len(r) >= 1)
    published = from_kafka(records[0].headers, records[0].key, records[0].value)
    assert isinstance(published.event, CasePublished)
    assert published.event.case.partner.startswith("個人事業主")

    responses = [
        await desk.publication.get(f"{NAGASAKI}/register"),
        await desk.publication.get(f"{NAGASAKI}/cases"),
        await desk.publication.get(f"{NAGASAKI}/cases/{case_id}"),
        await desk.publication.get("/feeds/nagasaki.json"),
        await desk.intake.get(f"{NAGASAKI}/themes"),
        await desk.routing.get(f"{NAGASAKI}/departments"),
    ]
    assert all(r.status_code == 200 for r in responses)
    assert "公衆トイレマップ" in responses[3].text  # the case is there, in public
    scanned = b"".join(r.content for r in responses) + b"".join(
        r.value + b"".join(v for _, v in r.headers) for r in records
    )
    found = {what: marker for what, marker in MARKERS.items() if marker.encode() in scanned}
    assert found == {}, f"protected data went public: {found}"


async def test_the_register_shows_nagasakis_columns_and_statuses(desk: Desk) -> None:
    receipt = await adopted_proposal(desk, proposal_body())
    pending = (
        await desk.intake.post(f"{NAGASAKI}/proposals", json=proposal_body(theme_number=11))
    ).json()
    await desk.intake.post(
        f"{NAGASAKI}/desk/proposals/{pending['proposal_id']}/screening",
        json={"decision": "accept"},
        headers=bearer(NAGASAKI_DESK),
    )
    screened_out = proposal_body()
    screened_out["proposer"]["kind"] = "individual"
    await desk.intake.post(f"{NAGASAKI}/proposals", json=screened_out)

    async def both_listed() -> list[dict[str, Any]] | None:
        rows: list[dict[str, Any]] = (await desk.publication.get(f"{NAGASAKI}/register")).json()
        statuses = {r["status_ja"] for r in rows}
        return rows if statuses == {"事業調整中", "提案内容検討中"} else None

    rows = await wait_until(both_listed, what="the register to show both proposals")
    assert len(rows) == 2  # the screened-out individual is answered privately, not listed
    adopted = next(r for r in rows if r["status_ja"] == "事業調整中")
    assert adopted["theme_number"] == 5 and adopted["theme_title"] == "都心部の回遊性向上について"
    assert adopted["received_on"] == "2025-10-30" and adopted["field"] == "まちづくり"
    assert receipt["receipt_number"]


async def test_an_objection_stops_publication_and_a_retraction_goes_out(desk: Desk) -> None:
    receipt = await adopted_proposal(desk, proposal_body())
    pid = receipt["proposal_id"]

    async def drafted() -> dict[str, Any] | None:
        response = await desk.publication.post(
            f"{NAGASAKI}/desk/cases", json={"proposal_id": pid}, headers=bearer(NAGASAKI_DESK)
        )
        return response.json() if response.status_code == 201 else None

    case_id = (await wait_until(drafted))["case_id"]
    await desk.publication.post(
        f"{NAGASAKI}/desk/cases/{case_id}/consultation", headers=bearer(NAGASAKI_DESK)
    )
    wrong = await desk.publication.post(
        f"/api/v1/proposer/proposals/{pid}/case/objection",
        json={"reason": "x"},
        params={"token": "forged"},
    )
    assert wrong.status_code == 404
    objected = await desk.publication.post(
        f"/api/v1/proposer/proposals/{pid}/case/objection",
        json={"reason": "店舗名は非公開にしてください"},
        params={"token": receipt["status_token"]},
    )
    assert objected.json()["stage"] == "objected"
    desk.clock.advance(days=30)  # even after the period, an objection holds publication back
    blocked = await desk.publication.post(
        f"{NAGASAKI}/desk/cases/{case_id}/publication", headers=bearer(NAGASAKI_DESK)
    )
    assert blocked.status_code == 409
    revised = await desk.publication.put(
        f"{NAGASAKI}/desk/cases/{case_id}",
        json={"title": "トイレマップの取組", "summary": "店舗名を伏せた事例です。"},
        headers=bearer(NAGASAKI_DESK),
    )
    assert revised.json()["stage"] == "draft"  # a new text: consult again
    await desk.publication.post(
        f"{NAGASAKI}/desk/cases/{case_id}/consultation", headers=bearer(NAGASAKI_DESK)
    )
    desk.clock.advance(days=15)  # the proposer let the period pass without objecting
    published = await desk.publication.post(
        f"{NAGASAKI}/desk/cases/{case_id}/publication", headers=bearer(NAGASAKI_DESK)
    )
    assert published.json()["stage"] == "published"
    corrected = await desk.publication.post(
        f"{NAGASAKI}/desk/cases/{case_id}/correction",
        json={
            "title": "トイレマップの取組（訂正）",
            "summary": "数値を訂正しました。",
            "note": "利用者数の誤り",
        },
        headers=bearer(NAGASAKI_DESK),
    )
    assert corrected.json()["public_version"] == 2
    retracted = await desk.publication.post(
        f"{NAGASAKI}/desk/cases/{case_id}/retraction",
        json={"reason": "事業終了"},
        headers=bearer(NAGASAKI_DESK),
    )
    assert retracted.json()["stage"] == "retracted"
    records = await read_topic(desk.bootstrap, f"{desk.prefix}.public.cases", lambda r: len(r) >= 3)
    events = [from_kafka(r.headers, r.key, r.value).event for r in records]
    assert [e.event_type for e in events] == [
        "public.case.published",
        "public.case.corrected",
        "public.case.retracted",
    ]
    assert isinstance(events[-1], CaseRetracted)
    assert (await desk.publication.get(f"{NAGASAKI}/cases")).json() == []


def copies_ignored_by_publication() -> float:
    value = REGISTRY.get_sample_value(
        "kyoso_consumer_events_total", {"service": "publication", "outcome": "duplicate"}
    )
    return value or 0.0


async def test_every_event_delivered_twice_changes_the_register_once(desk: Desk) -> None:
    receipt = await adopted_proposal(desk, proposal_body())

    async def listed() -> list[dict[str, Any]] | None:
        rows: list[dict[str, Any]] = (await desk.publication.get(f"{NAGASAKI}/register")).json()
        # Themes come on their own topic: the row is whole once its theme was heard too.
        whole = [(r["status_ja"], bool(r["theme_title"])) for r in rows] == [("事業調整中", True)]
        return rows if whole else None

    before_rows = await wait_until(listed, what="the adopted proposal in the register")
    before = copies_ignored_by_publication()
    republished = await desk.intake_app.state.plumbing.relay.republish()
    assert republished >= 30  # 28 theme events and this proposal's 2
    await wait_until(
        lambda: copies_ignored_by_publication() - before >= republished,
        what="publication to hear every copy",
    )
    assert (await desk.publication.get(f"{NAGASAKI}/register")).json() == before_rows
    assert receipt["proposal_id"]
