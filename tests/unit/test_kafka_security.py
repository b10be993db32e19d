"""How the desk's Kafka clients log in (shared.kafka_security): what an operator sets, what
each client gets, and what a wrong setting says at start-up."""

from __future__ import annotations

import argparse
import ssl
from pathlib import Path

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient
from faust.auth import SASLCredentials

from kyoso.cli import main as kyoso
from services.routing.settings import RoutingSettings
from shared.kafka_security import (
    KafkaClientSettings,
    add_client_arguments,
    client_options,
    process_kafka_security,
    security_from_arguments,
)
from shared.settings import CommonSettings, ConfigError, load_settings
from shared.streams import faust_app
from tests.tls import issue

PASSWORD = "correct-horse-battery-staple"
SASL = {
    "KYOSO_KAFKA_SECURITY_PROTOCOL": "SASL_PLAINTEXT",
    "KYOSO_KAFKA_SASL_USERNAME": "kyoso-routing",
    "KYOSO_KAFKA_SASL_PASSWORD": PASSWORD,
}


@pytest.fixture
def environment(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """A clean slate of KYOSO_KAFKA_* variables, as on a new machine."""
    for field in KafkaClientSettings.model_fields:
        monkeypatch.delenv(f"KYOSO_{field.upper()}", raising=False)
    return monkeypatch


def test_the_default_adds_nothing_so_the_local_desk_connects_as_before() -> None:
    settings = CommonSettings()
    assert settings.kafka_security_protocol == "PLAINTEXT"
    assert client_options("127.0.0.1:9092", settings) == {"bootstrap_servers": "127.0.0.1:9092"}
    assert faust_app("routing", settings).conf.broker_credentials is None


async def test_every_service_logs_in_with_the_sasl_settings_it_is_given(
    environment: pytest.MonkeyPatch,
) -> None:
    for name, value in SASL.items():
        environment.setenv(name, value)
    settings = load_settings(RoutingSettings)
    options = client_options("kafka:9092", settings)
    assert options == {
        "bootstrap_servers": "kafka:9092",
        "security_protocol": "SASL_PLAINTEXT",
        "sasl_mechanism": "SCRAM-SHA-512",
        "sasl_plain_username": "kyoso-routing",
        "sasl_plain_password": PASSWORD,
    }
    # aiokafka takes them as they are (it checks the combination when a client is made).
    AIOKafkaProducer(**options)
    AIOKafkaConsumer(**options)
    AIOKafkaAdminClient(**options)
    credentials = faust_app("routing", settings).conf.broker_credentials
    assert isinstance(credentials, SASLCredentials)
    assert (credentials.username, credentials.password) == ("kyoso-routing", PASSWORD)
    assert credentials.mechanism.value == "SCRAM-SHA-512"
    assert credentials.protocol.value == "SASL_PLAINTEXT"
    # A client given no settings logs in as the process: the same variables.
    assert client_options("kafka:9092") == options
    assert process_kafka_security().kafka_sasl_username == "kyoso-routing"


def test_the_password_is_never_shown(environment: pytest.MonkeyPatch) -> None:
    settings = load_settings(
        CommonSettings, **{k.removeprefix("KYOSO_").lower(): v for k, v in SASL.items()}
    )
    assert PASSWORD not in repr(settings) and PASSWORD not in str(settings)
    environment.setenv("KYOSO_KAFKA_SECURITY_PROTOCOL", "SASL_SSL")
    environment.setenv("KYOSO_KAFKA_SASL_PASSWORD", PASSWORD)
    with pytest.raises(ConfigError) as refused:
        load_settings(CommonSettings)
    assert PASSWORD not in str(refused.value)


@pytest.mark.parametrize("missing", ["KYOSO_KAFKA_SASL_USERNAME", "KYOSO_KAFKA_SASL_PASSWORD"])
def test_sasl_without_a_login_stops_start_up_naming_the_variable(
    environment: pytest.MonkeyPatch, missing: str
) -> None:
    for name, value in SASL.items():
        if name != missing:
            environment.setenv(name, value)
    with pytest.raises(ConfigError) as refused:
        load_settings(RoutingSettings)
    assert (
        f"{missing}: Value error, is required when KYOSO_KAFKA_SECURITY_PROTOCOL is SASL_PLAINTEXT"
    ) in str(refused.value)
    assert PASSWORD not in str(refused.value)


def test_an_unknown_protocol_or_mechanism_is_refused_by_name(
    environment: pytest.MonkeyPatch,
) -> None:
    environment.setenv("KYOSO_KAFKA_SECURITY_PROTOCOL", "TLS")
    environment.setenv("KYOSO_KAFKA_SASL_MECHANISM", "SCRAM-SHA-1")
    with pytest.raises(ConfigError) as refused:
        load_settings(CommonSettings)
    message = str(refused.value)
    assert "KYOSO_KAFKA_SECURITY_PROTOCOL: Input should be 'PLAINTEXT', 'SSL'," in message
    assert "KYOSO_KAFKA_SASL_MECHANISM: Input should be 'SCRAM-SHA-512'," in message


async def test_tls_checks_the_broker_and_presents_the_client_certificate(tmp_path: Path) -> None:
    pem = issue(tmp_path)
    settings = CommonSettings(
        kafka_security_protocol="SASL_SSL",
        kafka_sasl_username="kyoso-intake",
        kafka_sasl_password=PASSWORD,
        kafka_ssl_cafile=str(pem.ca),
        kafka_ssl_certfile=str(pem.certificate),
        kafka_ssl_keyfile=str(pem.key),
    )
    options = settings.kafka_client_options()
    context = options["ssl_context"]
    assert isinstance(context, ssl.SSLContext)
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname
    assert [c["subject"] for c in context.get_ca_certs()] == [((("commonName", "Kyoso test CA"),),)]
    assert options["security_protocol"] == "SASL_SSL"
    AIOKafkaProducer(bootstrap_servers="kafka:9093", **options)
    credentials = settings.faust_credentials()
    assert isinstance(credentials, SASLCredentials) and credentials.protocol.value == "SASL_SSL"
    mutual = CommonSettings(
        kafka_security_protocol="SSL",
        kafka_ssl_certfile=str(pem.certificate),
        kafka_ssl_keyfile=str(pem.key),
    )
    assert set(mutual.kafka_client_options()) == {"security_protocol", "ssl_context"}
    assert mutual.faust_credentials() is not None


def test_tls_files_that_would_not_be_used_or_do_not_exist_are_refused(tmp_path: Path) -> None:
    pem = issue(tmp_path)
    cases = [
        (
            {"kafka_ssl_cafile": str(pem.ca)},
            "KYOSO_KAFKA_SSL_CAFILE: Value error, is set, but KYOSO_KAFKA_SECURITY_PROTOCOL is "
            "PLAINTEXT, which uses no TLS",
        ),
        (
            {"kafka_security_protocol": "SSL", "kafka_ssl_cafile": str(tmp_path / "nowhere.pem")},
            "KYOSO_KAFKA_SSL_CAFILE: Value error, no such file",
        ),
        (
            {"kafka_security_protocol": "SSL", "kafka_ssl_certfile": str(pem.certificate)},
            "KYOSO_KAFKA_SSL_KEYFILE: Value error, is required with KYOSO_KAFKA_SSL_CERTFILE",
        ),
    ]
    for values, message in cases:
        with pytest.raises(ConfigError) as refused:
            load_settings(CommonSettings, **values)
        assert message in str(refused.value), values


def test_kyoso_subscribe_says_what_is_missing_and_reads_the_password_from_a_file(
    environment: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    flags = ["subscribe", "--store", str(tmp_path / "cases.sqlite")]
    assert kyoso([*flags, "--security-protocol", "SASL_SSL"]) == 2
    said = capsys.readouterr().err
    assert "kyoso: invalid configuration: KYOSO_KAFKA_SASL_USERNAME: Value error, is" in said
    assert "KYOSO_KAFKA_SASL_PASSWORD" in said
    assert kyoso([*flags, "--sasl-password-file", str(tmp_path / "none")]) == 2
    assert "--sasl-password-file: No such file or directory" in capsys.readouterr().err

    parser = argparse.ArgumentParser()
    add_client_arguments(parser)
    secret = tmp_path / "password"
    secret.write_text(f"{PASSWORD}\n", encoding="utf-8")
    environment.setenv("KYOSO_KAFKA_SASL_MECHANISM", "SCRAM-SHA-256")
    args = parser.parse_args(
        [
            "--security-protocol",
            "SASL_PLAINTEXT",
            "--sasl-username",
            "kyoso-subscriber",
            "--sasl-password-file",
            str(secret),
        ]
    )
    security = security_from_arguments(args)
    assert security.kafka_client_options() == {
        "security_protocol": "SASL_PLAINTEXT",
        "sasl_mechanism": "SCRAM-SHA-256",  # from the environment: no flag given
        "sasl_plain_username": "kyoso-subscriber",
        "sasl_plain_password": PASSWORD,
    }
