"""Staff JWT access tokens, verified against the city's OpenID Connect provider.

The provider is found by discovery from KYOSO_OIDC_ISSUER (its
/.well-known/openid-configuration names the JWKS); a token is accepted only when its
signature verifies with one of the provider's keys under an allowed asymmetric algorithm
(never `none`, never HS*: a shared secret would let anyone holding it mint staff), and its
issuer, audience and expiry hold. The provider may rotate its keys: a token signed with a
key the desk has not seen makes it fetch the JWKS again, at most once per
KYOSO_OIDC_JWKS_REFRESH_SECONDS, so a flood of made-up key ids cannot hammer the provider.

Which claims say the municipality, the role, the department and the display name is
configuration, with a mapping of role values, so a city maps its own provider's groups
(Keycloak realm roles, Entra ID app roles …) without code. The crypto is joserfc's.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import GuestProtocol, KeySet

# Only asymmetric algorithms: the provider signs, the desk verifies with public keys.
ASYMMETRIC_ALGORITHMS = frozenset(
    {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"}
)
DEFAULT_ALGORITHMS = ("RS256", "PS256", "ES256", "EdDSA")


class TokenRefused(Exception):
    """A bearer token the desk does not accept, with a reason safe to tell the caller
    (it names the check that failed, never a key or the token)."""


class ProviderUnavailable(Exception):
    """The identity provider cannot be reached for its discovery document or its keys,
    which a token needs (first use, or a key id not seen yet): nothing is known of the
    token, so it is not refused (401) but the request is to be retried (503) after
    `retry_after_seconds`."""

    def __init__(self, reason: str, retry_after_seconds: int) -> None:
        super().__init__(reason)
        self.retry_after_seconds = retry_after_seconds


@dataclass(frozen=True)
class ClaimMapping:
    """Which claims carry who the staff member is. A name may be a dotted path into
    nested claims (Keycloak's `realm_access.roles`); a role claim may be a list (groups),
    of which the first value that maps to a staff role counts."""

    municipality: str = "municipality"
    role: str = "role"
    department: str = "department"
    name: str = "name"
    # The provider's value → the desk's role; empty: the values are the desk's roles.
    role_values: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class VerifiedStaff:
    """What a verified token says: the shape staff_auth turns into a StaffToken."""

    subject: str
    role: str
    municipality: str
    department: str | None
    name: str | None
    claims: Mapping[str, Any]


def _fetch_json(url: str, timeout: float) -> Any:
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return json.loads(response.read())


def allowed_algorithms(names: Sequence[str]) -> tuple[str, ...]:
    """The algorithms to accept; refuses `none` and symmetric ones by name."""
    refused = [name for name in names if name not in ASYMMETRIC_ALGORITHMS]
    if refused:
        raise ValueError(
            f"{', '.join(refused)} may not sign staff tokens; allowed: "
            f"{', '.join(sorted(ASYMMETRIC_ALGORITHMS))}"
        )
    if not names:
        raise ValueError("at least one algorithm must be allowed")
    return tuple(names)


class TokenVerifier:
    """Verifies staff access tokens of one issuer for one audience."""

    def __init__(
        self,
        issuer: str,
        audience: str,
        *,
        algorithms: Sequence[str] = DEFAULT_ALGORITHMS,
        claims: ClaimMapping | None = None,
        staff_roles: Sequence[str] = (),
        leeway_seconds: int = 30,
        jwks_refresh_seconds: float = 30.0,
        fetch_json: Callable[[str, float], Any] = _fetch_json,
        clock: Callable[[], float] = time.time,
        timeout: float = 5.0,
        unavailable_retry_seconds: int = 5,
    ) -> None:
        self.issuer = issuer.rstrip("/")
        self.audience = audience
        self.algorithms = allowed_algorithms(algorithms)
        self.claims = claims or ClaimMapping()
        self.staff_roles = tuple(staff_roles)
        self._leeway = leeway_seconds
        self._refresh_seconds = jwks_refresh_seconds
        self._fetch = fetch_json
        self._clock = clock
        self._timeout = timeout
        self._lock = threading.Lock()
        self._metadata: dict[str, Any] | None = None
        self._keys: KeySet | None = None
        self._fetched_at: float | None = None
        # After the provider failed to answer, requests are told to retry without asking
        # it again until then: a provider that is down is not hammered (nor does each
        # request wait for the timeout).
        self._retry_seconds = unavailable_retry_seconds
        self._unavailable_until = 0.0
        self._unavailable_reason = ""

    def _fetch_from_provider(self, url: str) -> Any:
        """The provider's answer at `url`, or ProviderUnavailable when it cannot be reached."""
        if self._clock() < self._unavailable_until:
            raise ProviderUnavailable(self._unavailable_reason, self._retry_seconds)
        try:
            return self._fetch(url, self._timeout)
        except OSError as problem:  # refused, timed out, DNS, HTTP 5xx/4xx (URLError)
            self._unavailable_until = self._clock() + self._retry_seconds
            self._unavailable_reason = f"the identity provider cannot be reached: {problem}"
            raise ProviderUnavailable(self._unavailable_reason, self._retry_seconds) from None

    # -- keys ---------------------------------------------------------------------------

    def provider_metadata(self) -> dict[str, Any]:
        """The provider's discovery document (fetched once): its endpoints and JWKS."""
        if self._metadata is None:
            url = f"{self.issuer}/.well-known/openid-configuration"
            try:
                document = self._fetch_from_provider(url)
            except ValueError as problem:
                raise TokenRefused(f"the identity provider does not answer: {problem}") from None
            if str(document.get("issuer", "")).rstrip("/") != self.issuer:
                raise TokenRefused(
                    f"the provider's discovery document names issuer {document.get('issuer')!r},"
                    f" not {self.issuer!r} (KYOSO_OIDC_ISSUER)"
                )
            self._metadata = dict(document)
        return self._metadata

    def _discover(self) -> str:
        return str(self.provider_metadata()["jwks_uri"])

    def _refresh(self) -> KeySet:
        """Fetch the provider's keys (callers hold the lock)."""
        try:
            keys = KeySet.import_key_set(self._fetch_from_provider(self._discover()))
        except (TokenRefused, ProviderUnavailable):
            raise
        except (ValueError, KeyError, JoseError) as problem:
            raise TokenRefused(f"the identity provider's keys are unavailable: {problem}") from None
        self._keys, self._fetched_at = keys, self._clock()
        return keys

    def _key_for(self, kid: str | None) -> Any:
        with self._lock:
            keys = self._keys or self._refresh()
            found = _find(keys, kid)
            if found is not None:
                return found
            # An unknown key id: the provider may have rotated; look again, not too often.
            if (
                self._fetched_at is None
                or self._clock() - self._fetched_at >= self._refresh_seconds
            ):
                found = _find(self._refresh(), kid)
                if found is not None:
                    return found
        raise TokenRefused(
            f"the token is signed with a key the provider does not list (kid {kid!r})"
        )

    # -- tokens -------------------------------------------------------------------------

    def verify(self, token: str) -> VerifiedStaff:
        """A staff access token: the person, their role and city, or TokenRefused."""
        decoded = self._decode(token)
        registry = jwt.JWTClaimsRegistry(
            leeway=self._leeway,
            iss={"essential": True, "value": self.issuer},
            aud={"essential": True, "value": self.audience},
            exp={"essential": True},
            sub={"essential": True},
        )
        try:
            registry.validate(decoded.claims)
        except JoseError as problem:
            raise TokenRefused(_claim_problem(problem, self.issuer, self.audience)) from None
        return self.staff_of(decoded.claims)

    def verify_id_token(self, token: str, client_id: str, nonce: str) -> dict[str, Any]:
        """An ID token the provider gave a client (the portal) at sign-in: signed by the
        provider, for that client, with the nonce the sign-in sent (OIDC Core 3.1.3.7)."""
        decoded = self._decode(token)
        registry = jwt.JWTClaimsRegistry(
            leeway=self._leeway,
            iss={"essential": True, "value": self.issuer},
            aud={"essential": True, "value": client_id},
            exp={"essential": True},
            sub={"essential": True},
            nonce={"essential": True, "value": nonce},
        )
        try:
            registry.validate(decoded.claims)
        except JoseError as problem:
            raise TokenRefused(
                "ID token: " + _claim_problem(problem, self.issuer, client_id)
            ) from None
        return dict(decoded.claims)

    def _decode(self, token: str) -> Any:
        def resolve(guest: GuestProtocol) -> Any:
            return self._key_for(guest.headers().get("kid"))

        try:
            decoded = jwt.decode(token, resolve, algorithms=list(self.algorithms))
        except (TokenRefused, ProviderUnavailable):
            raise
        except JoseError as problem:
            raise TokenRefused(f"the token's signature does not verify ({problem.error})") from None
        except ValueError as problem:
            raise TokenRefused(f"the token is not a signed JWT ({problem})") from None
        header_alg = decoded.header.get("alg")
        if header_alg not in self.algorithms:  # joserfc checks too; say it plainly
            raise TokenRefused(f"algorithm {header_alg!r} is not allowed")
        return decoded

    def staff_of(self, claims: Mapping[str, Any]) -> VerifiedStaff:
        mapping = self.claims
        municipality = _required_text(claims, mapping.municipality, "municipality")
        role = self._role(claims)
        department = _claim(claims, mapping.department)
        name = _claim(claims, mapping.name)
        return VerifiedStaff(
            subject=str(claims["sub"]),
            role=role,
            municipality=municipality,
            department=str(department) if department not in (None, "") else None,
            name=str(name) if name not in (None, "") else None,
            claims=dict(claims),
        )

    def _role(self, claims: Mapping[str, Any]) -> str:
        mapping = self.claims
        value = _claim(claims, mapping.role)
        if value in (None, "", []):
            raise TokenRefused(f"the token has no '{mapping.role}' claim (the staff role)")
        values = value if isinstance(value, list) else [value]
        for candidate in values:
            role = mapping.role_values.get(str(candidate), str(candidate))
            if not self.staff_roles or role in self.staff_roles:
                return role
        raise TokenRefused(
            f"the token's '{mapping.role}' claim names no staff role of the desk"
            f" ({', '.join(self.staff_roles)})"
        )


def _find(keys: KeySet, kid: str | None) -> Any:
    if kid is None:
        return keys.keys[0] if len(keys.keys) == 1 else None
    try:
        return keys.get_by_kid(kid)
    except (ValueError, JoseError):
        return None


def _claim(claims: Mapping[str, Any], path: str) -> Any:
    value: Any = claims
    for part in path.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return None
        value = value[part]
    return value


def _required_text(claims: Mapping[str, Any], path: str, meaning: str) -> str:
    value = _claim(claims, path)
    if not isinstance(value, str) or not value:
        raise TokenRefused(f"the token has no '{path}' claim (the staff member's {meaning})")
    return value


def _claim_problem(problem: JoseError, issuer: str, audience: str) -> str:
    claim = getattr(problem, "claim", None)
    if problem.error == "expired_token":
        return "the token has expired"
    if problem.error == "missing_claim":
        return f"the token has no '{claim}' claim"
    if claim == "iss":
        return f"the token was not issued by {issuer}"
    if claim == "aud":
        return f"the token is not meant for {audience}"
    if claim == "nonce":
        return "the token answers another sign-in (nonce)"
    return f"the token's claims do not hold ({problem.error}: {problem.description})"
