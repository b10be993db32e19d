"""The routing process is killed in the middle of 500 proposals and restarted:
each proposal is routed exactly once."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import urllib.request
import uuid
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

import pytest

from services.intake.settings import IntakeSettings
from services.routing.application import RoutingApplication
from services.routing.settings import RoutingSettings
from shared.broker import free_port
from shared.contract import ProposalRouted, from_kafka
from tests.brokers import Broker
from tests.conftest import (
    NAGASAKI_DESK,
    STAFF_TOKENS,
    MovableClock,
    bearer,
    serving_intake,
    wait_until,
)
from tests.factories import free_proposal_body
from tests.kafka import read_topic

pytestmark = pytest.mark.integration

PROPOSALS = 500


def start_routing(env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "kyoso.cli", "service", "routing"], env=env)


def ready(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=1) as response:
            return bool(response.status == 200)
    except OSError:
        return False


async def test_killing_routing_mid_way_routes_each_proposal_exactly_once(
    tmp_path: Path, broker: Broker, make_settings: Callable[..., IntakeSettings]
) -> None:
    prefix = f"t{uuid.uuid4().hex[:12]}"
    routing_store = tmp_path / "routing.sqlite"
    port = free_port()
    env = {
        **os.environ,
        "KYOSO_DATA_DIR": str(tmp_path),
        "KYOSO_DATABASE_URL": f"sqlite:///{routing_store}",
        "KYOSO_KAFKA_BOOTSTRAP_SERVERS": broker.bootstrap_servers,
        "KYOSO_TOPIC_PREFIX": prefix,
        "KYOSO_ROUTING_PORT": str(port),
        "KYOSO_KAFKA_SESSION_TIMEOUT_SECONDS": "2",
        "KYOSO_STAFF_TOKENS": json.dumps(STAFF_TOKENS),
        "KYOSO_LOG_LEVEL": "WARNING",
    }
    intake_settings = make_settings(
        relay_enabled=True,
        kafka_bootstrap_servers=broker.bootstrap_servers,
        topic_prefix=prefix,
        demo_data=False,
    )
    routing_topic = f"{prefix}.routing.proposals"
    routing = start_routing(env)
    try:
        await wait_until(lambda: ready(port), timeout=60, what="routing to be ready")
        async with serving_intake(intake_settings, MovableClock()) as intake:

            async def submit_and_accept_all() -> list[str]:
                ids = []
                for _ in range(PROPOSALS):
                    receipt = await intake.post(
                        "/api/v1/municipalities/nagasaki/proposals", json=free_proposal_body()
                    )
                    pid = receipt.json()["proposal_id"]
                    accepted = await intake.post(
                        f"/api/v1/municipalities/nagasaki/desk/proposals/{pid}/screening",
                        json={"decision": "accept"},
                        headers=bearer(NAGASAKI_DESK),
                    )
                    assert accepted.status_code == 200
                    ids.append(pid)
                return ids

            submitting = asyncio.create_task(submit_and_accept_all())
            at_kill = await read_topic(
                broker.bootstrap_servers, routing_topic, lambda r: len(r) >= 60, timeout=60
            )
            routing.send_signal(signal.SIGKILL)
            routing.wait(timeout=10)
            ids = await submitting
            assert len(at_kill) < PROPOSALS, "routing should have been killed mid-way"

            routing = start_routing(env)
            records = await read_topic(
                broker.bootstrap_servers,
                routing_topic,
                lambda r: len({dict(x.headers)["ce_id"] for x in r}) >= PROPOSALS,
                timeout=120,
            )
    finally:
        routing.send_signal(signal.SIGTERM)
        routing.wait(timeout=30)

    routed: dict[str, set[str]] = defaultdict(set)
    for record in records:
        envelope = from_kafka(record.headers, record.key, record.value)
        assert isinstance(envelope.event, ProposalRouted)
        routed[envelope.meta.subject].add(str(envelope.meta.event_id))
    assert set(routed) == set(ids)
    assert all(len(event_ids) == 1 for event_ids in routed.values())

    # The store agrees: one routing per proposal, no second hop.
    store = RoutingApplication(RoutingSettings(database_url=f"sqlite:///{routing_store}"))
    try:
        for pid in ids:
            hops = [e for e in store.events.get(uuid.UUID(pid)) if type(e).__name__ == "Routed"]
            assert len(hops) == 1, pid
    finally:
        store.close()
