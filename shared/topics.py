"""The desk's topics on the broker: creating them, listing their partitions, reading them.

Topics are created by their owners with the configured partition count (and by
`deploy/base/kafka-init.sh` in production), never by a client's metadata request, and
they keep their records (`retention.ms=-1`): the topics are the anchor of every store's
hash chain and the history other cities subscribe to from the beginning.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
import time
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError, for_code
from aiokafka.protocol.metadata import MetadataRequest
from aiokafka.structs import ConsumerRecord

from shared.kafka_security import KafkaClientSettings, client_options

log = logging.getLogger(__name__)


def _never_create_topics_by_asking() -> None:
    """aiokafka's metadata requests (producer, consumer, admin alike) ask the broker to
    create every topic they name. A broker that allows it (the embedded one always does)
    then makes a topic that lost its data anew with its own partition count, before the
    topic's owner can (seen: 4 partitions instead of 3, one never read). The desk's
    clients only ask; `ensure_topics` creates. aiokafka has no setting for this, so the
    request's default is changed here, once, for every client in the process."""
    signature = inspect.signature(MetadataRequest.__init__)
    assert list(signature.parameters) == ["self", "topics", "allow_auto_topic_creation"], (
        f"aiokafka's MetadataRequest changed: {signature}"
    )
    MetadataRequest.__init__.__defaults__ = (None, False)


_never_create_topics_by_asking()

DEFAULT_PARTITIONS = 3
TOPIC_CONFIG = {"retention.ms": "-1"}
POSITION_HEADER = "ce_sourceposition"


async def ensure_topics(
    bootstrap_servers: str,
    topics: Sequence[str],
    partitions: int = DEFAULT_PARTITIONS,
    *,
    security: KafkaClientSettings | None = None,
) -> list[str]:
    """Create the topics that do not exist yet; return those it created. Replication 1
    suits the embedded broker; production clusters create their topics up front."""
    admin = AIOKafkaAdminClient(**client_options(bootstrap_servers, security))
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [t for t in topics if t not in existing]
        if missing:
            with contextlib.suppress(TopicAlreadyExistsError):
                response = await admin.create_topics(
                    [NewTopic(t, partitions, 1, topic_configs=TOPIC_CONFIG) for t in missing]
                )
                # The broker answers per topic, and aiokafka raises none of it: a topic the
                # client may not create (no CREATE ACL) must not pass for created.
                for topic, code, *_ in response.topic_errors:
                    refusal = for_code(code) if code else None
                    if refusal is not None and refusal is not TopicAlreadyExistsError:
                        raise refusal(f"could not create {topic}")
        return missing
    finally:
        await admin.close()


async def topic_partitions(
    bootstrap_servers: str, topics: Sequence[str], *, security: KafkaClientSettings | None = None
) -> list[TopicPartition]:
    """Every partition of the given topics that exist (asks the cluster, not a cache)."""
    admin = AIOKafkaAdminClient(**client_options(bootstrap_servers, security))
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
    bootstrap_servers: str,
    topics: Sequence[str],
    *,
    timeout: float = 60.0,
    stalled_after: float = 10.0,
    stalled: set[TopicPartition] | None = None,
    security: KafkaClientSettings | None = None,
) -> AsyncIterator[list[ConsumerRecord[bytes, bytes]]]:
    """Every record now on the topics that exist, batch by batch, to the end each partition
    had when reading began. No consumer group: nothing joined, nothing committed. A
    partition that gives nothing for `stalled_after` seconds short of its end is left
    there, with a warning, and added to `stalled` (the embedded broker can report an end
    it does not serve)."""
    partitions = await topic_partitions(bootstrap_servers, topics, security=security)
    if not partitions:
        return
    consumer = AIOKafkaConsumer(
        **client_options(bootstrap_servers, security), enable_auto_commit=False
    )
    await consumer.start()
    try:
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        ends = await consumer.end_offsets(partitions)
        remaining = {tp for tp, end in ends.items() if end > 0}
        progressed = dict.fromkeys(remaining, time.monotonic())
        async with asyncio.timeout(timeout):
            while remaining:
                batches = await consumer.getmany(*remaining, timeout_ms=200)
                for partition, batch in batches.items():
                    progressed[partition] = time.monotonic()
                    yield batch
                for partition in list(remaining):
                    position = await consumer.position(partition)
                    if position >= ends[partition]:
                        remaining.discard(partition)
                        if stalled is not None:
                            stalled.add(partition)
                    elif time.monotonic() - progressed[partition] > stalled_after:
                        log.warning(
                            "%s[%d] gives nothing at offset %d, short of its end %d: left there",
                            partition.topic,
                            partition.partition,
                            position,
                            ends[partition],
                        )
                        remaining.discard(partition)
                        if stalled is not None:
                            stalled.add(partition)
    finally:
        await consumer.stop()


async def read_to_end(
    bootstrap_servers: str,
    topics: Sequence[str],
    *,
    timeout: float = 60.0,
    security: KafkaClientSettings | None = None,
) -> list[ConsumerRecord[bytes, bytes]]:
    """Every record now on the topics that exist (missing topics hold nothing)."""
    records: list[ConsumerRecord[bytes, bytes]] = []
    async for batch in batches_to_end(
        bootstrap_servers, topics, timeout=timeout, security=security
    ):
        records.extend(batch)
    return records


@dataclass
class Holdings:
    """Which of a store's events the topics hold, by notification id (`sourceposition`)."""

    positions: set[int] = field(default_factory=set)
    # Topics that claim records they do not serve and of which nothing could be read: the
    # embedded broker, given a record for a topic it no longer has, stores it where no
    # one can read it and fails later writes there (seen after a restart).
    unservable: set[str] = field(default_factory=set)
    # Per partition whose first record is gone (retention set by the city, or compaction):
    # the oldest position still there. Events older than that are not expected back.
    trimmed_from: dict[TopicPartition, int] = field(default_factory=dict)

    def expects(self, notification_id: int) -> bool:
        """Whether a published event with this id should still be on the topics."""
        return not self.trimmed_from or notification_id >= max(self.trimmed_from.values())


async def holdings(
    bootstrap_servers: str,
    topics: Sequence[str],
    *,
    timeout: float = 300.0,
    security: KafkaClientSettings | None = None,
) -> Holdings:
    """Read the topics to their end and note every source position they carry."""
    held = Holdings()
    first_offset: dict[TopicPartition, int] = {}
    oldest: dict[TopicPartition, int] = {}
    stalled: set[TopicPartition] = set()
    read_from: set[str] = set()
    async for batch in batches_to_end(
        bootstrap_servers, topics, timeout=timeout, stalled=stalled, security=security
    ):
        for record in batch:
            read_from.add(record.topic)
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
    held.unservable = {p.topic for p in stalled if p.topic not in read_from}
    return held


async def recreate_topics(
    bootstrap_servers: str,
    topics: Sequence[str],
    partitions: int,
    timeout: float = 30.0,
    *,
    security: KafkaClientSettings | None = None,
) -> None:
    """Delete the topics and create them again, empty, with `partitions` partitions."""
    admin = AIOKafkaAdminClient(**client_options(bootstrap_servers, security))
    await admin.start()
    try:
        await admin.delete_topics(list(topics))
        async with asyncio.timeout(timeout):
            while set(topics) & set(await admin.list_topics()):
                await asyncio.sleep(0.1)
    finally:
        await admin.close()
    await ensure_topics(bootstrap_servers, topics, partitions, security=security)
