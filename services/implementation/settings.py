"""Implementation's settings (environment variables, documented in the README)."""

from __future__ import annotations

from pydantic import Field

from shared.staff_auth import StaffSettings


class ImplementationSettings(StaffSettings):
    implementation_port: int = Field(
        8005, ge=1, le=65535, description="HTTP port of the implementation service."
    )
    deadline_check_interval_seconds: float = Field(
        60.0,
        gt=0,
        le=86_400,
        description="How often implementation looks for verifications past their due date.",
    )
