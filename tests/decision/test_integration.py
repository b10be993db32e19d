"""Decision with the real broker: intake → routing → decision → intake, SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from prometheus_client import REGISTRY

from services.intake.settings import IntakeSettings
from shared.contract import ProposalAdopted, ProposalRejectedAfterReview, from_kafka
from shared.proposal import ProposalStatus
from tests.brokers import Broker
from tests.conftest import NAGASAKI_DESK, STAFF_TOKENS, bearer, wait_until
from tests.factories import free_proposal_body
from tests.kafka import read_topic
from tests.whole_desk import Desk, running_desk

pytestmark = pytest.mark.integration

EDUCATION = "nagasaki-education-token-" + "e" * 8
COUNCIL = "nagasaki-council-token-" + "k" * 8
SETAGAYA_DESK = "setagaya-desk-token-" + "s" * 8
COLAB = "setagaya-colab-token-" + "l" * 8
TOKENS = [
    *STAFF_TOKENS,
    {"token": EDUCATION, "role": "department", "municipality": "nagasaki", "department": "kyoiku"},
    {"token": COUNCIL, "role": "council", "municipality": "nagasaki"},
    {"token": SETAGAYA_DESK, "role": "desk", "municipality": "setagaya"},
    {"token": COLAB, "role": "department", "municipality": "setagaya", "department": "co-lab"},
]


@pytest.fixture
async def desk(
    tmp_path: Path,
    broker: Broker,
    database_url: str,
    make_settings: Callable[..., IntakeSettings],
) -> AsyncIterator[Desk]:
    # The desk's clock: 2025-10-30 (JST), before the October budget requests close.
    async with running_desk(
        ("intake", "routing", "decision"),
        tmp_path,
        broker,
        database_url,
        make_settings,
        staff_tokens=TOKENS,
    ) as desk:
        yield desk


async def test_a_rejection_needs_reasons_and_the_proposer_sees_them(desk: Desk) -> None:
    pid = await desk.taken_on(free_proposal_body(), "nagasaki", NAGASAKI_DESK, EDUCATION)
    url = f"/api/v1/municipalities/nagasaki/decisions/{pid}"
    no_reason = await desk.decision.post(
        f"{url}/reject", json={"reasons": [], "explanation": "x"}, headers=bearer(EDUCATION)
    )
    assert no_reason.status_code == 422 and "reasons" in no_reason.text
    no_text = await desk.decision.post(
        f"{url}/reject", json={"reasons": ["cost"], "explanation": " "}, headers=bearer(EDUCATION)
    )
    assert no_text.status_code == 422
    council = await desk.decision.post(
        f"{url}/reject", json={"reasons": ["cost"], "explanation": "x"}, headers=bearer(COUNCIL)
    )
    assert council.status_code == 409  # not escalated: the department decides
    desk_token = await desk.decision.post(
        f"{url}/reject",
        json={"reasons": ["cost"], "explanation": "x"},
        headers=bearer(NAGASAKI_DESK),
    )
    assert desk_token.status_code == 403
    rejected = await desk.decision.post(
        f"{url}/reject",
        json={
            "reasons": ["overlap_with_existing", "law_conflict"],
            "explanation": "既存の通学路安全プログラムと重複します",
        },
        headers=bearer(EDUCATION),
    )
    assert rejected.status_code == 200, rejected.text
    assert rejected.json()["outcome"] == "rejected"
    again = await desk.decision.post(f"{url}/adopt", json={"inputs": {}}, headers=bearer(EDUCATION))
    assert again.status_code == 409  # a decision is final
    records = await read_topic(
        desk.bootstrap,
        desk.topic("decision", "proposals"),
        lambda r: len(r) >= 1,
    )
    event = from_kafka(records[0].headers, records[0].key, records[0].value)
    assert isinstance(event.event, ProposalRejectedAfterReview)
    assert event.meta.actor_role.value == "department"

    intake = desk.application("intake")

    def proposer_sees() -> Any:
        state = intake.state(uuid.UUID(pid))
        return state if state.status is ProposalStatus.REJECTED_AFTER_REVIEW else None

    state = await wait_until(proposer_sees, what="intake heard the rejection")
    assert state.rejection_reasons == ("overlap_with_existing", "law_conflict")
    assert "既存の通学路安全プログラムと重複します" in state.steps[-1].ja
    assert state.steps[-1].for_proposer


async def test_the_council_adopts_an_escalated_proposal_with_its_assessment(desk: Desk) -> None:
    pid = await desk.taken_on(free_proposal_body(), "nagasaki", NAGASAKI_DESK, EDUCATION)
    url = f"/api/v1/municipalities/nagasaki/decisions/{pid}"
    escalated = await desk.decision.post(
        f"{url}/escalate", json={"reason": "複数部局にまたがる"}, headers=bearer(EDUCATION)
    )
    assert escalated.json()["escalated"] is True
    by_department = await desk.decision.post(
        f"{url}/adopt", json={"inputs": {}}, headers=bearer(EDUCATION)
    )
    assert by_department.status_code == 409  # the council decides now
    adopted = await desk.decision.post(
        f"{url}/adopt",
        json={
            "inputs": {"initial_cost_yen": 3_000_000, "recurring_cost_yen_per_year": 200_000},
            "agreement": "contract",
        },
        headers=bearer(COUNCIL),
    )
    assert adopted.status_code == 200, adopted.text
    view = adopted.json()
    assert view["route"] == "procurement" and view["decided_by"] == "council"
    details = view["history"][-1]["details"]
    assert details["assessment"]["trace"][0]["rule"] == "fiscal_burden"
    # Decided on 2025-10-30, before the October requests close: FY2026's initial budget.
    assert details["budget_entry"]["fiscal_year"] == 2026
    no_scheme = await desk.decision.post(
        f"{url}/incentive",
        json={"bonus_points": 5, "total_points": 100, "announced_in": "公告文"},
        headers=bearer(COUNCIL),
    )
    assert no_scheme.status_code == 422  # Nagasaki has no incentive scheme
    records = await read_topic(
        desk.bootstrap,
        desk.topic("decision", "proposals"),
        lambda r: len(r) >= 2,
    )
    events = [from_kafka(r.headers, r.key, r.value).event for r in records]
    adoption = next(e for e in events if isinstance(e, ProposalAdopted))
    assert adoption.assessment.route.value == "procurement"


async def test_setagayas_experiment_cap_and_incentive_cap(desk: Desk) -> None:
    body = free_proposal_body(
        title="実証実験: 区立公園でのシェアサイクル",
        field="複数分野",
        summary="区立公園にシェアサイクルのポートを置く実証実験の提案。",
    )
    pid = await desk.taken_on(body, "setagaya", SETAGAYA_DESK, COLAB)
    url = f"/api/v1/municipalities/setagaya/decisions/{pid}"
    experiment = {"city_roles": ["場所の提供", "広報"], "proposer_roles": ["運営", "報告"]}
    over = await desk.decision.post(
        f"{url}/adopt",
        json={
            "inputs": {"occupancy_days": 365, "occupancy_quantity": 5},
            "experiment": {**experiment, "city_cost_share_yen": 1_000_001},
        },
        headers=bearer(COLAB),
    )
    assert over.status_code == 422 and "city_cost_share_yen" in over.text
    adopted = await desk.decision.post(
        f"{url}/adopt",
        json={
            "inputs": {"occupancy_days": 365, "occupancy_quantity": 5},
            "experiment": {**experiment, "city_cost_share_yen": 1_000_000},
            "agreement": "memorandum",
            "involvement": "co_organiser",
        },
        headers=bearer(COLAB),
    )
    assert adopted.status_code == 200, adopted.text
    assert adopted.json()["route"] == "open_call"
    too_much = await desk.decision.post(
        f"{url}/incentive",
        json={"bonus_points": 10.5, "total_points": 100, "announced_in": "公告文"},
        headers=bearer(COLAB),
    )
    assert too_much.status_code == 422
    recorded = await desk.decision.post(
        f"{url}/incentive",
        json={"bonus_points": 10, "total_points": 100, "announced_in": "公告文"},
        headers=bearer(COLAB),
    )
    assert recorded.status_code == 200 and recorded.json()["incentive_points"] == 10


def copies_ignored_by_decision() -> float:
    value = REGISTRY.get_sample_value(
        "kyoso_consumer_events_total", {"service": "decision", "outcome": "duplicate"}
    )
    return value or 0.0


async def test_every_event_delivered_twice_still_gives_one_decision(desk: Desk) -> None:
    pid = await desk.taken_on(free_proposal_body(), "nagasaki", NAGASAKI_DESK, EDUCATION)
    url = f"/api/v1/municipalities/nagasaki/decisions/{pid}"
    adopted = await desk.decision.post(
        f"{url}/adopt", json={"inputs": {"occupancy_days": 30}}, headers=bearer(EDUCATION)
    )
    assert adopted.status_code == 200, adopted.text
    application = desk.application("decision")
    heard_before = application.proposal_state(uuid.UUID(pid))
    before = copies_ignored_by_decision()
    # Intake's submitted and accepted, routing's routed and taken on: all sent again.
    assert await desk.intake_app.state.plumbing.relay.republish() >= 2
    assert await desk.apps["routing"].state.plumbing.relay.republish() >= 2
    await wait_until(
        lambda: copies_ignored_by_decision() - before >= 4, what="decision to hear every copy"
    )
    stored = list(application.events.get(uuid.UUID(pid)))
    assert [type(e).__name__ for e in stored] == ["Started", "Adopted"]
    assert application.proposal_state(uuid.UUID(pid)) == heard_before
    again = await desk.decision.post(f"{url}/adopt", json={"inputs": {}}, headers=bearer(EDUCATION))
    assert again.status_code == 409
    records = await read_topic(
        desk.bootstrap,
        desk.topic("decision", "proposals"),
        lambda r: len(r) >= 1,
    )
    adoptions = [
        e
        for e in (from_kafka(r.headers, r.key, r.value) for r in records)
        if isinstance(e.event, ProposalAdopted) and e.meta.subject == pid
    ]
    assert len(adoptions) == 1


async def test_the_council_inbox_lists_what_awaits_the_council(desk: Desk) -> None:
    inbox_url = "/api/v1/municipalities/nagasaki/council/inbox"
    assert (await desk.decision.get(inbox_url, headers=bearer(COUNCIL))).json() == []
    first = await desk.taken_on(free_proposal_body(), "nagasaki", NAGASAKI_DESK, EDUCATION)
    second = await desk.taken_on(
        free_proposal_body(title="登下校見守りアプリ"), "nagasaki", NAGASAKI_DESK, EDUCATION
    )
    for pid in (first, second):
        escalated = await desk.decision.post(
            f"/api/v1/municipalities/nagasaki/decisions/{pid}/escalate",
            json={"reason": "複数部局にまたがる"},
            headers=bearer(EDUCATION),
        )
        assert escalated.status_code == 200, escalated.text
    inbox = (await desk.decision.get(inbox_url, headers=bearer(COUNCIL))).json()
    assert [line["proposal_id"] for line in inbox] == [first, second]  # oldest first
    assert inbox[1]["title"] == "登下校見守りアプリ"
    assert inbox[0]["escalated_by"] == "kyoiku" and inbox[0]["reason"] == "複数部局にまたがる"
    assert inbox[0]["receipt_number"].startswith("NGS-")

    decided = await desk.decision.post(
        f"/api/v1/municipalities/nagasaki/decisions/{first}/reject",
        json={"reasons": ["cost"], "explanation": "予算の見込みが立たない"},
        headers=bearer(COUNCIL),
    )
    assert decided.status_code == 200, decided.text
    inbox = (await desk.decision.get(inbox_url, headers=bearer(COUNCIL))).json()
    assert [line["proposal_id"] for line in inbox] == [second]

    department = await desk.decision.get(inbox_url, headers=bearer(EDUCATION))
    assert department.status_code == 403  # the council's own list
    other_city = await desk.decision.get(
        "/api/v1/municipalities/setagaya/council/inbox", headers=bearer(COUNCIL)
    )
    assert other_city.status_code == 403
