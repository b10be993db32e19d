"""The routing service's FastAPI app: the API, the Faust consumer and timer, the relay."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from services.routing.api import dashboard, routings
from services.routing.application import Clock, NotFound, Refused, RoutingApplication, utc_now
from services.routing.integration import SERVICE, dead_letter_topic
from services.routing.relay import build_relay
from services.routing.settings import RoutingSettings
from services.routing.streams import build_stream, consumed_topics
from shared.staff_auth import StaffDirectory
from shared.streams import SupervisedStream
from shared.web import add_request_metrics, error, health_router


def create_app(settings: RoutingSettings, *, clock: Clock = utc_now) -> FastAPI:
    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        routing = await asyncio.to_thread(RoutingApplication, settings, clock)
        app.state.routing = routing
        relay = app.state.relay = build_relay(settings, routing)
        stream = app.state.stream = SupervisedStream(
            lambda: build_stream(settings, routing),
            settings.kafka_bootstrap_servers,
            [*consumed_topics(settings), dead_letter_topic(settings)],
        )
        stopping = asyncio.Event()
        tasks = []
        if settings.relay_enabled:
            routing.after_save.append(relay.wake)
            tasks.append(asyncio.create_task(relay.run_supervised(stopping), name="routing-relay"))

        if settings.consumer_enabled:
            tasks.append(asyncio.create_task(stream.run(stopping), name="routing-stream"))
        try:
            yield
        finally:
            stopping.set()
            await asyncio.gather(*tasks)
            routing.close()

    app = FastAPI(
        title="Kyoso Desk — routing 共創窓口 振り分け",
        description="所管課への振り分け、対話、期限。Routing to departments, dialogue, deadlines.",
        version="1.0",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.staff = StaffDirectory(settings.staff_tokens)

    async def readiness() -> str | None:
        try:
            await asyncio.to_thread(app.state.routing.recorder.max_notification_id)
        except Exception as problem:
            return f"event store unavailable: {problem}"
        if settings.relay_enabled and not app.state.relay.connected:
            return "Kafka relay not connected"
        if settings.consumer_enabled and not app.state.stream.running:
            return "Kafka consumer not running"
        return None

    app.include_router(health_router(readiness))
    app.include_router(routings.router)
    app.include_router(dashboard.router)
    add_request_metrics(app, SERVICE)

    @app.exception_handler(NotFound)
    async def not_found(request: Request, problem: NotFound) -> JSONResponse:
        return error(404, ["path"], str(problem))

    @app.exception_handler(Refused)
    async def refused(request: Request, problem: Refused) -> JSONResponse:
        return error(problem.status_code, problem.loc, problem.reason)

    return app
