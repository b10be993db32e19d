"""The two commands a newcomer types: `kyoso up` brings the desk up, Ctrl-C stops it,
and the next start keeps every accepted proposal."""

from __future__ import annotations

import asyncio
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from email import message_from_bytes, policy
from pathlib import Path

import httpx
import pytest

from services.intake.demo_data import register_rows
from services.registry import PROCESSES
from shared.broker import free_port
from tests.conftest import wait_until
from tests.factories import proposal_body
from tests.kafka import read_topic

pytestmark = pytest.mark.integration


class Desk:
    """`kyoso up` as a child process, its output read line by line."""

    def __init__(self, data_dir: Path, ports: dict[str, int], broker_port: int) -> None:
        env = {
            **os.environ,
            "KYOSO_DATA_DIR": str(data_dir),
            **{f"KYOSO_{name.upper()}_PORT": str(port) for name, port in ports.items()},
        }
        env.pop("KYOSO_STAFF_TOKENS", None)
        env.pop("KYOSO_OIDC_ISSUER", None)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "kyoso.cli", "up", "--broker-port", str(broker_port)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            # Started as a shell starts a background job (`kyoso up &`, or a test lane of
            # `./dev test`): with Ctrl-C ignored. The desk must stop on Ctrl-C all the same.
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN),
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self.output: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line)

    def wait_for(self, text: str, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=0.2)
            except queue.Empty:
                if self.process.poll() is not None:
                    break
                continue
            self.output.append(line)
            if text in line:
                return
        raise AssertionError(f"{text!r} not printed; output was:\n{''.join(self.output)}")

    def stop(self) -> int:
        """Ctrl-C, then the desk's own stop: 20 s for the services, then the broker and
        the provider (a deadline well above it, for a busy machine)."""
        self.process.send_signal(signal.SIGINT)
        try:
            return self.process.wait(timeout=120)
        except subprocess.TimeoutExpired:
            self.process.kill()
            while not self.lines.empty():
                self.output.append(self.lines.get())
            raise AssertionError(
                f"kyoso up did not stop on Ctrl-C in 120 s; output was:\n{''.join(self.output)}"
            ) from None


def wait_for_http(request: Callable[[], httpx.Response], status: int, timeout: float = 30) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if request().status_code == status:
            return True
        time.sleep(0.1)
    return False


def test_kyoso_up_serves_the_desk_and_keeps_proposals_across_restarts(tmp_path: Path) -> None:
    ports = {name: free_port() for name in [*PROCESSES, "idp"]}
    intake_port, routing_port, broker_port = ports["intake"], ports["routing"], free_port()
    base = f"http://127.0.0.1:{intake_port}"
    desk = Desk(tmp_path, ports, broker_port)
    try:
        desk.wait_for("Kyoso Desk is up")
        desk.wait_for("Nagasaki desk token")
        desk.wait_for("Ctrl-C stops everything")
        printed = "".join(desk.output)
        portal = f"http://127.0.0.1:{ports['portal']}"
        assert f"127.0.0.1:{broker_port}" in printed
        # The portal is where to look first: the first address printed, and it answers.
        first_address = printed.split("is up")[1].split("http://")[1].split()[0]
        assert f"http://{first_address}" == f"{portal}/"
        assert httpx.get(f"{portal}/nagasaki").status_code == 200
        themes = httpx.get(f"{base}/api/v1/municipalities/nagasaki/themes").json()
        assert len(themes) == 27 and [t["number"] for t in themes if not t["open"]] == [25]
        receipt = httpx.post(
            f"{base}/api/v1/municipalities/nagasaki/proposals", json=proposal_body()
        ).json()
        assert receipt["receipt_number"].startswith("NGS-")
        token = printed.split("Nagasaki desk token")[1].split()[0]
        assert token.count(".") == 2  # a JWT access token of the local provider
        # How to sign in as each demo staff member: Nagasaki's desk, a department, the council.
        for login in ("nagasaki-desk", "nagasaki-machizukuri", "sapporo-council"):
            assert f"  {login} " in printed
        as_desk = {"Authorization": f"Bearer {token}"}
        pid = receipt["proposal_id"]
        screened = httpx.post(
            f"{base}/api/v1/municipalities/nagasaki/desk/proposals/{pid}/screening",
            json={"decision": "accept"},
            headers=as_desk,
        )
        assert screened.status_code == 200
        routing = f"http://127.0.0.1:{routing_port}/api/v1/municipalities/nagasaki/routings/{pid}"
        assert wait_for_http(lambda: httpx.get(routing, headers=as_desk), 200)
        assert httpx.get(routing, headers=as_desk).json()["lead_department"] == "machizukuri"
        # No mail server of the city's: what the proposer would receive is kept as files.
        assert f"kept in {tmp_path / 'mail'}" in printed

        def mailed() -> bool:
            kept = [
                message_from_bytes(p.read_bytes(), policy=policy.default)
                for p in (tmp_path / "mail").glob("*.eml")
            ]
            return any(receipt["receipt_number"] in str(mail["Subject"]) for mail in kept)

        deadline = time.monotonic() + 30
        while not mailed() and time.monotonic() < deadline:
            time.sleep(0.2)
        assert mailed(), "the receipt e-mail was not kept in data/mail"

        # Nagasaki's register, reproduced through the real pipeline (seed 002).
        seed = {(r["received"], r["summary"]): r["status"] for r in register_rows()}
        register_url = (
            f"http://127.0.0.1:{ports['publication']}/api/v1/municipalities/nagasaki/register"
        )

        def shown() -> dict[tuple[str, str], str | None]:
            rows = {
                (r["received_on"], r["summary"]): r["status_ja"]
                for r in httpx.get(register_url).json()
            }
            return {key: rows.get(key) for key in seed}

        deadline = time.monotonic() + 30
        while shown() != seed and time.monotonic() < deadline:
            time.sleep(0.2)  # publication hears the last decisions a moment after they are made
        assert shown() == seed
    finally:
        assert desk.stop() == 0

    again = Desk(tmp_path, ports, broker_port)
    try:
        again.wait_for("Kyoso Desk is up")
        # The status link opens the portal's status page (the token moves into a cookie).
        assert receipt["status_url"].startswith(f"http://127.0.0.1:{ports['portal']}/status/")
        view = httpx.get(receipt["status_url"], follow_redirects=True).text
        assert receipt["receipt_number"] in view
        assert len(httpx.get(f"{base}/api/v1/municipalities/nagasaki/themes").json()) == 27
        # The broker started empty; the relay published the kept proposal to it again.
        ours = receipt["proposal_id"].encode()
        records = asyncio.run(
            read_topic(
                f"127.0.0.1:{broker_port}",
                "kyoso.intake.proposals",
                lambda r: any(record.key == ours for record in r),
            )
        )
        assert len({record.key for record in records}) >= 21  # the register's 20 and ours
    finally:
        assert again.stop() == 0


def test_a_wrong_setting_stops_the_service_naming_the_variable(tmp_path: Path) -> None:
    env = {**os.environ, "KYOSO_DATA_DIR": str(tmp_path), "KYOSO_INTAKE_PORT": "eighty"}
    done = subprocess.run(
        [sys.executable, "-m", "kyoso.cli", "service", "intake"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert "KYOSO_INTAKE_PORT" in done.stderr and "integer" in done.stderr


async def test_killing_kyoso_broker_with_kill_9_frees_its_port(tmp_path: Path) -> None:
    """`kyoso broker` killed -9 takes its broker with it: nothing is left holding the port,
    so the next `kyoso broker` (or `kyoso up`) starts."""
    port = free_port()
    command = [sys.executable, "-u", "-m", "kyoso.cli", "broker", "--port", str(port)]
    first = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    assert first.stdout is not None
    assert f"127.0.0.1:{port}" in first.stdout.readline()
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=10)

    def port_is_free() -> bool:
        with socket.socket() as probe:
            return probe.connect_ex(("127.0.0.1", port)) != 0

    await wait_until(port_is_free, timeout=10, what=f"port {port} to be released")
    second = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    try:
        assert second.stdout is not None
        assert f"127.0.0.1:{port}" in second.stdout.readline()
    finally:
        second.send_signal(signal.SIGTERM)
        assert second.wait(timeout=10) == 0
