"""Reading topics the way any other city would: a plain aiokafka consumer."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from aiokafka import AIOKafkaConsumer
from aiokafka.structs import ConsumerRecord

from shared.topics import topic_partitions


async def read_topic(
    bootstrap_servers: str,
    topic: str,
    until: Callable[[list[ConsumerRecord[bytes, bytes]]], bool],
    *,
    timeout: float = 30.0,
) -> list[ConsumerRecord[bytes, bytes]]:
    """Read every partition of `topic` from the beginning until `until(records)` holds,
    or fail at the deadline. No consumer group: nothing to join, nothing committed."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap_servers, enable_auto_commit=False)
    await consumer.start()
    records: list[ConsumerRecord[bytes, bytes]] = []
    try:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        assigned = await topic_partitions(bootstrap_servers, [topic])
        while not assigned:
            if loop.time() > deadline:
                raise AssertionError(f"topic {topic} does not exist after {timeout}s")
            await asyncio.sleep(0.1)
            assigned = await topic_partitions(bootstrap_servers, [topic])
        consumer.assign(assigned)
        await consumer.seek_to_beginning(*assigned)
        while not until(records):
            if loop.time() > deadline:
                raise AssertionError(f"{topic}: only {len(records)} records after {timeout}s")
            batches = await consumer.getmany(timeout_ms=200)
            for batch in batches.values():
                records.extend(batch)
        return records
    finally:
        await consumer.stop()
