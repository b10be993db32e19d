"""Staff access tokens: what the desk accepts and what it refuses, and why it says so."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from typing import Any

import pytest
from joserfc import jwt
from joserfc.jwk import RSAKey

from shared.broker import free_port
from shared.identity import (
    ClaimMapping,
    ProviderUnavailable,
    TokenRefused,
    TokenVerifier,
    allowed_algorithms,
)
from shared.staff_auth import StaffDirectory, StaffSettings, StaffToken, staff_acting

ISSUER = "https://id.example-city.jp/realms/staff"
AUDIENCE = "urn:kyoso:desk"
ROLES = ("desk", "department", "council")


class Provider:
    """A provider's discovery document and JWKS, served to the verifier from memory."""

    def __init__(self) -> None:
        self.keys = [RSAKey.generate_key(2048, parameters={"kid": "key-1"})]
        self.fetches: list[str] = []

    def fetch(self, url: str, timeout: float) -> Any:
        self.fetches.append(url)
        if url.endswith("/.well-known/openid-configuration"):
            return {"issuer": ISSUER, "jwks_uri": f"{ISSUER}/jwks"}
        assert url == f"{ISSUER}/jwks"
        return {"keys": [key.as_dict(private=False) for key in self.keys]}

    def rotate(self, kid: str) -> RSAKey:
        key = RSAKey.generate_key(2048, parameters={"kid": kid})
        self.keys = [key]
        return key

    def sign(self, claims: dict[str, Any], key: RSAKey | None = None, **header: Any) -> str:
        key = key or self.keys[0]
        return jwt.encode({"alg": "RS256", "kid": key.kid, **header}, claims, key)


def claims(**overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    base = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": "u-1029",
        "iat": now,
        "exp": now + 600,
        "municipality": "nagasaki",
        "role": "department",
        "department": "machizukuri",
        "name": "山田 花子",
    }
    base.update(overrides)
    return {k: v for k, v in base.items() if v is not None}


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def provider() -> Provider:
    return Provider()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def verifier(provider: Provider, clock: Clock) -> TokenVerifier:
    return TokenVerifier(
        ISSUER, AUDIENCE, staff_roles=ROLES, fetch_json=provider.fetch, clock=clock
    )


def test_a_token_of_the_provider_names_the_person_their_role_and_city(
    provider: Provider, verifier: TokenVerifier
) -> None:
    staff = verifier.verify(provider.sign(claims()))
    assert (staff.subject, staff.name) == ("u-1029", "山田 花子")
    assert (staff.role, staff.municipality, staff.department) == (
        "department",
        "nagasaki",
        "machizukuri",
    )
    assert provider.fetches == [
        f"{ISSUER}/.well-known/openid-configuration",
        f"{ISSUER}/jwks",
    ]


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"iss": "https://evil.example/realms/staff"}, f"not issued by {ISSUER}"),
        ({"aud": "urn:another:api"}, f"not meant for {AUDIENCE}"),
        ({"exp": int(time.time()) - 3600}, "has expired"),
        ({"exp": None}, "no 'exp' claim"),
        ({"sub": None}, "no 'sub' claim"),
        ({"municipality": None}, "no 'municipality' claim"),
        ({"role": None}, "no 'role' claim"),
        ({"role": "mayor"}, "'role' claim names no staff role"),
    ],
)
def test_a_token_whose_claims_do_not_hold_is_refused_naming_the_check(
    provider: Provider, verifier: TokenVerifier, overrides: dict[str, Any], reason: str
) -> None:
    with pytest.raises(TokenRefused, match=reason):
        verifier.verify(provider.sign(claims(**overrides)))


def _unsigned(header: dict[str, Any], payload: dict[str, Any]) -> str:
    def part(value: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

    return f"{part(header)}.{part(payload)}."


def test_alg_none_is_refused(provider: Provider, verifier: TokenVerifier) -> None:
    with pytest.raises(TokenRefused):
        verifier.verify(_unsigned({"alg": "none", "kid": "key-1"}, claims()))


def test_hs256_signed_with_the_providers_public_key_is_refused(
    provider: Provider, verifier: TokenVerifier
) -> None:
    # The classic confusion: the public key (anyone has it) used as an HMAC secret. joserfc
    # will not even make such a token, so the attacker's HMAC is computed here by hand.
    public_pem = provider.keys[0].as_pem(private=False)
    unsigned = _unsigned({"alg": "HS256", "kid": "key-1"}, claims(role="desk"))[:-1]
    mac = hmac.new(public_pem, unsigned.encode(), hashlib.sha256).digest()
    forged = f"{unsigned}.{base64.urlsafe_b64encode(mac).rstrip(b'=').decode()}"
    with pytest.raises(TokenRefused):
        verifier.verify(forged)


def test_a_token_signed_by_another_key_with_a_known_kid_is_refused(
    provider: Provider, verifier: TokenVerifier
) -> None:
    impostor = RSAKey.generate_key(2048, parameters={"kid": "key-1"})
    with pytest.raises(TokenRefused, match="signature does not verify"):
        verifier.verify(provider.sign(claims(), key=impostor))


def test_symmetric_and_none_algorithms_cannot_be_configured() -> None:
    for refused in (["none"], ["HS256"], ["RS256", "HS512"], []):
        with pytest.raises(ValueError):
            allowed_algorithms(refused)
    with pytest.raises(ValueError, match="HS256"):
        StaffSettings(oidc_algorithms="RS256,HS256")
    with pytest.raises(ValueError, match="JSON object"):
        StaffSettings(oidc_role_values="desk=kyoso-desk")
    assert StaffSettings(oidc_role_values='{"g-desk": "desk"}').token_verifier() is None


def test_a_rotated_key_is_fetched_once_and_then_accepted(
    provider: Provider, verifier: TokenVerifier, clock: Clock
) -> None:
    verifier.verify(provider.sign(claims()))
    fetched = len(provider.fetches)
    clock.now += 60  # past the refresh interval
    new_key = provider.rotate("key-2")
    staff = verifier.verify(provider.sign(claims(), key=new_key))
    assert staff.subject == "u-1029"
    assert len(provider.fetches) == fetched + 1  # the JWKS again, not the discovery


def test_unknown_key_ids_refetch_the_jwks_at_most_once_per_interval(
    provider: Provider, verifier: TokenVerifier, clock: Clock
) -> None:
    verifier.verify(provider.sign(claims()))
    fetched = len(provider.fetches)
    stranger = RSAKey.generate_key(2048, parameters={"kid": "made-up"})
    for _ in range(5):
        with pytest.raises(TokenRefused, match="key the provider does not list"):
            verifier.verify(provider.sign(claims(), key=stranger))
    assert len(provider.fetches) == fetched  # just fetched: no refetch within 30 s
    clock.now += 31
    with pytest.raises(TokenRefused):
        verifier.verify(provider.sign(claims(), key=stranger))
    assert len(provider.fetches) == fetched + 1


def test_a_provider_on_a_closed_port_is_unavailable_not_a_refusal(provider: Provider) -> None:
    """First use, and nothing listens where the provider should be: nothing is known of
    the token, so it is not refused; the caller is told to retry."""
    verifier = TokenVerifier(f"http://127.0.0.1:{free_port()}", AUDIENCE, timeout=2.0)
    with pytest.raises(ProviderUnavailable, match="cannot be reached") as down:
        verifier.verify(provider.sign(claims()))
    assert down.value.retry_after_seconds == 5


def test_a_provider_down_at_a_rotation_is_unavailable_and_not_asked_again_at_once(
    provider: Provider, verifier: TokenVerifier, clock: Clock
) -> None:
    verifier.verify(provider.sign(claims()))
    fetched = len(provider.fetches)
    new_key = provider.rotate("key-2")
    clock.now += 60

    def refused_connection(url: str, timeout: float) -> Any:
        provider.fetches.append(url)
        raise ConnectionRefusedError(111, "Connection refused")

    verifier._fetch = refused_connection  # the provider goes down
    with pytest.raises(ProviderUnavailable):
        verifier.verify(provider.sign(claims(), key=new_key))
    for _ in range(3):  # within the retry interval: answered at once, the provider spared
        with pytest.raises(ProviderUnavailable):
            verifier.verify(provider.sign(claims(), key=new_key))
    assert len(provider.fetches) == fetched + 1
    verifier._fetch = provider.fetch  # back up
    clock.now += 5
    assert verifier.verify(provider.sign(claims(), key=new_key)).subject == "u-1029"


def test_a_city_maps_its_own_claims_and_group_names(provider: Provider, clock: Clock) -> None:
    # Keycloak: realm roles in realm_access.roles, the city in a custom claim.
    verifier = TokenVerifier(
        ISSUER,
        AUDIENCE,
        staff_roles=ROLES,
        fetch_json=provider.fetch,
        clock=clock,
        claims=ClaimMapping(
            municipality="org.city",
            role="realm_access.roles",
            department="org.section",
            name="preferred_username",
            role_values={"kyoso-council-members": "council"},
        ),
    )
    token = provider.sign(
        claims(
            municipality=None,
            role=None,
            department=None,
            name=None,
            org={"city": "sapporo"},
            realm_access={"roles": ["offline_access", "kyoso-council-members"]},
            preferred_username="tanaka",
        )
    )
    staff = verifier.verify(token)
    assert (staff.role, staff.municipality, staff.department, staff.name) == (
        "council",
        "sapporo",
        None,
        "tanaka",
    )


def test_the_directory_turns_a_token_into_the_staff_member_who_acts(
    provider: Provider, verifier: TokenVerifier
) -> None:
    directory = StaffDirectory([], verifier)
    staff = directory.authenticate(provider.sign(claims(role="desk", department=None)))
    acting = staff_acting(staff, "corr-1")
    assert (acting.subject, acting.name, acting.role.value) == ("u-1029", "山田 花子", "desk")
    assert acting.as_meta()["subject"] == "u-1029"
    with pytest.raises(TokenRefused, match="not a municipality this desk serves"):
        directory.authenticate(provider.sign(claims(municipality="osaka")))


def test_without_an_issuer_only_the_transition_tokens_are_known() -> None:
    static = StaffToken(token="s" * 24, role="desk", municipality="nagasaki")
    directory = StaffDirectory([static])
    assert directory.authenticate("s" * 24) == static
    with pytest.raises(TokenRefused, match="unknown staff token"):
        directory.authenticate("eyJhbGciOiJSUzI1NiJ9.e30.c2ln")
    assert StaffSettings().staff_tokens == []  # off by default
