"""Routing's Faust app: it hears intake's proposals, and keeps the deadlines."""

from __future__ import annotations

import asyncio

import faust

from services.intake.integration import proposals_topic
from services.routing.application import RoutingApplication
from services.routing.integration import SERVICE, dead_letter_topic
from services.routing.settings import RoutingSettings
from shared.settings import CommonSettings
from shared.streams import consume_into, faust_app


def consumed_topics(settings: CommonSettings) -> list[str]:
    # Theme proposals carry their theme's owning department, so themes are not needed.
    return [proposals_topic(settings)]


def build_stream(settings: RoutingSettings, routing: RoutingApplication) -> faust.App:
    stream = faust_app(SERVICE, settings)
    consume_into(stream, routing, consumed_topics(settings), dead_letter_topic(settings))

    # Faust's timer decorator has no type hints.
    @stream.timer(  # type: ignore[untyped-decorator]
        interval=settings.deadline_check_interval_seconds, name="routing.deadlines"
    )
    async def check_deadlines() -> None:
        await asyncio.to_thread(routing.check_deadlines)

    return stream
