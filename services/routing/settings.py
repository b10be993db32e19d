"""Routing's settings (environment variables, documented in the README)."""

from __future__ import annotations

from pydantic import Field, field_validator

from services.routing.directory import directory
from shared.mail import MailSettings
from shared.portal_address import PortalAddressSettings
from shared.staff_auth import StaffSettings, StaffToken


# E-mail to staff (services/routing/staff_mail.py) goes through the same SMTP settings as
# intake's to proposers, with links to the portal's staff console.
class RoutingSettings(StaffSettings, MailSettings, PortalAddressSettings):
    routing_port: int = Field(8002, ge=1, le=65535, description="HTTP port of the routing service.")
    deadline_check_interval_seconds: float = Field(
        60.0, gt=0, le=86_400, description="How often routing looks for proposals past a deadline."
    )

    @field_validator("staff_tokens")
    @classmethod
    def departments_in_the_directory(cls, tokens: list[StaffToken]) -> list[StaffToken]:
        """Routing holds each city's department directory: a department token naming a
        department it lacks would never see a proposal (a typo to catch at start-up)."""
        for index, entry in enumerate(tokens):
            known = directory(entry.municipality)
            if entry.department and known.department(entry.department) is None:
                raise ValueError(
                    f"entry {index} names '{entry.department}', which is not a department "
                    f"of {entry.municipality} (one of "
                    f"{', '.join(d.code for d in known.departments)})"
                )
        return tokens
