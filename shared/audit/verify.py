"""Checking a store's hash chain: did any stored event change since it was written?

Walks the chain in position order beside the events in notification order and stops at
the first broken link, naming it and saying what it means: an event changed (or two
swapped), an event removed, a link removed, an event inserted behind the desk's back, or
events cut off the end (the relay had already published further than the store now goes).

Against Kafka (`kyoso verify --against-kafka`), it also compares the links the relay
published with each event (the CloudEvent attribute `chainlink`) with the store's links at
those notification ids. The topics are a copy of the chain outside the database, so a
history rewritten after it was published, links recomputed and all, no longer matches.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence, Set
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from eventsourcing.persistence import ApplicationRecorder, Notification, ProcessRecorder

from shared.audit.anchor import Published
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
    REWRITTEN = "rewritten"


# Per notification id (the CloudEvent's sourceposition), the chain links published with
# it. A republished event appears more than once; None stands for a copy published before
# the relay carried links.
PublishedLinks = Mapping[int, Set[str | None]]


@dataclass(frozen=True)
class BrokenLink:
    problem: Problem
    explanation: str
    position: int | None = None
    notification_id: int | None = None


@dataclass(frozen=True)
class AnchorCheck:
    """The store's links compared with those published on Kafka."""

    anchored: int  # published events whose links were compared with the store's
    not_anchored: int  # published events without a link (from before the anchor)
    last_anchored: int | None  # the highest notification id among them
    rewritten: BrokenLink | None  # the first published link the store no longer holds
    unreadable: Sequence[str] = ()  # records on the topics that are not desk events

    def as_json(self) -> dict[str, Any]:
        return {
            "anchored": self.anchored,
            "not_anchored": self.not_anchored,
            "last_anchored": self.last_anchored,
            "rewritten": None if self.rewritten is None else _broken_json(self.rewritten),
            "unreadable": list(self.unreadable),
        }


@dataclass(frozen=True)
class Verification:
    service: str
    events_checked: int
    head: bytes | None  # the last link: equal heads mean equal histories
    broken: BrokenLink | None  # the chain's first broken link, else a published one
    anchor: AnchorCheck | None = None  # only when compared with Kafka

    @property
    def intact(self) -> bool:
        return self.broken is None

    def as_json(self) -> dict[str, Any]:
        return {
            "service": self.service,
            "intact": self.intact,
            "events_checked": self.events_checked,
            "head": self.head.hex() if self.head else None,
            "broken": None if self.broken is None else _broken_json(self.broken),
            **({} if self.anchor is None else {"anchor": self.anchor.as_json()}),
        }


def _broken_json(broken: BrokenLink) -> dict[str, Any]:
    return {
        "problem": broken.problem.value,
        "position": broken.position,
        "notification_id": broken.notification_id,
        "explanation": broken.explanation,
    }


def verify_store(
    service: str, recorder: ApplicationRecorder, published: Published | None = None
) -> Verification:
    """The chain's verdict and, given what the topics hold, the anchor's. The chain's own
    first broken link comes first; a rewrite only the topics reveal is named otherwise."""
    chain = verify_chain(service, recorder)
    no_chain = chain.broken is not None and chain.broken.problem is Problem.NO_CHAIN
    if published is None or no_chain or not isinstance(recorder, ChainedRecorder):
        return chain  # nothing to compare (NO_CHAIN already says so)
    anchor = check_anchor(recorder, published.links, published.unreadable)
    return Verification(
        service, chain.events_checked, chain.head, chain.broken or anchor.rewritten, anchor
    )


def check_anchor(
    recorder: ChainedRecorder, published: PublishedLinks, unreadable: Sequence[str] = ()
) -> AnchorCheck:
    # Events published before the relay carried links have none: not anchored, not broken.
    anchored = sorted(nid for nid, links in published.items() if links - {None})
    stored = recorder.links_for(anchored)
    return AnchorCheck(
        anchored=len(anchored),
        not_anchored=len(published) - len(anchored),
        last_anchored=anchored[-1] if anchored else None,
        rewritten=_first_rewritten(anchored, published, stored),
        unreadable=tuple(unreadable),
    )


def _first_rewritten(
    anchored: list[int], published: PublishedLinks, stored: Mapping[int, str]
) -> BrokenLink | None:
    """The first published event whose link the store no longer holds. Every copy counts:
    a copy republished after a rewrite carries the new link, the first copy the old."""
    last_good = 0
    for notification_id in anchored:
        link = stored.get(notification_id)
        if published[notification_id] - {None, link}:
            return _rewritten(notification_id, last_good, removed=link is None)
        last_good = notification_id
    return None


def _rewritten(notification_id: int, last_good: int, *, removed: bool) -> BrokenLink:
    since = f"after event #{last_good}" if last_good else "from the start"
    if removed:
        explanation = (
            f"event #{notification_id} was published with its link, but the store no "
            f"longer holds it: the history {since} was rewritten after it was published "
            "(the event removed and the chain recomputed)"
        )
    else:
        explanation = (
            f"event #{notification_id} was published with another link than the store "
            f"now holds: the history {since} up to event #{notification_id} was rewritten "
            "after it was published (and the chain recomputed)"
        )
    return BrokenLink(Problem.REWRITTEN, explanation, notification_id=notification_id)


def verify_chain(service: str, recorder: ApplicationRecorder) -> Verification:
    if not isinstance(recorder, ChainedRecorder) or not recorder.has_chain():
        return Verification(
            service,
            0,
            None,
            BrokenLink(Problem.NO_CHAIN, "this store has no hash chain (start the service once)"),
        )
    # A running desk keeps writing while this reads, so fix the end first and check the
    # history up to there: the relay's position first (it only publishes stored events),
    # then the chain's last link with the last event, read together (an event and its
    # link commit together), so a write after that is neither checked nor missed.
    published = _relay_position(recorder)
    last_position, end = recorder.history_end()
    events = _events(recorder, end)
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
        if link.position > last_position:
            break  # written after verify began
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
    if published is not None and published > last_id:
        return broken(
            Problem.TRUNCATED,
            f"the relay already published up to event #{published}, but the store ends "
            f"at #{last_id}: events at the end were removed",
        )
    return Verification(service, checked, previous if checked else None, None)


def _events(recorder: ApplicationRecorder, end: int) -> Iterator[Notification]:
    start = 1
    while start <= end and (
        page := recorder.select_notifications(start=start, limit=PAGE, stop=end)
    ):
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
