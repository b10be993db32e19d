"""The chain links the relays published on Kafka, per service, read back for verification.

Every relay publishes each event with its notification id (`sourceposition`) and its
link in the store's hash chain (`chainlink`), so the topics hold a copy of every service's
chain up to its last published event, outside the database. shared.audit.verify compares
that copy with the store.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence

from aiokafka.structs import ConsumerRecord

from shared.audit.topics import read_to_end
from shared.contract.envelope import MalformedMessage, from_kafka

# service → notification id → the links published with it (None: a copy without one)
PublishedByService = dict[str, dict[int, set[str | None]]]


def published_links(records: Iterable[ConsumerRecord[bytes, bytes]]) -> PublishedByService:
    """Group the records' (sourceposition, chainlink) by the service that published them
    (the CloudEvent's source, /kyoso/<service>)."""
    published: PublishedByService = defaultdict(lambda: defaultdict(set))
    for record in records:
        try:
            meta = from_kafka(record.headers, record.key, record.value or b"").meta
        except MalformedMessage:
            continue  # not a desk's event: the services' dead-letter topics tell why
        if meta.source_position is not None:
            published[meta.service][meta.source_position].add(meta.chain_link)
    return published


async def read_published_links(bootstrap_servers: str, topics: Sequence[str]) -> PublishedByService:
    """Every link now on the topics (read to their end, with no consumer group)."""
    return published_links(await read_to_end(bootstrap_servers, topics))
