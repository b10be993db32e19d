"""The relay: from a service's notification log to Kafka, with no dual writes (DESIGN.md §2).

A service records its events in its own store first. The relay reads the store's
notification log in order, translates each stored domain event into an integration event
(or skips it, for a service's internal aggregates), publishes a batch with acks=all and
only then records how far it got, as an eventsourcing tracking record in the same store.
A crash anywhere loses nothing; at worst a batch is published twice, and consumers
recognise the copies (DESIGN.md §3).

When the broker has lost messages (the embedded broker keeps them in memory only), the
relay notices at start-up that the newest position on the topics is behind its own and
republishes the whole log.

Every event goes out with its link in the store's hash chain (the CloudEvent attribute
`chainlink`, shared.audit.chain), looked up once per batch: the topics then hold a copy
of the chain outside the database, which `kyoso verify --against-kafka` compares with the
store. A store without a chain publishes its events without the attribute.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError
from eventsourcing.application import Application
from eventsourcing.persistence import Notification, ProcessRecorder, Tracking
from prometheus_client import Counter, Gauge

from shared.application import ServiceApplication
from shared.audit.recorders import ChainedRecorder
from shared.contract.envelope import Envelope, to_kafka
from shared.settings import CommonSettings

log = logging.getLogger(__name__)

RELAY_TRACKING_NAME = "kafka-relay"
POSITION_HEADER = "ce_sourceposition"

PUBLISHED = Counter("kyoso_relay_published_total", "Events published to Kafka", ["service"])
POSITION = Gauge("kyoso_relay_position", "Last notification id published", ["service"])


@dataclass(frozen=True)
class Outgoing:
    topic: str
    envelope: Envelope


# Given one stored domain event and its notification id, what (if anything) to publish.
Translator = Callable[[Any, int], Outgoing | None]


def to_one_topic(
    topic: str, to_envelope: Callable[[Any, int | None], Envelope | None]
) -> Translator:
    """The translator of a service that publishes everything it publishes on one topic."""

    def translate(domain_event: Any, notification_id: int) -> Outgoing | None:
        envelope = to_envelope(domain_event, notification_id)
        return None if envelope is None else Outgoing(topic=topic, envelope=envelope)

    return translate


async def ensure_topics(bootstrap_servers: str, topics: Sequence[str], partitions: int = 3) -> None:
    """Create the topics if they do not exist yet (replication 1 suits the embedded broker;
    production clusters create their topics up front, see deploy/)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [NewTopic(t, partitions, 1) for t in topics if t not in existing]
        if missing:
            with contextlib.suppress(TopicAlreadyExistsError):
                await admin.create_topics(missing)
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


class Relay:
    @classmethod
    def for_service(
        cls,
        app: ServiceApplication,
        translate: Translator,
        topics: Sequence[str],
        settings: CommonSettings,
    ) -> Relay:
        """A service's relay, configured from its settings."""
        return cls(
            app,
            translate,
            service=app.service,
            topics=topics,
            bootstrap_servers=settings.kafka_bootstrap_servers,
            batch_size=settings.relay_batch_size,
            poll_interval=settings.relay_poll_interval_seconds,
        )

    def __init__(
        self,
        app: Application[Any],
        translate: Translator,
        *,
        service: str,
        topics: Sequence[str],
        bootstrap_servers: str,
        batch_size: int = 500,
        poll_interval: float = 0.2,
        linger: float = 0.005,
        record_interval: float = 0.25,
    ) -> None:
        if not isinstance(app.recorder, ProcessRecorder):
            raise TypeError("the relay needs a process recorder to remember its position")
        self.app = app
        self.recorder: ProcessRecorder = app.recorder
        self.chain = app.recorder if isinstance(app.recorder, ChainedRecorder) else None
        self.translate = translate
        self.service = service
        self.topics = list(topics)
        self.bootstrap_servers = bootstrap_servers
        self.batch_size = batch_size
        self.poll_interval = poll_interval
        self.linger = linger
        self._wake = asyncio.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._producer: AIOKafkaProducer | None = None
        self.connected = False
        # The position is recorded at most every `record_interval` seconds (and on stop):
        # a crash then republishes at most that much, which consumers drop as copies,
        # and a busy store is spared a write transaction per batch.
        self.record_interval = record_interval
        self._published = 0
        self._recorded = 0
        self._recorded_at = 0.0

    # -- position -----------------------------------------------------------------

    def position(self) -> int:
        """How far the relay has published (what is recorded, or further if not yet saved)."""
        recorded = self.recorder.max_tracking_id(RELAY_TRACKING_NAME) or 0
        return max(recorded, self._published)

    def _record_position(self) -> None:
        if self._published > self._recorded:
            self.recorder.insert_tracking(Tracking(RELAY_TRACKING_NAME, self._published))
            self._recorded = self._published
        self._recorded_at = time.monotonic()

    def wake(self) -> None:
        """Called after a save, from any thread, so the relay publishes without waiting."""
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._wake.set)

    # -- running ------------------------------------------------------------------

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        await ensure_topics(self.bootstrap_servers, self.topics)
        self._producer = AIOKafkaProducer(
            bootstrap_servers=self.bootstrap_servers,
            acks="all",
            # Idempotence is off on purpose: Tansu does not support it, and consumers
            # de-duplicate anyway (DESIGN.md §3, §5).
            enable_idempotence=False,
            linger_ms=2,
        )
        await self._producer.start()
        if await self._broker_is_behind():
            log.warning("%s relay: the broker lost messages; republishing the log", self.service)
            await self.republish()

    async def stop(self) -> None:
        with contextlib.suppress(Exception):  # the store may be the thing that failed
            await asyncio.to_thread(self._record_position)
        if self._producer is not None:
            await self._producer.stop()
            self._producer = None

    async def run_supervised(self, stopping: asyncio.Event, retry_after: float = 1.0) -> None:
        """Start, publish until `stopping`, and start again after any failure: while the
        broker is away the service keeps accepting work into its store."""
        while not stopping.is_set():
            try:
                await self.start()
                self.connected = True
                await self.run(stopping)
            except Exception as error:
                log.warning("%s relay: broker unavailable (%s); retrying", self.service, error)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stopping.wait(), retry_after)
            finally:
                self.connected = False
                await self.stop()

    async def run(self, stopping: asyncio.Event) -> None:
        """Publish until `stopping` is set; survives broker outages by retrying."""
        while not stopping.is_set():
            try:
                published = await self.publish_pending()
            except Exception:
                log.exception("%s relay: publishing failed, retrying", self.service)
                published = 0
                await asyncio.sleep(1)
            if published < self.batch_size:
                # Caught up: sleep until a save wakes us (or the poll interval passes, for
                # writers in other processes), then linger a moment so that a burst of
                # saves goes out as one batch with one position update.
                self._wake.clear()
                waiters = [
                    asyncio.ensure_future(self._wake.wait()),
                    asyncio.ensure_future(stopping.wait()),
                ]
                await asyncio.wait(
                    waiters, timeout=self.poll_interval, return_when=asyncio.FIRST_COMPLETED
                )
                for waiter in waiters:
                    waiter.cancel()
                await asyncio.sleep(self.linger)

    async def publish_pending(self) -> int:
        """Publish the next batch after our position; return how many notifications it held."""
        start = self.position() + 1
        notifications = await asyncio.to_thread(
            self.recorder.select_notifications, start=start, limit=self.batch_size
        )
        if not notifications:
            return 0
        await self._publish(notifications)
        self._published = notifications[-1].id
        if time.monotonic() - self._recorded_at >= self.record_interval:
            await asyncio.to_thread(self._record_position)
        POSITION.labels(self.service).set(notifications[-1].id)
        return len(notifications)

    async def republish(self) -> int:
        """Publish the whole log again up to our position (consumers drop the copies)."""
        end = self.position()
        start, sent = 1, 0
        while start <= end:
            notifications = await asyncio.to_thread(
                self.recorder.select_notifications, start=start, limit=self.batch_size, stop=end
            )
            if not notifications:
                break
            sent += await self._publish(notifications)
            start = notifications[-1].id + 1
        return sent

    async def _publish(self, notifications: Sequence[Notification]) -> int:
        assert self._producer is not None, "start() the relay first"
        outgoing = self._translated(notifications)
        links = await asyncio.to_thread(self._links_for, [nid for nid, _ in outgoing])
        pending = []
        for notification_id, message in outgoing:
            record = to_kafka(_with_link(message.envelope, links.get(notification_id)))
            pending.append(
                await self._producer.send(
                    message.topic,
                    value=record.value,
                    key=record.key if isinstance(record.key, bytes) else None,
                    headers=list(record.headers.items()),
                )
            )
        await asyncio.gather(*pending)
        PUBLISHED.labels(self.service).inc(len(pending))
        return len(pending)

    def _translated(self, notifications: Sequence[Notification]) -> list[tuple[int, Outgoing]]:
        """What to publish, each with the notification id it came from."""
        translated = []
        for notification in notifications:
            event = self.app.mapper.to_domain_event(notification)
            message = self.translate(event, notification.id)
            if message is not None:
                translated.append((notification.id, message))
        return translated

    def _links_for(self, notification_ids: list[int]) -> dict[int, str]:
        if self.chain is None or not notification_ids:
            return {}
        links = self.chain.links_for(notification_ids)
        if len(links) < len(notification_ids):
            # Only a damaged chain lacks a link; publish anyway (the store is the truth)
            # and let `kyoso verify` name the damage.
            log.warning(
                "%s relay: %d of %d events have no chain link",
                self.service,
                len(notification_ids) - len(links),
                len(notification_ids),
            )
        return links

    # -- detecting a broker that lost messages ------------------------------------

    async def _broker_is_behind(self) -> bool:
        expected = await asyncio.to_thread(self._last_publishable_position)
        if expected == 0:
            return False
        return await self._newest_position_on_topics() < expected

    def _last_publishable_position(self) -> int:
        """The id of the last notification up to our position that was published."""
        end = self.position()
        window = 256
        while end > 0:
            start = max(1, end - window + 1)
            notifications = self.recorder.select_notifications(start=start, limit=window, stop=end)
            for notification in reversed(notifications):
                event = self.app.mapper.to_domain_event(notification)
                if self.translate(event, notification.id) is not None:
                    return notification.id
            end = start - 1
        return 0

    async def _newest_position_on_topics(self) -> int:
        partitions = await topic_partitions(self.bootstrap_servers, self.topics)
        if not partitions:
            return 0
        consumer = AIOKafkaConsumer(
            bootstrap_servers=self.bootstrap_servers, enable_auto_commit=False
        )
        await consumer.start()
        try:
            consumer.assign(partitions)
            ends = await consumer.end_offsets(partitions)
            newest = 0
            for tp, end in ends.items():
                if end == 0:
                    continue
                consumer.seek(tp, end - 1)
                batch = await consumer.getmany(tp, timeout_ms=5000, max_records=1)
                for record in batch.get(tp, []):
                    headers = dict(record.headers or ())
                    value = headers.get(POSITION_HEADER)
                    if value is not None:
                        newest = max(newest, int(value))
            return newest
        finally:
            await consumer.stop()


def _with_link(envelope: Envelope, chain_link: str | None) -> Envelope:
    """The envelope carrying its chain link (translators know nothing of the chain)."""
    if chain_link is None:
        return envelope
    return envelope.model_copy(
        update={"meta": envelope.meta.model_copy(update={"chain_link": chain_link})}
    )
