"""`./dev test` says plainly when the Apache Kafka lane cannot run, and CI refuses to
pass without it."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.apache_kafka import ApacheKafkaUnavailable, assemble
from tests.brokers import LANE_VARIABLE, LaneMisconfigured, apache_kafka_lane


def without_java_and_maven(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # a folder with neither java nor mvn


def test_required_lane_without_a_jdk_is_an_error_naming_what_to_install(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    without_java_and_maven(monkeypatch, tmp_path)
    monkeypatch.setenv(LANE_VARIABLE, "require")
    with pytest.raises(LaneMisconfigured, match=r"java and mvn are not on the PATH.*openjdk"):
        apache_kafka_lane()


def test_without_a_jdk_the_lane_is_left_out_and_says_why(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    without_java_and_maven(monkeypatch, tmp_path)
    monkeypatch.setenv(LANE_VARIABLE, "auto")
    assert apache_kafka_lane() == (False, "not run (java and mvn not on the PATH)")
    with pytest.raises(ApacheKafkaUnavailable, match="needs java and mvn on the PATH"):
        assemble()


def test_a_wrong_lane_setting_names_the_variable_and_its_values(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(LANE_VARIABLE, "always")
    with pytest.raises(LaneMisconfigured, match=f"{LANE_VARIABLE} must be auto, require or off"):
        apache_kafka_lane()
