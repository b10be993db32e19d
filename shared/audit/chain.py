"""The hash chain that makes every stored event tamper-evident.

Each stored event gets one link, written in the same transaction as the event. Links are
numbered 1, 2, 3 … without gaps (the position), and each link is the SHA-256 of the link
before it, its own position, the event's notification id and the event exactly as stored
(aggregate id, version, topic, state bytes). Changing, removing, swapping or inserting a
stored event afterwards therefore breaks the chain at that event, and removing a link to
hide it leaves a gap or breaks the next link.

A plain hash, not a keyed one, so an auditor or another city can check it with no
secret. Its limit: somebody able to rewrite the whole database could recompute every
link from the change onwards. Cutting events off the end is caught by the relay's own
position (shared.audit.verify); anchoring the chain's head outside the database (on the
published topics) is the next step, recorded in issue 6's note.
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
