"""Intake's settings (environment variables, documented in the README)."""

from __future__ import annotations

from pydantic import Field, model_validator

from shared.mail import MailSettings
from shared.portal_address import PortalAddressSettings
from shared.staff_auth import StaffSettings
from shared.status_tokens import StatusTokenSettings


class IntakeSettings(StaffSettings, StatusTokenSettings, MailSettings, PortalAddressSettings):
    intake_port: int = Field(8001, ge=1, le=65535, description="HTTP port of the intake service.")
    public_base_url: str = Field(
        "",
        pattern=r"^(https?://.*)?$",
        description="Base URL proposers reach intake at, used in status links. "
        "Empty: http://KYOSO_HTTP_HOST:KYOSO_INTAKE_PORT.",
    )
    demo_data: bool = Field(False, description="Load Nagasaki's 27 themes when they are missing.")

    @model_validator(mode="after")
    def derive_public_base_url(self) -> IntakeSettings:
        if not self.public_base_url:
            self.public_base_url = f"http://{self.http_host}:{self.intake_port}"
        return self
