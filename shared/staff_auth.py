"""Staff authentication: who calls a staff endpoint, with which role, for which city.

Staff present a JWT access token of the city's OpenID Connect provider
(KYOSO_OIDC_ISSUER; verified in shared.identity): signed in at the portal (authorization
code + PKCE), or by client credentials for scripts and other services — one path, no side
door (DESIGN.md §8 "People, not roles").

For a transition only, KYOSO_STAFF_TOKENS may still list static bearer tokens — off by
default (empty), and to be removed once every script has a client of the provider:
    [{"token": "…", "role": "desk", "municipality": "nagasaki"},
     {"token": "…", "role": "department", "municipality": "nagasaki", "department": "urban"}]
Either way the caller becomes a StaffToken (role, municipality, department, name, and the
provider's subject for a person), and acts only for its own municipality (403 otherwise).
"""

from __future__ import annotations

import hmac
import ipaddress
import json
from collections.abc import Callable, Sequence
from typing import Annotated, Literal, get_args
from urllib.parse import urlsplit

from fastapi import Depends, Header, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from shared.acting import Acting
from shared.contract.vocabulary import ActorRole
from shared.identity import (
    DEFAULT_ALGORITHMS,
    ClaimMapping,
    ProviderUnavailable,
    TokenRefused,
    TokenVerifier,
    allowed_algorithms,
)
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
    # The identity provider's `sub` of a person signed in (None for a static token).
    subject: str | None = None

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


class OidcSettings(CommonSettings):
    """How staff access tokens are verified (services and the portal read the same)."""

    oidc_issuer: str = Field(
        "",
        description="The city's OpenID Connect provider (issuer URL, https://; http:// only "
        "on this machine; discovery finds its JWKS). Empty: no JWT is accepted. `kyoso up` sets the local provider's.",
    )
    oidc_audience: str = Field(
        "urn:kyoso:desk",
        description="The audience (`aud`) staff access tokens must name: the desk's APIs.",
    )
    oidc_algorithms: str = Field(
        ",".join(DEFAULT_ALGORITHMS),
        description="Signature algorithms accepted, comma separated; asymmetric only (none "
        "and HS* are refused at start-up).",
    )
    oidc_municipality_claim: str = Field(
        "municipality",
        description="Claim (dotted path for nested claims) carrying the staff member's city.",
    )
    oidc_role_claim: str = Field(
        "role",
        description="Claim carrying the role (desk, department, council …); may be a list "
        "such as groups, of which the first value that maps to a role counts.",
    )
    oidc_role_values: str = Field(
        "",
        description="Mapping of the provider's role values to the desk's, a JSON object, e.g. "
        '{"kyoso-desk-officers": "desk"}. Empty: the values are the desk\'s roles.',
    )
    oidc_department_claim: str = Field(
        "department", description="Claim carrying a department officer's department code."
    )
    oidc_name_claim: str = Field(
        "name", description="Claim carrying the display name events record beside the subject."
    )
    oidc_jwks_refresh_seconds: float = Field(
        30.0,
        ge=0,
        le=3600,
        description="Least time between two JWKS fetches for a token with an unknown key id "
        "(key rotation), so made-up key ids cannot flood the provider.",
    )

    @field_validator("oidc_issuer")
    @classmethod
    def over_https(cls, value: str) -> str:
        """The keys every staff token is checked against come from the issuer: over plain
        HTTP anyone on the way could hand the desk keys of their own. Plain HTTP only to a
        provider on this machine (`kyoso up`'s local one)."""
        if not value:
            return value
        parts = urlsplit(value)
        secure = parts.scheme == "https" and bool(parts.hostname)
        local = parts.scheme == "http" and _on_this_machine(parts.hostname or "")
        if not (secure or local):
            raise ValueError(
                "must be the provider's https:// URL, e.g. https://id.city.example.jp/realms/"
                "staff (http:// only for a provider on this machine: 127.0.0.1, ::1, localhost)"
            )
        return value

    @field_validator("oidc_algorithms")
    @classmethod
    def asymmetric_only(cls, value: str) -> str:
        return ",".join(allowed_algorithms(_names(value)))

    @field_validator("oidc_role_values")
    @classmethod
    def a_mapping_of_names(cls, value: str) -> str:
        role_values(value)  # refused here, at start-up, not at the first sign-in
        return value

    def token_verifier(self, roles: Sequence[str] = ()) -> TokenVerifier | None:
        if not self.oidc_issuer:
            return None
        return TokenVerifier(
            self.oidc_issuer,
            self.oidc_audience,
            algorithms=_names(self.oidc_algorithms),
            claims=ClaimMapping(
                municipality=self.oidc_municipality_claim,
                role=self.oidc_role_claim,
                department=self.oidc_department_claim,
                name=self.oidc_name_claim,
                role_values=role_values(self.oidc_role_values),
            ),
            staff_roles=roles or get_args(StaffRole),
            jwks_refresh_seconds=self.oidc_jwks_refresh_seconds,
        )


def _names(text: str) -> list[str]:
    return [name.strip() for name in text.split(",") if name.strip()]


def role_values(text: str) -> dict[str, str]:
    """KYOSO_OIDC_ROLE_VALUES read: {provider's value: the desk's role}."""
    if not text.strip():
        return {}
    try:
        mapping = json.loads(text)
    except ValueError:
        raise ValueError('must be a JSON object such as {"kyoso-desk-officers": "desk"}') from None
    if not isinstance(mapping, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in mapping.items()
    ):
        raise ValueError('must map names to roles, e.g. {"kyoso-desk-officers": "desk"}')
    return mapping


def _on_this_machine(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class StaffSettings(OidcSettings):
    """Settings of a service with staff endpoints."""

    staff_tokens: list[StaffToken] = Field(
        default_factory=list,
        json_schema_extra=SECRET,
        description="TRANSITION ONLY, off by default: static staff bearer tokens, JSON "
        '[{"token","role","municipality","department","name"}]. Staff sign in with '
        "KYOSO_OIDC_ISSUER's tokens; remove these once every script uses client credentials.",
    )

    @field_validator("staff_tokens", mode="before")
    @classmethod
    def parse_tokens(cls, value: object) -> object:
        if isinstance(value, str):
            # Parsed here and validated as a field, so a wrong entry is named by its
            # place (KYOSO_STAFF_TOKENS[1].token) and its value never shown.
            return json.loads(value) if value.strip() else []
        return value

    @field_validator("staff_tokens")
    @classmethod
    def entries_agree(cls, tokens: list[StaffToken]) -> list[StaffToken]:
        """Entries that would each pass alone but make a silent mistake together: a
        department token for no department (it may do nothing a department does), and one
        token for two entries (the desk would believe the first). Named by place only."""
        first: dict[str, int] = {}
        for index, entry in enumerate(tokens):
            if entry.role == "department" and not entry.department:
                raise ValueError(f"entry {index} is a department token that names no department")
            if entry.token in first:
                raise ValueError(f"entry {index} has the same token as entry {first[entry.token]}")
            first[entry.token] = index
        return tokens


class StaffDirectory:
    """Who a bearer token is: a verified JWT of the provider, or (transition) a static one."""

    def __init__(self, tokens: Sequence[StaffToken], verifier: TokenVerifier | None = None) -> None:
        self._tokens = list(tokens)
        self.verifier = verifier

    def find(self, presented: str) -> StaffToken | None:
        for candidate in self._tokens:  # constant-time compare against every token
            if hmac.compare_digest(candidate.token.encode(), presented.encode()):
                return candidate
        return None

    def authenticate(self, presented: str) -> StaffToken:
        """The staff member the token names; TokenRefused says why not."""
        static = self.find(presented)
        if static is not None:
            return static
        if self.verifier is None:
            raise TokenRefused("unknown staff token")
        verified = self.verifier.verify(presented)
        try:
            return StaffToken(
                token=presented,
                role=verified.role,  # checked against the roles by the verifier and here
                municipality=verified.municipality,
                department=verified.department,
                name=verified.name,
                subject=verified.subject,
            )
        except ValidationError as error:
            problems = "; ".join(str(item["msg"]) for item in error.errors())
            raise TokenRefused(f"the token's staff claims do not hold: {problems}") from None


_bearer = HTTPBearer(
    auto_error=False,
    description="A JWT access token of the city's OpenID Connect provider (KYOSO_OIDC_ISSUER)",
)


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
        try:
            staff = directory.authenticate(credentials.credentials)
        except TokenRefused as refused:
            raise HTTPException(
                status.HTTP_401_UNAUTHORIZED,
                detail=[{"loc": ["header", "Authorization"], "msg": str(refused)}],
                headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
            ) from None
        except ProviderUnavailable as unavailable:
            # Not the token's fault: nothing is known of it yet. Retry, not sign in again.
            raise HTTPException(
                status.HTTP_503_SERVICE_UNAVAILABLE,
                detail=[
                    {
                        "loc": ["header", "Authorization"],
                        "msg": f"{unavailable}; the token cannot be verified now, retry later",
                        "type": "identity_provider_unavailable",
                    }
                ],
                headers={"Retry-After": str(unavailable.retry_after_seconds)},
            ) from None
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


# The request's correlation id: it ties the events a request records to other requests
# (the CloudEvent attribute correlationid); a new one is made when it is absent.
CorrelationId = Annotated[
    str | None,
    Header(alias="X-Correlation-ID", max_length=128, description="Ties this request to others"),
]


def staff_acting(staff: StaffToken, correlation_id: str | None) -> Acting:
    """Who acts in the events a staff member's request records: the person (the provider's
    subject and display name), their role and city."""
    return Acting.new(
        ActorRole(staff.role),
        staff.municipality,
        correlation_id,
        subject=staff.subject,
        name=staff.name,
    )
