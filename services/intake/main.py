"""Entry points of the intake service, exactly as its container runs them.

kyoso service intake     the API, with the relay inside (KYOSO_RELAY_ENABLED=true)
kyoso relay intake       only the relay, e.g. beside API replicas that run without it
"""

from __future__ import annotations

import asyncio
import logging
import signal

import uvicorn

from services.intake.app import create_app
from services.intake.application import IntakeApplication
from services.intake.relay import build_relay
from services.intake.settings import IntakeSettings
from shared.settings import load_settings


def _configure_logging(settings: IntakeSettings) -> None:
    logging.basicConfig(
        level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )


def run() -> None:
    settings = load_settings(IntakeSettings)
    _configure_logging(settings)
    uvicorn.run(
        create_app(settings),
        host=settings.http_host,
        port=settings.intake_port,
        log_level=settings.log_level.lower(),
        access_log=False,
        timeout_graceful_shutdown=10,
    )


def run_relay(republish: bool = False) -> None:
    settings = load_settings(IntakeSettings)
    _configure_logging(settings)

    async def relay_until_stopped() -> None:
        intake = await asyncio.to_thread(IntakeApplication, settings)
        relay = build_relay(settings, intake)
        stopping = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stopping.set)
        if republish:
            await relay.start()
            sent = await relay.republish()
            logging.getLogger(__name__).info("republished %d events", sent)
            await relay.stop()
        await relay.run_supervised(stopping)
        intake.close()

    asyncio.run(relay_until_stopped())
