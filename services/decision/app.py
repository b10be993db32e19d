"""The decision service's FastAPI app: the API, the Faust consumer, the relay."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from fastapi import FastAPI

from services.decision.api import decisions, read_models
from services.decision.application import DecisionApplication
from services.decision.integration import SERVICE, dead_letter_topic
from services.decision.relay import build_relay
from services.decision.settings import DecisionSettings
from services.decision.streams import build_stream, consumed_topics
from shared.clock import Clock, utc_now
from shared.service import Plumbing, readiness, running_beside_the_api
from shared.staff_auth import StaffDirectory
from shared.web import add_request_metrics, answer_domain_errors, health_router


def create_app(settings: DecisionSettings, *, clock: Clock = utc_now) -> FastAPI:
    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        decision = await asyncio.to_thread(DecisionApplication, settings, clock)
        app.state.decision = decision
        plumbing = app.state.plumbing = Plumbing.of(
            decision,
            build_relay(settings, decision),
            lambda: build_stream(settings, decision),
            consumed_topics(settings),
            dead_letter_topic(settings),
            settings,
        )
        async with running_beside_the_api(plumbing, settings):
            yield

    app = FastAPI(
        title="Kyoso Desk — decision 共創窓口 実施可否判断",
        description="実施・不実施・推進会議、事業者選定の公平性。"
        "Decisions, the council, and how the implementer is chosen fairly.",
        version="1.0",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.staff = StaffDirectory(settings.staff_tokens)

    app.include_router(health_router(readiness(app, settings)))
    app.include_router(decisions.router)
    app.include_router(read_models.router)
    add_request_metrics(app, SERVICE)

    answer_domain_errors(app)
    return app
