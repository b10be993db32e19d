"""Any of the desk's services or the portal, built as `kyoso service NAME` builds it
(`create_app`), its events kept in the process and no broker: what the HTTP edge does is
the same for all."""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI

from services.registry import PROCESSES, SERVICES
from shared.service import create_app
from shared.settings import CommonSettings
from shared.status_tokens import StatusTokenSettings
from tests.conftest import STAFF_TOKENS, MovableClock

# An address from the documentation range (RFC 5737): the proposer's browser.
PROPOSER_ADDRESS = "203.0.113.7"


def settings_of(name: str, data_dir: Path, **overrides: Any) -> CommonSettings:
    settings_class = PROCESSES[name].settings
    values: dict[str, Any] = {
        "data_dir": data_dir,
        "database_url": "memory:",
        "relay_enabled": False,
        "consumer_enabled": False,
        "staff_tokens": STAFF_TOKENS,
    }
    if issubclass(settings_class, StatusTokenSettings):
        values["secret_key"] = secrets.token_urlsafe(32)
    values.update(overrides)
    settings: CommonSettings = settings_class(**values)
    return settings


def service_app(name: str, data_dir: Path, **overrides: Any) -> FastAPI:
    return create_app(
        PROCESSES[name], settings_of(name, data_dir, **overrides), clock=MovableClock()
    )


def client_of(app: FastAPI, address: str = PROPOSER_ADDRESS) -> httpx.AsyncClient:
    """A client calling from `address`, as the service sees it."""
    transport = httpx.ASGITransport(app=app, client=(address, 50_000))
    return httpx.AsyncClient(transport=transport, base_url="http://desk.test")


@contextlib.asynccontextmanager
async def running(app: FastAPI) -> AsyncIterator[FastAPI]:
    async with app.router.lifespan_context(app):
        yield app


@contextlib.asynccontextmanager
async def serving(name: str, data_dir: Path, **overrides: Any) -> AsyncIterator[httpx.AsyncClient]:
    app = service_app(name, data_dir, **overrides)
    async with running(app), client_of(app) as client:
        yield client


@contextlib.asynccontextmanager
async def portal_beside(
    data_dir: Path, services: tuple[str, ...] = ("intake", "publication"), **overrides: Any
) -> AsyncIterator[tuple[httpx.AsyncClient, dict[str, FastAPI]]]:
    """The portal (the one web front) calling these services in the process, with the
    same status-token key; its client calls from the proposer's address and answers even
    when the portal fails (a 500 is what a test must see, not an exception)."""
    from services.portal.service import PORTAL
    from tests.portal.harness import PUBLIC_BASE, portal_settings  # the portal's test wiring

    key = secrets.token_urlsafe(32)
    apps = {
        name: service_app(
            name,
            data_dir / name,
            **(
                {"secret_key": key}
                if issubclass(SERVICES[name].settings, StatusTokenSettings)
                else {}
            ),
        )
        for name in services
    }
    urls = {name: f"http://{name}.test" for name in ("intake", "routing", "publication")}
    portal = create_app(
        PORTAL, portal_settings(data_dir / "portal", urls, **overrides), clock=MovableClock()
    )
    portal.state.backend_mounts = {
        f"http://{name}.test": httpx.ASGITransport(app=app) for name, app in apps.items()
    }
    async with contextlib.AsyncExitStack() as stack:
        for app in apps.values():
            await stack.enter_async_context(running(app))
        await stack.enter_async_context(running(portal))
        transport = httpx.ASGITransport(
            app=portal, client=(PROPOSER_ADDRESS, 50_000), raise_app_exceptions=False
        )
        client = await stack.enter_async_context(
            httpx.AsyncClient(transport=transport, base_url=PUBLIC_BASE)
        )
        yield client, {**apps, "portal": portal}
