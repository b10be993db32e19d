"""Routing with the real broker: intake → Kafka → routing → Kafka, on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from prometheus_client import REGISTRY

from services.intake.settings import IntakeSettings
from shared.contract import DeadlinePassed, ProposalRouted, from_kafka
from shared.proposal import PROPOSAL_FOLD
from tests.brokers import Broker
from tests.conftest import NAGASAKI_DESK, STAFF_TOKENS, bearer, wait_until
from tests.factories import free_proposal_body, proposal_body
from tests.kafka import read_topic
from tests.whole_desk import Desk, running_desk

pytestmark = pytest.mark.integration

CULTURE = "nagasaki-culture-token-" + "c" * 8
EDUCATION = "nagasaki-education-token-" + "e" * 8
TOKENS = [
    *STAFF_TOKENS,
    {
        "token": CULTURE,
        "role": "department",
        "municipality": "nagasaki",
        "department": "bunka-kanko",
    },
    {"token": EDUCATION, "role": "department", "municipality": "nagasaki", "department": "kyoiku"},
]
ROUTINGS = "/api/v1/municipalities/nagasaki/routings"


@pytest.fixture
async def desk(
    tmp_path: Path,
    broker: Broker,
    database_url: str,
    make_settings: Callable[..., IntakeSettings],
) -> AsyncIterator[Desk]:
    async with running_desk(
        ("intake", "routing"),
        tmp_path,
        broker,
        database_url,
        make_settings,
        staff_tokens=TOKENS,
        # The deadline timer ticks often: a test moves the clock past a deadline.
        overrides={"routing": {"deadline_check_interval_seconds": 0.2}},
    ) as desk:
        yield desk


async def test_an_accepted_theme_proposal_reaches_the_themes_owner(desk: Desk) -> None:
    pid = await desk.submit_and_accept(proposal_body(theme_number=5))
    routing = await desk.routed(pid)
    assert routing["lead_department"] == "machizukuri" and routing["stage"] == "waiting"
    assert routing["history"][0]["details"]["method"] == "theme_owner"
    records = await read_topic(
        desk.bootstrap,
        desk.topic("routing", "proposals"),
        lambda r: len(r) >= 1,
    )
    event = from_kafka(records[0].headers, records[0].key, records[0].value)
    assert isinstance(event.event, ProposalRouted) and event.meta.subject == pid
    assert event.meta.actor_role.value == "system" and event.meta.causation_id is not None


async def test_a_free_proposal_goes_to_the_department_that_fits(desk: Desk) -> None:
    pid = await desk.submit_and_accept(free_proposal_body())  # 通学路安全点検支援システム, 教育
    routing = await desk.routed(pid)
    assert routing["lead_department"] == "kyoiku"
    inbox = await desk.routing.get(
        "/api/v1/municipalities/nagasaki/departments/kyoiku/inbox", headers=bearer(EDUCATION)
    )
    assert [line["proposal_id"] for line in inbox.json()] == [pid]
    other = await desk.routing.get(
        "/api/v1/municipalities/nagasaki/departments/kyoiku/inbox", headers=bearer(CULTURE)
    )
    assert other.status_code == 403


async def test_a_decline_is_rerouted_the_desk_stays_responsible_and_every_hop_is_kept(
    desk: Desk,
) -> None:
    body = free_proposal_body(
        title="「インバウンド対策」のご提案",
        field="観光",
        summary="インバウンド客が日本円をキャッシングできるよう、ATMでの利用を案内するご当地ポスターを掲示する提案。",
        content="店舗に掲示するポスターを制作する。",
    )
    pid = await desk.submit_and_accept(body)
    assert (await desk.routed(pid))["lead_department"] == "bunka-kanko"
    not_theirs = await desk.routing.post(f"{ROUTINGS}/{pid}/take-on", headers=bearer(EDUCATION))
    assert not_theirs.status_code == 404  # not routed to it: for it, not there (DESIGN §8)
    no_reason = await desk.routing.post(
        f"{ROUTINGS}/{pid}/decline", json={"reason": ""}, headers=bearer(CULTURE)
    )
    assert no_reason.status_code == 422
    declined = await desk.routing.post(
        f"{ROUTINGS}/{pid}/decline",
        json={"reason": "観光施策ではなく金融機関の案内です"},
        headers=bearer(CULTURE),
    )
    after = declined.json()
    assert after["hop"] == 2 and "bunka-kanko" not in after["departments"]
    assert after["declined_by"] == ["bunka-kanko"]
    reassigned = await desk.routing.post(
        f"{ROUTINGS}/{pid}/reassign",
        json={"departments": ["kyoiku"], "reason": "窓口判断"},
        headers=bearer(NAGASAKI_DESK),
    )
    assert reassigned.json()["lead_department"] == "kyoiku"
    events = [h["event"] for h in reassigned.json()["history"]]
    assert events == [
        "routing.proposal.routed",
        "routing.proposal.declined",
        "routing.proposal.routed",
        "routing.proposal.routed",
    ]
    dashboard = (
        await desk.routing.get(
            "/api/v1/municipalities/nagasaki/dashboard", headers=bearer(NAGASAKI_DESK)
        )
    ).json()
    assert dashboard["reroutes"] == 2 and dashboard["waiting"] == 1


# What the department and the proposer agree stays confidential (秘密保持の範囲).
SCOPE = "センサーの設置位置と費用の内訳は非公開"


async def test_the_dialogue_is_recorded_and_the_status_line_kept(desk: Desk) -> None:
    pid = await desk.submit_and_accept(free_proposal_body())
    await desk.routed(pid)
    early = await desk.routing.post(
        f"{ROUTINGS}/{pid}/milestones", json={"milestone": "started"}, headers=bearer(EDUCATION)
    )
    assert early.status_code == 409  # the dialogue starts when the department takes it on
    taken = await desk.routing.post(f"{ROUTINGS}/{pid}/take-on", headers=bearer(EDUCATION))
    assert taken.json()["stage"] == "in_dialogue"
    unscoped = await desk.routing.post(
        f"{ROUTINGS}/{pid}/milestones",
        json={"milestone": "confidentiality_agreed"},
        headers=bearer(EDUCATION),
    )
    assert unscoped.status_code == 422
    assert unscoped.json()["detail"][0]["loc"] == ["body", "confidentiality_scope"]
    for milestone in ("started", "confidentiality_agreed", "skeleton_agreed"):
        body = {"milestone": milestone}
        if milestone == "confidentiality_agreed":
            body["confidentiality_scope"] = SCOPE
        done = await desk.routing.post(
            f"{ROUTINGS}/{pid}/milestones", json=body, headers=bearer(EDUCATION)
        )
        assert done.status_code == 200
    unknown = await desk.routing.post(
        f"{ROUTINGS}/{pid}/milestones", json={"milestone": "party"}, headers=bearer(EDUCATION)
    )
    assert unknown.status_code == 422 and "milestone" in unknown.text
    line = await desk.routing.post(
        f"{ROUTINGS}/{pid}/status-line",
        json={"ja": "教育委員会と協議中", "en": "In talks with the Board of Education"},
        headers=bearer(EDUCATION),
    )
    assert line.json()["milestones"] == ["started", "confidentiality_agreed", "skeleton_agreed"]
    assert line.json()["confidentiality_scope"] == SCOPE
    # The shared fold over intake's and routing's events gives the proposer's view.
    records = await read_topic(
        desk.bootstrap,
        desk.topic("routing", "proposals"),
        lambda r: len(r) >= 6,
    )
    heard = desk.application("routing").proposal_state(uuid.UUID(pid))
    envelopes = [from_kafka(r.headers, r.key, r.value) for r in records]
    final = PROPOSAL_FOLD.fold(envelopes, initial=heard)
    assert final is not None and final.status.value == "in_dialogue"
    assert final.status_line_ja == "教育委員会と協議中"
    assert final.milestones == ("started", "confidentiality_agreed", "skeleton_agreed")
    assert final.confidentiality_scope == SCOPE
    assert any(SCOPE in step.ja for step in final.steps if step.for_proposer)

    # The proposer reads the line on the private status page, served by intake.
    receipt_token = desk.intake_app.state.status_tokens.issue(uuid.UUID(pid))

    async def proposer_sees_the_line() -> dict[str, Any] | None:
        view = await desk.intake.get(
            f"/api/v1/proposer/proposals/{pid}", params={"token": receipt_token}
        )
        body: dict[str, Any] = view.json()
        return body if body["status_ja"] == "教育委員会と協議中" else None

    view = await wait_until(proposer_sees_the_line, what="the status line on the proposer's page")
    assert (
        view["status"] == "in_dialogue"
        and view["status_en"] == "In talks with the Board of Education"
    )
    assert "対話を開始しました" in [step["ja"] for step in view["steps"]]


async def test_nothing_fitting_goes_to_the_desks_triage_queue(desk: Desk) -> None:
    pid = await desk.submit_and_accept(
        free_proposal_body(
            title="宇宙港の誘致", field="宇宙", summary="軌道上の施設", content="宇宙港"
        )
    )
    routing = await desk.routed(pid)
    assert routing["stage"] == "triage" and routing["lead_department"] is None
    dashboard = (
        await desk.routing.get(
            "/api/v1/municipalities/nagasaki/dashboard", headers=bearer(NAGASAKI_DESK)
        )
    ).json()
    assert [p["proposal_id"] for p in dashboard["triage_proposals"]] == [pid]


async def test_a_proposal_past_its_routing_deadline_is_flagged_once(desk: Desk) -> None:
    pid = await desk.submit_and_accept(free_proposal_body())
    await desk.routed(pid)
    desk.clock.advance(days=15)  # the default routing deadline is 14 days

    async def overdue() -> list[Any]:
        board = (
            await desk.routing.get(
                "/api/v1/municipalities/nagasaki/dashboard", headers=bearer(NAGASAKI_DESK)
            )
        ).json()
        return list(board["overdue_proposals"])

    flagged = await wait_until(overdue, what="the overdue escalation")
    assert flagged[0]["proposal_id"] == pid and flagged[0]["overdue"] == ["routing"]
    records = await read_topic(
        desk.bootstrap,
        desk.topic("routing", "proposals"),
        lambda r: any("overdue" in dict(x.headers)["ce_type"].decode() for x in r),
    )
    # Several timer ticks later there is still one overdue event.
    await wait_until(
        lambda: desk.application("routing").check_deadlines() == 0, what="no new flags"
    )
    events = [from_kafka(r.headers, r.key, r.value).event for r in records]
    assert sum(isinstance(e, DeadlinePassed) for e in events) == 1


def copies_ignored_by_routing() -> float:
    value = REGISTRY.get_sample_value(
        "kyoso_consumer_events_total", {"service": "routing", "outcome": "duplicate"}
    )
    return value or 0.0


async def test_every_event_delivered_twice_still_routes_once(desk: Desk) -> None:
    pid = await desk.submit_and_accept(proposal_body(theme_number=5))
    await desk.routed(pid)
    before = copies_ignored_by_routing()
    republished = await desk.intake_app.state.plumbing.relay.republish()
    assert republished >= 30  # 28 theme events and this proposal's 2
    await wait_until(
        lambda: copies_ignored_by_routing() - before >= 2, what="routing to hear both copies"
    )
    stored = list(desk.application("routing").events.get(uuid.UUID(pid)))
    assert sum(type(e).__name__ == "Routed" for e in stored) == 1
    assert (await desk.routed(pid))["hop"] == 1
