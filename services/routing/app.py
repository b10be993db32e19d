"""The routing service's FastAPI app: the API, the Faust consumer and timer, the relay."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from fastapi import FastAPI

from services.routing.api import dashboard, read_models, routings
from services.routing.application import RoutingApplication
from services.routing.integration import SERVICE, dead_letter_topic
from services.routing.relay import build_relay
from services.routing.settings import RoutingSettings
from services.routing.streams import build_stream, consumed_topics
from shared.clock import Clock, utc_now
from shared.service import Plumbing, readiness, running_beside_the_api
from shared.staff_auth import StaffDirectory
from shared.web import add_request_metrics, answer_domain_errors, health_router


def create_app(settings: RoutingSettings, *, clock: Clock = utc_now) -> FastAPI:
    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        routing = await asyncio.to_thread(RoutingApplication, settings, clock)
        app.state.routing = routing
        plumbing = app.state.plumbing = Plumbing.of(
            routing,
            build_relay(settings, routing),
            lambda: build_stream(settings, routing),
            consumed_topics(settings),
            dead_letter_topic(settings),
            settings,
        )
        async with running_beside_the_api(plumbing, settings):
            yield

    app = FastAPI(
        title="Kyoso Desk — routing 共創窓口 振り分け",
        description="所管課への振り分け、対話、期限。Routing to departments, dialogue, deadlines.",
        version="1.0",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.staff = StaffDirectory(settings.staff_tokens)

    app.include_router(health_router(readiness(app, settings)))
    app.include_router(routings.router)
    app.include_router(dashboard.router)
    app.include_router(read_models.router)
    add_request_metrics(app, SERVICE)

    answer_domain_errors(app)
    return app
