"""Signing a staff member in to the consoles in tests, in one place.

A page test (tests/portal/test_consoles.py) signs in by setting the cookie the sign-in
would set: a SignedInStaff sealed with the portal's own key, whose access token is one of
the static staff tokens (a transition shortcut) the test desk's services were started
with. The browser tests sign in for real, at the local provider
(tests/portal/test_consoles_browser.py, test_staff_sign_in_browser.py).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import FastAPI

from services.portal.staff_session import COOKIE, SignedInStaff, StaffSessions

# The council (推進本部会議) as a static token, for the page tests of what it reads; the
# services of a test desk must be started with it among their staff tokens.
NAGASAKI_COUNCIL: dict[str, Any] = {
    "token": "nagasaki-council-token-" + "c" * 8,
    "role": "council",
    "municipality": "nagasaki",
}

NAMES = {
    "desk": "窓口 一郎",
    "department": "所管 花子",
    "council": "会議 次郎",
    "auditor": "監査 三郎",
}


def signed_in_cookie(
    portal: FastAPI, token: dict[str, Any], *, role: str | None = None
) -> tuple[str, str]:
    """(cookie name, value) signing in the holder of a static staff `token` (role,
    municipality, department as KYOSO_STAFF_TOKENS has them); `role` shows them another
    role's console (the auditor, whom static tokens do not know)."""
    sessions: StaffSessions = portal.state.staff_sessions
    role = role or str(token["role"])
    staff = SignedInStaff(
        access_token=str(token["token"]),
        subject=f"{role}-{token.get('department') or token['municipality']}",
        name=NAMES[role],
        role=role,
        municipality=str(token["municipality"]),
        department=token.get("department"),
        expires_at=datetime.now(UTC) + timedelta(hours=1),
    )
    return COOKIE, sessions.seal(staff)
