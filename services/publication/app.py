"""The publication service's FastAPI app: register, cases, feed, workflow; consumer; relay."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from fastapi import FastAPI

from services.publication.api import desk, proposer, public, read_models
from services.publication.application import PublicationApplication
from services.publication.integration import SERVICE, consumed_topics, dead_letter_topic
from services.publication.relay import build_relay
from services.publication.settings import PublicationSettings
from services.publication.streams import build_stream
from shared.clock import Clock, utc_now
from shared.service import Plumbing, readiness, running_beside_the_api
from shared.staff_auth import StaffDirectory
from shared.status_tokens import StatusTokens
from shared.web import add_request_metrics, answer_domain_errors, health_router


def create_app(settings: PublicationSettings, *, clock: Clock = utc_now) -> FastAPI:
    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        publication = await asyncio.to_thread(PublicationApplication, settings, clock)
        app.state.publication = publication
        plumbing = app.state.plumbing = Plumbing.of(
            publication,
            build_relay(settings, publication),
            lambda: build_stream(settings, publication),
            consumed_topics(settings),
            dead_letter_topic(settings),
            settings,
        )
        async with running_beside_the_api(plumbing, settings):
            yield

    app = FastAPI(
        title="Kyoso Desk — publication 共創窓口 公表",
        description="提案受付状況、事例、フィード。The public register, cases and the case feed.",
        version="1.0",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.staff = StaffDirectory(settings.staff_tokens)
    app.state.status_tokens = StatusTokens(settings.status_key())
    app.include_router(health_router(readiness(app, settings)))
    for router in (public.router, public.feeds, public.pages, desk.router, proposer.router):
        app.include_router(router)
    app.include_router(read_models.router)
    add_request_metrics(app, SERVICE)
    answer_domain_errors(app)
    return app
