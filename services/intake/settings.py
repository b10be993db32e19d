"""Intake's settings (environment variables, documented in the README)."""

from __future__ import annotations

import secrets

from pydantic import Field, field_validator, model_validator

from shared.settings import ConfigError
from shared.staff_auth import StaffSettings


class IntakeSettings(StaffSettings):
    intake_port: int = Field(8001, ge=1, le=65535, description="HTTP port of the intake service.")
    public_base_url: str = Field(
        "",
        pattern=r"^(https?://.*)?$",
        description="Base URL proposers reach intake at, used in status links. "
        "Empty: http://KYOSO_HTTP_HOST:KYOSO_INTAKE_PORT.",
    )
    secret_key: str = Field(
        "",
        description="Key for proposers' status tokens (at least 32 characters). Empty: a "
        "key is generated once into KYOSO_DATA_DIR/secret-key (fine for one machine).",
    )
    demo_data: bool = Field(False, description="Load Nagasaki's 27 themes when they are missing.")

    @field_validator("secret_key")
    @classmethod
    def long_enough(cls, value: str) -> str:
        if value and len(value) < 32:
            raise ValueError("must be at least 32 characters")
        return value

    @model_validator(mode="after")
    def derive_public_base_url(self) -> IntakeSettings:
        if not self.public_base_url:
            self.public_base_url = f"http://{self.http_host}:{self.intake_port}"
        return self

    def status_key(self) -> bytes:
        if self.secret_key:
            return self.secret_key.encode()
        path = self.data_dir / "secret-key"
        if not path.exists():
            self.data_dir.mkdir(parents=True, exist_ok=True)
            path.write_text(secrets.token_urlsafe(48), encoding="utf-8")
            path.chmod(0o600)
        key = path.read_text(encoding="utf-8").strip()
        if len(key) < 32:
            raise ConfigError(f"KYOSO_SECRET_KEY: the key in {path} is shorter than 32 characters")
        return key.encode()
