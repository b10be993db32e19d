"""What the crash, scaling and broker-loss tests share: many proposals submitted and
screened in through intake's API, routing run as its own process, and the proof that
each proposal was routed exactly once (on the topic and in routing's store)."""

from __future__ import annotations

import subprocess
import sys
import urllib.request
import uuid
from collections import defaultdict
from collections.abc import Callable
from typing import Any

import httpx

from services.routing.application import RoutingApplication
from services.routing.settings import RoutingSettings
from shared.contract import ProposalRouted, from_kafka
from tests.conftest import NAGASAKI_DESK, bearer
from tests.factories import free_proposal_body

NAGASAKI = "/api/v1/municipalities/nagasaki"


async def submit_and_accept(
    intake: httpx.AsyncClient,
    count: int,
    accepted: list[str],
    body: Callable[[int], dict[str, Any]] = lambda number: free_proposal_body(),
) -> list[str]:
    """Submit `count` proposals and screen each in, appending each id to `accepted` as it
    goes (a test watching the list sees the progress); return the list."""
    for number in range(count):
        receipt = await intake.post(f"{NAGASAKI}/proposals", json=body(number))
        assert receipt.status_code == 201, receipt.text
        pid = receipt.json()["proposal_id"]
        screened = await intake.post(
            f"{NAGASAKI}/desk/proposals/{pid}/screening",
            json={"decision": "accept"},
            headers=bearer(NAGASAKI_DESK),
        )
        assert screened.status_code == 200, screened.text
        accepted.append(pid)
    return accepted


def start_routing(env: dict[str, str]) -> subprocess.Popen[bytes]:
    """`kyoso service routing`, as its container runs it."""
    return subprocess.Popen([sys.executable, "-m", "kyoso.cli", "service", "routing"], env=env)


def ready(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=1) as response:
            return bool(response.status == 200)
    except OSError:
        return False


def assert_each_routed_once(records: list[Any], ids: list[str]) -> None:
    """One ProposalRouted per proposal on routing's topic (copies of it allowed)."""
    routed: dict[str, set[str]] = defaultdict(set)
    for record in records:
        envelope = from_kafka(record.headers, record.key, record.value)
        assert isinstance(envelope.event, ProposalRouted)
        routed[envelope.meta.subject].add(str(envelope.meta.event_id))
    assert set(routed) == set(ids)
    doubled = {pid: events for pid, events in routed.items() if len(events) != 1}
    assert not doubled, f"{len(doubled)} proposals routed more than once"


def assert_one_hop_each_in_the_store(database_url: str, ids: list[str]) -> None:
    """Routing's store agrees: one routing per proposal, no second hop."""
    store = RoutingApplication(RoutingSettings(database_url=database_url))
    try:
        for pid in ids:
            hops = [e for e in store.events.get(uuid.UUID(pid)) if type(e).__name__ == "Routed"]
            assert len(hops) == 1, pid
    finally:
        store.close()
