"""A proposer withdraws an adopted proposal before the agreement is signed, with the real
broker: intake → routing → decision → implementation. The project ends as withdrawn, is
listed so, and refuses a further step."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest

from services.intake.settings import IntakeSettings
from tests.brokers import Broker
from tests.conftest import NAGASAKI_DESK, bearer, wait_until
from tests.factories import free_proposal_body
from tests.implementation.test_integration import EDUCATION, TOKENS
from tests.whole_desk import NAGASAKI, Desk, running_desk

pytestmark = pytest.mark.integration


@pytest.fixture
async def desk(
    tmp_path: Path,
    broker: Broker,
    database_url: str,
    make_settings: Callable[..., IntakeSettings],
) -> AsyncIterator[Desk]:
    async with running_desk(
        ("intake", "routing", "decision", "implementation"),
        tmp_path,
        broker,
        database_url,
        make_settings,
        staff_tokens=TOKENS,
    ) as desk:
        yield desk


async def test_an_adopted_proposal_withdrawn_ends_its_project_which_refuses_a_step(
    desk: Desk,
) -> None:
    receipt = await desk.accepted_receipt(free_proposal_body())
    pid = str(receipt["proposal_id"])
    await desk.take_on(pid, "nagasaki", EDUCATION)

    async def adopted() -> bool:
        response = await desk.decision.post(
            f"{NAGASAKI}/decisions/{pid}/adopt",
            json={"inputs": {"uniqueness_evidence": ["patent"], "other_capable_providers": False}},
            headers=bearer(EDUCATION),
        )
        return response.status_code == 200

    await wait_until(adopted, what="decision to hear the dialogue and adopt")
    implementation = desk.clients["implementation"]
    project = f"{NAGASAKI}/projects/{pid}"

    async def phase() -> str | None:
        response = await implementation.get(project, headers=bearer(NAGASAKI_DESK))
        return str(response.json()["phase"]) if response.status_code == 200 else None

    assert await wait_until(phase, what="implementation heard the adoption") == "selection"

    withdrawn = await desk.intake.post(
        f"/api/v1/proposer/proposals/{pid}/withdrawal",
        params={"token": receipt["status_token"]},
        json={"reason": "社内で再検討します"},
    )
    assert withdrawn.status_code == 200, withdrawn.text
    assert withdrawn.json()["status"] == "withdrawn"

    async def ended() -> dict[str, Any] | None:
        response = await implementation.get(project, headers=bearer(NAGASAKI_DESK))
        view: dict[str, Any] = response.json()
        return view if view["phase"] == "withdrawn" else None

    view = await wait_until(ended, what="implementation heard the withdrawal")
    assert view["withdrawal_reason"] == "社内で再検討します"
    assert view["withdrawn_on"] is not None

    refused = await implementation.post(
        f"{project}/selection",
        json={
            "implementer": "株式会社みなと観光",
            "reasons": "特許技術を持つ唯一の事業者",
            "selected_on": "2026-04-01",
            "uniqueness_justification": "特許第1234567号",
        },
        headers=bearer(EDUCATION),
    )
    assert refused.status_code == 409, refused.text
    [problem] = refused.json()["detail"]
    assert problem["type"] == "withdrawn"
    assert "withdrew the proposal" in problem["msg"]

    listed = await implementation.get(f"{NAGASAKI}/projects", headers=bearer(NAGASAKI_DESK))
    [line] = [p for p in listed.json() if p["proposal_id"] == pid]
    assert (line["phase"], line["overdue"]) == ("withdrawn", False)
