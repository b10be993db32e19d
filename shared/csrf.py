"""Protection of public forms against cross-site request forgery: a signed double submit.

A page with a form sets a cookie holding a random nonce and its HMAC under the service's
key, and puts the same value in a hidden field. A POST is taken only when the field and
the cookie are present, equal, and carry a valid signature: another site can make a
browser send the cookie but cannot read it to fill the field, and a cookie planted from a
sibling domain fails the signature. No server state is kept (OWASP, "Signed Double-Submit
Cookie").
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

COOKIE = "kyoso_csrf"
FIELD = "csrf_token"


class CsrfTokens:
    def __init__(self, key: bytes) -> None:
        if len(key) < 16:
            raise ValueError("the form-token key must be at least 16 bytes")
        self._key = key

    def new(self) -> str:
        nonce = secrets.token_urlsafe(24)
        return f"{nonce}.{self._sign(nonce)}"

    def is_signed(self, token: str | None) -> bool:
        if not token:
            return False
        nonce, _, signature = token.partition(".")
        return bool(nonce) and hmac.compare_digest(
            self._sign(nonce).encode(), signature.encode("utf-8", "replace")
        )

    def accepts(self, cookie: str | None, field: str | None) -> bool:
        """Whether a POST's hidden field and cookie make one valid, signed token."""
        if not cookie or not field:
            return False
        return hmac.compare_digest(cookie.encode(), field.encode()) and self.is_signed(cookie)

    def _sign(self, nonce: str) -> str:
        return hmac.new(self._key, nonce.encode(), hashlib.sha256).hexdigest()
