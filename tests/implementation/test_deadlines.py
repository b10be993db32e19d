"""An overdue effect verification is a deadline event on the real broker: implementation's
timer raises `VerificationOverdue` once when a verification passes its due date without a
verdict (Sapporo 001: 「事業を実施後、必ず…効果検証を行います」), like routing's deadlines;
the overdue list follows from it, and the other services hear it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest

from services.intake.settings import IntakeSettings
from shared.contract import VerificationOverdue, from_kafka
from tests.brokers import Broker
from tests.conftest import MovableClock, wait_until
from tests.factories import proposal_body
from tests.implementation.projects import adopted_project, project_desk
from tests.kafka import read_topic
from tests.whole_desk import Desk

pytestmark = pytest.mark.integration


@pytest.fixture
async def desk(
    tmp_path: Path,
    broker: Broker,
    database_url: str,
    make_settings: Callable[..., IntakeSettings],
) -> AsyncIterator[Desk]:
    async with project_desk(
        tmp_path,
        broker,
        database_url,
        make_settings,
        overrides={"implementation": {"deadline_check_interval_seconds": 0.2}},
        clock=MovableClock(),
    ) as desk:
        yield desk


async def test_a_verification_past_its_due_date_is_raised_once_and_listed(desk: Desk) -> None:
    project = await adopted_project(desk, proposal_body(), {"inputs": {}})
    await project.post(
        "agreement",
        {
            "kind": "memorandum",
            "parties": ["長崎市", "株式会社みなと観光"],
            "signed_on": "2025-10-30",
            "term_from": "2025-10-30",
            "term_until": "2026-03-31",
        },
    )
    await project.post("start", {"started_on": "2025-10-30"})
    await project.post("end", {"ended_on": "2025-11-05", "verification_due_on": "2025-11-20"})
    overdue_list = "/api/v1/municipalities/nagasaki/projects/overdue-verifications"
    implementation = desk.clients["implementation"]

    async def listed() -> list[dict[str, Any]]:
        response = await implementation.get(overdue_list, headers=project.staff)
        assert response.status_code == 200, response.text
        lines: list[dict[str, Any]] = response.json()
        return lines

    assert await listed() == []  # 30 October: not due yet, whatever the timer looks at
    desk.clock.advance(days=22)  # 21 November JST: past the due date of 20 November

    [line] = await wait_until(listed, what="the timer to raise the overdue verification")
    assert (line["proposal_id"], line["overdue"], line["verification_due_on"]) == (
        project.pid,
        True,
        "2025-11-20",
    )
    view = await project.view()
    assert view["history"][-1]["event"] == "implementation.verification.overdue"
    assert view["history"][-1]["actor_role"] == "system"

    records = await read_topic(
        desk.bootstrap,
        desk.topic("implementation", "projects"),
        lambda rs: any(b"verification.overdue" in v for r in rs for _, v in r.headers),
    )
    raised = [
        e.event
        for e in (from_kafka(r.headers, r.key, r.value) for r in records)
        if isinstance(e.event, VerificationOverdue)
    ]
    assert [(str(e.proposal_id), str(e.due_on), e.department) for e in raised] == [
        (project.pid, "2025-11-20", "machizukuri")
    ]
    # Once: the timer keeps running, and finds nothing more to raise.
    assert desk.application("implementation").check_verification_deadlines() == 0

    # Publication hears it with the rest of the project (the shared fold takes it).
    register = desk.application("publication").register

    def heard() -> bool:
        state = register.proposal(UUID(project.pid))
        return state is not None and any("効果検証、期限" in s.ja for s in state.steps)

    await wait_until(heard, what="publication to hear the overdue verification")

    # Routing, which keeps the departments' addresses, keeps it for the staff mail.
    routing = desk.application("routing")

    def kept_for_the_mail() -> bool:
        return bool(routing.repository.get(UUID(project.pid)).verifications_overdue)

    await wait_until(kept_for_the_mail, what="routing to hear the overdue verification")

    # The verdict clears it from the list.
    await project.verify("2025-11-21", "end", 10)
    assert await listed() == []
