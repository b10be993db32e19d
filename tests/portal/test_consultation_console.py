"""The desk console records what became of a pre-consultation (事前相談) and links the
proposal that followed: the form on the consultation's page, the link on both pages."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from services.portal.forms import body_of, fields_of
from tests.brokers import Broker, embedded_broker_only
from tests.conftest import AOMORI_DESK, STAFF_TOKENS, bearer
from tests.factories import free_proposal_body
from tests.intake.test_channels import consultation_body
from tests.portal.harness import PUBLIC_BASE, Html, intake_settings_maker, portal_app
from tests.portal.staff import signed_in_cookie
from tests.running import serving
from tests.whole_desk import Desk, running_desk

pytestmark = [pytest.mark.integration, embedded_broker_only()]


@pytest.fixture
async def desk(broker: Broker, tmp_path: Path) -> AsyncIterator[Desk]:
    async with running_desk(
        ("intake", "routing", "publication"),
        tmp_path,
        broker,
        f"sqlite:///{tmp_path / 'intake.sqlite'}",
        intake_settings_maker(tmp_path),
    ) as running:
        yield running


async def accepted(desk: Desk, body: dict[str, Any]) -> dict[str, Any]:
    return await desk.accepted_receipt(body, "aomori", AOMORI_DESK)


async def test_the_desk_records_the_outcome_and_sees_the_link_on_both_pages(
    desk: Desk, tmp_path: Path
) -> None:
    consultation = await accepted(desk, consultation_body())
    proposal = await accepted(desk, free_proposal_body())
    app = portal_app(desk.apps, tmp_path, desk.clock)
    async with serving(app, PUBLIC_BASE) as client:
        staff = next(t for t in STAFF_TOKENS if t["token"] == AOMORI_DESK)
        name, value = signed_in_cookie(app, staff)
        client.cookies.set(name, value)
        path = f"/staff/desk/proposals/{consultation['proposal_id']}"
        shown = Html((await client.get(path)).text)
        assert "事前相談の結果" in shown.text and "結果はまだ記録されていません。" in shown.text
        form_token = shown.form_values()["csrf_token"]

        unchosen = await client.post(f"{path}/consultation", data={"csrf_token": form_token})
        assert unchosen.status_code == 422
        assert Html(unchosen.text).by_id("consultation-outcome-error")

        advised = await client.post(
            f"{path}/consultation",
            data={"csrf_token": form_token, "outcome": "advice_given", "note": "流れを説明"},
        )
        assert advised.status_code == 303
        linked = await client.post(
            f"{path}/consultation",
            data={
                "csrf_token": form_token,
                "outcome": "led_to_proposal",
                "proposal_receipt_number": proposal["receipt_number"],
            },
        )
        assert linked.status_code == 303
        after = Html((await client.get(linked.headers["location"])).text)
        assert "事前相談の結果を記録しました。" in after.text
        assert "助言を行いました — 流れを説明" in after.text
        assert "提案につながりました" in after.text
        follower = f"{PUBLIC_BASE}/staff/desk/proposals/{proposal['proposal_id']}"
        assert follower in after.links()
        assert not after.elements("form") or all(
            "consultation" not in f.get("action", "") for f in after.elements("form")
        )  # ended: no more outcomes

        theirs = Html((await client.get(follower)).text)
        assert "この提案の前の事前相談：" in theirs.text
        assert f"{PUBLIC_BASE}{path}" in theirs.links()
        assert consultation["receipt_number"] in theirs.text

    # The service's own answer, for the record.
    view = await desk.intake.get(
        f"/api/v1/municipalities/aomori/desk/proposals/{proposal['proposal_id']}/consultation",
        headers=bearer(AOMORI_DESK),
    )
    assert view.json()["follows"]["receipt_number"] == consultation["receipt_number"]


async def test_the_proposal_form_asks_for_the_consultation_only_where_one_is_offered(
    desk: Desk, tmp_path: Path
) -> None:
    app = portal_app(desk.apps, tmp_path, desk.clock)
    async with serving(app, PUBLIC_BASE) as client:
        aomori = Html((await client.get("/aomori/propose/free")).text)
        field = aomori.by_id("field-consultation-receipt-number")
        assert field["name"] == "consultation_receipt_number"
        assert "事前相談の受付番号" in aomori.text
        consultation = Html((await client.get("/aomori/propose/pre_consultation")).text)
        assert "事前相談の受付番号" not in consultation.text
        nagasaki = Html((await client.get("/nagasaki/propose/free")).text)
        assert "事前相談の受付番号" not in nagasaki.text  # Nagasaki offers no consultation
    values = {f.name: "" for f in fields_of("free")} | {
        "consultation_receipt_number": "AOM-2025-0001"
    }
    assert body_of("free", values)["consultation_receipt_number"] == "AOM-2025-0001"
    assert "consultation_receipt_number" not in body_of(
        "free", values | {"consultation_receipt_number": ""}
    )
