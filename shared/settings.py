"""Configuration from environment variables, with documented defaults.

Every service reads its settings through `load_settings`, which turns a wrong value into a
`ConfigError` naming the environment variable, so start-up stops with a message a
municipal IT team can act on (README, "Configuration").
"""

from __future__ import annotations

import re
import secrets
from pathlib import Path
from typing import Any, TypeVar

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic.config import JsonDict
from pydantic_settings import BaseSettings, SettingsConfigDict, SettingsError

from shared.kafka_security import KafkaClientSettings

ENV_PREFIX = "KYOSO_"

# Marks a setting whose value is a secret (keys, tokens, a URL with a password): a wrong
# value is named in the error but never repeated, since start-up errors end up in logs.
SECRET: JsonDict = {"secret": True}

# host:port, the host a name, an IPv4 address or an [IPv6] address.
KAFKA_ADDRESS = re.compile(r"^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+):([0-9]{1,5})$")


class ConfigError(ValueError):
    """A configuration value is missing or wrong; the message names the variable."""


class CommonSettings(KafkaClientSettings):
    """Settings every service reads (with how its Kafka clients log in: shared.kafka_security)."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="ignore")

    data_dir: Path = Field(
        Path("./data"), description="Folder for SQLite stores and generated local secrets."
    )
    database_url: str = Field(
        "",
        json_schema_extra=SECRET,
        description="Event store. Empty: a SQLite file per service under KYOSO_DATA_DIR. "
        "'sqlite:///path/file.sqlite' or 'postgresql://user:password@host:5432/db' "
        "(each service keeps its tables in its own schema); 'memory:' keeps nothing (tests).",
    )
    kafka_bootstrap_servers: str = Field(
        "127.0.0.1:9092", description="Kafka bootstrap servers, comma separated host:port."
    )
    kafka_session_timeout_seconds: float = Field(
        10.0,
        ge=1,
        le=300,
        description="Consumer group session timeout. The embedded broker holds a group join "
        "for half of it, so `kyoso up` uses 2.",
    )
    kafka_topic_partitions: int = Field(
        3,
        ge=1,
        le=1000,
        description="Partitions of a topic the services create (on a fresh or wiped broker); "
        "the most instances of one service that share its work.",
    )
    topic_prefix: str = Field(
        "kyoso", pattern=r"^[A-Za-z0-9._-]+$", description="Prefix of every Kafka topic name."
    )
    http_host: str = Field("127.0.0.1", description="Address the HTTP server listens on.")
    log_level: str = Field(
        "INFO", pattern=r"^(DEBUG|INFO|WARNING|ERROR)$", description="Python log level."
    )
    relay_batch_size: int = Field(
        500, ge=1, le=10_000, description="Events the relay publishes per batch."
    )
    relay_enabled: bool = Field(
        True,
        description="Run the Kafka relay inside the service process (else `kyoso relay NAME`).",
    )
    consumer_enabled: bool = Field(
        True, description="Consume the other services' topics (the service's Faust agents)."
    )
    relay_poll_interval_seconds: float = Field(
        0.2, gt=0, le=60, description="How often the relay looks for new events when idle."
    )
    http_max_body_bytes: int = Field(
        1024 * 1024,
        ge=1024,
        le=100 * 1024 * 1024,
        description="Largest request body the HTTP API reads; a larger one is answered 413.",
    )
    rate_limit_per_minute: float = Field(
        60,
        ge=0,
        description="Requests one client address may make per minute to the anonymous "
        "endpoints (proposal submission, the proposer's own pages); 0: no limit.",
    )
    rate_limit_burst: int = Field(
        1200,
        ge=1,
        description="How many such requests one address may make at once before the "
        "per-minute rate applies (a city hall's shared address, a load test).",
    )
    metrics_token: str = Field(
        "",
        json_schema_extra=SECRET,
        description="Bearer token /metrics asks for (16+ characters). Empty: /metrics is open.",
    )

    @field_validator("kafka_bootstrap_servers")
    @classmethod
    def host_and_port(cls, value: str) -> str:
        for address in value.split(","):
            found = KAFKA_ADDRESS.match(address.strip())
            if found is None or not 1 <= int(found.group(1)) <= 65535:
                raise ValueError(
                    f"'{address.strip()}' is not host:port with a port from 1 to 65535 "
                    "(give comma separated host:port, e.g. kafka-1:9092,kafka-2:9092)"
                )
        return value

    @field_validator("metrics_token")
    @classmethod
    def metrics_token_long_enough(cls, value: str) -> str:
        if value and len(value) < 16:
            raise ValueError("must be at least 16 characters")
        return value

    # Trust on the bus (issue 18): signed events, trusted keys, bounded records.
    signing_key: SecretStr | None = Field(
        None,
        json_schema_extra=SECRET,
        description="This service's Ed25519 key for signing what it publishes (PEM, or Base64 "
        "of the 32-byte key); secret. Empty: generated once into "
        "KYOSO_DATA_DIR/keys/<service>.key, with its public key beside it in <service>.pub.",
    )
    trusted_keys: dict[str, list[str]] = Field(
        default_factory=dict,
        description='The public keys whose signatures are believed, JSON {"intake": ["…"], …} '
        "(PEM, or Base64 of the 32-byte key); several per service while a key is rotated. "
        "Empty: every KYOSO_DATA_DIR/keys/<service>*.pub.",
    )
    kafka_max_record_bytes: int = Field(
        1_048_576,
        ge=16_384,
        le=104_857_600,
        description="The largest record a relay publishes and a consumer takes; a larger "
        "one goes to the consumer's dead-letter topic unread.",
    )

    @field_validator("trusted_keys")
    @classmethod
    def _public_keys(cls, trusted: dict[str, list[str]]) -> dict[str, list[str]]:
        from shared.contract.keys import load_public_key  # cryptography: only when keys are set

        for service, keys in trusted.items():
            for index, text in enumerate(keys):
                try:
                    load_public_key(text)
                except ValueError as problem:
                    raise ValueError(f"{service}[{index}]: {problem}") from None
        return trusted

    def topic(self, service: str, stream: str) -> str:
        return f"{self.topic_prefix}.{service}.{stream}"


S = TypeVar("S", bound=BaseSettings)


def load_settings(cls: type[S], **overrides: Any) -> S:
    try:
        return cls(**overrides)
    except SettingsError as error:
        # Raised before validation when a JSON-valued variable is not JSON at all.
        field = re.search(r'field "([^"]+)"', str(error))
        name = f"{ENV_PREFIX}{field.group(1).upper()}" if field else "a KYOSO_ variable"
        raise ConfigError(
            f"invalid configuration: {name}: not valid JSON ({error.__cause__})"
        ) from None
    except ValidationError as error:
        prefix = str(cls.model_config.get("env_prefix", ""))
        problems = "; ".join(
            f"{prefix}{str(item['loc'][0]).upper()}{_path(item['loc'][1:])}: {item['msg']}"
            f"{_shown(cls, item['loc'][0], item.get('input'))}"
            for item in error.errors()
        )
        raise ConfigError(f"invalid configuration: {problems}") from None


def _shown(cls: type[BaseSettings], field: object, given: object) -> str:
    """What was given, to help the reader; for a secret only that it was withheld."""
    if is_secret(cls, str(field)):
        return " (value withheld)"
    return f" (got {given!r})"


def is_secret(cls: type[BaseSettings], name: str) -> bool:
    """Whether the setting holds a secret: marked SECRET, or typed SecretStr."""
    settings_field = cls.model_fields.get(name)
    if settings_field is None:
        return False
    extra = settings_field.json_schema_extra
    if isinstance(extra, dict) and extra.get("secret") is True:
        return True
    annotation = settings_field.annotation
    return annotation is SecretStr or SecretStr in getattr(annotation, "__args__", ())


def _path(rest: tuple[object, ...]) -> str:
    """Where inside a JSON-valued variable the problem is, e.g. [0].token."""
    return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in rest)


def key_from_setting_or_file(value: str, data_dir: Path, file_name: str, variable: str) -> bytes:
    """A secret key: the setting's value, else one generated once into
    KYOSO_DATA_DIR/`file_name` (readable by the desk's user only), kept for the next start.
    Fine for one machine; replicas must share the setting."""
    if value:
        return value.encode()
    path = data_dir / file_name
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(48), encoding="utf-8")
        path.chmod(0o600)
    key = path.read_text(encoding="utf-8").strip()
    if len(key) < 32:
        raise ConfigError(f"{variable}: the key in {path} is shorter than 32 characters")
    return key.encode()
