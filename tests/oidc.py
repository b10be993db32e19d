"""The local OpenID Connect provider (tools/local-idp) for the tests: a real
oidc-provider on a free port with every demo staff member, each password known to the
test, started once per session and stopped at its end.

    def test_x(idp: RunningIdp) -> None:
        token = idp.token_for("nagasaki-desk")          # client credentials
        settings = make_settings(**idp.service_settings())

The portal's client is registered for the redirect URIs the tests ask for
(PORTAL_REDIRECT_URI), so the browser tests run the real authorization-code flow.
"""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from kyoso.local_idp import (
    AUDIENCE,
    DemoStaff,
    LocalIdentityProvider,
    demo_staff,
    write_staff_file,
)
from shared.broker import free_port

PORTAL_CLIENT_ID = "kyoso-portal"
PORTAL_CLIENT_SECRET = "portal-secret-for-the-tests-" + "p" * 16
# The browser tests serve the portal on this port (tests/portal/test_staff_sign_in_browser.py).
PORTAL_PORT = free_port()
PORTAL_BASE = f"http://127.0.0.1:{PORTAL_PORT}"


def password_of(login: str) -> str:
    return f"pw-{login}-kyoso"


@dataclass
class RunningIdp:
    provider: LocalIdentityProvider
    staff: dict[str, DemoStaff]

    @property
    def issuer(self) -> str:
        return self.provider.issuer

    def token_for(self, login: str) -> str:
        """A JWT access token acting as the demo staff member `login` (client credentials)."""
        return self.provider.client_credentials_token(login, password_of(login))

    def service_settings(self) -> dict[str, Any]:
        """What a service needs to accept the provider's tokens."""
        return {"oidc_issuer": self.issuer, "oidc_audience": AUDIENCE}

    def portal_settings(self) -> dict[str, Any]:
        """What the portal needs to sign staff in here (authorization code + PKCE)."""
        return {
            "oidc_issuer": self.issuer,
            "oidc_audience": AUDIENCE,
            "portal_oidc_client_id": PORTAL_CLIENT_ID,
            "portal_oidc_client_secret": PORTAL_CLIENT_SECRET,
            "portal_session_key": secrets.token_urlsafe(32),
        }


@contextlib.contextmanager
def local_idp(folder: Path, portal_base: str = PORTAL_BASE) -> Iterator[RunningIdp]:
    """The provider with every demo staff member, its portal client registered for the
    portal served at `portal_base` (its callback and its signed-out page)."""
    people = demo_staff(password_of)
    write_staff_file(folder / "staff.json", people)
    provider = LocalIdentityProvider(
        port=free_port(),
        staff_file=folder / "staff.json",
        portal_client_id=PORTAL_CLIENT_ID,
        portal_client_secret=PORTAL_CLIENT_SECRET,
        redirect_uris=[f"{portal_base}/staff/callback"],
        post_logout_uris=[f"{portal_base}/staff/signed-out"],
        log_path=folder / "idp.log",
    ).start()
    try:
        yield RunningIdp(provider, {p.login: p for p in people})
    finally:
        provider.stop()


@pytest.fixture(scope="session")
def idp(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningIdp]:
    with local_idp(tmp_path_factory.mktemp("local-idp")) as running:
        yield running
