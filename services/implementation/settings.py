"""Implementation's settings (environment variables, documented in the README)."""

from __future__ import annotations

from pydantic import Field

from shared.staff_auth import StaffSettings


class ImplementationSettings(StaffSettings):
    implementation_port: int = Field(
        8005, ge=1, le=65535, description="HTTP port of the implementation service."
    )
