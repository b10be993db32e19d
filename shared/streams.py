"""Faust wiring for consuming services (DESIGN.md §6): agents over topics, state in the store.

`consume_into` attaches an agent that checks each record (shared.bus_trust: its size, that
it is a CloudEvent of the contract, signed by the service it claims, on that service's
topic) and hands its event to a ConsumingApplication, which applies it in its subject's
order, recording its effects and the tracking in one transaction (shared.consumer).
Bad input never stops the stream: a record that fails a check, or that the policy
refuses, goes to the service's dead-letter topic with the reason, and so does a report
of an event parked until an earlier one of its subject arrives. A store outage is
retried, so nothing already accepted upstream is skipped.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import faust
from eventsourcing.persistence import IntegrityError, PersistenceError
from prometheus_client import Counter

from shared.bus_trust import RecordChecks, Refused, TooLarge, record_size
from shared.consumer import ConsumingApplication, Outcome, Received
from shared.contract.envelope import Envelope, MalformedMessage
from shared.kafka_security import KafkaClientSettings
from shared.settings import CommonSettings
from shared.topics import DEFAULT_PARTITIONS, ensure_topics, topic_partitions

log = logging.getLogger(__name__)

PROCESSED = Counter("kyoso_consumer_events_total", "Events consumed", ["service", "outcome"])
ERROR_HEADER = "kyoso_error"
MAX_CONFLICTS = 5
BATCH_SIZE = 200
BATCH_WITHIN_SECONDS = 0.02
RELEASE_INTERVAL_SECONDS = 1.0
# A dead letter of a record too large to keep holds its key and headers up to this size.
DEAD_LETTER_HEAD_BYTES = 65_536


@dataclass(frozen=True)
class Refusal:
    """A record not taken: why, and whether the dead letter may carry it whole."""

    reason: str
    whole: bool = True


class TopicsLost(RuntimeError):
    """A topic the consumer reads is gone, or its partitions changed under it."""


def faust_app(service: str, settings: CommonSettings, **overrides: Any) -> faust.App:
    """A Faust app that works against Apache Kafka and the embedded Tansu alike."""
    options: dict[str, Any] = {
        "broker": ";".join(
            f"kafka://{s.strip()}" for s in settings.kafka_bootstrap_servers.split(",")
        ),
        "web_enabled": False,  # the service's FastAPI serves health and metrics
        "datadir": tempfile.mkdtemp(prefix=f"kyoso-{service}-faust-"),  # no tables: nothing kept
        "topic_disable_leader": True,
        "topic_allow_declare": False,  # topics are created up front (relay.ensure_topics)
        "broker_session_timeout": settings.kafka_session_timeout_seconds,
        "broker_heartbeat_interval": min(3.0, settings.kafka_session_timeout_seconds / 4),
        "broker_rebalance_timeout": settings.kafka_session_timeout_seconds,
        "consumer_auto_offset_reset": "earliest",
        # Offsets are only a hint where to resume: tracking in the store decides what was
        # processed, so committing every few hundred events loses nothing.
        "broker_commit_every": 500,
        "broker_commit_interval": 1.0,
        "stream_recovery_delay": 0.0,
        "producer_acks": -1,
        # exactly_once would switch on idempotent producers, which Tansu lacks; the
        # store's tracking gives exactly-once effects instead (DESIGN.md §3).
        "processing_guarantee": "at_least_once",
    }
    credentials = settings.faust_credentials()  # None: PLAINTEXT (shared.kafka_security)
    if credentials is not None:
        options["broker_credentials"] = credentials
    # A dead letter carries the refused record and its reason: room for both.
    options["producer_max_request_size"] = settings.kafka_max_record_bytes + DEAD_LETTER_HEAD_BYTES
    options.update(overrides)
    return faust.App(f"{settings.topic_prefix}-{service}", **options)


def consume_into(
    app: faust.App,
    processor: ConsumingApplication,
    topics: list[str],
    dead_letter_topic: str,
    *,
    checks: RecordChecks,
    retry_after: float = 1.0,
) -> None:
    """Feed the processor every record of `topics` that passes `checks`, in order; what
    does not pass, or waits for an earlier event of its subject, is reported on the
    dead-letter topic with the reason."""
    service = processor.service
    source = app.topic(
        *topics, key_type=bytes, value_type=bytes, key_serializer="raw", value_serializer="raw"
    )
    dead_letters = app.topic(dead_letter_topic, key_serializer="raw", value_serializer="raw")

    async def dead_letter(event: Any, reason: str, *, whole: bool = True) -> None:
        message = event.message
        key, value, headers = event.key, event.value, list(message.headers or ())
        if not whole:
            # Too large to keep: what it was and where it came from, not its bulk.
            value = b""
            if record_size(key, value, headers) > DEAD_LETTER_HEAD_BYTES:
                key, headers = (key or b"")[:256], []
        headers.append((ERROR_HEADER, reason.encode()))
        await dead_letters.send(key=key, value=value, headers=headers)
        log.warning("%s: dead-lettered %s@%s: %s", service, message.topic, message.offset, reason)

    async def report(event: Any, result: Received | Refusal) -> None:
        if isinstance(result, Refusal):
            await dead_letter(event, result.reason, whole=result.whole)
            PROCESSED.labels(service, "dead_letter").inc()
            return
        if result.outcome is Outcome.PARKED:
            await dead_letter(event, result.reason)
        PROCESSED.labels(service, result.outcome.value).inc()

    def believed(event: Any) -> Envelope | Refusal:
        message = event.message
        try:
            return checks.envelope_of(
                message.topic, event.key, list(message.headers or ()), event.value
            )
        except TooLarge as problem:
            return Refusal(str(problem), whole=False)
        except (Refused, MalformedMessage) as problem:
            return Refusal(str(problem))

    async def process_one(event: Any) -> None:
        """One event, with the retries the kind of failure calls for."""
        envelope = await asyncio.to_thread(believed, event)
        if isinstance(envelope, Refusal):
            await report(event, envelope)
            return
        conflicts = 0
        while True:
            try:
                received = await asyncio.to_thread(processor.receive, envelope)
            except IntegrityError as problem:
                # Optimistic concurrency: another writer got there first. Running the
                # policy again sees the new state; a conflict that persists is a bug in
                # the policy, and the event is set aside rather than retried forever.
                conflicts += 1
                if conflicts < MAX_CONFLICTS:
                    continue
                await report(event, Refusal(f"conflict after {conflicts} tries: {problem}"))
                return
            except (PersistenceError, OSError) as problem:
                log.warning("%s: store unavailable (%s); retrying", service, problem)
                await asyncio.sleep(retry_after)
                continue
            except Exception as problem:
                await report(event, Refusal(f"{type(problem).__name__}: {problem}"))
                return
            await report(event, received)
            return

    def handle_in_order(events: list[Any]) -> list[Received | Refusal]:
        """As many as go through without a failure, in order, in one worker thread:
        checked (a signature takes a while) and received."""
        done: list[Received | Refusal] = []
        for event in events:
            envelope = believed(event)
            if isinstance(envelope, Refusal):
                done.append(envelope)
                continue
            try:
                done.append(processor.receive(envelope))
            except Exception:
                break
        return done

    @app.agent(source, name=f"{service}.consume")
    async def consume(stream: Any) -> None:
        # Events come in small batches so that one hop to a worker thread serves many;
        # each event is still processed and recorded on its own, in order.
        async for batch in stream.take_events(BATCH_SIZE, within=BATCH_WITHIN_SECONDS):
            events = list(batch)
            results = await asyncio.to_thread(handle_in_order, events)
            for event, result in zip(events, results, strict=False):
                await report(event, result)
            for event in events[len(results) :]:
                await process_one(event)

    # Faust's timer decorator has no type hints.
    @app.timer(interval=RELEASE_INTERVAL_SECONDS, name=f"{service}.parked")  # type: ignore[untyped-decorator]
    async def release_parked() -> None:
        """What another instance parked, or a release the store refused, is tried again."""
        await asyncio.to_thread(processor.release_waiting)


class SupervisedStream:
    """Runs a Faust app built by `build` until stopped, rebuilding it after a failure
    (a Faust app cannot be started twice), so a service outlives a broker outage.

    At its first start it creates the topics it reads, with the configured partition
    count, if a fresh broker does not have them yet (their services may start later).
    While it runs it watches the broker: when a topic it reads is gone (a broker that lost
    its data) or its partitions changed, it says so on /readyz and starts a new consumer
    once the topics are back, which reads them from their beginning (the store's tracking
    drops what was already processed) and every partition of them. After such a loss it
    recreates only the topics it `owned` (its dead letters) and waits for each other
    topic's own service to recreate and refill it: a topic recreated by a reader would
    take the owner's next live events before the owner refilled the lost earlier ones,
    and a proposal's events would arrive out of order."""

    def __init__(
        self,
        build: Callable[[], faust.App],
        bootstrap_servers: str,
        topics: list[str],
        start_timeout: float = 60.0,
        partitions: int = DEFAULT_PARTITIONS,
        watch_interval: float = 1.0,
        owned: list[str] | None = None,
        security: KafkaClientSettings | None = None,
    ) -> None:
        self._build = build
        self._bootstrap_servers = bootstrap_servers
        self._owned = list(owned or [])
        self._security = security
        self._topics = [*topics, *self._owned]
        self._started_once = False
        self._start_timeout = start_timeout
        self._partitions = partitions
        self._watch_interval = watch_interval
        self.running = False
        self._problem: str | None = "Kafka consumer not started"

    def problem(self) -> str | None:
        """Why the consumer cannot consume now (for /readyz), or None."""
        return None if self.running else self._problem

    async def _topics_in_place(self) -> None:
        """Create what this stream may create; raise TopicsLost while others are missing."""
        creatable = self._owned if self._started_once else self._topics
        await ensure_topics(
            self._bootstrap_servers, creatable, self._partitions, security=self._security
        )
        partitions = await topic_partitions(
            self._bootstrap_servers, self._topics, security=self._security
        )
        present = {p.topic for p in partitions}
        missing = [topic for topic in self._topics if topic not in present]
        if missing:
            raise TopicsLost(f"waiting for {', '.join(missing)} to be recreated by its service")

    async def _watch(self, stopping: asyncio.Event) -> None:
        """Return when `stopping` is set; raise when the broker lost a topic or its shape."""
        known: dict[str, int] | None = None
        while not stopping.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stopping.wait(), self._watch_interval)
            if stopping.is_set():
                return
            counts: dict[str, int] = {}
            for partition in await topic_partitions(
                self._bootstrap_servers, self._topics, security=self._security
            ):
                counts[partition.topic] = counts.get(partition.topic, 0) + 1
            gone = [topic for topic in self._topics if topic not in counts]
            if gone:
                raise TopicsLost(f"topic {', '.join(gone)} is gone")
            if known is not None and counts != known:
                raise TopicsLost(f"partitions changed from {known} to {counts}")
            known = counts

    async def run(self, stopping: asyncio.Event, retry_after: float = 1.0) -> None:
        while not stopping.is_set():
            app = self._build()
            try:
                await self._topics_in_place()
                await asyncio.wait_for(app.start(), self._start_timeout)
                self._started_once = True
                self.running = True
                await self._watch(stopping)
            except Exception as problem:
                self._problem = f"Kafka consumer: {problem}"
                log.warning("stream %s could not run (%s); retrying", app.conf.id, problem)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stopping.wait(), retry_after)
            finally:
                self.running = False
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(app.stop(), 30)
                end_consumer_thread(app)


def end_consumer_thread(app: faust.App) -> None:
    """End the Kafka consumer's thread of an app that has been stopped.

    Faust runs the consumer in a thread of its own (a mode `ServiceThread`, not a daemon)
    that ends only when `app.stop()` reaches it. When the stop cannot finish in time (the
    broker went away while it was stopping) the thread is left waiting for ever: each
    retry of `StreamRunner.run` would leak one, and the process could not exit (a test
    run hung at exit on two of them). Stopping the thread's own event loop ends it and
    its half-closed client. Faust offers no public handle on the thread, hence the
    private attributes, read defensively."""
    consumer = vars(app).get("_consumer")  # not `app.consumer`: that would make one
    service = getattr(consumer, "_thread", None)
    worker = getattr(service, "_thread", None)
    loop = getattr(service, "thread_loop", None)
    if (
        isinstance(worker, threading.Thread)
        and worker.is_alive()
        and isinstance(loop, asyncio.AbstractEventLoop)
        and not loop.is_closed()
    ):
        log.warning("stream %s: its consumer thread did not stop; ending it", app.conf.id)
        with contextlib.suppress(RuntimeError):  # closed between the check and the call
            loop.call_soon_threadsafe(loop.stop)
