"""The portal beside the real services: its settings, its app reaching in-process apps
through httpx transports, and a little reading of the HTML it answers."""

from __future__ import annotations

import contextlib
import html
import re
import secrets
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI

from services.intake.settings import IntakeSettings
from services.portal.service import PORTAL
from services.portal.settings import PortalSettings
from shared.service import create_app
from tests.conftest import STAFF_TOKENS, MovableClock
from tests.running import serving

PUBLIC_BASE = "https://portal.example.jp"
PUBLICATION_PUBLIC = "https://publication.example.jp"
CALLED = ("intake", "routing", "publication")


def intake_settings_maker(data_dir: Path) -> Callable[..., IntakeSettings]:
    """Intake's settings as tests/conftest.py's make_settings makes them, for fixtures
    that live longer than one test."""

    def make(**overrides: Any) -> IntakeSettings:
        values: dict[str, Any] = {
            "data_dir": data_dir,
            "secret_key": secrets.token_urlsafe(32),
            "staff_tokens": STAFF_TOKENS,
            "relay_enabled": False,
            "consumer_enabled": False,
            "kafka_session_timeout_seconds": 2,
            "demo_data": False,
            "relay_poll_interval_seconds": 0.05,
        }
        values.update(overrides)
        return IntakeSettings(**values)

    return make


def portal_settings(data_dir: Path, urls: dict[str, str], **overrides: Any) -> PortalSettings:
    values: dict[str, Any] = {
        "data_dir": data_dir,
        "intake_url": urls["intake"],
        "routing_url": urls["routing"],
        "publication_url": urls["publication"],
        **({"decision_url": urls["decision"]} if "decision" in urls else {}),
        **({"implementation_url": urls["implementation"]} if "implementation" in urls else {}),
        "portal_public_base_url": PUBLIC_BASE,
        "publication_base_url": PUBLICATION_PUBLIC,
        "portal_csrf_key": secrets.token_urlsafe(32),
        **overrides,
    }
    return PortalSettings(**values)


def portal_app(
    apps: dict[str, FastAPI],
    data_dir: Path,
    clock: MovableClock,
    transports: dict[str, httpx.AsyncBaseTransport] | None = None,
) -> FastAPI:
    """The portal calling the in-process apps (each at http://NAME.test)."""
    # Decision and implementation too, for the staff consoles, when the test runs them.
    urls = {name: f"http://{name}.test" for name in (*CALLED, "decision", "implementation")}
    app = create_app(PORTAL, portal_settings(data_dir, urls), clock=clock)
    app.state.backend_mounts = transports or {
        urls[name]: httpx.ASGITransport(app=apps[name]) for name in urls if name in apps
    }
    return app


@contextlib.asynccontextmanager
async def serving_portal(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with serving(app, PUBLIC_BASE) as client:
        yield client


# -- reading the pages -----------------------------------------------------------------


class _Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, {k: v or "" for k, v in attrs}))


@dataclass
class Html:
    """A page as a test reads it: its text and its elements' attributes."""

    source: str

    @property
    def text(self) -> str:
        without_style = re.sub(r"<style>.*?</style>", " ", self.source, flags=re.S)
        without_tags = re.sub(r"<[^>]+>", " ", without_style)
        return re.sub(r"\s+", " ", html.unescape(without_tags))

    def elements(self, tag: str) -> list[dict[str, str]]:
        parser = _Elements()
        parser.feed(self.source)
        return [attrs for name, attrs in parser.elements if name == tag]

    def by_id(self, element_id: str) -> dict[str, str]:
        parser = _Elements()
        parser.feed(self.source)
        found = [attrs for _, attrs in parser.elements if attrs.get("id") == element_id]
        assert found, f"no element #{element_id}"
        return found[0]

    def links(self) -> list[str]:
        return [a["href"] for a in self.elements("a") if "href" in a]

    def form_values(self) -> dict[str, str]:
        """The hidden and text inputs of the page's forms (as a browser would send them)."""
        return {
            i["name"]: i.get("value", "")
            for i in self.elements("input")
            if "name" in i and i.get("type") in ("hidden", "text", "email", "tel")
        }

    def error_summary(self) -> list[tuple[str, str]]:
        """(link target, message) of each line of the error summary."""
        summary = re.search(r'<div class="error-summary".*?</div>', self.source, re.S)
        assert summary, "no error summary"
        return [
            (href, html.unescape(text))
            for href, text in re.findall(r'<a href="([^"]*)">([^<]*)</a>', summary.group(0))
        ]
