"""Benchmark: proposal submissions through the intake HTTP API, with the relay running.

Prints, side by side in one run:
  raw      saves/s of the same Proposal aggregate with bare eventsourcing (SQLite file)
  api      sustained submissions/s through HTTP (uvicorn process, relay publishing to the
           local broker), at a fixed concurrency
  latency  p50/p99 at half of the measured maximum rate (open loop, fixed arrival rate)
  relay    how long after the last submission every proposal was on the topic
Targets (issue 2): api >= 30% of raw; p99 < 50 ms at half the maximum rate.

    .venv/bin/python bench/intake.py [--requests 4000] [--concurrency 64]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import date
from pathlib import Path
from typing import Any

import aiohttp
from eventsourcing.application import Application
from eventsourcing.persistence import JSONTranscoder

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from baseline import running_broker, with_broker_choice  # the same folder

from services.intake.domain import Proposal
from shared.application import DateAsISO
from shared.broker import free_port
from tests.factories import free_proposal_body
from tests.kafka import read_topic


def raw_save_rate(count: int) -> float:
    """Bare eventsourcing: one Proposal per save(), SQLite file, as intake stores it."""
    folder = tempfile.mkdtemp(prefix="bench-raw-")

    class RawApplication(Application[Any]):
        def register_transcodings(self, transcoder: JSONTranscoder) -> None:
            super().register_transcodings(transcoder)
            transcoder.register(DateAsISO())  # the one transcoding intake adds

    app = RawApplication(
        {"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": f"{folder}/raw.sqlite"}
    )
    body = free_proposal_body()
    started = time.perf_counter()
    for number in range(count):
        app.save(
            Proposal(
                municipality="nagasaki",
                receipt_number=f"NGS-2026-{number:04d}",
                fiscal_year=2026,
                channel="free",
                theme_number=None,
                theme_department=None,
                received_on=date(2026, 5, 1),
                organisation=body["proposer"]["organisation"],
                proposer_kind="company",
                contact={"contact_person": "x", "email": "x@example.jp", "phone": None},
                title=body["title"],
                field=body["field"],
                summary=body["summary"],
                content=body["content"],
                protected_part=body["protected"],
                meta={
                    "role": "proposer",
                    "municipality": "nagasaki",
                    "correlation_id": "c",
                    "causation_id": None,
                },
                experiment=None,
                agreement=None,
                document=None,
                terms_consent={"version": "2026-11-28", "consented_on": "2026-05-01"},
            )
        )
    return count / (time.perf_counter() - started)


# The load generator is aiohttp: on this machine httpx itself tops out near 400 requests/s,
# which would measure the client, not the desk.


async def post(session: aiohttp.ClientSession, url: str, body: bytes) -> float:
    sent = time.perf_counter()
    async with session.post(
        url, data=body, headers={"content-type": "application/json"}
    ) as response:
        await response.read()
        assert response.status == 201, response.status
    return time.perf_counter() - sent


async def closed_loop(url: str, count: int, concurrency: int) -> tuple[float, list[float]]:
    """As fast as `concurrency` clients can go: the maximum sustained rate."""
    body = json.dumps(free_proposal_body()).encode()
    latencies: list[float] = []
    remaining = iter(range(count))

    async def client_loop(session: aiohttp.ClientSession) -> None:
        for _ in remaining:
            latencies.append(await post(session, url, body))

    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=concurrency)) as session:
        started = time.perf_counter()
        await asyncio.gather(*(client_loop(session) for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    return count / elapsed, latencies


async def open_loop(url: str, rate: float, seconds: float) -> list[float]:
    """Requests arrive at a fixed rate whatever the server does: honest latency."""
    body = json.dumps(free_proposal_body()).encode()
    latencies: list[float] = []
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=500)) as session:

        async def one() -> None:
            latencies.append(await post(session, url, body))

        tasks = []
        started = time.perf_counter()
        total = int(rate * seconds)
        for index in range(total):
            delay = started + index / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one()))
        await asyncio.gather(*tasks)
    return latencies


def percentile(values: list[float], pct: float) -> float:
    return statistics.quantiles(values, n=100)[int(pct) - 1] * 1000


def wait_ready(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"service not ready at {url}")


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=4000)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--latency-seconds", type=float, default=8.0)
    args = with_broker_choice(parser).parse_args()

    raw = raw_save_rate(args.requests)
    port = free_port()
    data_dir = tempfile.mkdtemp(prefix="bench-intake-")
    with running_broker(args.broker) as broker:
        env = {
            **os.environ,
            "KYOSO_DATA_DIR": data_dir,
            "KYOSO_INTAKE_PORT": str(port),
            "KYOSO_KAFKA_BOOTSTRAP_SERVERS": broker.bootstrap_servers,
            "KYOSO_SECRET_KEY": secrets.token_urlsafe(32),
            "KYOSO_LOG_LEVEL": "WARNING",
            # Every request comes from this one address: measure the service, not its
            # per-address rate limit.
            "KYOSO_RATE_LIMIT_PER_MINUTE": "0",
        }
        service = subprocess.Popen(
            [sys.executable, "-m", "kyoso.cli", "service", "intake"], env=env
        )
        try:
            base = f"http://127.0.0.1:{port}"
            wait_ready(f"{base}/readyz")
            url = f"{base}/api/v1/municipalities/nagasaki/proposals"
            await closed_loop(url, 200, args.concurrency)  # warm-up
            api_rate, closed_latencies = await closed_loop(url, args.requests, args.concurrency)
            last_submission = time.perf_counter()
            total = 200 + args.requests
            await read_topic(
                broker.bootstrap_servers,
                "kyoso.intake.proposals",
                lambda r: len(r) >= total,
                timeout=120,
            )
            relay_lag = time.perf_counter() - last_submission
            half = api_rate / 2
            latencies = await open_loop(url, half, args.latency_seconds)
        finally:
            service.terminate()
            service.wait(timeout=20)

    share = api_rate / raw * 100
    p50, p99 = percentile(latencies, 50), percentile(latencies, 99)
    print(f"{'':34}{'rate /s':>10}{'p50 ms':>9}{'p99 ms':>9}")
    print(f"{'raw eventsourcing save (SQLite)':34}{raw:10.0f}")
    print(
        f"{'intake API, c=' + str(args.concurrency) + ' (max rate)':34}{api_rate:10.0f}"
        f"{percentile(closed_latencies, 50):9.1f}{percentile(closed_latencies, 99):9.1f}"
    )
    print(f"{'intake API at half max (open loop)':34}{half:10.0f}{p50:9.1f}{p99:9.1f}")
    print(f"relay: all {total} proposals on Kafka {relay_lag:.2f}s after the last submission")
    print(
        f"API throughput = {share:.0f}% of raw save rate (target >= 30%): {'PASS' if share >= 30 else 'FAIL'}"
    )
    print(f"p99 at half max = {p99:.1f} ms (target < 50 ms): {'PASS' if p99 < 50 else 'FAIL'}")


if __name__ == "__main__":
    asyncio.run(main())
