"""How a service process runs: its HTTP server, or only its relay (`kyoso relay NAME`)."""

from __future__ import annotations

import asyncio
import logging
import signal
import socket
import sys
from collections.abc import Callable
from typing import Any

import uvicorn
from fastapi import FastAPI
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.relay import Relay
from shared.settings import CommonSettings, ConfigError

log = logging.getLogger(__name__)


def configure_logging(settings: CommonSettings) -> None:
    logging.basicConfig(
        level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )


def serve_http(app: FastAPI, settings: CommonSettings, port: int) -> None:
    """Serve `app` until stopped; a configuration problem found while it starts (an address
    that does not resolve, a store that cannot be reached) is raised as a ConfigError,
    which `kyoso` tells in one line naming the variable."""
    configure_logging(settings)
    _check_listening_address(settings.http_host, port)
    # uvicorn shuts down gracefully on SIGTERM and then re-raises the signal to the
    # handler that was there before it: make that one a clean exit, so an orchestrator
    # sees status 0 for a stop it asked for.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))
    starting = ConfigErrorsAtStartup(app)
    try:
        uvicorn.run(
            starting,
            host=settings.http_host,
            port=port,
            log_level=settings.log_level.lower(),
            access_log=False,
            timeout_graceful_shutdown=10,
        )
    except SystemExit:
        if starting.problem is not None:
            raise starting.problem from None
        raise


def _check_listening_address(host: str, port: int) -> None:
    try:
        socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as problem:
        raise ConfigError(
            f"KYOSO_HTTP_HOST: '{host}' is not an address to listen on ({problem.strerror})"
        ) from None


class ConfigErrorsAtStartup:
    """The app as uvicorn runs it. A ConfigError raised while the app starts is kept for
    `serve_http` to raise, instead of uvicorn logging its traceback; any other failure
    keeps its traceback (that one is a bug to read)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.problem: ConfigError | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "lifespan":
            await self.app(scope, receive, send)
            return
        failed: list[Message] = []

        async def hold_the_failure(message: Message) -> None:
            if message["type"] == "lifespan.startup.failed":
                failed.append(message)  # carries the traceback as text
                return
            await send(message)

        try:
            await self.app(scope, receive, hold_the_failure)
        except ConfigError as problem:
            if not failed:
                raise
            self.problem = problem
            await send({"type": "lifespan.startup.failed", "message": ""})
            return
        finally:
            if failed and self.problem is None:
                await send(failed[0])


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
