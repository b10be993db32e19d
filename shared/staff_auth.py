"""Staff authentication: bearer tokens per role and municipality, from configuration.

KYOSO_STAFF_TOKENS holds a JSON list such as
    [{"token": "…", "role": "desk", "municipality": "nagasaki"},
     {"token": "…", "role": "department", "municipality": "nagasaki", "department": "urban"}]
A token only ever acts for its own municipality (403 for any other).
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Callable, Sequence
from typing import Annotated, Literal

from fastapi import Depends, Header, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, ConfigDict, Field, field_validator

from shared.acting import Acting
from shared.contract.vocabulary import ActorRole
from shared.municipalities import municipalities
from shared.settings import SECRET, CommonSettings

StaffRole = Literal["desk", "department", "council", "auditor"]


class StaffToken(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    token: str = Field(min_length=16)
    role: StaffRole
    municipality: str
    department: str | None = None
    name: str | None = None

    @field_validator("municipality")
    @classmethod
    def served(cls, code: str) -> str:
        # A token for a city the desk does not serve would let no one in: a typo to catch
        # at start-up, not a 403 to puzzle over later.
        if code not in municipalities():
            raise ValueError(
                f"'{code}' is not a municipality this desk serves ({', '.join(municipalities())})"
            )
        return code


class StaffSettings(CommonSettings):
    """Settings of a service with staff endpoints."""

    staff_tokens: list[StaffToken] = Field(
        default_factory=list,
        json_schema_extra=SECRET,
        description='Staff bearer tokens, JSON: [{"token","role","municipality","department"}].',
    )

    @field_validator("staff_tokens", mode="before")
    @classmethod
    def parse_tokens(cls, value: object) -> object:
        if isinstance(value, str):
            # Parsed here and validated as a field, so a wrong entry is named by its
            # place (KYOSO_STAFF_TOKENS[1].token) and its value never shown.
            return json.loads(value) if value.strip() else []
        return value


class StaffDirectory:
    def __init__(self, tokens: Sequence[StaffToken]) -> None:
        self._tokens = list(tokens)

    def find(self, presented: str) -> StaffToken | None:
        for candidate in self._tokens:  # constant-time compare against every token
            if hmac.compare_digest(candidate.token.encode(), presented.encode()):
                return candidate
        return None


_bearer = HTTPBearer(auto_error=False, description="Staff token from KYOSO_STAFF_TOKENS")


def staff_dependency(*roles: StaffRole) -> Callable[..., StaffToken]:
    """A FastAPI dependency: the calling staff member, with one of `roles`, acting for the
    municipality in the path (the service keeps its directory in `app.state.staff`)."""

    def authenticate(
        request: Request,
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    ) -> StaffToken:
        if credentials is None:
            raise HTTPException(
                status.HTTP_401_UNAUTHORIZED,
                detail=[
                    {"loc": ["header", "Authorization"], "msg": "a staff bearer token is required"}
                ],
                headers={"WWW-Authenticate": "Bearer"},
            )
        directory: StaffDirectory = request.app.state.staff
        staff = directory.find(credentials.credentials)
        if staff is None:
            raise HTTPException(
                status.HTTP_401_UNAUTHORIZED,
                detail=[{"loc": ["header", "Authorization"], "msg": "unknown staff token"}],
                headers={"WWW-Authenticate": "Bearer"},
            )
        if roles and staff.role not in roles:
            raise HTTPException(
                status.HTTP_403_FORBIDDEN,
                detail=[
                    {
                        "loc": ["header", "Authorization"],
                        "msg": f"role '{staff.role}' may not do this; needs {' or '.join(roles)}",
                    }
                ],
            )
        municipality = request.path_params.get("municipality")
        if municipality is not None and municipality != staff.municipality:
            raise HTTPException(
                status.HTTP_403_FORBIDDEN,
                detail=[
                    {
                        "loc": ["path", "municipality"],
                        "msg": f"this token acts for {staff.municipality}, not {municipality}",
                    }
                ],
            )
        return staff

    return authenticate


DeskStaff = Annotated[StaffToken, Depends(staff_dependency("desk"))]
AnyStaff = Annotated[StaffToken, Depends(staff_dependency("desk", "department", "council"))]
# Named for the read-models route built for every service.
desk_staff = DeskStaff


# The request's correlation id: it ties the events a request records to other requests
# (the CloudEvent attribute correlationid); a new one is made when it is absent.
CorrelationId = Annotated[
    str | None,
    Header(alias="X-Correlation-ID", max_length=128, description="Ties this request to others"),
]


def staff_acting(staff: StaffToken, correlation_id: str | None) -> Acting:
    """Who acts in the events a staff member's request records: their role and city."""
    return Acting.new(ActorRole(staff.role), staff.municipality, correlation_id)
