"""The routing process is killed in the middle of 500 proposals and restarted:
each proposal is routed exactly once."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest

from services.intake.settings import IntakeSettings
from shared.broker import free_port
from tests.brokers import Broker
from tests.conftest import (
    STAFF_TOKENS,
    MovableClock,
    serving_intake,
    wait_until,
)
from tests.kafka import read_topic
from tests.routing_load import (
    assert_each_routed_once,
    assert_one_hop_each_in_the_store,
    ready,
    start_routing,
    submit_and_accept,
)

pytestmark = pytest.mark.integration

PROPOSALS = 500


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
            ids: list[str] = []
            submitting = asyncio.create_task(submit_and_accept(intake, PROPOSALS, ids))
            at_kill = await read_topic(
                broker.bootstrap_servers, routing_topic, lambda r: len(r) >= 60, timeout=60
            )
            routing.send_signal(signal.SIGKILL)
            routing.wait(timeout=10)
            await submitting
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

    assert_each_routed_once(records, ids)
    assert_one_hop_each_in_the_store(f"sqlite:///{routing_store}", ids)
