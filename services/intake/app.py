"""The intake service's FastAPI app: the API, the portal pages and the relay to Kafka."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from fastapi import FastAPI

from services.intake.api import desk, pages, proposals, proposer, read_models, themes
from services.intake.application import IntakeApplication
from services.intake.demo_data import load_nagasaki_register, load_nagasaki_themes
from services.intake.group_commit import SubmissionQueue
from services.intake.integration import SERVICE
from services.intake.relay import build_relay
from services.intake.settings import IntakeSettings
from services.intake.streams import build_stream, consumed_topics, dead_letter_topic
from shared.clock import Clock, utc_now
from shared.service import Plumbing, readiness, running_beside_the_api
from shared.staff_auth import StaffDirectory
from shared.status_tokens import StatusTokens
from shared.web import add_request_metrics, answer_domain_errors, health_router

log = logging.getLogger(__name__)


def create_app(settings: IntakeSettings, *, clock: Clock = utc_now) -> FastAPI:
    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        intake = await asyncio.to_thread(IntakeApplication, settings)
        if settings.demo_data:
            added = await asyncio.to_thread(load_nagasaki_themes, intake)
            log.info("demo data: %d Nagasaki themes added", added)
            proposals = await asyncio.to_thread(load_nagasaki_register, intake)
            log.info("demo data: Nagasaki's %d registered proposals are in", len(proposals))
        app.state.intake = intake
        app.state.submissions = SubmissionQueue(intake)
        plumbing = app.state.plumbing = Plumbing.of(
            intake,
            build_relay(settings, intake),
            lambda: build_stream(settings, intake),
            consumed_topics(settings),
            dead_letter_topic(settings),
            settings,
        )
        async with running_beside_the_api(plumbing, settings):
            yield

    app = FastAPI(
        title="Kyoso Desk — intake 共創窓口 受付",
        description="提案の受付、受付審査、テーマ。Proposals, screening and themes.",
        version="1.0",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.clock = clock
    app.state.status_tokens = StatusTokens(settings.status_key())
    app.state.staff = StaffDirectory(settings.staff_tokens)

    app.include_router(health_router(readiness(app, settings)))
    for module in (proposals, proposer, themes, desk, pages, read_models):
        app.include_router(module.router)
    add_request_metrics(app, SERVICE)

    answer_domain_errors(app)
    return app
