"""The refusals every service answers with: what was not found, or what is not allowed."""

from __future__ import annotations


class NotFound(LookupError):
    """Answered with 404; the message says what was not found."""


class Refused(Exception):
    """A request refused with a 4xx, naming the field it concerns and the reason."""

    def __init__(self, status_code: int, field: str, reason: str, *, where: str = "body") -> None:
        super().__init__(f"{field}: {reason}")
        self.status_code = status_code
        self.loc = [where, field]
        self.reason = reason
