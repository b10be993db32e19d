"""How a service process runs: its HTTP server, or only its relay (`kyoso relay NAME`)."""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
from collections.abc import Callable
from typing import Any

import uvicorn
from fastapi import FastAPI

from shared.relay import Relay
from shared.settings import CommonSettings

log = logging.getLogger(__name__)


def configure_logging(settings: CommonSettings) -> None:
    logging.basicConfig(
        level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )


def serve_http(app: FastAPI, settings: CommonSettings, port: int) -> None:
    configure_logging(settings)
    # uvicorn shuts down gracefully on SIGTERM and then re-raises the signal to the
    # handler that was there before it: make that one a clean exit, so an orchestrator
    # sees status 0 for a stop it asked for.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))
    uvicorn.run(
        app,
        host=settings.http_host,
        port=port,
        log_level=settings.log_level.lower(),
        access_log=False,
        timeout_graceful_shutdown=10,
    )


def run_relay(
    settings: CommonSettings, build: Callable[[], tuple[Any, Relay]], republish: bool
) -> None:
    """Only the relay, until SIGINT or SIGTERM; `republish` first sends the whole log."""
    configure_logging(settings)

    async def relay_until_stopped() -> None:
        app, relay = await asyncio.to_thread(build)
        stopping = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stopping.set)
        if republish:
            await relay.start()
            log.info("republished %d events", await relay.republish())
            await relay.stop()
        await relay.run_supervised(stopping)
        app.close()

    asyncio.run(relay_until_stopped())
