"""The desk's topics on the broker: creating them, listing their partitions, reading them.

Topics are created by their owners with the configured partition count (and by
`deploy/base/create-topics.sh` in production), never by a client's metadata request, and
they keep their records (`retention.ms=-1`): the topics are the anchor of every store's
hash chain and the history other cities subscribe to from the beginning.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError
from aiokafka.structs import ConsumerRecord

DEFAULT_PARTITIONS = 3
TOPIC_CONFIG = {"retention.ms": "-1"}
POSITION_HEADER = "ce_sourceposition"


async def ensure_topics(
    bootstrap_servers: str, topics: Sequence[str], partitions: int = DEFAULT_PARTITIONS
) -> list[str]:
    """Create the topics that do not exist yet; return those it created. Replication 1
    suits the embedded broker; production clusters create their topics up front."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [t for t in topics if t not in existing]
        if missing:
            with contextlib.suppress(TopicAlreadyExistsError):
                await admin.create_topics(
                    [NewTopic(t, partitions, 1, topic_configs=TOPIC_CONFIG) for t in missing]
                )
        return missing
    finally:
        await admin.close()


async def topic_partitions(bootstrap_servers: str, topics: Sequence[str]) -> list[TopicPartition]:
    """Every partition of the given topics that exist (asks the cluster, not a cache)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers)
    await admin.start()
    try:
        described = await admin.describe_topics(list(topics))
    finally:
        await admin.close()
    return [
        TopicPartition(topic["topic"], partition["partition"])
        for topic in described
        if topic["error_code"] == 0
        for partition in sorted(topic["partitions"], key=lambda p: p["partition"])
    ]


async def batches_to_end(
    bootstrap_servers: str, topics: Sequence[str], *, timeout: float = 60.0
) -> AsyncIterator[list[ConsumerRecord[bytes, bytes]]]:
    """Every record now on the topics that exist, batch by batch, to the end each partition
    had when reading began. No consumer group: nothing joined, nothing committed."""
    partitions = await topic_partitions(bootstrap_servers, topics)
    if not partitions:
        return
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap_servers, enable_auto_commit=False)
    await consumer.start()
    try:
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        ends = await consumer.end_offsets(partitions)
        remaining = {tp for tp, end in ends.items() if end > 0}
        async with asyncio.timeout(timeout):
            while remaining:
                batches = await consumer.getmany(*remaining, timeout_ms=200)
                for batch in batches.values():
                    yield batch
                for partition in list(remaining):
                    if await consumer.position(partition) >= ends[partition]:
                        remaining.discard(partition)
    finally:
        await consumer.stop()


async def read_to_end(
    bootstrap_servers: str, topics: Sequence[str], *, timeout: float = 60.0
) -> list[ConsumerRecord[bytes, bytes]]:
    """Every record now on the topics that exist (missing topics hold nothing)."""
    records: list[ConsumerRecord[bytes, bytes]] = []
    async for batch in batches_to_end(bootstrap_servers, topics, timeout=timeout):
        records.extend(batch)
    return records


@dataclass
class Holdings:
    """Which of a store's events the topics hold, by notification id (`sourceposition`)."""

    positions: set[int] = field(default_factory=set)
    # Per partition whose first record is gone (retention set by the city, or compaction):
    # the oldest position still there. Events older than that are not expected back.
    trimmed_from: dict[TopicPartition, int] = field(default_factory=dict)

    def expects(self, notification_id: int) -> bool:
        """Whether a published event with this id should still be on the topics."""
        return not self.trimmed_from or notification_id >= max(self.trimmed_from.values())


async def holdings(
    bootstrap_servers: str, topics: Sequence[str], *, timeout: float = 300.0
) -> Holdings:
    """Read the topics to their end and note every source position they carry."""
    held = Holdings()
    first_offset: dict[TopicPartition, int] = {}
    oldest: dict[TopicPartition, int] = {}
    async for batch in batches_to_end(bootstrap_servers, topics, timeout=timeout):
        for record in batch:
            partition = TopicPartition(record.topic, record.partition)
            first_offset.setdefault(partition, record.offset)
            value = dict(record.headers or ()).get(POSITION_HEADER)
            if value is None:
                continue
            position = int(value)
            held.positions.add(position)
            oldest[partition] = min(oldest.get(partition, position), position)
    held.trimmed_from = {
        partition: oldest[partition]
        for partition, offset in first_offset.items()
        if offset > 0 and partition in oldest
    }
    return held
