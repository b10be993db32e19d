"""The harness of the tests after adoption: the desk from intake to publication on the
test's broker and store, with the staff of two cities, and a project driven over
implementation's HTTP API by its department (tests/implementation, tests/portal)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx

from services.intake.settings import IntakeSettings
from shared.contract import from_kafka
from tests.brokers import Broker
from tests.conftest import (
    NAGASAKI_DEPARTMENT,
    NAGASAKI_DESK,
    STAFF_TOKENS,
    MovableClock,
    bearer,
    wait_until,
)
from tests.kafka import read_topic
from tests.whole_desk import Desk, marked_body, publish_case, running_desk

SETAGAYA_DESK = "setagaya-desk-token-" + "s" * 12
COLAB = "setagaya-colab-token-" + "c" * 12
EDUCATION = "nagasaki-education-token-" + "e" * 8
TOKENS = [
    *STAFF_TOKENS,
    {"token": SETAGAYA_DESK, "role": "desk", "municipality": "setagaya"},
    {"token": COLAB, "role": "department", "municipality": "setagaya", "department": "co-lab"},
    {"token": EDUCATION, "role": "department", "municipality": "nagasaki", "department": "kyoiku"},
]
# The services a project passes through, from the proposal to its published case.
AFTER_ADOPTION = ("intake", "routing", "decision", "implementation", "publication")
# An adoption the fairness assessment routes to direct selection (a patent, no one else).
DIRECT_SELECTION = {"inputs": {"uniqueness_evidence": ["patent"], "other_capable_providers": False}}
LOGIC_MODEL = {
    "inputs": ["事業者の人員", "市の公共空間"],
    "activities": ["運営"],
    "outputs": ["利用者数"],
    "outcomes": ["回遊の増加"],
    "impact": ["中心市街地の活性化"],
}


@dataclass
class Project:
    """One adopted proposal's project, driven over implementation's HTTP API by the
    department that owns it."""

    desk: Desk
    receipt: dict[str, Any]
    city: str
    staff: dict[str, str]

    @property
    def pid(self) -> str:
        return str(self.receipt["proposal_id"])

    @property
    def path(self) -> str:
        return f"/api/v1/municipalities/{self.city}/projects/{self.pid}"

    @property
    def client(self) -> httpx.AsyncClient:
        return self.desk.clients["implementation"]

    async def view(self) -> dict[str, Any]:
        response = await self.client.get(self.path, headers=self.staff)
        assert response.status_code == 200, response.text
        found: dict[str, Any] = response.json()
        return found

    async def post(self, step: str, body: dict[str, Any], status: int = 200) -> dict[str, Any]:
        response = await self.client.post(f"{self.path}/{step}", json=body, headers=self.staff)
        assert response.status_code == status, response.text
        answer: dict[str, Any] = response.json()
        return answer

    async def verify(self, ended_on: str, verdict: str, measured: float) -> dict[str, Any]:
        """The effect verification with the partner: logic model, one KPI measured, the
        verdict, and the close (Sapporo 001: 必ず…効果検証を行います)."""
        response = await self.client.put(
            f"{self.path}/logic-model", json=LOGIC_MODEL, headers=self.staff
        )
        assert response.status_code == 200, response.text
        await self.post("kpis", {"name": "利用者数", "unit": "人", "baseline": 0, "target": 1000})
        await self.post(
            "measurements", {"name": "利用者数", "measured_on": ended_on, "value": measured}
        )
        await self.post(
            "verdict", {"verdict": verdict, "reasons": "目標を達成した", "verified_on": ended_on}
        )
        closed = await self.post("close", {"closed_on": ended_on})
        assert (closed["phase"], closed["verdict"]) == ("closed", verdict)
        return closed


async def adopted_project(
    desk: Desk,
    body: dict[str, Any],
    adoption: dict[str, Any],
    *,
    city: str = "nagasaki",
    city_desk: str = NAGASAKI_DESK,
    department: str = NAGASAKI_DEPARTMENT,
) -> Project:
    """Submitted, screened in, routed, taken on and adopted with `adoption`: the project
    implementation opened from decision's adoption."""
    receipt = await desk.accepted_receipt(body, city, city_desk)
    pid = str(receipt["proposal_id"])
    await desk.take_on(pid, city, department)

    async def adopted() -> bool:
        response = await desk.decision.post(
            f"/api/v1/municipalities/{city}/decisions/{pid}/adopt",
            json=adoption,
            headers=bearer(department),
        )
        # 404 until decision has heard the proposal, 409 until it heard it taken on.
        assert response.status_code in (200, 404, 409), response.text
        return response.status_code == 200

    await wait_until(adopted, what="decision to hear the dialogue and adopt")
    project = Project(desk, receipt, city, bearer(department))

    async def opened() -> bool:
        response = await project.client.get(project.path, headers=project.staff)
        return response.status_code == 200

    await wait_until(opened, what="implementation to hear the adoption")
    return project


async def published_outcome(project: Project, verdict: str) -> dict[str, Any]:
    """Publication heard the verdict; the desk publishes the case; the case carries the
    outcome in the public API and on the public topic (public case v2)."""
    desk = project.desk
    register = desk.application("publication").register

    def heard() -> bool:
        state = register.proposal(UUID(project.pid))
        return state is not None and state.verdict == verdict

    await wait_until(heard, what="publication to hear the verdict")
    case_id = await publish_case(desk, project.receipt, project.city, _desk_token(project.city))
    public = await desk.publication.get(f"/api/v1/municipalities/{project.city}/cases/{case_id}")
    assert public.status_code == 200, public.text
    outcome: dict[str, Any] = public.json()["outcome"]
    assert outcome["verdict"] == verdict

    def ours(records: list[Any]) -> bool:
        return any(str(case_id).encode() in r.value for r in records)

    records = await read_topic(desk.bootstrap, f"{desk.prefix}.public.cases", ours)
    [event] = [
        from_kafka(r.headers, r.key, r.value).event
        for r in records
        if str(case_id).encode() in r.value
    ]
    assert event.cloudevent_type() == "jp.kyoso.public.case.published.v2"
    on_topic = event.model_dump(mode="json")["case"]["outcome"]
    assert on_topic == outcome
    return outcome


def _desk_token(city: str) -> str:
    return {"nagasaki": NAGASAKI_DESK, "setagaya": SETAGAYA_DESK}[city]


@contextlib.asynccontextmanager
async def project_desk(
    tmp_path: Path,
    broker: Broker,
    database_url: str,
    make_settings: Callable[..., IntakeSettings],
    *,
    overrides: dict[str, dict[str, Any]] | None = None,
    clock: MovableClock | None = None,
) -> AsyncIterator[Desk]:
    """Every service a project passes through, with TOKENS' staff."""
    async with running_desk(
        AFTER_ADOPTION,
        tmp_path,
        broker,
        database_url,
        make_settings,
        staff_tokens=TOKENS,
        overrides=overrides,
        clock=clock,
    ) as desk:
        yield desk


async def setagaya_open_call(desk: Desk) -> Project:
    """A sole proprietor's proposal to Setagaya, with a protected part and contact details
    (MARKERS), adopted with high occupancy: its implementer is chosen by an open call."""
    body = marked_body()
    body.pop("theme_number")
    body.update(
        channel="free",
        field="複数分野",
        title="商店街の空き店舗を使う実証実験",
        summary="空き店舗で実証実験を行い、連携協定につなげる提案。",
    )
    return await adopted_project(
        desk,
        body,
        {"inputs": {"occupancy_days": 365}},
        city="setagaya",
        city_desk=SETAGAYA_DESK,
        department=COLAB,
    )
