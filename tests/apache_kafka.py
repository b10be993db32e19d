"""Apache Kafka, the reference broker (DESIGN.md §5), started by the tests in KRaft mode.

The broker is assembled from Maven Central: `tools/apache-kafka/pom.xml` names the same
version that docker-compose.yml and deploy/ run, and `mvn dependency:copy-dependencies`
copies its jars (cached in ~/.m2, so only the first run downloads). The broker runs
`kafka.Kafka` from those jars with its data in a folder of the caller's, a small heap, and
the compose file's settings (one node, topics never auto-created).

It has the same face as the embedded broker (`shared.broker.LocalBroker`): `start`,
`stop`, `bootstrap_servers`, `host`, `port`; and what only a real broker can do: restart
on the same data (`kill` then `start`).
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
from pathlib import Path
from types import TracebackType

from shared.broker import BrokerDidNotStart, free_port, terminate

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


def kafka_topics_script(folder: Path) -> Path:
    """The distribution's `kafka-topics.sh` in `folder`: Kafka's own TopicCommand."""
    script = folder / "kafka-topics.sh"
    script.write_text(
        "#!/bin/sh\n"
        f"exec java -Xmx256m -XX:TieredStopAtLevel=1 -Dlog4j.configuration=file:{folder / 'log4j.properties'} "
        f"-cp '{assemble()}/*' org.apache.kafka.tools.TopicCommand \"$@\"\n",
        encoding="utf-8",
    )
    (folder / "log4j.properties").write_text(LOG4J, encoding="utf-8")
    script.chmod(0o755)
    return script


def new_cluster_id() -> str:
    return base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")


class ApacheKafka:
    """One KRaft node (broker and controller) on loopback, its data in `data_dir`."""

    def __init__(
        self, data_dir: Path, port: int | None = None, host: str = "127.0.0.1", partitions: int = 3
    ) -> None:
        self.host = host
        self.port = port or free_port(host)
        self.controller_port = free_port(host)
        self.data_dir = data_dir
        self.partitions = partitions
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def bootstrap_servers(self) -> str:
        return f"{self.host}:{self.port}"

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
