"""Each container of docker-compose.yml and deploy/ started as a plain process, with exactly
the command and environment the file gives it, against the local PostgreSQL and broker.

Only what belongs to the host is swapped: the database URL, the broker's address, the HTTP
port, the data folder, and the operator's secrets. The operator's own knobs are set the
way an operator sets them (.env, settings.env): a topic prefix of the test's own, and the
short consumer session timeout the embedded broker needs (README, Configuration).

The broker: on the Apache Kafka lane, one started with the deployment's own Kafka
settings (its listeners moved to free local ports), so kafka-init makes real users, topics
and ACLs with Kafka's own tools, and each service comes up logged in as its own user and
held to its ACLs. Beside the embedded broker, which asks no login, the services connect
with PLAINTEXT; `kafka-topics.sh` is a stand-in that does its work with aiokafka, and
`kafka-configs.sh` and `kafka-acls.sh` stand-ins note what kafka-init asked for, which the
test compares with the users and the ACLs the declarations call for.
"""

from __future__ import annotations

import argparse
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

from services.registry import FRONTS, SERVICES
from shared.broker import free_port
from shared.event_keys import new_desk_keys
from shared.kafka_acls import CLUSTER, Acl, ResourceType, desk_acls, user_of
from shared.kafka_security import KafkaClientSettings, client_options
from shared.settings import CommonSettings
from tests.apache_kafka import KAFKA_TOOLS, ApacheKafka, kafka_tool_script
from tests.brokers import APACHE_KAFKA, Broker
from tests.conftest import STAFF_TOKENS, wait_until
from tests.deploy import manifests as m

pytestmark = pytest.mark.integration

SECRETS = {
    "POSTGRES_PASSWORD": "not-used-here",  # the local PostgreSQL has its own
    "KYOSO_SECRET_KEY": "k" * 48,
    "KYOSO_STAFF_TOKENS": json.dumps(STAFF_TOKENS),
    # The city's provider: named, never asked here (static tokens act in these tests).
    "KYOSO_OIDC_ISSUER": "https://id.example-city.jp/realms/staff",
    "KYOSO_PORTAL_OIDC_CLIENT_SECRET": "portal-" + uuid.uuid4().hex,
    "KYOSO_METRICS_TOKEN": "metrics-" + uuid.uuid4().hex,  # the example's fails closed
    **{
        f"KAFKA_{who}_PASSWORD": f"{who.lower()}-{uuid.uuid4().hex}"
        for who in m.KAFKA_PASSWORD_OWNERS
    },
}
# The operator's event keys, as `python -m shared.event_keys --new` makes them: each
# service's signing key for the Secret, and the public keys for settings.env.
EVENT_KEYS = dict(
    line.split("=", 1) for line in new_desk_keys(list(SERVICES)).splitlines() if "=" in line
)
SECRETS.update({k: v for k, v in EVENT_KEYS.items() if k.endswith("_SIGNING_KEY")})
SESSION_TIMEOUT = "2"  # the embedded broker holds a group join for half of it
START_TIMEOUT = 60.0

KAFKA_TOPICS_STAND_IN = '''#!{python}
"""kafka-topics.sh as create-topics.sh calls it, done with aiokafka."""
import argparse, asyncio
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

parser = argparse.ArgumentParser()
parser.add_argument("--bootstrap-server", required=True)
parser.add_argument("--command-config")  # the admin's login: the embedded broker asks none
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


KAFKA_TOOL_NOTE = '''#!{python}
"""{name} as kafka-init.sh calls it, beside the embedded broker, which has no users and no
ACLs: it notes the call in calls.jsonl."""
import json, pathlib, sys

with open(pathlib.Path(__file__).with_name("calls.jsonl"), "a", encoding="utf-8") as calls:
    calls.write(json.dumps([pathlib.Path(__file__).name, *sys.argv[1:]]) + "\\n")
'''


@pytest.fixture
def kafka_bin(tmp_path: Path, broker_kind: str) -> Path:
    """Where kafka-init.sh finds Kafka's tools: Kafka's own on the Apache Kafka lane;
    beside the embedded broker (which ships no tools) a kafka-topics.sh that does its
    work with aiokafka, and a kafka-configs.sh and kafka-acls.sh that note their calls."""
    folder = tmp_path / "kafka-bin"
    folder.mkdir()
    for name in KAFKA_TOOLS:
        if broker_kind == APACHE_KAFKA:
            kafka_tool_script(folder, name)
            continue
        script = folder / name
        stand_in = KAFKA_TOPICS_STAND_IN if name == "kafka-topics.sh" else KAFKA_TOOL_NOTE
        script.write_text(stand_in.format(python=sys.executable, name=name), encoding="utf-8")
        script.chmod(0o755)
    return folder


@dataclass
class DeploymentKafka:
    """The broker a deployment's services talk to in the test, and how they log in."""

    bootstrap_servers: str
    admin: KafkaClientSettings | None  # None: the embedded broker, which asks no login
    tools: Path

    @property
    def secured(self) -> bool:
        return self.admin is not None

    def service_environment(self, environment: Mapping[str, str]) -> dict[str, str]:
        """A container's KYOSO_* environment with the host's broker swapped in."""
        swapped = {**environment, "KYOSO_KAFKA_BOOTSTRAP_SERVERS": self.bootstrap_servers}
        if not self.secured:
            swapped["KYOSO_KAFKA_SECURITY_PROTOCOL"] = "PLAINTEXT"
        return swapped


@contextlib.contextmanager
def deployment_kafka(
    request: pytest.FixtureRequest,
    broker_kind: str,
    kafka: Mapping[str, str],
    folder: Path,
    tools: Path,
) -> Iterator[DeploymentKafka]:
    """On Apache Kafka a broker of its own with the deployment's settings (`kafka`: its
    container's environment), its listeners moved to free ports on 127.0.0.1; else the
    session's embedded broker as it is (asked for only then: a test on Apache Kafka starts
    no session broker, so it can run in any lane of `./dev test`)."""
    if broker_kind != APACHE_KAFKA:
        broker: Broker = request.getfixturevalue("broker")
        yield DeploymentKafka(broker.bootstrap_servers, None, tools)
        return
    properties = m.kafka_server_properties(kafka)
    controller = properties["controller.listener.names"]
    internal = properties["inter.broker.listener.name"]
    secured = ApacheKafka(folder / "kafka")
    ports = {
        name: {controller: secured.controller_port, internal: secured.port}.get(name) or free_port()
        for name in m.listeners(properties["listeners"])
    }
    local = {
        "listeners": ",".join(f"{name}://127.0.0.1:{port}" for name, port in ports.items()),
        "advertised.listeners": ",".join(
            f"{name}://127.0.0.1:{ports[name]}"
            for name in m.listeners(properties["advertised.listeners"])
        ),
        "controller.quorum.voters": f"1@127.0.0.1:{secured.controller_port}",
    }
    properties.pop("log.dirs")
    properties.pop("node.id")
    secured.overrides = {**properties, **local}
    jaas = properties[f"listener.name.{internal.lower()}.plain.sasl.jaas.config"]
    admin_password = jaas.split('password="', 1)[1].split('"', 1)[0]
    admin = KafkaClientSettings(
        kafka_security_protocol="SASL_PLAINTEXT",
        kafka_sasl_mechanism="PLAIN",
        kafka_sasl_username="kyoso-admin",
        kafka_sasl_password=admin_password,
    )
    with secured:
        yield DeploymentKafka(secured.bootstrap_servers, admin, tools)


def noted_calls(tools: Path, tool: str) -> list[list[str]]:
    calls = tools / "calls.jsonl"
    lines = calls.read_text(encoding="utf-8").splitlines() if calls.exists() else []
    return [call[1:] for call in map(json.loads, lines) if call[0] == tool]


def noted_acls(tools: Path) -> set[Acl]:
    """The ACLs kafka-init asked kafka-acls.sh to add, read back from the noted calls."""
    parser = argparse.ArgumentParser()
    for option in ("--bootstrap-server", "--command-config", "--allow-principal"):
        parser.add_argument(option)
    parser.add_argument("--add", action="store_true")
    parser.add_argument("--resource-pattern-type", default="literal")
    for option in ("--operation", "--topic", "--group"):
        parser.add_argument(option, action="append", default=[])
    parser.add_argument("--cluster", action="store_true")
    acls = set()
    for call in noted_calls(tools, "kafka-acls.sh"):
        args = parser.parse_args(call)
        assert args.add and args.command_config, call
        resources: list[tuple[ResourceType, str]] = [("topic", t) for t in args.topic]
        resources += [("group", g) for g in args.group]
        resources += [("cluster", CLUSTER)] if args.cluster else []
        acls |= {
            Acl(args.allow_principal, kind, name, operation, args.resource_pattern_type)
            for kind, name in resources
            for operation in args.operation
        }
    return acls


def noted_users(tools: Path) -> dict[str, str]:
    """The SCRAM users kafka-init asked kafka-configs.sh to make, with their passwords."""
    parser = argparse.ArgumentParser()
    for option in ("--bootstrap-server", "--command-config", "--entity-type", "--entity-name"):
        parser.add_argument(option)
    parser.add_argument("--alter", action="store_true")
    parser.add_argument("--add-config")
    users = {}
    for call in noted_calls(tools, "kafka-configs.sh"):
        args = parser.parse_args(call)
        assert args.alter and args.entity_type == "users" and args.command_config, call
        assert args.add_config.startswith("SCRAM-SHA-512=[iterations=8192,password="), call
        users[args.entity_name] = args.add_config.split("password=", 1)[1].rstrip("]")
    return users


def kafka_init_did_its_work(
    kafka: DeploymentKafka, prefix: str, secrets: Mapping[str, str]
) -> None:
    """Beside the embedded broker: kafka-init asked for exactly the users the services
    and the subscribing cities log in as, and the ACLs their declarations call for."""
    if kafka.secured:
        return  # the services coming up under their own logins show it
    users = noted_users(kafka.tools)
    assert users == {
        **{user_of(name): secrets[f"KAFKA_{name.upper()}_PASSWORD"] for name in SERVICES},
        "kyoso-subscriber": secrets["KAFKA_SUBSCRIBER_PASSWORD"],
    }
    assert noted_acls(kafka.tools) == desk_acls(SERVICES.values(), prefix)


def image_env() -> dict[str, str]:
    """What the Dockerfile's final stage sets (PATH is the image's own business), and the
    code the image installs: this checkout's (an installed copy may be another's)."""
    env = {k: v for k, v in m.dockerfile_stages()[-1].env().items() if k != "PATH"}
    return {**env, "PYTHONPATH": str(m.ROOT)}


def on_host(argv: Sequence[str], mounts: Mapping[str, Path]) -> list[str]:
    """A container's command as a process here: the image's `kyoso` entry point is
    `python -m kyoso.cli`, `python` is this interpreter, mounted files are the repository's."""
    program, *rest = argv
    head = {"kyoso": [sys.executable, "-m", "kyoso.cli"], "python": [sys.executable]}.get(
        program, [program]
    )
    return [*head, *(str(mounts.get(arg, arg)) for arg in rest)]


def env_on_host(environment: Mapping[str, str], mounts: Mapping[str, Path]) -> dict[str, str]:
    """A container's environment as a process here: a variable naming a mounted file
    names the repository's."""
    return {key: str(mounts.get(value, value)) for key, value in environment.items()}


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
    # kafka-init.sh starts one JVM per user, topic and ACL line (about 45 with six
    # services): some 100 s on an idle machine, more beside the other lane's tests.
    done = subprocess.run(
        argv, env=dict(env), cwd=folder, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, f"{argv} exited {done.returncode}:\n{done.stdout}{done.stderr}"
    return done.stdout


async def topics_with(kafka: DeploymentKafka, prefix: str) -> set[str]:
    """Every topic that starts with the prefix (Faust's internal ones would too)."""
    admin = AIOKafkaAdminClient(
        **client_options(kafka.bootstrap_servers, kafka.admin or KafkaClientSettings())
    )
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
    request: pytest.FixtureRequest,
    broker_kind: str,
    postgres_url: str,
    kafka_bin: Path,
    tmp_path: Path,
) -> None:
    prefix = f"t{uuid.uuid4().hex[:10]}"
    dotenv = {
        **SECRETS,
        "KYOSO_TOPIC_PREFIX": prefix,
        "KYOSO_KAFKA_SESSION_TIMEOUT_SECONDS": SESSION_TIMEOUT,
    }
    compose = m.load_compose(dotenv)
    services = compose["services"]
    kafka_env = m.service_environment(services["kafka"])

    with (
        deployment_kafka(request, broker_kind, kafka_env, tmp_path, kafka_bin) as kafka,
        contextlib.ExitStack() as stack,
    ):
        # kafka-init: kafka-init.sh with its environment, against the broker.
        init = services["kafka-init"]
        mounts = {target: m.ROOT / source for target, source in m.volume_sources(init).items()}
        init_env = {
            **env_on_host(m.service_environment(init), mounts),
            "BOOTSTRAP_SERVERS": kafka.bootstrap_servers,
            "PATH": os.environ["PATH"],
            "KAFKA_BIN": str(kafka_bin),
        }
        said = run_to_end(on_host(init["command"], mounts), init_env, tmp_path)
        assert "kyoso-routing can log in (SCRAM-SHA-512)" in said
        kafka_init_did_its_work(kafka, prefix, dotenv)
        created = await topics_with(kafka, prefix)
        code = CommonSettings(topic_prefix=prefix)
        assert created == set().union(*(m.service_topics(s, code) for s in m.SERVICE_SETTINGS))

        # Then every service (compose starts them once kafka-init has succeeded), each
        # logged in as its own Kafka user where the broker asks.
        running = {}
        for name, service in m.desk_services(compose).items():
            port = free_port()
            data_dir = tmp_path / name
            data_dir.mkdir()
            env = {**image_env(), **m.service_environment(service)}
            assert env["KYOSO_DATA_DIR"] == "/data"  # a container path
            assert env["KYOSO_KAFKA_BOOTSTRAP_SERVERS"] == "kafka:9092"
            env = kafka.service_environment(env)
            if name in FRONTS:  # it keeps no events: no database to point elsewhere
                assert env["KYOSO_DATABASE_URL"] == "memory:"
            else:
                assert env["KYOSO_DATABASE_URL"].startswith("postgresql://kyoso:")
                env["KYOSO_DATABASE_URL"] = postgres_url
            env.update(
                {
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
        assert await topics_with(kafka, prefix) == created
        for process, _ in running.values():
            process.stops_cleanly()


# -- kubectl apply -k deploy/overlays/…, as processes ----------------------------------------


async def test_kubernetes_job_waits_and_every_service_until_ready(
    request: pytest.FixtureRequest,
    broker_kind: str,
    postgres_url: str,
    kafka_bin: Path,
    tmp_path: Path,
) -> None:
    kustomize = m.kustomization(m.BASE)
    prefix = f"t{uuid.uuid4().hex[:10]}"
    config_maps = {name: dict(data) for name, data in kustomize.config_maps.items()}
    secrets = {
        "kyoso-secrets": {
            **kustomize.secrets["kyoso-secrets"],
            **SECRETS,
            "KYOSO_DATABASE_URL": postgres_url,
        }
    }
    kafka_env = m.container_environment(
        m.container(kustomize.find("StatefulSet", "kafka"), "kafka"), config_maps, secrets
    )
    deployments = {
        d["metadata"]["name"]: d
        for d in kustomize.of_kind("Deployment")
        if d["metadata"]["name"] in m.SERVICE_SETTINGS
    }
    assert deployments

    with (
        deployment_kafka(request, broker_kind, kafka_env, tmp_path, kafka_bin) as kafka,
        contextlib.ExitStack() as stack,
    ):
        # The city's settings, as settings.env would hold them here.
        config_maps["kyoso-settings"].update(
            {
                "KYOSO_KAFKA_BOOTSTRAP_SERVERS": kafka.bootstrap_servers,
                "KYOSO_TOPIC_PREFIX": prefix,
                "KYOSO_KAFKA_SESSION_TIMEOUT_SECONDS": SESSION_TIMEOUT,
                "KYOSO_TRUSTED_KEYS": EVENT_KEYS["KYOSO_TRUSTED_KEYS"],
            }
        )
        if not kafka.secured:
            config_maps["kyoso-settings"]["KYOSO_KAFKA_SECURITY_PROTOCOL"] = "PLAINTEXT"

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
                timeout=START_TIMEOUT,
                what=f"{name}'s init container to wait",
            )
            assert process.alive(), f"{name}'s wait ended early:\n{process.output()}"

        # … until the Job has made the users, the topics and the ACLs.
        job = kustomize.find("Job", "kyoso-kafka-init")
        create = m.container(job, "kafka-init")
        mounted = m.mounted_files(job, create, kustomize)
        argv = on_host(m.image_command(create), mounted)
        env = {
            **env_on_host(m.container_environment(create, config_maps, secrets), mounted),
            "PATH": os.environ["PATH"],
            "KAFKA_BIN": str(kafka_bin),
        }
        said = run_to_end(argv, env, tmp_path)
        assert "kyoso-subscriber can log in (SCRAM-SHA-512)" in said
        kafka_init_did_its_work(kafka, prefix, secrets["kyoso-secrets"])
        created = await topics_with(kafka, prefix)
        for name, process in waits.items():
            await wait_until(process.ended, timeout=START_TIMEOUT, what=f"{name}'s wait to end")
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

        assert await topics_with(kafka, prefix) == created
        for process, _, _ in running.values():
            process.stops_cleanly()
