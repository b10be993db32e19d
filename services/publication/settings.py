"""Publication's settings (environment variables, documented in the README)."""

from __future__ import annotations

from pydantic import Field, model_validator

from shared.portal_address import PortalAddressSettings
from shared.staff_auth import StaffSettings
from shared.status_tokens import StatusTokenSettings


class PublicationSettings(StaffSettings, StatusTokenSettings, PortalAddressSettings):
    publication_port: int = Field(
        8004, ge=1, le=65535, description="HTTP port of the publication service."
    )
    publication_base_url: str = Field(
        "",
        pattern=r"^(https?://.*)?$",
        description="Base URL the public reaches publication at, used in the JSON Feed's "
        "links (never the request's Host header). Empty: "
        "http://KYOSO_HTTP_HOST:KYOSO_PUBLICATION_PORT.",
    )

    @model_validator(mode="after")
    def derive_publication_base_url(self) -> PublicationSettings:
        if not self.publication_base_url:
            self.publication_base_url = f"http://{self.http_host}:{self.publication_port}"
        return self
