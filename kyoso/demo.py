"""The rest of the Nagasaki register's way, through the running services' APIs.

Intake submits the seed's 20 proposals on their dates and accepts them (KYOSO_DEMO_DATA);
this takes each one on in its department and decides what the seed says: 提案内容検討中
stays in dialogue, 事業調整中 is adopted, 検討終了 is not implemented. It acts as desk
and department staff with the local tokens, and skips what is already done, so every
`kyoso up` may run it.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import httpx

from services.intake.demo_data import register_rows
from services.routing.directory import directory

NAGASAKI = "/api/v1/municipalities/nagasaki"
EXPLANATION = "検討の結果、今回は実施を見送りました（長崎市の提案受付状況による）。"


def _until(check: Callable[[], Any], timeout: float = 60.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.2)
    raise TimeoutError("the demo data did not get through in time")


def walk_nagasaki_register(urls: dict[str, str], staff_tokens_json: str) -> int:
    tokens = json.loads(staff_tokens_json)
    desk = {
        "Authorization": f"Bearer {next(t['token'] for t in tokens if t['role'] == 'desk' and t['municipality'] == 'nagasaki')}"
    }
    department_tokens = {
        t["department"]: {"Authorization": f"Bearer {t['token']}"}
        for t in tokens
        if t["role"] == "department" and t["municipality"] == "nagasaki"
    }
    by_field = {f: d.code for d in directory("nagasaki").departments for f in d.fields}
    with httpx.Client(timeout=10) as client:
        inbox = client.get(f"{urls['intake']}{NAGASAKI}/desk/proposals", headers=desk).json()
        by_title: dict[str, list[str]] = {}
        for line in inbox:
            by_title.setdefault(line["title"], []).append(line["proposal_id"])
        walked = 0
        for row in register_rows():
            for pid in by_title.get(row["title"], []):
                full = client.get(
                    f"{urls['intake']}{NAGASAKI}/desk/proposals/{pid}", headers=desk
                ).json()
                if full["summary"] != row["summary"]:
                    continue
                _walk(client, urls, pid, row, desk, department_tokens, by_field)
                walked += 1
        return walked


def _walk(
    client: httpx.Client,
    urls: dict[str, str],
    pid: str,
    row: dict[str, Any],
    desk: dict[str, str],
    department_tokens: dict[str, dict[str, str]],
    by_field: dict[str, str],
) -> None:
    routing_url = f"{urls['routing']}{NAGASAKI}/routings/{pid}"

    def routed() -> dict[str, Any] | None:
        response = client.get(routing_url, headers=desk)
        return response.json() if response.status_code == 200 else None

    routing = _until(routed)
    if routing["stage"] == "triage":
        client.post(
            f"{routing_url}/reassign",
            json={"departments": [by_field[row["field"]]], "reason": "窓口が所管を判断"},
            headers=desk,
        )
        routing = _until(routed)
    department = routing["lead_department"]
    headers = department_tokens[department]
    if routing["stage"] == "waiting":
        client.post(f"{routing_url}/take-on", headers=headers)
    if row["status"] == "提案内容検討中":
        return
    decision_url = f"{urls['decision']}{NAGASAKI}/decisions/{pid}"
    if client.get(decision_url, headers=desk).status_code == 200:
        return  # decided on an earlier start

    def decided() -> bool:
        if row["status"] == "事業調整中":
            body: dict[str, Any] = {"inputs": {}, "agreement": "business_agreement"}
            response = client.post(f"{decision_url}/adopt", json=body, headers=headers)
        else:
            body = {"reasons": ["other"], "explanation": EXPLANATION}
            response = client.post(f"{decision_url}/reject", json=body, headers=headers)
        return response.status_code == 200

    _until(decided)
