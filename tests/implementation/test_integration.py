"""Implementation with the real broker: intake → routing → decision → implementation →
publication, from the adoption through the effect verification over HTTP, every step on
the topic, and the published case carrying the outcome."""

from __future__ import annotations

from uuid import UUID

import pytest

from shared.contract import from_kafka
from tests.conftest import NAGASAKI_DESK, bearer, wait_until
from tests.factories import free_proposal_body
from tests.implementation.projects import (
    DIRECT_SELECTION,
    EDUCATION,
    adopted_project,
)
from tests.kafka import read_topic
from tests.whole_desk import NAGASAKI, Desk, publish_case

pytestmark = pytest.mark.integration


async def test_a_direct_selection_from_adoption_to_the_verified_close(desk: Desk) -> None:
    opened = await adopted_project(
        desk, free_proposal_body(), DIRECT_SELECTION, department=EDUCATION
    )
    receipt, pid, project, staff, post = (
        opened.receipt,
        opened.pid,
        opened.path,
        opened.staff,
        opened.post,
    )
    implementation = opened.client
    view = await opened.view()
    assert (view["route"], view["phase"], view["department"]) == (
        "direct_selection",
        "selection",
        "kyoiku",
    )

    # The route is direct selection: no call, and no selection without its justification.
    refused = await post(
        "call", {"opens_on": "2026-05-01", "closes_on": "2026-05-31", "announcement": "公告"}, 409
    )
    assert refused["detail"][0]["loc"] == ["body", "route"]
    refused = await post(
        "selection",
        {"implementer": "株式会社みなと観光", "reasons": "特許", "selected_on": "2026-04-01"},
        422,
    )
    assert refused["detail"][0]["loc"] == ["body", "uniqueness_justification"]
    by_desk = await implementation.post(
        f"{project}/start", json={"started_on": "2026-04-01"}, headers=bearer(NAGASAKI_DESK)
    )
    assert by_desk.status_code == 403  # the department that owns the proposal acts
    await post(
        "selection",
        {
            "implementer": "株式会社みなと観光",
            "reasons": "特許技術を持つ唯一の事業者",
            "selected_on": "2026-04-01",
            "uniqueness_justification": "特許第1234567号; 他に提供できる事業者がいない",
        },
    )
    await post(
        "agreement",
        {
            "kind": "business_agreement",
            "parties": ["長崎市", "株式会社みなと観光"],
            "signed_on": "2026-04-10",
            "term_from": "2026-04-10",
            "term_until": "2026-04-01",
            "fields": ["教育"],
        },
        422,
    )
    await post(
        "agreement",
        {
            "kind": "business_agreement",
            "parties": ["長崎市", "株式会社みなと観光"],
            "signed_on": "2026-04-10",
            "term_from": "2026-04-10",
            "term_until": "2027-03-31",
            "fields": ["教育"],
        },
    )
    await post("start", {"started_on": "2026-04-15"})
    await post("milestones", {"milestone": "点検アプリ稼働", "reached_on": "2026-05-01"})
    await post("end", {"ended_on": "2026-08-31"})
    closing = await post("close", {"closed_on": "2026-09-01"}, 409)
    assert "effect verification comes first" in closing["detail"][0]["msg"]
    logic = {
        "inputs": ["職員1名", "点検アプリ"],
        "activities": ["通学路の点検"],
        "outputs": ["危険箇所マップ"],
        "outcomes": ["ヒヤリハットの減少"],
        "impact": ["通学路の事故ゼロ"],
    }
    response = await implementation.put(f"{project}/logic-model", json=logic, headers=staff)
    assert response.status_code == 200, response.text
    no_unit = await post("kpis", {"name": "件数", "unit": "", "baseline": 40, "target": 20}, 422)
    assert no_unit["detail"][0]["loc"][-1] == "unit"
    await post("kpis", {"name": "ヒヤリハット件数", "unit": "件", "baseline": 40, "target": 20})
    unmeasured = await post(
        "verdict", {"verdict": "spread", "reasons": "効果大", "verified_on": "2026-09-15"}, 409
    )
    assert "needs measured values" in unmeasured["detail"][0]["msg"]
    await post(
        "measurements", {"name": "ヒヤリハット件数", "measured_on": "2026-08-31", "value": 15}
    )
    await post(
        "verdict", {"verdict": "spread", "reasons": "目標を上回った", "verified_on": "2026-09-15"}
    )
    closed = await post("close", {"closed_on": "2026-09-16"})
    assert (closed["phase"], closed["verdict"], closed["receipt_number"]) == (
        "closed",
        "spread",
        "NGS-2025-0001",
    )
    assert closed["uniqueness_justification"].startswith("特許第1234567号")
    assert [line["event"] for line in closed["history"]] == [
        "implementation.implementer.selected",
        "implementation.agreement.concluded",
        "implementation.started",
        "implementation.milestone.reached",
        "implementation.ended",
        "implementation.logic_model.set",
        "implementation.kpi.defined",
        "implementation.kpi.measured",
        "implementation.verdict.given",
        "implementation.project.closed",
    ]

    # Every step went out on the service's topic, as CloudEvents keyed by the proposal.
    records = await read_topic(
        desk.bootstrap, desk.topic("implementation", "projects"), lambda r: len(r) >= 10
    )
    envelopes = [from_kafka(r.headers, r.key, r.value) for r in records]
    assert [e.meta.sequence for e in envelopes] == list(range(2, 12))
    assert {str(e.proposal_id) for e in envelopes} == {pid}
    assert envelopes[-1].event.event_type == "implementation.project.closed"

    listed = await implementation.get(f"{NAGASAKI}/projects", headers=staff)
    assert [(p["proposal_id"], p["phase"]) for p in listed.json()] == [(pid, "closed")]
    # Named as intake gave it at receipt (heard on intake's topic): no call per line.
    [line] = listed.json()
    assert (line["receipt_number"], line["title"]) == (
        receipt["receipt_number"],
        free_proposal_body()["title"],
    )

    # Publication heard the verdict on the implementation topic: the case carries it.
    publication = desk.application("publication")

    def verdict_heard() -> bool:
        state = publication.register.proposal(UUID(pid))
        return state is not None and state.verdict == "spread"

    await wait_until(verdict_heard, what="publication to hear the verdict")
    case_id = await publish_case(desk, receipt)
    public = (await desk.publication.get(f"{NAGASAKI}/cases/{case_id}")).json()
    outcome = public["outcome"]
    assert (outcome["verdict"], outcome["verdict_ja"], outcome["reasons"]) == (
        "spread",
        "他地域への展開",
        "目標を上回った",
    )
    assert outcome["kpis"] == [
        {
            "name": "ヒヤリハット件数",
            "unit": "件",
            "baseline": 40.0,
            "target": 20.0,
            "measurements": [{"measured_on": "2026-08-31", "value": 15.0}],
        }
    ]
    [published] = await read_topic(
        desk.bootstrap, f"{desk.prefix}.public.cases", lambda r: len(r) >= 1
    )
    event = from_kafka(published.headers, published.key, published.value).event
    assert event.cloudevent_type() == "jp.kyoso.public.case.published.v2"
