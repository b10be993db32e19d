"""A proposer withdraws an adopted proposal before the agreement is signed, with the real
broker: intake → routing → decision → implementation. The project ends as withdrawn, is
listed so, and refuses a further step."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import NAGASAKI_DESK, bearer, wait_until
from tests.factories import free_proposal_body
from tests.implementation.projects import (
    DIRECT_SELECTION,
    EDUCATION,
    adopted_project,
)
from tests.whole_desk import NAGASAKI, Desk

pytestmark = pytest.mark.integration


async def test_an_adopted_proposal_withdrawn_ends_its_project_which_refuses_a_step(
    desk: Desk,
) -> None:
    opened = await adopted_project(
        desk, free_proposal_body(), DIRECT_SELECTION, department=EDUCATION
    )
    receipt, pid, project = opened.receipt, opened.pid, opened.path
    implementation = opened.client
    assert (await opened.view())["phase"] == "selection"

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
