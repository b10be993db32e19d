"""Every route the fairness assessment can give, end to end on the real broker: intake →
routing → decision → implementation → publication, from the adoption to the published
case carrying its results (the verdict and the KPIs) in the public API and on the public
topic. Direct selection is tests/implementation/test_integration.py; here the open call,
the procurement after budgeting, the partnership without selection and the demonstration
experiment (Aomori's steps, Setagaya's dated cost-share cap)."""

from __future__ import annotations

from typing import Any

import pytest

from shared.contract import from_kafka
from tests.conftest import wait_until
from tests.factories import free_proposal_body, proposal_body
from tests.implementation.projects import (
    COLAB,
    SETAGAYA_DESK,
    adopted_project,
    published_outcome,
    setagaya_open_call,
)
from tests.kafka import read_topic
from tests.whole_desk import MARKERS, Desk

pytestmark = pytest.mark.integration


async def test_an_open_call_from_adoption_to_the_case_with_its_results(desk: Desk) -> None:
    # High temporal occupancy (Sapporo 001: 占用性が高い事業…より公平性が求められ): open call.
    project = await adopted_project(
        desk,
        proposal_body(),
        {"inputs": {"occupancy_days": 365}, "agreement": "business_agreement"},
    )
    assert (await project.view())["route"] == "open_call"
    # No selection before the call, nor among those who did not apply.
    early = await project.post(
        "selection",
        {"implementer": "株式会社みなと観光", "reasons": "評価点1位", "selected_on": "2025-12-01"},
        409,
    )
    assert early["detail"][0]["loc"] == ["body", "implementer"]
    assert early["detail"][0]["type"] == "call_first"
    await project.post(
        "call",
        {
            "opens_on": "2025-11-10",
            "closes_on": "2025-11-30",
            "announcement": "公衆トイレマップ運営事業者の公募",
        },
    )
    late = await project.post(
        "applicants", {"applicant": "株式会社でじま", "applied_on": "2025-12-05"}, 422
    )
    assert late["detail"][0]["loc"] == ["body", "applied_on"]
    # Typed, with the dates it names, so a client words it in its reader's language.
    assert late["detail"][0]["type"] == "applied_outside_call"
    assert late["detail"][0]["ctx"] == {
        "applied_on": "2025-12-05",
        "opens_on": "2025-11-10",
        "closes_on": "2025-11-30",
    }
    for applicant in ("株式会社みなと観光", "株式会社でじま"):
        await project.post("applicants", {"applicant": applicant, "applied_on": "2025-11-20"})
    stranger = await project.post(
        "selection",
        {"implementer": "株式会社ひみつ", "reasons": "評価点1位", "selected_on": "2025-12-01"},
        422,
    )
    assert stranger["detail"][0]["loc"] == ["body", "implementer"]
    await project.post(
        "selection",
        {
            "implementer": "株式会社みなと観光",
            "reasons": "評価点1位（提案者への加点なし）",
            "selected_on": "2025-12-01",
        },
    )
    await project.post(
        "agreement",
        {
            "kind": "business_agreement",
            "parties": ["長崎市", "株式会社みなと観光"],
            "signed_on": "2025-12-10",
            "term_from": "2025-12-10",
            "term_until": "2026-12-09",
            "fields": ["まちづくり"],
        },
    )
    await project.post("start", {"started_on": "2026-01-05"})
    await project.post("end", {"ended_on": "2026-06-30"})
    closed = await project.verify("2026-07-15", "continue", 1200)
    assert closed["applicants"] == ["株式会社みなと観光", "株式会社でじま"]
    assert [line["event"] for line in closed["history"]][:4] == [
        "implementation.call.published",
        "implementation.applicant.recorded",
        "implementation.applicant.recorded",
        "implementation.implementer.selected",
    ]

    outcome = await published_outcome(project, "continue")
    assert outcome["kpis"][0]["measurements"] == [{"measured_on": "2026-07-15", "value": 1200.0}]


async def test_a_procurement_waits_for_the_budget_and_the_councils_vote(desk: Desk) -> None:
    # City money (Sapporo 001: 財政負担がある場合…予算化を経て、事業者を選定する).
    project = await adopted_project(
        desk,
        free_proposal_body(field="まちづくり", summary="公衆トイレの改修と運営の提案。"),
        {"inputs": {"initial_cost_yen": 3_000_000}},
    )
    view = await project.view()
    assert view["route"] == "procurement"
    assert (view["budget_entry"]["fiscal_year"], view["budget_entry"]["available_from"]) == (
        2026,
        "2026-04-01",
    )
    too_early = await project.post(
        "call",
        {"opens_on": "2026-01-05", "closes_on": "2026-01-31", "announcement": "入札公告"},
        422,
    )
    assert too_early["detail"][0]["loc"] == ["body", "opens_on"]
    await project.post(
        "call", {"opens_on": "2026-04-01", "closes_on": "2026-04-30", "announcement": "入札公告"}
    )
    await project.post("applicants", {"applicant": "株式会社でじま", "applied_on": "2026-04-10"})
    await project.post(
        "selection",
        {"implementer": "株式会社でじま", "reasons": "最低価格", "selected_on": "2026-05-01"},
    )
    contract = {
        "kind": "contract",
        "parties": ["長崎市", "株式会社でじま"],
        "signed_on": "2026-05-10",
        "term_from": "2026-05-10",
        "term_until": "2027-03-31",
    }
    no_vote = await project.post("agreement", contract, 422)
    assert no_vote["detail"][0]["loc"] == ["body", "council_vote"]
    agreed = await project.post(
        "agreement",
        {**contract, "council_vote": {"matters": ["budget"], "voted_on": "2026-03-20"}},
    )
    assert agreed["agreement"]["council_vote"]["sitting_ja"] == "2～3月定例会"
    await project.post("start", {"started_on": "2026-05-15"})
    await project.post("end", {"ended_on": "2027-03-31"})
    await project.verify("2027-04-20", "scale_up", 1500)

    outcome = await published_outcome(project, "scale_up")
    assert outcome["verdict_ja"] == "本格実施"


async def test_a_partnership_goes_straight_to_the_agreement(desk: Desk) -> None:
    # No burden, low occupancy, nothing unique (Setagaya 004 §5(4): 協定書や覚書は必要に応じて).
    project = await adopted_project(desk, proposal_body(), {"inputs": {}})
    view = await project.view()
    assert (view["route"], view["phase"]) == ("partnership_without_selection", "agreement")
    refused = await project.post(
        "call", {"opens_on": "2025-11-10", "closes_on": "2025-11-30", "announcement": "公募"}, 409
    )
    assert refused["detail"][0]["loc"] == ["body", "route"]
    refused = await project.post(
        "selection",
        {"implementer": "株式会社みなと観光", "reasons": "提案者", "selected_on": "2025-11-01"},
        409,
    )
    assert refused["detail"][0]["loc"] == ["body", "route"]
    await project.post(
        "agreement",
        {
            "kind": "comprehensive_agreement",
            "parties": ["長崎市", "株式会社みなと観光"],
            "signed_on": "2025-11-05",
            "term_from": "2025-11-05",
            "term_until": "2027-03-31",
            "fields": ["まちづくり", "観光"],
            "involvement": "co_organiser",
        },
    )
    await project.post("start", {"started_on": "2025-11-10"})
    await project.post("milestones", {"milestone": "マップ公開", "reached_on": "2026-01-10"})
    await project.post("end", {"ended_on": "2026-03-31"})
    closed = await project.verify("2026-04-15", "spread", 2000)
    assert closed["implementer"] is None
    assert closed["history"][0]["event"] == "implementation.agreement.concluded"

    outcome = await published_outcome(project, "spread")
    assert outcome["verdict_en"] == "Spread to other cities"


async def test_a_demonstration_experiment_with_aomoris_steps_and_setagayas_cap(
    desk: Desk,
) -> None:
    body = free_proposal_body(
        channel="demonstration_experiment",
        field="複数分野",
        title="自動運転バスの実証実験",
        summary="実証実験として自動運転バスを走らせ、連携協定に向けて効果を測る。",
        experiment={
            "area": "二子玉川駅周辺",
            "starts_on": "2026-05-01",
            "ends_on": "2026-07-31",
            "city_support": "実証実験フィールドの提供",
            "cost_share_yen": 800_000,
        },
    )
    experiment = {
        "city_cost_share_yen": 800_000,
        "city_roles": ["フィールドの提供", "周知"],
        "proposer_roles": ["運行", "費用負担", "報告"],
    }
    project = await adopted_project(
        desk,
        body,
        {"inputs": {}, "experiment": experiment},
        city="setagaya",
        city_desk=SETAGAYA_DESK,
        department=COLAB,
    )
    view = await project.view()
    assert view["experiment"]["city_cost_share_yen"] == 800_000
    await project.post(
        "agreement",
        {
            "kind": "memorandum",
            "parties": ["世田谷区", "株式会社みなと観光"],
            "signed_on": "2026-03-25",
            "term_from": "2026-04-01",
            "term_until": "2026-09-30",
            "council_vote": {"matters": ["budget"], "voted_on": "2026-03-20"},
        },
    )
    # Setagaya 004: 区が一部経費(令和8年度から100万円を上限)を負担 — not in force before FY2026.
    before = await project.post(
        "start", {"started_on": "2026-03-30", "city_cost_share_yen": 1}, 422
    )
    assert "no cost sharing in force" in before["detail"][0]["msg"]
    above = await project.post(
        "start", {"started_on": "2026-04-20", "city_cost_share_yen": 1_000_001}, 422
    )
    assert "¥1,000,000" in above["detail"][0]["msg"]
    started = await project.post(
        "start", {"started_on": "2026-04-20", "city_cost_share_yen": 800_000}
    )
    assert started["city_cost_share_yen"] == 800_000
    # Aomori 000's steps in their order; the run with the city present; the report ends it.
    out_of_order = await project.post(
        "experiment-steps", {"step": "permits", "done_on": "2026-04-21"}, 409
    )
    assert "site_coordination" in out_of_order["detail"][0]["msg"]
    await project.post("experiment-steps", {"step": "site_coordination", "done_on": "2026-04-21"})
    await project.post("experiment-steps", {"step": "permits", "done_on": "2026-04-25"})
    await project.post("experiment-steps", {"step": "area_notice", "done_on": "2026-04-28"})
    absent = await project.post(
        "experiment-steps", {"step": "run_with_city", "done_on": "2026-05-01"}, 422
    )
    assert absent["detail"][0]["loc"] == ["body", "city_present"]
    await project.post(
        "experiment-steps",
        {"step": "run_with_city", "done_on": "2026-05-01", "city_present": True},
    )
    unreported = await project.post("end", {"ended_on": "2026-07-31"}, 409)
    assert "report" in unreported["detail"][0]["msg"]
    await project.post(
        "experiment-steps",
        {"step": "report_received", "done_on": "2026-08-10", "note": "報告書を受領"},
    )
    await project.post("end", {"ended_on": "2026-08-10"})
    closed = await project.verify("2026-09-01", "scale_up", 3000)
    assert list(closed["experiment_steps"]) == [
        "site_coordination",
        "permits",
        "area_notice",
        "run_with_city",
        "report_received",
    ]

    outcome = await published_outcome(project, "scale_up")
    assert outcome["kpis"][0]["unit"] == "人"


async def test_a_call_goes_public_with_its_period_and_bonus_and_nothing_protected(
    desk: Desk,
) -> None:
    project = await setagaya_open_call(desk)
    # Setagaya 004 §5(3): at most 10 % of the total score, bonus excluded.
    above = await project.post(
        "call",
        {
            "opens_on": "2025-11-10",
            "closes_on": "2025-11-30",
            "announcement": "空き店舗活用事業者の公募",
            "proposer_bonus_ratio": 0.15,
        },
        422,
    )
    assert above["detail"][0]["loc"] == ["body", "proposer_bonus_ratio"]
    await project.post(
        "call",
        {
            "opens_on": "2025-11-10",
            "closes_on": "2025-11-30",
            "announcement": "空き店舗活用事業者の公募",
            "proposer_bonus_ratio": 0.1,
        },
    )

    async def listed() -> list[dict[str, Any]] | None:
        response = await desk.publication.get("/api/v1/municipalities/setagaya/calls")
        calls: list[dict[str, Any]] = response.json()
        return calls or None

    [call] = await wait_until(listed, what="publication to announce the call")
    assert (call["title"], call["route"], call["opens_on"], call["closes_on"]) == (
        "商店街の空き店舗を使う実証実験",
        "open_call",
        "2025-11-10",
        "2025-11-30",
    )
    assert call["proposer_bonus_ratio"] == 0.1
    records = await read_topic(
        desk.bootstrap,
        f"{desk.prefix}.public.cases",
        lambda records: any(b"public.call.published" in v for r in records for _, v in r.headers),
    )
    [announced] = [
        envelope
        for envelope in (from_kafka(r.headers, r.key, r.value) for r in records)
        if envelope.event.event_type == "public.call.published"
    ]
    assert announced.event.model_dump(mode="json")["call"] == call
    assert announced.meta.actor_name is None

    nagasaki = await desk.publication.get("/api/v1/municipalities/nagasaki/calls")
    assert nagasaki.json() == []
    scanned = (
        await desk.publication.get("/api/v1/municipalities/setagaya/calls")
    ).content + b"".join(r.value + b"".join(v for _, v in r.headers) for r in records)
    found = {what: marker for what, marker in MARKERS.items() if marker.encode() in scanned}
    assert found == {}, f"protected data went public: {found}"
