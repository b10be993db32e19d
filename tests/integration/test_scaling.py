"""How a city scales a service: two routing processes in one consumer group share the
partitions of intake's topic on Apache Kafka, over one PostgreSQL store, and one of their
relays publishes while the other stands by. One instance is killed -9 in the middle of
400 proposals; the other takes over its partitions (and the publishing, if it was the
killed one's), and every proposal is routed exactly once."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import urllib.request
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.coordinator.protocol import ConsumerProtocolMemberAssignment

from services.intake.settings import IntakeSettings
from shared.broker import free_port
from tests.brokers import Broker, apache_kafka_only
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

PROPOSALS = 400
KILL_AFTER = 100


def start_instance(env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    return start_routing({**env, "KYOSO_ROUTING_PORT": str(port)})


def standing_by(port: int) -> float:
    """The instance's kyoso_relay_standing_by gauge, from its /metrics."""
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
        for line in response.read().decode().splitlines():
            if line.startswith('kyoso_relay_standing_by{service="routing"}'):
                return float(line.rsplit(" ", 1)[1])
    raise AssertionError("kyoso_relay_standing_by is not on /metrics")


async def group_members(bootstrap_servers: str, group: str) -> list[set[tuple[str, int]]]:
    """The partitions each member of the consumer group holds now."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers)
    await admin.start()
    try:
        (response,) = await admin.describe_consumer_groups([group])
    finally:
        await admin.close()
    # DescribeGroups v2: groups of (error, id, state, protocol type, protocol, members),
    # members of (id, client id, host, metadata, assignment).
    ((_, _, _, _, _, members),) = response.groups
    held = []
    for *_, assignment_bytes in members:
        assignment = ConsumerProtocolMemberAssignment.decode(assignment_bytes)
        held.append({(topic, p) for topic, partitions in assignment.assignment for p in partitions})
    return held


@apache_kafka_only()
async def test_two_routing_instances_share_the_work_and_one_killed_loses_nothing(
    tmp_path: Path,
    broker: Broker,
    postgres_url: str,
    make_settings: Callable[..., IntakeSettings],
) -> None:
    prefix = f"t{uuid.uuid4().hex[:12]}"
    env = {
        **os.environ,
        "KYOSO_DATA_DIR": str(tmp_path),
        "KYOSO_DATABASE_URL": postgres_url,
        "KYOSO_KAFKA_BOOTSTRAP_SERVERS": broker.bootstrap_servers,
        "KYOSO_TOPIC_PREFIX": prefix,
        "KYOSO_KAFKA_SESSION_TIMEOUT_SECONDS": "2",
        "KYOSO_STAFF_TOKENS": json.dumps(STAFF_TOKENS),
        "KYOSO_LOG_LEVEL": "WARNING",
    }
    intake_settings = make_settings(
        relay_enabled=True,
        kafka_bootstrap_servers=broker.bootstrap_servers,
        topic_prefix=prefix,
    )
    routing_topic = f"{prefix}.routing.proposals"
    ports = [free_port(), free_port()]
    instances = [start_instance(env, port) for port in ports]
    try:
        await wait_until(
            lambda: all(ready(port) for port in ports), timeout=90, what="both instances ready"
        )

        async def sharing() -> list[set[tuple[str, int]]] | None:
            members = await group_members(broker.bootstrap_servers, f"{prefix}-routing")
            return members if len(members) == 2 and all(members) else None

        shared_out = await wait_until(sharing, timeout=60, what="both instances to hold partitions")
        # One relay publishes routing's log, the other stands by (shared.relay_lease).
        assert sorted(standing_by(port) for port in ports) == [0.0, 1.0]
        publisher = [standing_by(port) for port in ports].index(0.0)
        survivor = 1 - publisher

        async with serving_intake(intake_settings, MovableClock()) as intake:
            ids: list[str] = []
            submitting = asyncio.create_task(submit_and_accept(intake, PROPOSALS, ids))
            await read_topic(
                broker.bootstrap_servers,
                routing_topic,
                lambda r: len(r) >= KILL_AFTER,
                timeout=90,
            )
            # The instance that publishes goes: its partitions and its log move over.
            instances[publisher].send_signal(signal.SIGKILL)
            instances[publisher].wait(timeout=10)
            await submitting

            async def survivor_holds_everything() -> bool:
                members = await group_members(broker.bootstrap_servers, f"{prefix}-routing")
                return len(members) == 1 and members[0] >= shared_out[0] | shared_out[1]

            await wait_until(
                survivor_holds_everything, timeout=60, what="the survivor to take over"
            )
            await wait_until(
                lambda: standing_by(ports[survivor]) == 0.0,
                timeout=30,
                what="the survivor's relay to take over publishing",
            )
            records = await read_topic(
                broker.bootstrap_servers,
                routing_topic,
                lambda r: len({dict(x.headers)["ce_subject"] for x in r}) >= PROPOSALS,
                timeout=120,
            )
    finally:
        for instance in instances:
            if instance.poll() is None:
                instance.send_signal(signal.SIGTERM)
                instance.wait(timeout=30)

    assert_each_routed_once(records, ids)
    assert_one_hop_each_in_the_store(postgres_url, ids)
