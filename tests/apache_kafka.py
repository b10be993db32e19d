"""Apache Kafka, the reference broker (DESIGN.md §5), started by the tests in KRaft mode.

The broker is assembled from Maven Central: `tools/apache-kafka/pom.xml` names the same
version that docker-compose.yml and deploy/ run, and `mvn dependency:copy-dependencies`
copies its jars (cached in ~/.m2, so only the first run downloads). The broker runs
`kafka.Kafka` from those jars with its data in a folder of the caller's, a small heap, and
the compose file's settings (one node, topics never auto-created).

It has the same face as the embedded broker (`shared.broker.LocalBroker`): `start`,
`stop`, `bootstrap_servers`, `host`, `port`; and what only a real broker can do: restart
on the same data (`kill` then `start`), and know its clients (`secured`: SASL logins and
ACLs, as docker-compose.yml and deploy/ run it).
"""

from __future__ import annotations

import base64
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import time
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.protocol.admin import CreateAclsRequest

from shared.broker import BrokerDidNotStart, free_port, terminate
from shared.kafka_acls import Acl
from shared.kafka_security import KafkaClientSettings, client_options

ROOT = Path(__file__).resolve().parents[1]
POM = ROOT / "tools" / "apache-kafka" / "pom.xml"
JARS = ROOT / "tools" / "apache-kafka" / "target" / "jars"

LOG4J = """\
log4j.rootLogger=WARN, stdout
log4j.appender.stdout=org.apache.log4j.ConsoleAppender
log4j.appender.stdout.layout=org.apache.log4j.PatternLayout
log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka.server.KafkaRaftServer=INFO
"""


class ApacheKafkaUnavailable(RuntimeError):
    """Java, Maven or the download from Maven Central is missing: said plainly."""


def missing_tools() -> list[str]:
    return [tool for tool in ("java", "mvn") if shutil.which(tool) is None]


def kafka_version() -> str:
    text = POM.read_text(encoding="utf-8")
    start = text.index("<kafka.version>") + len("<kafka.version>")
    return text[start : text.index("</kafka.version>")]


def assemble() -> Path:
    """The broker's jars, copied from ~/.m2 (downloaded from Maven Central the first time)."""
    missing = missing_tools()
    if missing:
        raise ApacheKafkaUnavailable(
            f"Apache Kafka needs {' and '.join(missing)} on the PATH "
            "(a JDK 17+ and Maven, e.g. `apt-get install openjdk-17-jdk-headless maven`)"
        )
    stamp = JARS / f".kafka-{kafka_version()}"
    if stamp.exists():
        return JARS
    shutil.rmtree(JARS, ignore_errors=True)
    command = [
        "mvn",
        "--batch-mode",
        "--quiet",
        "-f",
        str(POM),
        "dependency:copy-dependencies",
        f"-DoutputDirectory={JARS}",
        "-DincludeScope=runtime",
    ]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise ApacheKafkaUnavailable(
            f"Maven could not assemble Apache Kafka {kafka_version()} from {POM.name} "
            f"(is Maven Central reachable?):\n{(done.stdout + done.stderr)[-3000:]}"
        )
    stamp.touch()
    return JARS


# The distribution's scripts kafka-init.sh calls, and the class each runs.
KAFKA_TOOLS = {
    "kafka-topics.sh": "org.apache.kafka.tools.TopicCommand",
    "kafka-configs.sh": "kafka.admin.ConfigCommand",
    "kafka-acls.sh": "kafka.admin.AclCommand",
}


def kafka_tool_script(folder: Path, name: str) -> Path:
    """The distribution's script `name` (KAFKA_TOOLS) in `folder`, running Kafka's own tool.

    kafka-init.sh starts some 45 of them one after the other, each a new JVM loading the
    admin client's classes. They share one class-data archive (JDK CDS), written by the
    first call and mapped by the others: 0.55 s a call instead of 0.9 s on an idle
    machine (measured against a live broker), more under the test lanes' load."""
    jars = assemble()
    archive = jars.parent / "tools.jsa"
    script = folder / name
    script.write_text(
        "#!/bin/sh\n"
        f'archive="{archive}"\n'
        'if [ -f "$archive" ]; then share="-XX:SharedArchiveFile=$archive"\n'
        'else share="-XX:ArchiveClassesAtExit=$archive.$$ -Xlog:disable"; fi\n'
        f"java -Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 $share "
        f"-Dlog4j.configuration=file:{folder / 'log4j.properties'} "
        f"-cp '{jars}/*' {KAFKA_TOOLS[name]} \"$@\"\n"
        "status=$?\n"
        '[ ! -f "$archive.$$" ] || mv -f "$archive.$$" "$archive"\n'
        'exit "$status"\n',
        encoding="utf-8",
    )
    (folder / "log4j.properties").write_text(LOG4J, encoding="utf-8")
    script.chmod(0o755)
    return script


def kafka_topics_script(folder: Path) -> Path:
    """The distribution's `kafka-topics.sh` in `folder`: Kafka's own TopicCommand."""
    return kafka_tool_script(folder, "kafka-topics.sh")


@dataclass(frozen=True)
class Secured:
    """A broker that knows every client, laid out like the compose file's: every listener
    speaks SASL; the users log in with SCRAM-SHA-512 (added when the storage is formatted,
    as `kafka-storage.sh format --add-scram` does); the admin, the one super user, with
    PLAIN, which the controller listener and the broker itself use too (KRaft keeps SCRAM
    users in its metadata, which the controller needs before it can read them); and the
    StandardAuthorizer refuses whatever no ACL allows."""

    admin_password: str
    users: Mapping[str, str] = field(default_factory=dict)  # SCRAM-SHA-512 user → password
    admin: str = "kyoso-admin"
    # A PEM file with the broker's private key and certificate (for `localhost`): then a
    # second listener speaks SASL_SSL, as a cluster reached from outside should.
    tls_keystore: Path | None = None

    def admin_login(self) -> KafkaClientSettings:
        """How the admin's clients log in."""
        return KafkaClientSettings(
            kafka_security_protocol="SASL_PLAINTEXT",
            kafka_sasl_mechanism="PLAIN",
            kafka_sasl_username=self.admin,
            kafka_sasl_password=self.admin_password,
        )

    def login(self, user: str, password: str | None = None) -> KafkaClientSettings:
        """How a user's clients log in (with its password, or the one given)."""
        return KafkaClientSettings(
            kafka_security_protocol="SASL_PLAINTEXT",
            kafka_sasl_mechanism="SCRAM-SHA-512",
            kafka_sasl_username=user,
            kafka_sasl_password=self.users[user] if password is None else password,
        )

    def _plain_jaas(self) -> str:
        return (
            "org.apache.kafka.common.security.plain.PlainLoginModule required "
            f'username="{self.admin}" password="{self.admin_password}" '
            f'user_{self.admin}="{self.admin_password}";'
        )

    def config(
        self, host: str, port: int, controller_port: int, tls_port: int | None = None
    ) -> dict[str, str]:
        config = self._sasl_config(host, port, controller_port)
        if self.tls_keystore is None or tls_port is None:
            return config
        scram = "org.apache.kafka.common.security.scram.ScramLoginModule required;"
        return {
            **config,
            "listeners": f"{config['listeners']},SECURE://{host}:{tls_port}",
            "advertised.listeners": f"{config['advertised.listeners']},SECURE://localhost:{tls_port}",
            "listener.security.protocol.map": (
                f"{config['listener.security.protocol.map']},SECURE:SASL_SSL"
            ),
            "listener.name.secure.sasl.enabled.mechanisms": "SCRAM-SHA-512",
            "listener.name.secure.scram-sha-512.sasl.jaas.config": scram,
            "listener.name.secure.ssl.keystore.type": "PEM",
            "listener.name.secure.ssl.keystore.location": str(self.tls_keystore),
        }

    def _sasl_config(self, host: str, port: int, controller_port: int) -> dict[str, str]:
        return {
            "listeners": f"CLIENT://{host}:{port},CONTROLLER://{host}:{controller_port}",
            "advertised.listeners": f"CLIENT://{host}:{port}",
            "listener.security.protocol.map": "CLIENT:SASL_PLAINTEXT,CONTROLLER:SASL_PLAINTEXT",
            "inter.broker.listener.name": "CLIENT",
            "sasl.mechanism.controller.protocol": "PLAIN",
            "sasl.mechanism.inter.broker.protocol": "PLAIN",
            "listener.name.controller.sasl.enabled.mechanisms": "PLAIN",
            "listener.name.client.sasl.enabled.mechanisms": "SCRAM-SHA-512,PLAIN",
            "listener.name.controller.plain.sasl.jaas.config": self._plain_jaas(),
            "listener.name.client.plain.sasl.jaas.config": self._plain_jaas(),
            "listener.name.client.scram-sha-512.sasl.jaas.config": (
                "org.apache.kafka.common.security.scram.ScramLoginModule required;"
            ),
            "authorizer.class.name": "org.apache.kafka.metadata.authorizer.StandardAuthorizer",
            "allow.everyone.if.no.acl.found": "false",
            "super.users": f"User:{self.admin}",
        }

    def format_arguments(self) -> list[str]:
        return [
            argument
            for user, password in self.users.items()
            for argument in ("--add-scram", f"SCRAM-SHA-512=[name={user},password={password}]")
        ]


def new_cluster_id() -> str:
    """A cluster id as Kafka's own `Uuid.randomUuid()` makes it.

    One in 64 url-safe encodings starts with "-", which `kafka-storage format -t` reads
    as an option and refuses (a CI run failed on "-j1fTNH1SjehoeXITCL6hA"); Kafka
    draws again in that case, and so do we.
    """
    while True:
        cluster_id = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        if not cluster_id.startswith("-"):
            return cluster_id


class ApacheKafka:
    """One KRaft node (broker and controller) on loopback, its data in `data_dir`."""

    def __init__(
        self,
        data_dir: Path,
        port: int | None = None,
        host: str = "127.0.0.1",
        partitions: int = 3,
        secured: Secured | None = None,
        overrides: Mapping[str, str] | None = None,
    ) -> None:
        self.host = host
        self.secured = secured
        # Broker settings over all others (e.g. a deployment's own, its addresses swapped).
        self.overrides = dict(overrides or {})
        self.port = port or free_port(host)
        self.controller_port = free_port(host)
        self.tls_port = free_port(host) if secured and secured.tls_keystore else None
        self.data_dir = data_dir
        self.partitions = partitions
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def bootstrap_servers(self) -> str:
        return f"{self.host}:{self.port}"

    @property
    def tls_bootstrap_servers(self) -> str:
        """The SASL_SSL listener of a `Secured` broker with a keystore, by the name its
        certificate carries."""
        assert self.tls_port is not None, "no TLS listener"
        return f"localhost:{self.tls_port}"

    @property
    def log_path(self) -> Path:
        return self.data_dir / "broker.log"

    def _config(self) -> Path:
        logs = self.data_dir / "logs"
        lines = {
            "process.roles": "broker,controller",
            "node.id": "1",
            "controller.quorum.voters": f"1@{self.host}:{self.controller_port}",
            "listeners": f"PLAINTEXT://{self.host}:{self.port},CONTROLLER://{self.host}:{self.controller_port}",
            "advertised.listeners": f"PLAINTEXT://{self.host}:{self.port}",
            "controller.listener.names": "CONTROLLER",
            "listener.security.protocol.map": "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
            "inter.broker.listener.name": "PLAINTEXT",
            "log.dirs": str(logs),
            "num.partitions": str(self.partitions),
            "offsets.topic.replication.factor": "1",
            "offsets.topic.num.partitions": "10",
            "transaction.state.log.replication.factor": "1",
            "transaction.state.log.min.isr": "1",
            "group.initial.rebalance.delay.ms": "0",
            # As in docker-compose.yml: topics come from their owners, never from a typo.
            "auto.create.topics.enable": "false",
            "delete.topic.enable": "true",
            # The tests give consumers 2 s sessions (as `kyoso up` does for the embedded
            # broker), so a killed instance's partitions move on quickly; Kafka's default
            # floor is 6 s, which production keeps (the desk's default session is 10 s).
            "group.min.session.timeout.ms": "1000",
            # A restarted node waits out its own old session: keep that short.
            "broker.session.timeout.ms": "3000",
            "broker.heartbeat.interval.ms": "500",
        }
        if self.secured is not None:
            lines.update(
                self.secured.config(self.host, self.port, self.controller_port, self.tls_port)
            )
        lines.update(self.overrides)
        path = self.data_dir / "server.properties"
        path.write_text("".join(f"{k}={v}\n" for k, v in lines.items()), encoding="utf-8")
        (self.data_dir / "log4j.properties").write_text(LOG4J, encoding="utf-8")
        return path

    def _java(self, main: str, *args: str, heap: str = "-Xmx512m") -> list[str]:
        return [
            "java",
            heap,
            "-Xms128m",
            "-XX:+UseSerialGC",
            "-XX:TieredStopAtLevel=1",  # starts in half the time; a test broker is never hot
            "-Djava.awt.headless=true",
            f"-Dlog4j.configuration=file:{self.data_dir / 'log4j.properties'}",
            "-cp",
            f"{assemble()}/*",
            main,
            *args,
        ]

    def start(self, timeout: float = 90.0) -> ApacheKafka:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        config = self._config()
        if not (self.data_dir / "logs" / "meta.properties").exists():
            subprocess.run(
                self._java(
                    "kafka.tools.StorageTool",
                    "format",
                    "-t",
                    new_cluster_id(),
                    "-c",
                    str(config),
                    *(self.secured.format_arguments() if self.secured else ()),
                    heap="-Xmx128m",
                ),
                check=True,
                capture_output=True,
            )
        with open(self.log_path, "ab") as log:
            self._process = subprocess.Popen(
                self._java("kafka.Kafka", str(config)),
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise BrokerDidNotStart(
                    f"Apache Kafka exited with code {self._process.returncode}:\n{self._log_tail()}"
                )
            if self._started():
                return self
            time.sleep(0.1)
        self.kill()
        raise BrokerDidNotStart(f"Apache Kafka did not start in {timeout}s:\n{self._log_tail()}")

    def _log_tail(self) -> str:
        return self.log_path.read_text(errors="replace")[-3000:] if self.log_path.exists() else ""

    def _started(self) -> bool:
        """The broker says so once it is registered and unfenced, then it listens."""
        if "Kafka Server started" not in self._log_tail():
            return False
        with (
            contextlib.suppress(OSError),
            socket.create_connection((self.host, self.port), timeout=0.2),
        ):
            return True
        return False

    def kill(self) -> None:
        """kill -9: the broker gets no chance to flush or say goodbye."""
        if self._process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self._process.pid, signal.SIGKILL)
        self._process.wait()
        self._process = None
        self._forget_started()

    def stop(self) -> None:
        if self._process is None:
            return
        terminate(self._process, grace=30)  # a clean shutdown flushes the logs: let it
        self._process = None
        self._forget_started()

    def _forget_started(self) -> None:
        # The next start waits for a new "Kafka Server started" line.
        if self.log_path.exists():
            self.log_path.rename(self.log_path.with_suffix(f".{time.monotonic_ns()}.log"))

    def __enter__(self) -> ApacheKafka:
        return self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


# Kafka's numbers for ACL fields (org.apache.kafka.common.acl, ...resource), which the
# CreateAcls request carries.
_RESOURCE_TYPES = {"topic": 2, "group": 3, "cluster": 4}
_PATTERNS = {"literal": 3, "prefixed": 4}
_OPERATIONS = {
    "Read": 3,
    "Write": 4,
    "Create": 5,
    "Delete": 6,
    "Alter": 7,
    "Describe": 8,
    "ClusterAction": 9,
    "DescribeConfigs": 10,
    "AlterConfigs": 11,
    "IdempotentWrite": 12,
}
_ALLOW = 3


async def grant(bootstrap_servers: str, admin: KafkaClientSettings, acls: Iterable[Acl]) -> None:
    """Create the ACLs on the broker at once, as its admin. aiokafka's admin client has no
    ACL method, so this sends Kafka's CreateAcls request itself; deployments run
    kafka-acls.sh (deploy/base/kafka-init.sh), which starts a JVM per line."""
    client = AIOKafkaAdminClient(**client_options(bootstrap_servers, admin))
    await client.start()
    try:
        for acl in acls:
            request = CreateAclsRequest(
                resource_type=_RESOURCE_TYPES[acl.resource_type],
                resource_name=acl.name,
                resource_pattern_type_filter=_PATTERNS[acl.pattern],
                principal=acl.principal,
                host="*",
                operation=_OPERATIONS[acl.operation],
                permission_type=_ALLOW,
            )
            response = await client._send_request(request)
            for error_code, message in response.creation_responses:
                if error_code:
                    raise RuntimeError(f"the broker refused {acl}: {error_code} {message}")
    finally:
        await client.close()
