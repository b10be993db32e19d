"""On the embedded broker, the real pipeline: a department of the same city finds nothing
of a proposal until routing routes it there (intake learns it from routing's events),
then reads all of it; another department still finds nothing. And right after its
take-on the department may be told to retry (Retry-After), never who decides."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import httpx

from services.intake.settings import IntakeSettings
from tests.brokers import Broker
from tests.conftest import NAGASAKI_DESK, STAFF_TOKENS, bearer, wait_until
from tests.factories import free_proposal_body
from tests.whole_desk import NAGASAKI, running_desk

KYOIKU = "nagasaki-kyoiku-token-" + "k" * 8  # the Board of Education: 教育 is its field
KANKYO = "nagasaki-kankyo-token-" + "e" * 8  # the Environment Department
STAFF = [
    *STAFF_TOKENS,
    {"token": KYOIKU, "role": "department", "municipality": "nagasaki", "department": "kyoiku"},
    {"token": KANKYO, "role": "department", "municipality": "nagasaki", "department": "kankyo"},
]


async def test_a_department_sees_a_proposal_only_once_it_is_routed_to_it(
    tmp_path: Path, broker: Broker, make_settings: Callable[..., IntakeSettings]
) -> None:
    async with running_desk(
        ("intake", "routing", "decision"),
        tmp_path,
        broker,
        f"sqlite:///{tmp_path / 'intake.sqlite'}",
        make_settings,
        staff_tokens=STAFF,
    ) as desk:
        receipt = (
            await desk.intake.post(f"{NAGASAKI}/proposals", json=free_proposal_body())
        ).json()
        pid = receipt["proposal_id"]
        proposal = f"{NAGASAKI}/proposals/{pid}"

        # Received, not screened yet: routed nowhere, so no department may see it.
        before = await desk.intake.get(proposal, headers=bearer(KYOIKU))
        assert before.status_code == 404
        assert (await desk.intake.get(proposal, headers=bearer(NAGASAKI_DESK))).status_code == 200

        accepted = await desk.intake.post(
            f"{NAGASAKI}/desk/proposals/{pid}/screening",
            json={"decision": "accept"},
            headers=bearer(NAGASAKI_DESK),
        )
        assert accepted.status_code == 200

        async def seen_by_kyoiku() -> httpx.Response | None:
            answer = await desk.intake.get(proposal, headers=bearer(KYOIKU))
            return answer if answer.status_code == 200 else None

        whole = (await wait_until(seen_by_kyoiku, what="intake to hear the routing")).json()
        assert whole["contact"]["email"] == "hanako@minato-kanko.example.jp"
        assert whole["protected"] == "協力店舗の一覧と交渉ノウハウ"
        assert (await desk.intake.get(proposal, headers=bearer(KANKYO))).status_code == 404
        routing = f"{NAGASAKI}/routings/{pid}"
        assert (await desk.routing.get(routing, headers=bearer(KYOIKU))).status_code == 200
        assert (await desk.routing.get(routing, headers=bearer(KANKYO))).status_code == 404
        taken = await desk.routing.post(f"{routing}/take-on", headers=bearer(KANKYO))
        assert taken.status_code == 404

        # Take on, and adopt at once: decision may not have heard the take-on yet.
        taken = await desk.routing.post(f"{routing}/take-on", headers=bearer(KYOIKU))
        assert taken.status_code == 200
        adopt = f"{NAGASAKI}/decisions/{pid}/adopt"
        answers: list[httpx.Response] = []

        async def adopted() -> bool:
            answer = await desk.decision.post(adopt, json={"inputs": {}}, headers=bearer(KYOIKU))
            answers.append(answer)
            return answer.status_code == 200

        await wait_until(adopted, interval=0.02, what="kyoiku's adoption")
        # On a busy machine decision may not even have heard the routing yet: then the
        # proposal is not there for kyoiku (404, as for any it may not see). Once decision
        # knows it was routed there, it says "retry", never who decides, and never 404 again.
        early_codes = [early.status_code for early in answers[:-1]]
        assert early_codes == sorted(early_codes), early_codes  # 404s, then 409s
        for early in answers[:-1]:
            assert early.status_code in (404, 409)
            if early.status_code == 409:
                assert early.headers["Retry-After"] == "1"
                assert "not yet heard that kyoiku took it on" in early.text
        decided = f"{NAGASAKI}/decisions/{pid}"
        assert (await desk.decision.get(decided, headers=bearer(KANKYO))).status_code == 404
        assert (await desk.decision.get(decided, headers=bearer(KYOIKU))).status_code == 200
