"""The intake API as proposers and desk staff use it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx

from services.intake.settings import IntakeSettings
from tests.conftest import (
    AOMORI_DESK,
    NAGASAKI_DEPARTMENT,
    NAGASAKI_DESK,
    MovableClock,
    RunningIntake,
    bearer,
    start_intake,
)
from tests.factories import free_proposal_body, proposal_body

PROPOSALS = "/api/v1/municipalities/nagasaki/proposals"
THEMES = "/api/v1/municipalities/nagasaki/themes"
DESK = "/api/v1/municipalities/nagasaki/desk/proposals"


async def submit(
    client: httpx.AsyncClient, body: dict[str, Any] | None = None, key: str | None = None
) -> httpx.Response:
    headers = {"Idempotency-Key": key} if key else {}
    return await client.post(PROPOSALS, json=body or proposal_body(), headers=headers)


def fields_named(response: httpx.Response) -> list[str]:
    return [".".join(str(p) for p in item["loc"]) for item in response.json()["detail"]]


# -- themes ------------------------------------------------------------------------


async def test_the_public_sees_nagasakis_27_themes_with_25_closed(intake: RunningIntake) -> None:
    themes = (await intake.client.get(THEMES)).json()
    assert [t["number"] for t in themes] == list(range(1, 28))
    closed = [t["number"] for t in themes if not t["open"]]
    assert closed == [25]
    assert themes[24]["status_ja"] == "募集期間終了"
    assert themes[4]["title"] == "都心部の回遊性向上について"


async def test_the_desk_publishes_and_closes_a_theme(intake: RunningIntake) -> None:
    draft = {
        "number": 28,
        "title": "公園の利活用",
        "field": "まちづくり",
        "department": "machizukuri",
    }
    created = await intake.client.post(THEMES, json=draft, headers=bearer(NAGASAKI_DESK))
    assert created.status_code == 201 and created.json()["open"]
    again = await intake.client.post(THEMES, json=draft, headers=bearer(NAGASAKI_DESK))
    assert again.status_code == 409
    closed = await intake.client.post(f"{THEMES}/28/close", headers=bearer(NAGASAKI_DESK))
    assert closed.json()["open"] is False
    refused = await submit(intake.client, proposal_body(theme_number=28))
    assert refused.status_code == 409


async def test_a_theme_call_follows_its_period(intake: RunningIntake, clock: MovableClock) -> None:
    draft = {
        "number": 29,
        "title": "期間付きテーマ",
        "field": "環境",
        "department": "kankyo",
        "opens_on": "2025-11-01",
        "closes_on": "2025-11-30",
    }
    await intake.client.post(THEMES, json=draft, headers=bearer(NAGASAKI_DESK))
    assert (
        await submit(intake.client, proposal_body(theme_number=29))
    ).status_code == 409  # 30 Oct
    clock.advance(days=2)
    assert (await submit(intake.client, proposal_body(theme_number=29))).status_code == 201
    clock.advance(days=40)
    too_late = await submit(intake.client, proposal_body(theme_number=29))
    assert too_late.status_code == 409 and "closed" in too_late.json()["detail"][0]["msg"]


# -- submission ---------------------------------------------------------------------


async def test_a_company_gets_a_receipt_and_a_private_status_link(intake: RunningIntake) -> None:
    response = await submit(intake.client)
    assert response.status_code == 201
    receipt = response.json()
    assert receipt["receipt_number"] == "NGS-2025-0001"
    assert receipt["status"] == "received" and receipt["status_ja"].startswith("受付済み")
    link = httpx.URL(receipt["status_url"])
    assert link.params["token"] == receipt["status_token"]
    status = await intake.client.get(
        f"/api/v1/proposer/proposals/{receipt['proposal_id']}",
        headers={"X-Status-Token": receipt["status_token"]},
    )
    assert status.status_code == 200 and status.json()["receipt_number"] == "NGS-2025-0001"
    assert status.json()["status_ja"].startswith("受付済み")


async def test_receipt_numbers_count_per_fiscal_year(
    intake: RunningIntake, clock: MovableClock
) -> None:
    numbers = [(await submit(intake.client)).json()["receipt_number"] for _ in range(3)]
    assert numbers == ["NGS-2025-0001", "NGS-2025-0002", "NGS-2025-0003"]
    clock.now = datetime(2026, 3, 31, 16, 0, tzinfo=UTC)  # 1 April 2026 in Japan
    assert (await submit(intake.client)).json()["receipt_number"] == "NGS-2026-0001"


async def test_a_retried_submission_never_creates_a_second_proposal(intake: RunningIntake) -> None:
    first = await submit(intake.client, key="retry-key-0001")
    second = await submit(intake.client, key="retry-key-0001")
    assert first.status_code == 201 and second.status_code == 200
    assert second.headers["Idempotent-Replayed"] == "true"
    assert first.json() == second.json()
    inbox = (await intake.client.get(DESK, headers=bearer(NAGASAKI_DESK))).json()
    assert len(inbox) == 1


async def test_an_idempotency_key_reused_for_another_proposal_is_refused(
    intake: RunningIntake,
) -> None:
    await submit(intake.client, key="retry-key-0002")
    other = await submit(intake.client, free_proposal_body(), key="retry-key-0002")
    assert other.status_code == 422
    assert fields_named(other) == ["header.Idempotency-Key"]


async def test_a_private_individual_is_answered_with_the_reason(intake: RunningIntake) -> None:
    body = proposal_body()
    body["proposer"]["kind"] = "individual"
    receipt = (await submit(intake.client, body)).json()
    assert receipt["status"] == "rejected"
    assert [r["code"] for r in receipt["reasons"]] == ["ineligible_proposer"]
    view = (
        await intake.client.get(
            f"/api/v1/proposer/proposals/{receipt['proposal_id']}",
            params={"token": receipt["status_token"]},
        )
    ).json()
    assert "個人" in view["explanation"] and view["status_en"].startswith("Not accepted")


async def test_a_sole_proprietor_may_propose(intake: RunningIntake) -> None:
    body = proposal_body()
    body["proposer"]["kind"] = "sole_proprietor"
    assert (await submit(intake.client, body)).json()["status"] == "received"


async def test_an_unknown_theme_is_refused_naming_the_field(intake: RunningIntake) -> None:
    response = await submit(intake.client, proposal_body(theme_number=99))
    assert response.status_code == 422
    assert fields_named(response) == ["body.theme_number"]


async def test_a_closed_call_is_refused(intake: RunningIntake) -> None:
    response = await submit(intake.client, proposal_body(theme_number=25))
    assert response.status_code == 409
    assert "募集期間終了" in response.json()["detail"][0]["msg"]


async def test_missing_and_malformed_fields_are_each_named(intake: RunningIntake) -> None:
    body = proposal_body(title="", summary="x" * 401)
    body["proposer"] = {"organisation": "ACME", "kind": "robot", "email": "not-an-address"}
    response = await submit(intake.client, body)
    assert response.status_code == 422
    assert set(fields_named(response)) == {
        "body.title",
        "body.summary",
        "body.proposer.kind",
        "body.proposer.contact_person",
        "body.proposer.email",
    }


async def test_a_theme_proposal_must_name_its_theme(intake: RunningIntake) -> None:
    body = proposal_body()
    body.pop("theme_number")
    response = await submit(intake.client, body)
    assert response.status_code == 422 and "theme_number" in response.text


async def test_an_unknown_municipality_is_404(intake: RunningIntake) -> None:
    response = await intake.client.post(
        "/api/v1/municipalities/atlantis/proposals", json=proposal_body()
    )
    assert response.status_code == 404 and "atlantis" in response.text


# -- desk screening -----------------------------------------------------------------


async def test_the_desk_accepts_a_proposal_and_the_proposer_sees_it(intake: RunningIntake) -> None:
    receipt = (await submit(intake.client)).json()
    pid = receipt["proposal_id"]
    inbox = (
        await intake.client.get(DESK, params={"status": "received"}, headers=bearer(NAGASAKI_DESK))
    ).json()
    assert [p["proposal_id"] for p in inbox] == [pid]
    full = (await intake.client.get(f"{DESK}/{pid}", headers=bearer(NAGASAKI_DESK))).json()
    assert full["protected"] == "協力店舗の一覧と交渉ノウハウ"
    assert full["contact"]["email"] == "hanako@minato-kanko.example.jp"
    accepted = await intake.client.post(
        f"{DESK}/{pid}/screening", json={"decision": "accept"}, headers=bearer(NAGASAKI_DESK)
    )
    assert accepted.json()["status"] == "accepted"
    view = (
        await intake.client.get(
            f"/api/v1/proposer/proposals/{pid}", headers={"X-Status-Token": receipt["status_token"]}
        )
    ).json()
    assert view["status"] == "accepted"
    assert [s["en"] for s in view["steps"]][-1] == "The desk accepted the proposal"
    twice = await intake.client.post(
        f"{DESK}/{pid}/screening", json={"decision": "accept"}, headers=bearer(NAGASAKI_DESK)
    )
    assert twice.status_code == 409


async def test_a_rejection_needs_coded_reasons_and_the_proposer_sees_them(
    intake: RunningIntake,
) -> None:
    receipt = (await submit(intake.client)).json()
    pid = receipt["proposal_id"]
    bare = await intake.client.post(
        f"{DESK}/{pid}/screening",
        json={"decision": "reject", "explanation": "no"},
        headers=bearer(NAGASAKI_DESK),
    )
    assert bare.status_code == 422 and "reasons" in bare.text
    unknown = await intake.client.post(
        f"{DESK}/{pid}/screening",
        json={"decision": "reject", "reasons": ["boring"], "explanation": "x"},
        headers=bearer(NAGASAKI_DESK),
    )
    assert unknown.status_code == 422 and fields_named(unknown) == ["body.reasons.0"]
    rejected = await intake.client.post(
        f"{DESK}/{pid}/screening",
        json={
            "decision": "reject",
            "reasons": ["sales_pitch"],
            "explanation": "自社製品の販売のみの内容です。",
        },
        headers=bearer(NAGASAKI_DESK),
    )
    assert rejected.json()["status"] == "rejected"
    view = (
        await intake.client.get(
            f"/api/v1/proposer/proposals/{pid}", params={"token": receipt["status_token"]}
        )
    ).json()
    assert view["reasons"] == [
        {"code": "sales_pitch", "ja": "単なる営業・宣伝である", "en": "A plain sales pitch"}
    ]
    assert view["explanation"] == "自社製品の販売のみの内容です。"


# -- the proposer ------------------------------------------------------------------


async def test_the_proposer_withdraws_once(intake: RunningIntake) -> None:
    receipt = (await submit(intake.client)).json()
    url = f"/api/v1/proposer/proposals/{receipt['proposal_id']}/withdrawal"
    done = await intake.client.post(
        url, json={"reason": "社内で再検討します"}, params={"token": receipt["status_token"]}
    )
    assert done.json()["status"] == "withdrawn" and done.json()["status_ja"] == "取り下げられました"
    again = await intake.client.post(url, json={}, params={"token": receipt["status_token"]})
    assert again.status_code == 409


async def test_the_status_link_needs_the_right_token(intake: RunningIntake) -> None:
    mine = (await submit(intake.client)).json()
    other = (await submit(intake.client)).json()
    url = f"/api/v1/proposer/proposals/{mine['proposal_id']}"
    assert (await intake.client.get(url)).status_code == 401
    assert (
        await intake.client.get(url, params={"token": other["status_token"]})
    ).status_code == 404
    withdraw = await intake.client.post(f"{url}/withdrawal", json={}, params={"token": "forged"})
    assert withdraw.status_code == 404


# -- staff authentication -----------------------------------------------------------


async def test_staff_endpoints_answer_401_and_403_cleanly(intake: RunningIntake) -> None:
    assert (await intake.client.get(DESK)).status_code == 401
    assert (
        await intake.client.get(DESK, headers=bearer("no-such-token-at-all"))
    ).status_code == 401
    department = await intake.client.get(DESK, headers=bearer(NAGASAKI_DEPARTMENT))
    assert department.status_code == 403 and "desk" in department.text
    foreign = await intake.client.get(DESK, headers=bearer(AOMORI_DESK))
    assert foreign.status_code == 403 and "aomori" in foreign.text


async def test_a_token_never_sees_another_municipalitys_proposal(intake: RunningIntake) -> None:
    pid = (await submit(intake.client)).json()["proposal_id"]
    aomori = "/api/v1/municipalities/aomori/desk/proposals"
    assert (await intake.client.get(aomori, headers=bearer(AOMORI_DESK))).json() == []
    peek = await intake.client.get(f"{aomori}/{pid}", headers=bearer(AOMORI_DESK))
    assert peek.status_code == 404
    screen = await intake.client.post(
        f"{aomori}/{pid}/screening", json={"decision": "accept"}, headers=bearer(AOMORI_DESK)
    )
    assert screen.status_code == 404


# -- operations ------------------------------------------------------------------------


async def test_health_readiness_and_metrics(intake: RunningIntake) -> None:
    assert (await intake.client.get("/healthz")).json() == {"status": "ok"}
    assert (await intake.client.get("/readyz")).json() == {"status": "ready"}
    await submit(intake.client)
    metrics = (await intake.client.get("/metrics")).text
    assert 'kyoso_http_requests_total{method="POST",service="intake",status="201"}' in metrics


async def test_accepted_proposals_survive_a_restart(
    make_settings: Callable[..., IntakeSettings], clock: MovableClock
) -> None:
    settings = make_settings()
    app, lifespan = await start_intake(settings, clock)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://t"
    ) as client:
        receipt = (await submit(client)).json()
    await lifespan.__aexit__(None, None, None)

    app, lifespan = await start_intake(settings, clock)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://t"
    ) as client:
        view = await client.get(
            f"/api/v1/proposer/proposals/{receipt['proposal_id']}",
            params={"token": receipt["status_token"]},
        )
        assert view.json()["receipt_number"] == receipt["receipt_number"]
        assert (await submit(client)).json()["receipt_number"] == "NGS-2025-0002"
        themes = (await client.get(THEMES)).json()
        assert len(themes) == 27  # demo data is not loaded twice
    await lifespan.__aexit__(None, None, None)
