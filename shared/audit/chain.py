"""The hash chain that makes every stored event tamper-evident.

Each stored event gets one link, written in the same transaction as the event. Links are
numbered 1, 2, 3 … without gaps (the position), and each link is the SHA-256 of the link
before it, its own position, the event's notification id and the event exactly as stored
(aggregate id, version, topic, state bytes). Changing, removing, swapping or inserting a
stored event afterwards therefore breaks the chain at that event, and removing a link to
hide it leaves a gap or breaks the next link.

A plain hash, not a keyed one, so an auditor or another city can check it with no
secret. On its own the chain cannot stop somebody able to rewrite the whole database:
they could recompute every link from the change onwards. So the chain is anchored on
Kafka: the relay publishes every event with its link (the CloudEvent attribute
`chainlink`), and `kyoso verify --against-kafka` compares the links on the topics with
the store's (shared.audit.verify). Since each link covers everything stored before it, a
rewrite of anything up to the last published event is detected, as long as the topics
still hold the records. Events stored after the last published one, and internal events
that are never published, are covered only through the links of events published later.
Cutting events off the end is also caught by the relay's own position.

What remains: records the topics no longer hold (retention, compaction, a broker that
lost them, such as the embedded one on restart) anchor nothing, and a relay that
republishes to an emptied broker publishes the links the store holds at that time.
Somebody who controls the Kafka cluster as well as the database can rewrite both. Copies
of the topics kept elsewhere (another city following them) narrow that.
"""

from __future__ import annotations

import hashlib
import struct
from dataclasses import dataclass
from uuid import UUID

GENESIS = bytes(32)  # what the first link follows

_LENGTH = struct.Struct(">I")
_NUMBERS = struct.Struct(">qq")
_VERSION = struct.Struct(">q")


@dataclass(frozen=True)
class Link:
    position: int
    notification_id: int
    link: bytes


def canonical_originator_id(originator_id: UUID | str) -> str:
    """The same text for an aggregate id whichever database returned it (SQLite keeps
    UUIDs as hex, PostgreSQL as its uuid type)."""
    if isinstance(originator_id, UUID):
        return str(originator_id)
    try:
        return str(UUID(originator_id))
    except ValueError:
        return originator_id


def link_after(
    previous: bytes,
    position: int,
    notification_id: int,
    originator_id: UUID | str,
    originator_version: int,
    topic: str,
    state: bytes,
) -> bytes:
    digest = hashlib.sha256(previous)
    digest.update(_NUMBERS.pack(position, notification_id))
    for part in (
        canonical_originator_id(originator_id).encode(),
        _VERSION.pack(originator_version),
        topic.encode(),
        bytes(state),
    ):
        digest.update(_LENGTH.pack(len(part)))
        digest.update(part)
    return digest.digest()
