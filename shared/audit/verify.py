"""Checking a store's hash chain: did any stored event change since it was written?

Walks the chain in position order beside the events in notification order and stops at
the first broken link, naming it and saying what it means: an event changed (or two
swapped), an event removed, a link removed, an event inserted behind the desk's back, or
events cut off the end (the relay had already published further than the store now goes).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from eventsourcing.persistence import ApplicationRecorder, Notification, ProcessRecorder

from shared.audit.chain import GENESIS, Link, link_after
from shared.audit.recorders import ChainedRecorder
from shared.relay import RELAY_TRACKING_NAME

PAGE = 5000


class Problem(StrEnum):
    NO_CHAIN = "no-chain"
    CHANGED = "changed"
    REMOVED = "removed"
    LINK_REMOVED = "link-removed"
    REORDERED = "reordered"
    INSERTED = "inserted"
    TRUNCATED = "truncated"


@dataclass(frozen=True)
class BrokenLink:
    problem: Problem
    explanation: str
    position: int | None = None
    notification_id: int | None = None


@dataclass(frozen=True)
class Verification:
    service: str
    events_checked: int
    head: bytes | None  # the last link: equal heads mean equal histories
    broken: BrokenLink | None

    @property
    def intact(self) -> bool:
        return self.broken is None

    def as_json(self) -> dict[str, Any]:
        return {
            "service": self.service,
            "intact": self.intact,
            "events_checked": self.events_checked,
            "head": self.head.hex() if self.head else None,
            "broken": None
            if self.broken is None
            else {
                "problem": self.broken.problem.value,
                "position": self.broken.position,
                "notification_id": self.broken.notification_id,
                "explanation": self.broken.explanation,
            },
        }


def verify_store(service: str, recorder: ApplicationRecorder) -> Verification:
    if not isinstance(recorder, ChainedRecorder) or not recorder.has_chain():
        return Verification(
            service,
            0,
            None,
            BrokenLink(Problem.NO_CHAIN, "this store has no hash chain (start the service once)"),
        )
    events = _events(recorder)
    pending = next(events, None)
    previous, expected_position, last_id, checked = GENESIS, 1, 0, 0

    def broken(problem: Problem, explanation: str, link: Link | None = None) -> Verification:
        return Verification(
            service,
            checked,
            previous if checked else None,
            BrokenLink(
                problem,
                explanation,
                link.position if link else None,
                link.notification_id if link else (pending.id if pending else None),
            ),
        )

    for link in _links(recorder):
        if link.position != expected_position:
            return broken(
                Problem.LINK_REMOVED,
                f"links {expected_position}–{link.position - 1} are missing: "
                "events and their links were removed",
                link,
            )
        if link.notification_id <= last_id:
            return broken(
                Problem.REORDERED,
                f"link {link.position} names event #{link.notification_id} after "
                f"#{last_id}: the history was reordered",
                link,
            )
        if pending is not None and pending.id < link.notification_id:
            return broken(
                Problem.INSERTED,
                f"event #{pending.id} is in no link: it was written outside the desk",
            )
        if pending is None or pending.id != link.notification_id:
            return broken(
                Problem.REMOVED,
                f"event #{link.notification_id} (link {link.position}) is missing: it was removed",
                link,
            )
        expected = link_after(
            previous,
            link.position,
            link.notification_id,
            pending.originator_id,
            pending.originator_version,
            pending.topic,
            pending.state,
        )
        if expected != link.link:
            return broken(
                Problem.CHANGED,
                f"event #{pending.id} ({pending.originator_id} version "
                f"{pending.originator_version}) is not what was written at link "
                f"{link.position}: it was changed or swapped with another",
                link,
            )
        previous, expected_position, last_id, checked = (
            link.link,
            link.position + 1,
            link.notification_id,
            checked + 1,
        )
        pending = next(events, None)

    if pending is not None:
        return broken(
            Problem.INSERTED,
            f"event #{pending.id} is in no link: it was written outside the desk",
        )
    published = _relay_position(recorder)
    if published is not None and published > last_id:
        return broken(
            Problem.TRUNCATED,
            f"the relay already published up to event #{published}, but the store ends "
            f"at #{last_id}: events at the end were removed",
        )
    return Verification(service, checked, previous if checked else None, None)


def _events(recorder: ApplicationRecorder) -> Iterator[Notification]:
    start = 1
    while page := recorder.select_notifications(start=start, limit=PAGE):
        yield from page
        start = page[-1].id + 1


def _links(recorder: ChainedRecorder) -> Iterator[Link]:
    after = 0
    while page := recorder.select_links(after, PAGE):
        yield from page
        after = page[-1].position


def _relay_position(recorder: ApplicationRecorder) -> int | None:
    if isinstance(recorder, ProcessRecorder):
        return recorder.max_tracking_id(RELAY_TRACKING_NAME)
    return None
