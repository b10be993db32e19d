"""Any of the desk's services, built as `kyoso service NAME` builds it (`create_app`), its
events kept in the process and no broker: what the HTTP edge does is the same for all."""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI

from services.registry import SERVICES
from shared.service import create_app
from shared.settings import CommonSettings
from shared.status_tokens import StatusTokenSettings
from tests.conftest import STAFF_TOKENS, MovableClock

# An address from the documentation range (RFC 5737): the proposer's browser.
PROPOSER_ADDRESS = "203.0.113.7"


def settings_of(name: str, data_dir: Path, **overrides: Any) -> CommonSettings:
    settings_class = SERVICES[name].settings
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
        SERVICES[name], settings_of(name, data_dir, **overrides), clock=MovableClock()
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
