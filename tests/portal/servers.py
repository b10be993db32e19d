"""The whole desk as real HTTP servers for a browser: the event services and the portal,
each on its own free port, served by uvicorn in one background thread with its own event
loop (their relays and consumers run there too), on the test's broker."""

from __future__ import annotations

import asyncio
import contextlib
import json
import secrets
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from fastapi import FastAPI

from services.intake.demo_data import load_nagasaki_register, load_nagasaki_themes
from services.portal.service import PORTAL
from services.registry import SERVICES
from services.routing.directory import directory
from shared.broker import free_port
from shared.service import create_app
from tests.brokers import Broker
from tests.conftest import MovableClock
from tests.oidc import RunningIdp
from tests.portal.harness import intake_settings_maker, portal_settings
from tests.whole_desk import service_settings

CALLED = ("intake", "routing", "decision", "publication")


def nagasaki_staff() -> list[dict[str, str]]:
    """Nagasaki's desk, its council and every department of its directory (as `kyoso up` makes them)."""
    desk = [
        {"token": "nagasaki-desk-" + secrets.token_hex(8), "role": "desk"},
        {"token": "nagasaki-council-" + secrets.token_hex(8), "role": "council"},
    ]
    departments = [
        {
            "token": f"dept-{d.code}-" + secrets.token_hex(8),
            "role": "department",
            "department": d.code,
        }
        for d in directory("nagasaki").departments
    ]
    return [{**token, "municipality": "nagasaki"} for token in desk + departments]


@dataclass
class RunningDesk:
    urls: dict[str, str]  # service name → http://127.0.0.1:PORT, the portal's included
    apps: dict[str, FastAPI]
    staff: list[dict[str, str]]  # the static tokens (none when the desk trusts `idp`)
    idp: RunningIdp | None = None
    _tokens: dict[str, str] = field(default_factory=dict)

    def bearer(self, role: str, department: str | None = None) -> dict[str, str]:
        """The header of Nagasaki's `role` (of `department`): with a provider, a JWT it
        issued by client credentials to that demo staff member, else a static token."""
        if self.idp is not None:
            login = f"nagasaki-{department or role}"
            if login not in self._tokens:
                self._tokens[login] = self.idp.token_for(login)
            return {"Authorization": f"Bearer {self._tokens[login]}"}
        token = next(
            t["token"]
            for t in self.staff
            if t["role"] == role and (department is None or t.get("department") == department)
        )
        return {"Authorization": f"Bearer {token}"}

    def client(self, name: str) -> httpx.Client:
        return httpx.Client(base_url=self.urls[name], timeout=10)


class _Servers:
    """uvicorn servers in one thread; `start` returns once each answers."""

    def __init__(self, apps: dict[str, FastAPI], ports: dict[str, int]) -> None:
        self.servers = {
            name: uvicorn.Server(
                uvicorn.Config(app, host="127.0.0.1", port=ports[name], log_level="warning")
            )
            for name, app in apps.items()
        }
        self.thread = threading.Thread(target=self._run, name="desk-servers", daemon=True)

    def _run(self) -> None:
        async def serve_all() -> None:
            await asyncio.gather(*(server.serve() for server in self.servers.values()))

        asyncio.run(serve_all())

    def start(self, timeout: float = 60.0) -> None:
        self.thread.start()
        deadline = time.monotonic() + timeout
        while not all(server.started for server in self.servers.values()):
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the desk's servers did not start")
            time.sleep(0.05)

    def stop(self) -> None:
        for server in self.servers.values():
            server.should_exit = True
        self.thread.join(timeout=30)


def until(check: Callable[[], Any], what: str, timeout: float = 30.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


@contextlib.contextmanager
def running_desk_servers(
    broker: Broker,
    data: Path,
    *,
    smtp_port: int | None = None,
    idp: RunningIdp | None = None,
    portal_port: int | None = None,
    also: tuple[str, ...] = (),
) -> Iterator[RunningDesk]:
    """The desk on free ports, with Nagasaki's 27 themes and its 20 registered proposals
    (accepted by the desk, as KYOSO_DEMO_DATA loads them). With `smtp_port`, intake
    e-mails the proposers through that SMTP server, with links to the portal (as
    `kyoso up` sets KYOSO_PUBLIC_BASE_URL). With `idp`, the services take only that
    provider's tokens (no static token at all) and staff sign in to the portal there
    (served on `portal_port`, the one the provider's portal client is registered for).
    `also`: more services the pages need (implementation, for the projects)."""
    called = (*CALLED, *also)
    staff = [] if idp is not None else nagasaki_staff()
    ports = {name: free_port() for name in called}
    ports["portal"] = portal_port or free_port()
    urls = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
    overrides: dict[str, dict[str, Any]] = {
        name: {SERVICES[name].port_setting: ports[name]} for name in called
    }
    if smtp_port is not None:
        overrides["intake"] |= {
            "smtp_host": "127.0.0.1",
            "smtp_port": smtp_port,
            "smtp_security": "none",
            "mail_from": "長崎市 共創窓口 <kyoso@city.nagasaki.example.jp>",
            "mail_retry_seconds": 0.2,
            "public_base_url": urls["portal"],
        }
    if idp is not None:
        for name in called:
            overrides[name] |= idp.service_settings()
    settings = service_settings(
        called,
        data,
        broker.bootstrap_servers,
        f"sqlite:///{data / 'intake.sqlite'}",
        intake_settings_maker(data),
        f"t{uuid.uuid4().hex[:12]}",
        staff,
        overrides,
    )
    clock = MovableClock()
    apps = {name: create_app(SERVICES[name], settings[name], clock=clock) for name in called}
    apps["portal"] = create_app(
        PORTAL,
        portal_settings(
            data / "portal",
            urls,
            portal_port=ports["portal"],
            portal_public_base_url=urls["portal"],
            publication_base_url=urls["publication"],
            **(idp.portal_settings() if idp is not None else {}),
        ),
        clock=clock,
    )
    servers = _Servers(apps, ports)
    servers.start()
    try:
        intake = apps["intake"].state.application
        load_nagasaki_themes(intake)
        load_nagasaki_register(intake)
        yield RunningDesk(urls, apps, staff, idp)
    finally:
        servers.stop()


def staff_json(desk: RunningDesk) -> str:
    return json.dumps(desk.staff)
