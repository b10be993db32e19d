"""Reading whole topics from the beginning to their current end, with no consumer group.

For replay from Kafka: a city that holds only the topics reads them as they are now,
joins nothing and commits nothing.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from aiokafka import AIOKafkaConsumer
from aiokafka.structs import ConsumerRecord

from shared.relay import topic_partitions


async def read_to_end(
    bootstrap_servers: str, topics: Sequence[str], *, timeout: float = 60.0
) -> list[ConsumerRecord[bytes, bytes]]:
    """Every record now on the topics that exist (missing topics hold nothing)."""
    partitions = await topic_partitions(bootstrap_servers, topics)
    if not partitions:
        return []
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap_servers, enable_auto_commit=False)
    await consumer.start()
    records: list[ConsumerRecord[bytes, bytes]] = []
    try:
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        ends = await consumer.end_offsets(partitions)
        remaining = {tp for tp, end in ends.items() if end > 0}
        async with asyncio.timeout(timeout):
            while remaining:
                batches = await consumer.getmany(*remaining, timeout_ms=200)
                for batch in batches.values():
                    records.extend(batch)
                for partition in list(remaining):
                    if await consumer.position(partition) >= ends[partition]:
                        remaining.discard(partition)
        return records
    finally:
        await consumer.stop()
