"""Finding 6: a wrong setting stops start-up with one line that names the variable, and
never repeats a secret; addresses, paths and staff entries are checked before use."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from services.intake.settings import IntakeSettings
from services.portal.settings import PortalSettings
from services.registry import PROCESSES
from services.routing.settings import RoutingSettings
from shared.settings import CommonSettings, ConfigError, is_secret, load_settings
from shared.store import eventsourcing_env

ROOT = Path(__file__).resolve().parents[2]
SHORT_SECRET = "short-secret-42"


def refusal(monkeypatch: pytest.MonkeyPatch, variable: str, value: str) -> str:
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigError) as refused:
        load_settings(IntakeSettings)
    return str(refused.value)


@pytest.mark.parametrize(
    ("variable", "value", "named"),
    [
        ("KYOSO_SECRET_KEY", SHORT_SECRET, "KYOSO_SECRET_KEY"),
        ("KYOSO_METRICS_TOKEN", SHORT_SECRET, "KYOSO_METRICS_TOKEN"),
        (
            "KYOSO_STAFF_TOKENS",
            json.dumps([{"token": SHORT_SECRET, "role": "desk", "municipality": "nagasaki"}]),
            "KYOSO_STAFF_TOKENS[0].token",
        ),
        (
            "KYOSO_STAFF_TOKENS",
            json.dumps([{"token": SHORT_SECRET + "-and-long-enough", "role": "mayor"}]),
            "KYOSO_STAFF_TOKENS[0].role",
        ),
    ],
)
def test_a_wrong_secret_is_named_but_never_repeated(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, named: str
) -> None:
    message = refusal(monkeypatch, variable, value)
    assert f"{named}:" in message
    assert SHORT_SECRET not in message
    assert "(value withheld)" in message


def test_staff_tokens_given_as_text_are_not_repeated_either() -> None:
    entries = json.dumps([{"token": SHORT_SECRET, "role": "desk", "municipality": "nagasaki"}])
    with pytest.raises(ConfigError) as refused:
        load_settings(IntakeSettings, staff_tokens=entries)
    assert "KYOSO_STAFF_TOKENS[0].token:" in str(refused.value)
    assert SHORT_SECRET not in str(refused.value)


def test_a_wrong_plain_setting_still_shows_what_was_given(monkeypatch: pytest.MonkeyPatch) -> None:
    assert "(got 'LOUD')" in refusal(monkeypatch, "KYOSO_LOG_LEVEL", "LOUD")


@pytest.mark.parametrize(
    "servers",
    ["kafka", "kafka:", ":9092", "kafka:0", "kafka:65536", "kafka:port", "a:9092,,b:9092", "a b:1"],
)
def test_kafka_addresses_must_be_host_and_port(
    monkeypatch: pytest.MonkeyPatch, servers: str
) -> None:
    message = refusal(monkeypatch, "KYOSO_KAFKA_BOOTSTRAP_SERVERS", servers)
    assert message.startswith("invalid configuration: KYOSO_KAFKA_BOOTSTRAP_SERVERS: ")
    assert "host:port" in message


@pytest.mark.parametrize(
    "servers", ["kafka:9092", "kafka-1:9092, kafka-2:9093", "10.0.0.5:1", "[::1]:65535"]
)
def test_good_kafka_addresses_are_taken(servers: str) -> None:
    assert CommonSettings(kafka_bootstrap_servers=servers).kafka_bootstrap_servers == servers


def test_a_sqlite_file_in_a_missing_folder_is_refused_and_no_folder_is_made(
    tmp_path: Path,
) -> None:
    missing = tmp_path / "not" / "there"
    settings = CommonSettings(
        data_dir=tmp_path / "data", database_url=f"sqlite:///{missing / 'x.sqlite'}"
    )
    with pytest.raises(ConfigError, match=r"^KYOSO_DATABASE_URL: the folder .* does not exist"):
        eventsourcing_env("intake", settings)
    assert not (tmp_path / "not").exists()


def test_a_sqlite_file_inside_the_data_folder_gets_its_folder(tmp_path: Path) -> None:
    data = tmp_path / "data"
    settings = CommonSettings(data_dir=data, database_url=f"sqlite:///{data / 'db' / 'x.sqlite'}")
    assert eventsourcing_env("intake", settings)["SQLITE_DBNAME"] == str(data / "db" / "x.sqlite")
    assert (data / "db").is_dir()


def test_a_staff_token_for_a_city_the_desk_does_not_serve_is_refused() -> None:
    entries = [
        {"token": "nagasaki-desk-" + "n" * 16, "role": "desk", "municipality": "nagasaki"},
        {"token": "osaka-desk-" + "o" * 16, "role": "desk", "municipality": "osaka"},
    ]
    with pytest.raises(ConfigError) as refused:
        load_settings(RoutingSettings, staff_tokens=entries)
    message = str(refused.value)
    assert "KYOSO_STAFF_TOKENS[1].municipality: " in message
    assert "'osaka' is not a municipality this desk serves" in message
    assert "o" * 16 not in message


# -- start-up of `kyoso service`, as an operator runs it ------------------------------


@pytest.fixture
def closed_port() -> Iterator[int]:
    """A local port nothing listens on (held, so nothing else takes it meanwhile)."""
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        yield held.getsockname()[1]


def start_intake(tmp_path: Path, **variables: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "KYOSO_DATA_DIR": str(tmp_path),
        "KYOSO_INTAKE_PORT": "1",  # never reached: start-up stops before it listens
        "KYOSO_RELAY_ENABLED": "false",
        "KYOSO_CONSUMER_ENABLED": "false",
        "KYOSO_LOG_LEVEL": "WARNING",
        **variables,
    }
    return subprocess.run(
        [sys.executable, "-m", "kyoso.cli", "service", "intake"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def assert_one_line_naming(result: subprocess.CompletedProcess[str], variable: str) -> str:
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith(f"kyoso: {variable}: "), result.stderr
    return last


def test_a_postgresql_that_cannot_be_reached_is_one_line_naming_the_url(
    tmp_path: Path, closed_port: int
) -> None:
    url = f"postgresql://kyoso:{SHORT_SECRET}@127.0.0.1:{closed_port}/kyoso"
    result = start_intake(tmp_path, KYOSO_DATABASE_URL=url)
    line = assert_one_line_naming(result, "KYOSO_DATABASE_URL")
    assert f"127.0.0.1:{closed_port}" in line
    assert SHORT_SECRET not in result.stderr


def test_a_host_name_that_does_not_resolve_is_one_line_naming_the_host(tmp_path: Path) -> None:
    result = start_intake(tmp_path, KYOSO_HTTP_HOST="desk.invalid")
    line = assert_one_line_naming(result, "KYOSO_HTTP_HOST")
    assert "'desk.invalid'" in line


# -- every settings class: what holds a secret is never repeated ------------------------

# A setting named like a secret holds one; the trusted keys are public keys (no secret).
SECRET_NAME = re.compile(r"(_key|_token|_tokens|password|_secret|^database_url)$")
PUBLIC_ON_PURPOSE = {"trusted_keys"}


@pytest.mark.parametrize("process", list(PROCESSES))
def test_every_setting_that_holds_a_secret_is_withheld_from_errors(process: str) -> None:
    settings_class = PROCESSES[process].settings
    secrets_held = {
        name
        for name in settings_class.model_fields
        if SECRET_NAME.search(name) and name not in PUBLIC_ON_PURPOSE
    }
    assert secrets_held, "every process has at least a metrics token"
    shown = {name for name in secrets_held if not is_secret(settings_class, name)}
    assert not shown, f"{process} would repeat these in a configuration error: {shown}"


@pytest.mark.parametrize("variable", ["KYOSO_PORTAL_CSRF_KEY", "KYOSO_PORTAL_SESSION_KEY"])
def test_a_short_portal_key_is_named_but_never_repeated(
    monkeypatch: pytest.MonkeyPatch, variable: str
) -> None:
    monkeypatch.setenv(variable, SHORT_SECRET)
    with pytest.raises(ConfigError) as refused:
        load_settings(PortalSettings)
    message = str(refused.value)
    assert f"{variable}: " in message and "at least 32 characters" in message
    assert SHORT_SECRET not in message


def test_a_department_token_must_name_its_department() -> None:
    entries = [
        {"token": "nagasaki-desk-" + "n" * 16, "role": "desk", "municipality": "nagasaki"},
        {"token": "nagasaki-dept-" + "d" * 16, "role": "department", "municipality": "nagasaki"},
    ]
    with pytest.raises(ConfigError) as refused:
        load_settings(IntakeSettings, staff_tokens=entries)
    message = str(refused.value)
    assert "KYOSO_STAFF_TOKENS: " in message
    assert "entry 1 is a department token that names no department" in message
    assert "d" * 16 not in message


def test_one_token_may_not_stand_for_two_entries() -> None:
    """Which of the two would the desk believe? The first: a silent mistake."""
    token = "nagasaki-shared-" + "s" * 16
    entries = [
        {"token": token, "role": "desk", "municipality": "nagasaki"},
        {"token": token, "role": "council", "municipality": "nagasaki"},
    ]
    with pytest.raises(ConfigError) as refused:
        load_settings(IntakeSettings, staff_tokens=entries)
    message = str(refused.value)
    assert "entry 1 has the same token as entry 0" in message
    assert token not in message


def test_routing_knows_the_departments_and_refuses_one_its_directory_lacks() -> None:
    """Routing holds the cities' department directories (services/routing/data)."""
    entries = [
        {
            "token": "nagasaki-kyoiku-" + "k" * 16,
            "role": "department",
            "municipality": "nagasaki",
            "department": "kyoikuu",
        }
    ]
    with pytest.raises(ConfigError) as refused:
        load_settings(RoutingSettings, staff_tokens=entries)
    message = str(refused.value)
    assert "KYOSO_STAFF_TOKENS: " in message
    assert "entry 0 names 'kyoikuu', which is not a department of nagasaki" in message
    assert "k" * 16 not in message
    entries[0]["department"] = "kyoiku"
    assert load_settings(RoutingSettings, staff_tokens=entries).staff_tokens[0].department == (
        "kyoiku"
    )


@pytest.mark.parametrize(
    "issuer",
    ["id.example-city.jp", "http://id.example-city.jp/realms/staff", "ftp://id.jp", "https://"],
)
def test_the_identity_provider_is_reached_over_https(
    monkeypatch: pytest.MonkeyPatch, issuer: str
) -> None:
    """The keys that every staff token is checked against come from the issuer: fetched
    over plain HTTP, anyone on the way could hand the desk keys of their own."""
    message = refusal(monkeypatch, "KYOSO_OIDC_ISSUER", issuer)
    assert message.startswith("invalid configuration: KYOSO_OIDC_ISSUER: ")
    assert "https://" in message


@pytest.mark.parametrize(
    "issuer",
    [
        "https://id.example-city.jp/realms/staff",
        "https://login.microsoftonline.com/TENANT/v2.0",
        "http://127.0.0.1:8090",  # `kyoso up`'s local provider, on this machine only
        "http://localhost:8090",
        "http://[::1]:8090",
        "",
    ],
)
def test_an_https_issuer_or_one_on_this_machine_is_taken(issuer: str) -> None:
    assert load_settings(IntakeSettings, oidc_issuer=issuer).oidc_issuer == issuer
