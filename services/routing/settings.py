"""Routing's settings (environment variables, documented in the README)."""

from __future__ import annotations

from pydantic import Field

from shared.mail import MailSettings
from shared.portal_address import PortalAddressSettings
from shared.staff_auth import StaffSettings


# E-mail to staff (services/routing/staff_mail.py) goes through the same SMTP settings as
# intake's to proposers, with links to the portal's staff console.
class RoutingSettings(StaffSettings, MailSettings, PortalAddressSettings):
    routing_port: int = Field(8002, ge=1, le=65535, description="HTTP port of the routing service.")
    deadline_check_interval_seconds: float = Field(
        60.0, gt=0, le=86_400, description="How often routing looks for proposals past a deadline."
    )
