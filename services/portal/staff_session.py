"""Who is signed in at the staff consoles, kept in one sealed cookie.

After the OpenID Connect sign-in (services.portal.api.staff_sign_in) the portal keeps the
person's access token and what the provider said about them in a cookie signed with the
portal's key: the portal holds no session store, so any replica can read it, and a
cookie altered in the browser is refused. The consoles call the services with
`staff.access_token`; the services verify that token themselves (they never trust the
portal's word on who is signed in).

The cookie is HttpOnly (no script reads the token), SameSite=Lax (not sent by another
site's POST) and lives no longer than the access token.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import UTC, datetime
from typing import Annotated, Literal
from urllib.parse import quote

from fastapi import Depends, Request, Response
from pydantic import BaseModel, ConfigDict, ValidationError

COOKIE = "kyoso_staff"
SIGN_IN_PATH = "/staff/sign-in"

StaffConsoleRole = Literal["desk", "department", "council", "auditor"]


class SignedInStaff(BaseModel):
    """A signed-in staff member: the token the services verify, and who they are."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    access_token: str
    subject: str  # the provider's `sub`
    name: str  # the display name events record beside the subject
    role: StaffConsoleRole
    municipality: str
    department: str | None = None
    expires_at: datetime  # when the access token expires (UTC)


class SignInRequired(Exception):
    """The page needs a signed-in staff member; the portal answers with a redirect to the
    sign-in, which comes back to `next_path` afterwards."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path

    @property
    def sign_in_url(self) -> str:
        return f"{SIGN_IN_PATH}?next={quote(self.next_path, safe='/')}"


class StaffSessions:
    """Seals a SignedInStaff into a cookie value and opens it again (HMAC-SHA256)."""

    def __init__(self, key: bytes) -> None:
        if len(key) < 32:
            raise ValueError("the staff session key must be at least 32 bytes")
        self._key = key

    def seal(self, staff: SignedInStaff) -> str:
        body = base64.urlsafe_b64encode(staff.model_dump_json().encode()).decode()
        return f"{body}.{self._sign(body)}"

    def open(self, sealed: str | None, now: datetime) -> SignedInStaff | None:
        """The staff member the cookie names, if its seal holds and the token is live."""
        if not sealed:
            return None
        body, _, signature = sealed.rpartition(".")
        if not body or not hmac.compare_digest(
            self._sign(body).encode(), signature.encode("utf-8", "replace")
        ):
            return None
        try:
            staff = SignedInStaff.model_validate_json(base64.urlsafe_b64decode(body))
        except (ValueError, ValidationError):
            return None
        return staff if staff.expires_at > now else None

    def derived_key(self, purpose: str) -> bytes:
        """A key of its own for another sealed value (e.g. a sign-in under way), so that
        one can never pass for a signed-in staff member, nor the other way round."""
        return hmac.new(self._key, f"kyoso {purpose}".encode(), hashlib.sha256).digest()

    def _sign(self, body: str) -> str:
        return hmac.new(self._key, body.encode(), hashlib.sha256).hexdigest()


def remember(
    response: Response, sessions: StaffSessions, staff: SignedInStaff, secure: bool
) -> None:
    max_age = max(0, int((staff.expires_at - datetime.now(UTC)).total_seconds()))
    response.set_cookie(
        COOKIE,
        sessions.seal(staff),
        max_age=max_age,
        httponly=True,
        secure=secure,
        samesite="lax",
        path="/",
    )


def forget(response: Response) -> None:
    response.delete_cookie(COOKIE, path="/")


def signed_in_staff(request: Request) -> SignedInStaff:
    """A FastAPI dependency: the signed-in staff member, or a redirect to the sign-in."""
    sessions: StaffSessions = request.app.state.staff_sessions
    staff = sessions.open(request.cookies.get(COOKIE), datetime.now(UTC))
    if staff is None:
        path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise SignInRequired(path)
    return staff


SignedIn = Annotated[SignedInStaff, Depends(signed_in_staff)]
