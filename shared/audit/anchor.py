"""The chain links the relays published on Kafka, per service, read back for verification.

Every relay publishes each event with its notification id (`sourceposition`) and its
link in the store's hash chain (`chainlink`), so the topics hold a copy of every service's
chain up to its last published event, outside the database. shared.audit.verify compares
that copy with the store.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from aiokafka.structs import ConsumerRecord

from shared.contract.envelope import MalformedMessage, from_kafka
from shared.kafka_security import KafkaClientSettings
from shared.topics import read_to_end


@dataclass
class Published:
    """What one service published: per notification id (the CloudEvent's sourceposition),
    the links published with it (None: a copy without one); and the records on its
    topics that are not readable as desk events, which anchor nothing. An auditor is told
    of them: a record damaged on the topic could be the copy of a rewritten event."""

    links: dict[int, set[str | None]] = field(default_factory=lambda: defaultdict(set))
    unreadable: list[str] = field(default_factory=list)  # "topic[partition]@offset: why"


PublishedByService = dict[str, Published]


def published_links(
    records: Iterable[ConsumerRecord[bytes, bytes]], service_of_topic: Mapping[str, str]
) -> PublishedByService:
    """Group the records' (sourceposition, chainlink) by the service that published them
    (the CloudEvent's source, /kyoso/<service>); a record that is not a desk event counts
    against the service whose topic holds it."""
    published: PublishedByService = defaultdict(Published)
    for record in records:
        try:
            meta = from_kafka(record.headers, record.key, record.value or b"").meta
        except MalformedMessage as why:
            where = f"{record.topic}[{record.partition}]@{record.offset}"
            published[service_of_topic[record.topic]].unreadable.append(f"{where}: {why}")
            continue
        if meta.source_position is not None:
            published[meta.service].links[meta.source_position].add(meta.chain_link)
    return published


async def read_published_links(
    bootstrap_servers: str,
    topics_of_service: Mapping[str, Sequence[str]],
    security: KafkaClientSettings | None = None,
) -> PublishedByService:
    """Every link now on the services' topics (read to their end, no consumer group)."""
    service_of_topic = {
        topic: service for service, topics in topics_of_service.items() for topic in topics
    }
    records = await read_to_end(bootstrap_servers, list(service_of_topic), security=security)
    return published_links(records, service_of_topic)
