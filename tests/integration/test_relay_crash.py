"""The relay is killed mid-way through 1,000 submissions and restarted: nothing is lost.

The relay runs as its own process (`kyoso relay intake`, as a container would run it),
so the kill is a real SIGKILL, not a polite stop.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import uuid
from collections import defaultdict
from collections.abc import Callable

import httpx
import pytest
from aiokafka.structs import ConsumerRecord

from services.intake.settings import IntakeSettings
from shared.contract import from_kafka
from tests.brokers import Broker
from tests.conftest import NAGASAKI_DESK, MovableClock, bearer, start_intake
from tests.factories import free_proposal_body
from tests.kafka import read_topic

pytestmark = pytest.mark.integration

PROPOSALS = 1000


def start_relay(settings: IntakeSettings) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "KYOSO_DATA_DIR": str(settings.data_dir),
        "KYOSO_DATABASE_URL": settings.database_url,
        "KYOSO_KAFKA_BOOTSTRAP_SERVERS": settings.kafka_bootstrap_servers,
        "KYOSO_TOPIC_PREFIX": settings.topic_prefix,
        "KYOSO_SECRET_KEY": settings.secret_key,
        "KYOSO_RELAY_BATCH_SIZE": "25",  # small batches, so the kill lands mid-way
        "KYOSO_RELAY_POLL_INTERVAL_SECONDS": "0.05",
    }
    return subprocess.Popen([sys.executable, "-m", "kyoso.cli", "relay", "intake"], env=env)


async def test_killing_the_relay_mid_way_loses_nothing_and_keeps_each_proposal_in_order(
    make_settings: Callable[..., IntakeSettings],
    broker: Broker,
    database_url: str,
    clock: MovableClock,
) -> None:
    settings = make_settings(
        database_url=database_url,
        kafka_bootstrap_servers=broker.bootstrap_servers,
        topic_prefix=f"t{uuid.uuid4().hex[:12]}",
        demo_data=False,
    )
    topic = settings.topic("intake", "proposals")
    app, lifespan = await start_intake(settings, clock)  # the API, without a relay inside
    relay = start_relay(settings)
    try:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://t"
        ) as client:

            async def submit_all() -> list[str]:
                ids = []
                for _ in range(PROPOSALS):
                    response = await client.post(
                        "/api/v1/municipalities/nagasaki/proposals", json=free_proposal_body()
                    )
                    assert response.status_code == 201
                    ids.append(response.json()["proposal_id"])
                return ids

            submitting = asyncio.create_task(submit_all())
            seen_at_kill = await read_topic(
                broker.bootstrap_servers, topic, lambda r: len(r) >= 150, timeout=60
            )
            relay.send_signal(signal.SIGKILL)
            relay.wait(timeout=10)
            ids = await submitting
            assert len(seen_at_kill) < PROPOSALS, "the relay should have been killed mid-way"

            # More events after the crash: the desk accepts every other proposal.
            for pid in ids[::2]:
                accepted = await client.post(
                    f"/api/v1/municipalities/nagasaki/desk/proposals/{pid}/screening",
                    json={"decision": "accept"},
                    headers=bearer(NAGASAKI_DESK),
                )
                assert accepted.status_code == 200

        relay = start_relay(settings)
        expected = PROPOSALS + len(ids[::2])

        def all_there(records: list[ConsumerRecord[bytes, bytes]]) -> bool:
            return len({dict(r.headers)["ce_id"] for r in records}) >= expected

        records = await read_topic(broker.bootstrap_servers, topic, all_there, timeout=120)
    finally:
        relay.send_signal(signal.SIGTERM)
        relay.wait(timeout=15)
        await lifespan.__aexit__(None, None, None)

    events = [
        from_kafka(r.headers, r.key, r.value) for r in records
    ]  # every one a valid CloudEvent
    by_proposal: dict[str, list[int]] = defaultdict(list)
    first_copy: dict[str, bytes] = {}
    for record, envelope in zip(records, events, strict=True):
        assert record.key == envelope.meta.subject.encode()
        event_id = str(envelope.meta.event_id)
        if event_id in first_copy:
            assert first_copy[event_id] == record.value, "a republished copy must be identical"
            continue
        first_copy[event_id] = record.value
        by_proposal[envelope.meta.subject].append(envelope.meta.sequence)
    assert set(by_proposal) == set(ids)
    for index, pid in enumerate(ids):
        assert by_proposal[pid] == ([1, 2] if index % 2 == 0 else [1]), pid
