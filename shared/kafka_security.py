"""How the desk's Kafka clients prove who they are: SASL (SCRAM) and TLS, from the settings.

The broker knows every client (issue 18): in Compose and Kubernetes each service logs in
as its own user, and the broker's ACLs let it write only its own topics
(shared.kafka_acls). Every aiokafka client the desk makes takes its connection options
from here — the relay's producer and watcher, the admin clients and readers of
shared.topics, the Faust consumers, `kyoso subscribe` — so one set of settings secures
them all. PLAINTEXT, the default, is the local desk (`kyoso up`, the tests): it adds no
option, and every client connects exactly as before.

A client given no settings (a reader called without them) connects as the process
itself: with the KYOSO_KAFKA_* variables of its environment, which are the settings of the
service or tool that runs in it.
"""

from __future__ import annotations

import argparse
import ssl
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, get_args

from pydantic import Field, SecretStr, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

if TYPE_CHECKING:
    from faust.types.auth import CredentialsT

SecurityProtocol = Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"]
SaslMechanism = Literal["SCRAM-SHA-512", "SCRAM-SHA-256", "PLAIN"]
SASL_PROTOCOLS = ("SASL_PLAINTEXT", "SASL_SSL")
TLS_PROTOCOLS = ("SSL", "SASL_SSL")

# shared.settings reads the same prefix; it imports this module, so the prefix is spelled
# out here rather than imported.
_PREFIX = "KYOSO_"


def _variable(field: str) -> str:
    return f"{_PREFIX}{field.upper()}"


class KafkaClientSettings(BaseSettings):
    """How a client connects to Kafka: every service's settings include these."""

    model_config = SettingsConfigDict(env_prefix=_PREFIX, extra="ignore")

    kafka_security_protocol: SecurityProtocol = Field(
        "PLAINTEXT",
        description="How clients talk to Kafka: PLAINTEXT (the local desk), SASL_PLAINTEXT "
        "or SASL_SSL (log in with KYOSO_KAFKA_SASL_USERNAME), SSL (TLS, a client "
        "certificate for mutual TLS).",
    )
    kafka_sasl_mechanism: SaslMechanism = Field(
        "SCRAM-SHA-512",
        description="SASL mechanism: SCRAM-SHA-512, SCRAM-SHA-256 or PLAIN (PLAIN sends the "
        "password itself: only over SASL_SSL).",
    )
    kafka_sasl_username: str = Field(
        "",
        validate_default=True,
        description="The Kafka user the service logs in as (Compose and Kubernetes: "
        "kyoso-<service>).",
    )
    kafka_sasl_password: SecretStr = Field(
        SecretStr(""),
        validate_default=True,
        description="That user's password (a secret: never logged).",
    )
    kafka_ssl_cafile: str = Field(
        "",
        validate_default=True,
        description="PEM file of the CA that signed the brokers' certificates. Empty: the "
        "system's CAs.",
    )
    kafka_ssl_certfile: str = Field(
        "",
        validate_default=True,
        description="PEM file of the client's certificate, for mutual TLS.",
    )
    kafka_ssl_keyfile: str = Field(
        "",
        validate_default=True,
        description="PEM file of the client certificate's private key.",
    )

    @field_validator("kafka_sasl_username", "kafka_sasl_password")
    @classmethod
    def _sasl_needs_a_login(cls, value: str | SecretStr, info: ValidationInfo) -> str | SecretStr:
        protocol = info.data.get("kafka_security_protocol")
        given = value.get_secret_value() if isinstance(value, SecretStr) else value
        if protocol in SASL_PROTOCOLS and not given:
            raise ValueError(
                f"is required when {_variable('kafka_security_protocol')} is {protocol}"
            )
        return value

    @field_validator("kafka_ssl_cafile", "kafka_ssl_certfile", "kafka_ssl_keyfile")
    @classmethod
    def _tls_files(cls, value: str, info: ValidationInfo) -> str:
        if not value:
            if info.field_name == "kafka_ssl_keyfile" and info.data.get("kafka_ssl_certfile"):
                raise ValueError(f"is required with {_variable('kafka_ssl_certfile')}")
            return value
        protocol = info.data.get("kafka_security_protocol")
        if protocol is not None and protocol not in TLS_PROTOCOLS:
            # Set but unused would let an operator believe the connection is encrypted.
            raise ValueError(
                f"is set, but {_variable('kafka_security_protocol')} is {protocol}, which "
                "uses no TLS (SSL or SASL_SSL do)"
            )
        if not Path(value).is_file():
            raise ValueError("no such file")
        return value

    # -- what the clients get ------------------------------------------------------------

    def kafka_ssl_context(self) -> ssl.SSLContext:
        """A TLS context that checks the broker's certificate and name (and presents the
        client's certificate for mutual TLS)."""
        context = ssl.create_default_context(cafile=self.kafka_ssl_cafile or None)
        if self.kafka_ssl_certfile:
            context.load_cert_chain(self.kafka_ssl_certfile, self.kafka_ssl_keyfile or None)
        return context

    def kafka_client_options(self) -> dict[str, Any]:
        """The keyword arguments an aiokafka client (producer, consumer, admin) takes for
        this security; none for PLAINTEXT."""
        protocol = self.kafka_security_protocol
        if protocol == "PLAINTEXT":
            return {}
        options: dict[str, Any] = {"security_protocol": protocol}
        if protocol in TLS_PROTOCOLS:
            options["ssl_context"] = self.kafka_ssl_context()
        if protocol in SASL_PROTOCOLS:
            options["sasl_mechanism"] = self.kafka_sasl_mechanism
            options["sasl_plain_username"] = self.kafka_sasl_username
            options["sasl_plain_password"] = self.kafka_sasl_password.get_secret_value()
        return options

    def faust_credentials(self) -> CredentialsT | None:
        """The same, as Faust's `broker_credentials`; None for PLAINTEXT."""
        import faust  # the consuming services only: Faust is slow to import

        protocol = self.kafka_security_protocol
        if protocol == "PLAINTEXT":
            return None
        if protocol == "SSL":
            return faust.SSLCredentials(self.kafka_ssl_context())
        return faust.SASLCredentials(
            username=self.kafka_sasl_username,
            password=self.kafka_sasl_password.get_secret_value(),
            mechanism=self.kafka_sasl_mechanism,
            ssl_context=self.kafka_ssl_context() if protocol == "SASL_SSL" else None,
        )


def process_kafka_security() -> KafkaClientSettings:
    """The process's own Kafka identity: the KYOSO_KAFKA_* variables of its environment."""
    from shared.settings import load_settings

    return load_settings(KafkaClientSettings)


def client_options(
    bootstrap_servers: str, security: KafkaClientSettings | None = None
) -> dict[str, Any]:
    """Everything an aiokafka client needs to reach the brokers: where they are, and how
    to log in (the given settings, else the process's own)."""
    chosen = security if security is not None else process_kafka_security()
    return {"bootstrap_servers": bootstrap_servers, **chosen.kafka_client_options()}


# -- command-line flags (`kyoso subscribe`, shared.kafka_acls) -------------------------------


def add_client_arguments(parser: argparse.ArgumentParser) -> None:
    """Flags for how a command-line client logs in; each defaults to its KYOSO_KAFKA_*
    variable. The password is never a flag (shells keep history, `ps` shows arguments)."""
    group = parser.add_argument_group("Kafka security (default: the KYOSO_KAFKA_* variables)")
    for flag, field, choices in (
        ("--security-protocol", "kafka_security_protocol", get_args(SecurityProtocol)),
        ("--sasl-mechanism", "kafka_sasl_mechanism", get_args(SaslMechanism)),
        ("--sasl-username", "kafka_sasl_username", None),
        ("--ssl-cafile", "kafka_ssl_cafile", None),
        ("--ssl-certfile", "kafka_ssl_certfile", None),
        ("--ssl-keyfile", "kafka_ssl_keyfile", None),
    ):
        group.add_argument(flag, dest=field, choices=choices, help=f"(${_variable(field)})")
    group.add_argument(
        "--sasl-password-file",
        type=Path,
        help=f"a file holding the password (else ${_variable('kafka_sasl_password')})",
    )


def security_from_arguments(args: argparse.Namespace) -> KafkaClientSettings:
    """The flags given, over the KYOSO_KAFKA_* variables; a wrong combination is a
    ConfigError naming the variable."""
    from shared.settings import ConfigError, load_settings

    given: dict[str, Any] = {
        field: value
        for field in KafkaClientSettings.model_fields
        if (value := getattr(args, field, None)) is not None
    }
    password_file: Path | None = getattr(args, "sasl_password_file", None)
    if password_file is not None:
        try:
            given["kafka_sasl_password"] = password_file.read_text(encoding="utf-8").strip()
        except OSError as problem:
            raise ConfigError(
                f"invalid configuration: --sasl-password-file: {problem.strerror} ({password_file})"
            ) from None
    return load_settings(KafkaClientSettings, **given)
