"""What every service process runs beside its API: the relay and the Faust consumer.

`running_beside_the_api` starts them in the FastAPI lifespan and stops them in order;
`readiness` reports the store, the relay and the consumer on /readyz; refusals become
the common error shape.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

import faust
from fastapi import FastAPI

from shared.application import ServiceApplication
from shared.relay import Relay
from shared.settings import CommonSettings
from shared.streams import SupervisedStream
from shared.web import ReadinessCheck


@dataclass
class Plumbing:
    application: ServiceApplication
    relay: Relay
    stream: SupervisedStream

    @classmethod
    def of(
        cls,
        application: ServiceApplication,
        relay: Relay,
        build_stream: Callable[[], faust.App],
        consumed: list[str],
        dead_letters: str,
        settings: CommonSettings,
    ) -> Plumbing:
        """The relay, and the consumer over the `consumed` topics, which sets aside what it
        cannot take on its own `dead_letters` topic."""
        stream = SupervisedStream(
            build_stream,
            settings.kafka_bootstrap_servers,
            consumed,
            owned=[dead_letters],
            partitions=settings.kafka_topic_partitions,
        )
        return cls(application, relay, stream)


@contextlib.asynccontextmanager
async def running_beside_the_api(
    plumbing: Plumbing, settings: CommonSettings
) -> AsyncIterator[None]:
    stopping = asyncio.Event()
    tasks = []
    name = plumbing.application.service
    if settings.relay_enabled:
        plumbing.application.after_save.append(plumbing.relay.wake)
        tasks.append(
            asyncio.create_task(plumbing.relay.run_supervised(stopping), name=f"{name}-relay")
        )
    if settings.consumer_enabled:
        tasks.append(asyncio.create_task(plumbing.stream.run(stopping), name=f"{name}-stream"))
    try:
        yield
    finally:
        stopping.set()
        await asyncio.gather(*tasks)
        plumbing.application.close()


def readiness(app: FastAPI, settings: CommonSettings) -> ReadinessCheck:
    async def check() -> str | None:
        plumbing: Plumbing = app.state.plumbing
        try:
            await asyncio.to_thread(plumbing.application.recorder.max_notification_id)
        except Exception as problem:
            return f"event store unavailable: {problem}"
        if settings.relay_enabled and (relay_problem := plumbing.relay.problem()):
            return relay_problem
        if settings.consumer_enabled:
            return plumbing.stream.problem()
        return None

    return check
