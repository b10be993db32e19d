"""Where the public portal is, for the services whose old pages now lead there.

DESIGN.md §9: one web front. Intake's `/` and `/status/{id}` and publication's
`/register/{city}` answer with a redirect to the portal's address for the same thing,
built from the configured KYOSO_PORTAL_PUBLIC_BASE_URL (the portal's own setting, read
here too), never from the request's Host header.
"""

from __future__ import annotations

from urllib.parse import urlencode

from pydantic import Field

from shared.settings import CommonSettings

PORTAL_DEFAULT_PORT = 8000  # the portal's own default (services/portal/settings.py)


class PortalAddressSettings(CommonSettings):
    portal_public_base_url: str = Field(
        "",
        pattern=r"^(https?://.*)?$",
        description="Base URL the public reaches the portal at; this service's old pages "
        "redirect there. Empty: http://KYOSO_HTTP_HOST:8000 (the portal's default port).",
    )

    def portal_url(self, path: str, **query: str) -> str:
        base = self.portal_public_base_url or f"http://{self.http_host}:{PORTAL_DEFAULT_PORT}"
        tail = f"?{urlencode(query)}" if query else ""
        return f"{base.rstrip('/')}{path}{tail}"
