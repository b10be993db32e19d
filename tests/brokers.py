"""The brokers the integration, crash and deploy tests run on (DESIGN.md §5).

Two kinds: the embedded broker the desk starts by default (Tansu, memory only), and Apache
Kafka, the reference, assembled from Maven Central (tests/apache_kafka.py). Whether the
Apache Kafka lane runs is decided once per test session:

- `KYOSO_TEST_APACHE_KAFKA=require` (what `.ci/run` sets): it runs, and a missing JDK or
  Maven is a failure, not a skip;
- `auto` (the default): it runs when `java` and `mvn` are on the PATH;
- `off`: only the embedded broker, for a quick local run.

`./dev test` says in its last lines which lanes ran.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Protocol

import pytest

from shared.broker import LocalBroker, free_port
from tests.apache_kafka import ApacheKafka, kafka_version, missing_tools

TANSU = "tansu"
APACHE_KAFKA = "apache-kafka"
LANE_VARIABLE = "KYOSO_TEST_APACHE_KAFKA"


class Broker(Protocol):
    host: str
    port: int

    @property
    def bootstrap_servers(self) -> str: ...

    def stop(self) -> None: ...


class LaneMisconfigured(RuntimeError):
    pass


def apache_kafka_lane() -> tuple[bool, str]:
    """Whether the Apache Kafka lane runs, and why (for the closing lines of the run)."""
    wanted = os.environ.get(LANE_VARIABLE, "auto").strip().lower()
    if wanted not in {"auto", "require", "off"}:
        raise LaneMisconfigured(f"{LANE_VARIABLE} must be auto, require or off, not {wanted!r}")
    if wanted == "off":
        return False, f"not run ({LANE_VARIABLE}=off)"
    missing = missing_tools()
    if missing and wanted == "require":
        raise LaneMisconfigured(
            f"{LANE_VARIABLE}=require but {' and '.join(missing)} "
            f"{'are' if len(missing) > 1 else 'is'} not on the PATH: "
            "install a JDK 17+ and Maven (apt-get install openjdk-17-jdk-headless maven)"
        )
    if missing:
        return False, f"not run ({' and '.join(missing)} not on the PATH)"
    return True, f"Apache Kafka {kafka_version()} (KRaft, from Maven Central)"


def broker_kinds() -> list[str]:
    runs, _ = apache_kafka_lane()
    return [TANSU, APACHE_KAFKA] if runs else [TANSU]


def apache_kafka_only() -> pytest.MarkDecorator:
    """For a behaviour claimed for Apache Kafka alone (the production broker): the test
    runs on the Apache Kafka lane's broker, and is not collected for the embedded one
    (pytest lists it as an empty parameter set when the lane does not run)."""
    runs, _ = apache_kafka_lane()
    return pytest.mark.parametrize("broker_kind", [APACHE_KAFKA] if runs else [], indirect=True)


def embedded_broker_only() -> pytest.MarkDecorator:
    """For what does not depend on the broker at all (the portal's pages: they call the
    services over HTTP): the test runs once, on the embedded broker, and the lanes'
    broker matrix stays with the services' own tests."""
    return pytest.mark.parametrize("broker_kind", [TANSU], indirect=True)


def new_broker(kind: str, folder: Path, port: int | None = None) -> LocalBroker | ApacheKafka:
    """A broker of that kind, not yet started; an Apache Kafka keeps its data in `folder`."""
    if kind == TANSU:
        return LocalBroker(port=port or free_port())
    return ApacheKafka(folder, port=port)
