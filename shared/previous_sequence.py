"""Which of a subject's events a service published before this one (`previoussequence`).

A relay publishes a subject's events in the order of its store's log, but not every
stored event leaves the service (what it heard, its bookkeeping). So the relay says, with
each event, the `sequence` of the subject's event it published before it (0 for the
first), and a consumer applies an event only when it has applied that one
(shared.consumer): a gap is seen as a gap, and a forged far sequence has nothing to hide.

The answer is a function of the store alone, so a republished copy carries the same.
The relay walks its log in order, so it remembers, per aggregate, the last version it
walked and the latest version up to it that is published: the next version's answer
needs no query. Any other version (after a restart, past the memory's bound, when only
some events are republished, or a batch sent again) is looked up in the store. What is
remembered is a fact about the store, true whoever published what, so the live path,
a republish and a refill can share it.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from eventsourcing.application import Application

# Whether a stored domain event is published (the relay's translation of it is not None).
IsPublished = Callable[[Any], bool]

REMEMBERED_AGGREGATES = 100_000


@dataclass
class _Walked:
    version: int  # every event of the aggregate up to this version has been seen, in order
    last_published: int  # the latest of them that was published (0: none)


class PreviousSequences:
    def __init__(
        self,
        app: Application[Any],
        is_published: IsPublished,
        remembered: int = REMEMBERED_AGGREGATES,
    ) -> None:
        self.app = app
        self.is_published = is_published
        self.remembered = remembered
        self._walked: OrderedDict[UUID | str, _Walked] = OrderedDict()
        # A republish may walk the log in one worker thread while the live path walks it
        # in another.
        self._lock = threading.Lock()

    def step(self, originator_id: UUID | str, version: int, published: bool) -> int:
        """Note the aggregate's event `version` and whether it is published; return the
        version published before it (0: none)."""
        with self._lock:
            walked = self._walked.pop(originator_id, None)
            if walked is not None and walked.version == version - 1:
                previous = walked.last_published
            elif version == 1:
                previous = 0
            else:
                previous = self.looked_up(originator_id, version)
            self._walked[originator_id] = _Walked(version, version if published else previous)
            if len(self._walked) > self.remembered:
                self._walked.popitem(last=False)
            return previous

    def looked_up(self, originator_id: UUID | str, version: int) -> int:
        """The latest version before `version` that the service publishes, from the store."""
        for stored in self.app.recorder.select_events(originator_id, lte=version - 1, desc=True):
            if self.is_published(self.app.mapper.to_domain_event(stored)):
                return stored.originator_version
        return 0
