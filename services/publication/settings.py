"""Publication's settings (environment variables, documented in the README)."""

from __future__ import annotations

from pydantic import Field

from shared.staff_auth import StaffSettings
from shared.status_tokens import StatusTokenSettings


class PublicationSettings(StaffSettings, StatusTokenSettings):
    publication_port: int = Field(
        8004, ge=1, le=65535, description="HTTP port of the publication service."
    )
