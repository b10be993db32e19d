"""The domain's refusals. Aggregates and applications raise them; they know nothing of
HTTP. One table at the web edge (`shared.web.answer_domain_errors`) turns each kind into
a status code and the common `{"detail": [{"loc", "msg", "type"}]}` shape.

`type` is a stable, machine-readable name of the refusal (as FastAPI's validation errors
carry one): a client that words its own messages (the portal, in the reader's language)
keys them by it; `msg` stays the service's own sentence. A refusal without a code of its
own answers its kind's general type (invalid_value, state_conflict, not_found). The
values a sentence names (a date, a cap) travel beside it as `ctx`, as pydantic's do, so
the client's wording can name them too."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

# Where the refused value came from, as the request's reader names it.
Where = Literal["body", "path", "query", "header"]


class DomainError(Exception):
    """A command the domain refuses, naming the field it concerns and the reason; `code`
    names the refusal for clients (stable: renaming one breaks the portal's wording)."""

    general_code = "refused"

    def __init__(
        self,
        field: str,
        reason: str,
        *,
        where: Where = "body",
        code: str | None = None,
        values: Mapping[str, object] | None = None,
    ) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason
        self.where: Where = where
        self.code = code or self.general_code
        # What the reason names, as text (dates in ISO form): the `ctx` of the answer.
        self.values = {name: str(value) for name, value in (values or {}).items()}

    @property
    def loc(self) -> list[str]:
        return [self.where, self.field]


class NotFound(LookupError):
    """What the command is about does not exist (or is not served here); `field` names
    the path parameter when the answer should point at it."""

    code = "not_found"

    def __init__(self, message: str, *, field: str | None = None, where: Where = "path") -> None:
        super().__init__(message)
        self.loc: list[str] = [where] if field is None else [where, field]


class InvalidValue(DomainError):
    """A value breaks a rule of the domain whatever the state (a cap, an unknown
    department, a theme that does not exist)."""

    general_code = "invalid_value"


class StateConflict(DomainError):
    """The command is valid, but the state of what it is about does not allow it now
    (a closed routing, a proposal not adopted, a case already published)."""

    general_code = "state_conflict"


class NotYetHeard(StateConflict):
    """The command depends on news from another service that has not arrived yet (the
    services learn of each other's events through the bus, within about a second): the
    caller should try again shortly, as Retry-After says."""

    general_code = "not_yet_heard"
    retry_after_seconds = 1


def not_served(municipality: str) -> NotFound:
    """The answer to a path naming a municipality the service does not serve."""
    return NotFound(f"'{municipality}' is not served", field="municipality")
