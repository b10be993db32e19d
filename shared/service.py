"""A declared service, running: its FastAPI app with the relay and the Faust consumer
beside the API, or only its relay (`kyoso relay NAME`).

Everything here is the same for every service; what differs is in the service's
declaration (`services/<name>/service.py`).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import faust
from fastapi import APIRouter, FastAPI, Request

from shared.application import ServiceApplication
from shared.authorisation import DeskOrAuditor as audit_staff
from shared.bus_trust import RecordChecks
from shared.clock import Clock, utc_now
from shared.consumer import ConsumingApplication
from shared.declaration import ServiceDeclaration, Worker
from shared.edge import guard_the_edge
from shared.openapi import document_answers
from shared.rebuild import ReadModelsReport, live_report
from shared.relay import Relay
from shared.runner import run_relay, serve_http
from shared.settings import CommonSettings, load_settings
from shared.staff_auth import StaffDirectory, StaffSettings
from shared.status_tokens import StatusTokens, StatusTokenSettings
from shared.streams import SupervisedStream, consume_into, faust_app
from shared.web import ReadinessCheck, add_request_metrics, answer_domain_errors, health_router


@dataclass
class Plumbing:
    """What runs beside a service's API: the relay and the supervised consumer."""

    application: ServiceApplication
    relay: Relay
    stream: SupervisedStream | None  # None: the service consumes nothing
    workers: list[Worker] = field(default_factory=list)

    @classmethod
    def of(
        cls, declaration: ServiceDeclaration, application: ServiceApplication, settings: Any
    ) -> Plumbing:
        relay = Relay.for_service(
            application,
            declaration.translator(settings),
            [topic.name(settings) for topic in declaration.published()],
            settings,
        )
        workers = [
            worker
            for build in declaration.workers
            if (worker := build(settings, application)) is not None
        ]
        consumed = [topic.name(settings) for topic in declaration.consumed()]
        if not consumed:
            return cls(application, relay, None, workers)
        stream = SupervisedStream(
            lambda: build_stream(declaration, application, settings),
            settings.kafka_bootstrap_servers,
            consumed,
            owned=[declaration.dead_letters().name(settings)],
            partitions=settings.kafka_topic_partitions,
            security=settings,
        )
        return cls(application, relay, stream, workers)


def build_stream(
    declaration: ServiceDeclaration, application: ServiceApplication, settings: Any
) -> faust.App:
    """The service's Faust app: one agent over the topics it consumes, and its timers."""
    stream = faust_app(declaration.name, settings)
    assert isinstance(application, ConsumingApplication)
    consume_into(
        stream,
        application,
        [topic.name(settings) for topic in declaration.consumed()],
        declaration.dead_letters().name(settings),
        checks=RecordChecks.for_settings(settings, declaration.consumed()),
    )
    for timer in declaration.timers:
        _add_timer(stream, timer.name, timer.every(settings), timer.run, application)
    return stream


def _add_timer(
    stream: faust.App, name: str, seconds: float, run: Any, application: ServiceApplication
) -> None:
    # Faust's timer decorator has no type hints.
    @stream.timer(interval=seconds, name=name)  # type: ignore[untyped-decorator]
    async def tick() -> None:
        await asyncio.to_thread(run, application)


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
    if settings.consumer_enabled and plumbing.stream is not None:
        tasks.append(asyncio.create_task(plumbing.stream.run(stopping), name=f"{name}-stream"))
    for number, worker in enumerate(plumbing.workers):
        tasks.append(asyncio.create_task(worker.run(stopping), name=f"{name}-worker-{number}"))
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
        if settings.consumer_enabled and plumbing.stream is not None:
            return plumbing.stream.problem()
        return None

    return check


def read_models_router(service: str) -> APIRouter:
    """Operations: the live read models, told by digest, to compare with a rebuild from
    history (`kyoso rebuild NAME --against URL`)."""
    router = APIRouter(prefix="/audit", tags=["operations"])

    @router.get("/read-models", summary="読み取りモデルの照合 / The live read models' digests")
    def read_models(request: Request, staff: audit_staff) -> ReadModelsReport:
        """Position, row counts and digest of each read model of the caller's own
        municipality, caught up to the end of the log; no content. Compare with
        `kyoso rebuild NAME --against URL`, which rebuilds for the same municipality."""
        return live_report(service, request.app.state.application, staff.municipality)

    return router


def create_app(
    declaration: ServiceDeclaration, settings: CommonSettings, *, clock: Clock = utc_now
) -> FastAPI:
    """The service's FastAPI app; its lifespan opens the application and runs the relay,
    the consumer and the timers beside the API."""

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        application = await asyncio.to_thread(declaration.open, settings, clock)
        app.state.application = application
        if declaration.on_start is not None:
            await asyncio.to_thread(declaration.on_start, app, settings, application)
        plumbing = app.state.plumbing = Plumbing.of(declaration, application, settings)
        async with running_beside_the_api(plumbing, settings):
            yield

    app = FastAPI(
        title=declaration.title,
        description=declaration.description,
        version="1.0",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.clock = clock
    if isinstance(settings, StaffSettings):
        app.state.staff = StaffDirectory(settings.staff_tokens, settings.token_verifier())
    if isinstance(settings, StatusTokenSettings):
        app.state.status_tokens = StatusTokens(settings.status_key())

    app.include_router(health_router(readiness(app, settings)))
    for router in declaration.routers:
        app.include_router(router)
    app.include_router(read_models_router(declaration.name))
    guard_the_edge(app, settings)
    add_request_metrics(app, declaration.name)
    answer_domain_errors(app)
    for exception, handler in declaration.exception_handlers.items():
        app.add_exception_handler(exception, handler)
    document_answers(app)
    return app


def run(declaration: ServiceDeclaration) -> None:
    """`kyoso service NAME`: the API with the relay, the consumer and the timers."""
    settings = load_settings(declaration.settings)
    serve_http(create_app(declaration, settings), settings, declaration.port(settings))


def run_relay_only(declaration: ServiceDeclaration, republish: bool = False) -> None:
    """`kyoso relay NAME`: only the relay, e.g. beside API replicas that run without it."""
    settings = load_settings(declaration.settings)

    def build() -> tuple[ServiceApplication, Relay]:
        application = declaration.open(settings)
        return application, Plumbing.of(declaration, application, settings).relay

    run_relay(settings, build, republish)
