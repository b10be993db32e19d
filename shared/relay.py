"""The relay: from a service's notification log to Kafka, with no dual writes (DESIGN.md §2).

A service records its events in its own store first. The relay reads the store's
notification log in order, translates each stored domain event into an integration event
(or skips it, for a service's internal aggregates), publishes a batch with acks=all and
only then records how far it got, as an eventsourcing tracking record in the same store.
A crash anywhere loses nothing; at worst a batch is published twice, and consumers
recognise the copies (DESIGN.md §3).

The relay does not trust one offset (DESIGN.md §2). When it starts, it reconciles what
the topics hold with its store (anti-entropy): it reads the `sourceposition` of every
record on its topics and republishes each published event that is missing, so a broker
that lost data (the embedded broker keeps nothing; a Kafka cluster may lose a disk or a
topic) is refilled, and a broker that lost nothing gets nothing again. While it runs it
watches the broker: a topic that is gone, or a partition that ends before an offset the
broker acknowledged, means events were lost; the relay then restarts, recreates its
topics with the configured partition count and reconciles again. Until it has, the
service's /readyz says why it is not ready.

On a broker that grants it (Apache Kafka) the producer is idempotent, so a retried batch
is never doubled or reordered on a partition; the embedded broker refuses idempotent
producers, and gets a plain `acks=all` producer (consumers de-duplicate anyway).

Every event goes out signed with the service's key (shared.contract.verifiability,
shared.event_keys) and says which of its subject's events the service published before
it (`previoussequence`, shared.previous_sequence), so consumers can believe it and apply
a subject's events in order, whoever else writes to the broker. Events stored before
signing existed are signed when they are republished or refilled. A record above
`KYOSO_KAFKA_MAX_RECORD_BYTES`, which consumers would refuse, is not sent: the relay stops
there (a stored event is never skipped) and /readyz says which event and why.

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
from aiokafka.errors import UnknownError, UnsupportedVersionError
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from eventsourcing.application import Application
from eventsourcing.persistence import Notification, ProcessRecorder, Tracking
from prometheus_client import Counter, Gauge

from shared.application import ServiceApplication
from shared.audit.recorders import ChainedRecorder
from shared.bus_trust import MAX_RECORD_SETTING, record_size
from shared.contract.envelope import Envelope, to_kafka
from shared.contract.verifiability import signed_headers
from shared.event_keys import signing_key
from shared.kafka_security import KafkaClientSettings, client_options
from shared.previous_sequence import PreviousSequences
from shared.relay_lease import Lease, try_lease
from shared.settings import CommonSettings
from shared.topics import (
    DEFAULT_PARTITIONS,
    ensure_topics,
    holdings,
    recreate_topics,
    topic_partitions,
)

log = logging.getLogger(__name__)

RELAY_TRACKING_NAME = "kafka-relay"

PUBLISHED = Counter("kyoso_relay_published_total", "Events published to Kafka", ["service"])
REFILLED = Counter(
    "kyoso_relay_refilled_total", "Events republished because the topics had lost them", ["service"]
)
POSITION = Gauge("kyoso_relay_position", "Last notification id published", ["service"])
STANDING_BY = Gauge(
    "kyoso_relay_standing_by",
    "1 while another instance of the service holds the lease and publishes",
    ["service"],
)
IDEMPOTENT = Gauge(
    "kyoso_relay_idempotent", "1 when the broker granted an idempotent producer", ["service"]
)


class BrokerLostEvents(RuntimeError):
    """The topics no longer hold what the broker acknowledged."""


class RecordTooLarge(RuntimeError):
    """A stored event whose record is above the limit consumers take: not published."""

    def __init__(self, message: str, position: int) -> None:
        super().__init__(message)
        self.position = position  # its notification id: everything before it went out


@dataclass(frozen=True)
class Outgoing:
    topic: str
    envelope: Envelope


# A Kafka record as the producer sends it: key, value, headers.
Record = tuple[bytes | None, bytes, list[tuple[str, bytes]]]

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
            partitions=settings.kafka_topic_partitions,
            security=settings,
            signer=signing_key(app.service, settings),
            max_record_bytes=settings.kafka_max_record_bytes,
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
        partitions: int = DEFAULT_PARTITIONS,
        watch_interval: float = 1.0,
        stalled_after: float = 2.0,
        security: KafkaClientSettings | None = None,
        signer: Ed25519PrivateKey | None = None,
        max_record_bytes: int = 1_048_576,
    ) -> None:
        if not isinstance(app.recorder, ProcessRecorder):
            raise TypeError("the relay needs a process recorder to remember its position")
        self.app = app
        self.recorder: ProcessRecorder = app.recorder
        self.chain = app.recorder if isinstance(app.recorder, ChainedRecorder) else None
        self.translate = translate
        self.service = service
        self.signer = signer
        self.max_record_bytes = max_record_bytes
        self.previous = PreviousSequences(
            app, lambda domain_event: translate(domain_event, 0) is not None
        )
        # Why the relay cannot go on (an event too large to publish), for /readyz.
        self.stuck: str | None = None
        self.topics = list(topics)
        self.bootstrap_servers = bootstrap_servers
        self.security = security  # how its clients log in (None: as the process does)
        self.batch_size = batch_size
        self.poll_interval = poll_interval
        self.linger = linger
        self._wake = asyncio.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._producer: AIOKafkaProducer | None = None
        self.partitions = partitions
        self.connected = False
        # Another instance of the service holds the lease and publishes: nothing to do here.
        self.standing_by = False
        self.idempotent = False
        self._broker_refuses_idempotence = False  # asked once: the refusal is logged loudly
        # Per partition, the first offset the broker acknowledged in the latest batch sent
        # to it in this connection. Not the last: the embedded broker's end offset counts
        # a batch of records as one (it ends one past the batch's first record).
        self._acknowledged: dict[TopicPartition, int] = {}
        self._watch_interval = watch_interval
        self._watched_at = 0.0
        self._watcher: AIOKafkaConsumer | None = None
        # When the batch now being published was handed to the producer (None when idle):
        # a batch that takes too long is a broker that does not take events.
        self._sending_since: float | None = None
        self._stalled_after = stalled_after
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
        """Connect, (re)create the topics, and refill from the store what they lost."""
        self._loop = asyncio.get_running_loop()
        created = await ensure_topics(
            self.bootstrap_servers, self.topics, self.partitions, security=self.security
        )
        if created:
            log.info("%s relay: created %s", self.service, ", ".join(created))
        self._producer = await self._started_producer()
        self._watcher = AIOKafkaConsumer(
            **client_options(self.bootstrap_servers, self.security), enable_auto_commit=False
        )
        await self._watcher.start()
        self._acknowledged.clear()
        refilled = await self.reconcile()
        if refilled:
            log.warning(
                "%s relay: the topics had lost %d events; republished them from the store",
                self.service,
                refilled,
            )

    async def _started_producer(self) -> AIOKafkaProducer:
        """An idempotent producer where the broker grants one, else a plain acks=all one."""
        options: dict[str, Any] = {
            **client_options(self.bootstrap_servers, self.security),
            "acks": "all",
            "linger_ms": 2,
            "request_timeout_ms": 15_000,
            # Consumers refuse larger records (shared.bus_trust): the same measure.
            "max_request_size": self.max_record_bytes,
        }
        self.idempotent = False
        if not self._broker_refuses_idempotence:
            producer = AIOKafkaProducer(enable_idempotence=True, **options)
            try:
                await producer.start()
                self.idempotent = True
            except (UnknownError, UnsupportedVersionError) as refused:
                # Tansu answers InitProducerId with an error: no idempotent producers.
                await producer.stop()
                self._broker_refuses_idempotence = True
                log.info(
                    "%s relay: the broker refuses idempotent producers (%s); using acks=all",
                    self.service,
                    type(refused).__name__,
                )
        if not self.idempotent:
            producer = AIOKafkaProducer(enable_idempotence=False, **options)
            await producer.start()
        IDEMPOTENT.labels(self.service).set(int(self.idempotent))
        return producer

    async def stop(self) -> None:
        with contextlib.suppress(Exception):  # the store may be the thing that failed
            await asyncio.to_thread(self._record_position)
        self._sending_since = None
        for client in (self._producer, self._watcher):
            if client is not None:
                with contextlib.suppress(Exception):  # a lost broker may refuse a goodbye
                    await client.stop()
        self._producer = None
        self._watcher = None

    def problem(self) -> str | None:
        """Why the relay cannot publish now (for /readyz), or None."""
        if self.standing_by:
            return None  # another instance publishes this store; this one is ready to
        if self.stuck is not None:
            return f"Kafka relay: {self.stuck}"
        if not self.connected:
            return "Kafka relay not connected"
        since = self._sending_since
        if since is not None and time.monotonic() - since > self._stalled_after:
            return (
                f"Kafka relay: the broker has not taken a batch for {time.monotonic() - since:.0f}s"
            )
        return None

    async def run_supervised(self, stopping: asyncio.Event, retry_after: float = 1.0) -> None:
        """Start, publish until `stopping`, and start again after any failure: while the
        broker is away the service keeps accepting work into its store, and a broker that
        lost events is refilled when the relay starts again."""
        lease = await self._leased(stopping)
        try:
            while not stopping.is_set():
                try:
                    await self.start()
                    self.connected = True
                    await self.run(stopping)
                except BrokerLostEvents as lost:
                    log.warning("%s relay: %s; refilling from the store", self.service, lost)
                except RecordTooLarge as too_large:
                    self.stuck = str(too_large)
                    log.error("%s relay: %s", self.service, too_large)
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(stopping.wait(), retry_after)
                except Exception as error:
                    log.warning("%s relay: broker unavailable (%r); retrying", self.service, error)
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(stopping.wait(), retry_after)
                finally:
                    self.connected = False
                    await self.stop()
        finally:
            if lease is not None:
                await asyncio.to_thread(lease.release)

    async def _leased(self, stopping: asyncio.Event, retry_after: float = 2.0) -> Lease | None:
        """Wait until this relay is the one of its service that publishes (another
        instance's relay may be publishing the same store: shared.relay_lease)."""
        while not stopping.is_set():
            try:
                lease = await asyncio.to_thread(try_lease, self.recorder, RELAY_TRACKING_NAME)
            except Exception as error:
                log.warning("%s relay: the store is unavailable (%r)", self.service, error)
                lease = None
            if lease is not None:
                if self.standing_by:
                    log.info("%s relay: took over publishing", self.service)
                self.standing_by = False
                STANDING_BY.labels(self.service).set(0)
                return lease
            self.standing_by = True
            STANDING_BY.labels(self.service).set(1)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stopping.wait(), retry_after)
        return None

    async def run(self, stopping: asyncio.Event) -> None:
        """Publish until `stopping` is set. A failure to publish, or events lost by the
        broker, ends the run: `run_supervised` starts again and reconciles."""
        while not stopping.is_set():
            published = await self.publish_pending()
            if time.monotonic() - self._watched_at >= self._watch_interval:
                await self.watch_topics()
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
        sending_since = time.monotonic()
        try:
            await self._publish(notifications)
        except RecordTooLarge as too_large:
            # What came before it went out: the relay stops right at it.
            self._published = max(self._published, too_large.position - 1)
            raise
        self._published = notifications[-1].id
        self.stuck = None
        if time.monotonic() - sending_since > self._stalled_after / 2:
            # A batch that waited out an outage may have been taken by a broker that lost
            # everything meanwhile: look before sending the next one after it (the
            # embedded broker even acknowledges records for topics it no longer has).
            await self.watch_topics()
        if time.monotonic() - self._recorded_at >= self.record_interval:
            await asyncio.to_thread(self._record_position)
        POSITION.labels(self.service).set(notifications[-1].id)
        return len(notifications)

    async def republish(self) -> int:
        """Publish the whole log again up to our position (consumers drop the copies)."""
        return await self._publish_log_where(lambda notification_id: True)

    async def _publish_log_where(self, wanted: Callable[[int], bool]) -> int:
        """Publish, page by page and in order, the notifications up to our position whose
        id is `wanted`; return how many events went out."""
        end = self.position()
        start, sent = 1, 0
        while start <= end:
            notifications = await asyncio.to_thread(
                self.recorder.select_notifications, start=start, limit=self.batch_size, stop=end
            )
            if not notifications:
                break
            chosen = [n for n in notifications if wanted(n.id)]
            if chosen:
                sent += await self._publish(chosen)
            start = notifications[-1].id + 1
        return sent

    async def _publish(self, notifications: Sequence[Notification]) -> int:
        assert self._producer is not None, "start() the relay first"
        records, too_large = await asyncio.to_thread(self._records, notifications)
        pending = []
        for topic, (key, value, headers) in records:
            pending.append(await self._producer.send(topic, value=value, key=key, headers=headers))
        self._sending_since = time.monotonic()
        first_of_batch: dict[TopicPartition, int] = {}
        for metadata in await asyncio.gather(*pending):
            partition = TopicPartition(metadata.topic, metadata.partition)
            first_of_batch[partition] = min(
                metadata.offset, first_of_batch.get(partition, metadata.offset)
            )
        self._acknowledged.update(first_of_batch)
        self._sending_since = None
        PUBLISHED.labels(self.service).inc(len(pending))
        if too_large is not None:
            raise too_large
        return len(pending)

    def _records(
        self, notifications: Sequence[Notification]
    ) -> tuple[list[tuple[str, Record]], RecordTooLarge | None]:
        """Each published event of these notifications as its topic and record, up to the
        first one too large to send, if any (in a worker thread: translating, looking up
        and signing a batch takes a while)."""
        outgoing = self._translated(notifications)
        links = self._links_for([notification_id for notification_id, _, _ in outgoing])
        records = []
        for notification_id, message, previous in outgoing:
            envelope = _completed(message.envelope, previous, links.get(notification_id))
            try:
                records.append((message.topic, self._record(envelope)))
            except RecordTooLarge as too_large:
                return records, too_large
        return records, None

    def _record(self, envelope: Envelope) -> Record:
        """The Kafka record of an event: key, value and headers, signed, within the limit."""
        message = to_kafka(envelope)
        headers = dict(message.headers)
        if self.signer is not None:
            headers = signed_headers(headers, message.value, self.signer)
        key = message.key if isinstance(message.key, bytes) else None
        record = (key, message.value, list(headers.items()))
        size = record_size(*record)
        if size > self.max_record_bytes:
            meta = envelope.meta
            raise RecordTooLarge(
                f"event {meta.sequence} of {meta.subject} (position {meta.source_position}) "
                f"is a record of {size:,} bytes, above {MAX_RECORD_SETTING}="
                f"{self.max_record_bytes:,}: not published, and nothing after it until "
                "the limit is raised",
                position=meta.source_position or 0,
            )
        return record

    def _translated(self, notifications: Sequence[Notification]) -> list[tuple[int, Outgoing, int]]:
        """What to publish, each with the notification id it came from and the sequence
        of its subject's event published before it."""
        translated = []
        for notification in notifications:
            event = self.app.mapper.to_domain_event(notification)
            message = self.translate(event, notification.id)
            previous = self.previous.step(
                notification.originator_id,
                notification.originator_version,
                published=message is not None,
            )
            if message is not None:
                translated.append((notification.id, message, previous))
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

    # -- anti-entropy: the topics against the store ------------------------------

    async def reconcile(self) -> int:
        """Republish every event up to our position that the topics should hold but do
        not; return how many. A broker that lost nothing gets nothing again."""
        end = self.position()
        if end == 0:
            return 0
        held = await holdings(self.bootstrap_servers, self.topics, security=self.security)
        if held.unservable:
            # Nothing in them could be read, so nothing is lost by starting them afresh.
            log.warning(
                "%s relay: %s cannot be read; recreating them empty",
                self.service,
                ", ".join(sorted(held.unservable)),
            )
            await recreate_topics(
                self.bootstrap_servers,
                sorted(held.unservable),
                self.partitions,
                security=self.security,
            )
            held = await holdings(self.bootstrap_servers, self.topics, security=self.security)
        sent = await self._publish_log_where(
            lambda notification_id: (
                notification_id not in held.positions and held.expects(notification_id)
            )
        )
        REFILLED.labels(self.service).inc(sent)
        return sent

    async def watch_topics(self) -> None:
        """Raise BrokerLostEvents when a topic is gone, or a partition now ends before a
        record the broker acknowledged to this relay (the first of its latest batch)."""
        assert self._watcher is not None, "start() the relay first"
        self._watched_at = time.monotonic()
        present = {
            tp.topic
            for tp in await topic_partitions(
                self.bootstrap_servers, self.topics, security=self.security
            )
        }
        gone = [topic for topic in self.topics if topic not in present]
        if gone:
            raise BrokerLostEvents(f"topic {', '.join(gone)} is gone")
        if not self._acknowledged:
            return
        ends = await self._watcher.end_offsets(list(self._acknowledged))
        for partition, acknowledged in self._acknowledged.items():
            if ends[partition] <= acknowledged:
                raise BrokerLostEvents(
                    f"{partition.topic}[{partition.partition}] ends at offset "
                    f"{ends[partition]}, but the broker had acknowledged offset {acknowledged}"
                )


def _completed(envelope: Envelope, previous_sequence: int, chain_link: str | None) -> Envelope:
    """The envelope with what only the relay knows: the subject's previous sequence and
    the chain link (translators know nothing of either)."""
    update: dict[str, Any] = {"previous_sequence": previous_sequence}
    if chain_link is not None:
        update["chain_link"] = chain_link
    return envelope.model_copy(update={"meta": envelope.meta.model_copy(update=update)})
