"""Each container of docker-compose.yml and deploy/ started as a plain process, with exactly
the command and environment the file gives it, against the local PostgreSQL and broker.

Only what belongs to the host is swapped: the database URL, the broker's address, the HTTP
port, the data folder, and the operator's secrets. The operator's own knobs are set the
way an operator sets them (.env, settings.env): a topic prefix of the test's own, and the
short consumer session timeout the embedded broker needs (README, Configuration).
`kafka-topics.sh` is the one program the apache/kafka image brings that is not here; a
stand-in with the same arguments does its work with aiokafka.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import os
import signal
import subprocess
import sys
import uuid
from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from aiokafka.admin import AIOKafkaAdminClient

from services.registry import FRONTS
from shared.broker import free_port
from shared.settings import CommonSettings
from tests.apache_kafka import kafka_topics_script
from tests.brokers import APACHE_KAFKA, Broker
from tests.conftest import STAFF_TOKENS, wait_until
from tests.deploy import manifests as m

pytestmark = pytest.mark.integration

SECRETS = {
    "POSTGRES_PASSWORD": "not-used-here",  # the local PostgreSQL has its own
    "KYOSO_SECRET_KEY": "k" * 48,
    "KYOSO_STAFF_TOKENS": json.dumps(STAFF_TOKENS),
}
SESSION_TIMEOUT = "2"  # the embedded broker holds a group join for half of it
START_TIMEOUT = 60.0

KAFKA_TOPICS_STAND_IN = '''#!{python}
"""kafka-topics.sh as create-topics.sh calls it, done with aiokafka."""
import argparse, asyncio
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

parser = argparse.ArgumentParser()
parser.add_argument("--bootstrap-server", required=True)
parser.add_argument("--list", action="store_true")
parser.add_argument("--create", action="store_true")
parser.add_argument("--if-not-exists", action="store_true")
parser.add_argument("--topic")
parser.add_argument("--partitions", type=int)
parser.add_argument("--replication-factor", type=int)
parser.add_argument("--config", action="append", default=[])
args = parser.parse_args()


async def main():
    admin = AIOKafkaAdminClient(bootstrap_servers=args.bootstrap_server)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        if args.list:
            print("\\n".join(sorted(existing)))
        elif args.create and not (args.if_not_exists and args.topic in existing):
            configs = dict(item.split("=", 1) for item in args.config)
            topic = NewTopic(args.topic, args.partitions, args.replication_factor, topic_configs=configs)
            await admin.create_topics([topic])
    finally:
        await admin.close()


asyncio.run(main())
'''


@pytest.fixture
def kafka_bin(tmp_path: Path, broker_kind: str) -> Path:
    """Where create-topics.sh finds kafka-topics.sh: Kafka's own on the Apache Kafka lane,
    a stand-in with aiokafka beside the embedded broker (which ships no tools)."""
    folder = tmp_path / "kafka-bin"
    folder.mkdir()
    if broker_kind == APACHE_KAFKA:
        kafka_topics_script(folder)
        return folder
    script = folder / "kafka-topics.sh"
    script.write_text(KAFKA_TOPICS_STAND_IN.format(python=sys.executable), encoding="utf-8")
    script.chmod(0o755)
    return folder


def image_env() -> dict[str, str]:
    """What the Dockerfile's final stage sets (PATH is the image's own business)."""
    return {k: v for k, v in m.dockerfile_stages()[-1].env().items() if k != "PATH"}


def on_host(argv: Sequence[str], mounts: Mapping[str, Path]) -> list[str]:
    """A container's command as a process here: the image's `kyoso` entry point is
    `python -m kyoso.cli`, `python` is this interpreter, mounted files are the repository's."""
    program, *rest = argv
    head = {"kyoso": [sys.executable, "-m", "kyoso.cli"], "python": [sys.executable]}.get(
        program, [program]
    )
    return [*head, *(str(mounts.get(arg, arg)) for arg in rest)]


@dataclass
class Process:
    name: str
    popen: subprocess.Popen[bytes]
    log: Path

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def alive(self) -> bool:
        return self.popen.poll() is None

    def ended(self) -> bool:
        return not self.alive()

    def said_or_ended(self, text: str) -> bool:
        return text in self.output() or self.ended()

    def stop(self) -> int:
        if self.alive():
            self.popen.send_signal(signal.SIGTERM)
        try:
            return self.popen.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.popen.kill()
            raise

    def stops_cleanly(self) -> None:
        """SIGTERM, as `docker stop` and Kubernetes send it: the server shuts down gracefully
        (its relay and consumer stopped) and exits with 0."""
        code = self.stop()
        output = self.output()
        assert code == 0, f"{self.name} exited {code}:\n{output}"
        assert "Application shutdown complete" in output, f"{self.name}:\n{output}"
        assert "Traceback" not in output, f"{self.name}:\n{output}"


@contextlib.contextmanager
def started(name: str, argv: list[str], env: Mapping[str, str], folder: Path) -> Iterator[Process]:
    log = folder / f"{name}.log"
    with open(log, "wb") as output:
        popen = subprocess.Popen(
            argv, env=dict(env), cwd=folder, stdout=output, stderr=subprocess.STDOUT
        )
    process = Process(name, popen, log)
    try:
        yield process
    finally:
        if process.alive():
            process.stop()


async def until_healthy(process: Process, check: Callable[[], Awaitable[bool]], what: str) -> None:
    async def answered() -> bool:
        assert process.alive(), f"{process.name} stopped:\n{process.output()}"
        return bool(await check())

    try:
        await wait_until(answered, timeout=START_TIMEOUT, interval=0.2, what=what)
    except AssertionError as problem:
        raise AssertionError(f"{problem}\n{process.name}'s output:\n{process.output()}") from None


def run_to_end(argv: list[str], env: Mapping[str, str], folder: Path) -> str:
    done = subprocess.run(
        argv, env=dict(env), cwd=folder, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, f"{argv} exited {done.returncode}:\n{done.stdout}{done.stderr}"
    return done.stdout


async def topics_with(bootstrap_servers: str, prefix: str) -> set[str]:
    """Every topic that starts with the prefix (Faust's internal ones would too)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers)
    await admin.start()
    try:
        return {t for t in await admin.list_topics() if t.startswith((f"{prefix}.", f"{prefix}-"))}
    finally:
        await admin.close()


async def healthcheck_passes(test: list[str], port: int, default_port: int) -> bool:
    """Run compose's healthcheck command (CMD python -c …), aimed at this process's port."""
    assert test[:2] == ["CMD", "python"], test
    argv = [sys.executable, *test[2:]]
    argv[-1] = argv[-1].replace(f"127.0.0.1:{default_port}/", f"127.0.0.1:{port}/")
    check = await asyncio.create_subprocess_exec(
        *argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    return await check.wait() == 0


async def answers_200(url: str) -> bool:
    async with httpx.AsyncClient(timeout=2) as client:
        try:
            return (await client.get(url)).status_code == 200
        except httpx.TransportError:
            return False


# -- docker compose up, as processes ---------------------------------------------------------


async def test_compose_kafka_init_then_every_service_until_healthy(
    broker: Broker, postgres_url: str, kafka_bin: Path, tmp_path: Path
) -> None:
    prefix = f"t{uuid.uuid4().hex[:10]}"
    dotenv = {
        **SECRETS,
        "KYOSO_TOPIC_PREFIX": prefix,
        "KYOSO_KAFKA_SESSION_TIMEOUT_SECONDS": SESSION_TIMEOUT,
    }
    compose = m.load_compose(dotenv)
    services = compose["services"]

    # kafka-init: create-topics.sh with its environment, against the local broker.
    init = services["kafka-init"]
    mounts = {target: m.ROOT / source for target, source in m.volume_sources(init).items()}
    init_env = {
        **m.service_environment(init),
        "BOOTSTRAP_SERVERS": broker.bootstrap_servers,
        "PATH": os.environ["PATH"],
        "KAFKA_BIN": str(kafka_bin),
    }
    run_to_end(on_host(init["command"], mounts), init_env, tmp_path)
    created = await topics_with(broker.bootstrap_servers, prefix)
    code = CommonSettings(topic_prefix=prefix)
    assert created == set().union(*(m.service_topics(s, code) for s in m.SERVICE_SETTINGS))

    # Then every service (compose starts them once kafka-init has succeeded).
    with contextlib.ExitStack() as stack:
        running = {}
        for name, service in m.desk_services(compose).items():
            port = free_port()
            data_dir = tmp_path / name
            data_dir.mkdir()
            env = {**image_env(), **m.service_environment(service)}
            assert env["KYOSO_DATA_DIR"] == "/data"  # a container path
            assert env["KYOSO_KAFKA_BOOTSTRAP_SERVERS"] == "kafka:9092"
            if name in FRONTS:  # it keeps no events: no database to point elsewhere
                assert env["KYOSO_DATABASE_URL"] == "memory:"
            else:
                assert env["KYOSO_DATABASE_URL"].startswith("postgresql://kyoso:")
                env["KYOSO_DATABASE_URL"] = postgres_url
            env.update(
                {
                    "KYOSO_KAFKA_BOOTSTRAP_SERVERS": broker.bootstrap_servers,
                    m.port_variable(name): str(port),
                    "KYOSO_DATA_DIR": str(data_dir),
                }
            )
            argv = on_host(m.image_command({"args": service["command"]}), {})
            running[name] = (stack.enter_context(started(name, argv, env, tmp_path)), port)

        for name, (process, port) in running.items():
            test = services[name]["healthcheck"]["test"]
            check = functools.partial(healthcheck_passes, test, port, m.default_port(name))
            await until_healthy(process, check, f"{name}'s compose healthcheck")
            assert await answers_200(f"http://127.0.0.1:{port}/healthz")

        # Running, the services needed no topic that kafka-init had not made.
        assert await topics_with(broker.bootstrap_servers, prefix) == created
        for process, _ in running.values():
            process.stops_cleanly()


# -- kubectl apply -k deploy/overlays/…, as processes ----------------------------------------


async def test_kubernetes_job_waits_and_every_service_until_ready(
    broker: Broker, postgres_url: str, kafka_bin: Path, tmp_path: Path
) -> None:
    kustomize = m.kustomization(m.BASE)
    prefix = f"t{uuid.uuid4().hex[:10]}"
    config_maps = {name: dict(data) for name, data in kustomize.config_maps.items()}
    # The city's settings, as settings.env would hold them here.
    config_maps["kyoso-settings"].update(
        {
            "KYOSO_KAFKA_BOOTSTRAP_SERVERS": broker.bootstrap_servers,
            "KYOSO_TOPIC_PREFIX": prefix,
            "KYOSO_KAFKA_SESSION_TIMEOUT_SECONDS": SESSION_TIMEOUT,
        }
    )
    secrets = {
        "kyoso-secrets": {
            **kustomize.secrets["kyoso-secrets"],
            **SECRETS,
            "KYOSO_DATABASE_URL": postgres_url,
        }
    }
    deployments = {
        d["metadata"]["name"]: d
        for d in kustomize.of_kind("Deployment")
        if d["metadata"]["name"] in m.SERVICE_SETTINGS
    }
    assert deployments

    with contextlib.ExitStack() as stack:
        # Each Pod's init container waits while the topics are missing …
        waits = {}
        for name, deployment in deployments.items():
            if name in FRONTS:
                continue  # no topics to wait for
            spec = m.container(deployment, "wait-for-topics")
            argv = on_host(m.image_command(spec), m.mounted_files(deployment, spec, kustomize))
            env = {**image_env(), **m.container_environment(spec, config_maps, secrets)}
            waits[name] = stack.enter_context(started(f"{name}-wait", argv, env, tmp_path))
        for name, process in waits.items():
            await wait_until(
                functools.partial(process.said_or_ended, "waiting for"),
                what=f"{name}'s init container to wait",
            )
            assert process.alive(), f"{name}'s wait ended early:\n{process.output()}"

        # … until the Job has created them.
        job = kustomize.find("Job", "kyoso-topics")
        create = m.container(job, "create-topics")
        argv = on_host(m.image_command(create), m.mounted_files(job, create, kustomize))
        env = {
            **m.container_environment(create, config_maps, secrets),
            "PATH": os.environ["PATH"],
            "KAFKA_BIN": str(kafka_bin),
        }
        run_to_end(argv, env, tmp_path)
        created = await topics_with(broker.bootstrap_servers, prefix)
        for name, process in waits.items():
            await wait_until(process.ended, what=f"{name}'s wait to end")
            assert process.popen.returncode == 0, process.output()

        running = {}
        for name, deployment in deployments.items():
            spec = m.container(deployment, name)
            port = free_port()
            data_dir = tmp_path / name
            data_dir.mkdir()
            env = {**image_env(), **m.container_environment(spec, config_maps, secrets)}
            assert env["KYOSO_DATA_DIR"] == "/data"  # a container path
            env.update({m.port_variable(name): str(port), "KYOSO_DATA_DIR": str(data_dir)})
            argv = on_host(m.image_command(spec), {})
            running[name] = (stack.enter_context(started(name, argv, env, tmp_path)), port, spec)

        for name, (process, port, spec) in running.items():
            ready = spec["readinessProbe"]["httpGet"]["path"]
            check = functools.partial(answers_200, f"http://127.0.0.1:{port}{ready}")
            await until_healthy(process, check, f"{name}'s readiness probe")
            for probe in ("startupProbe", "livenessProbe"):
                path = spec[probe]["httpGet"]["path"]
                assert await answers_200(f"http://127.0.0.1:{port}{path}"), (name, probe)

        assert await topics_with(broker.bootstrap_servers, prefix) == created
        for process, _, _ in running.values():
            process.stops_cleanly()
