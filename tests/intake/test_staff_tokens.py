"""The desk's APIs take the tokens of the city's OpenID Connect provider: a real token from
the local provider (tools/local-idp) by client credentials, the same path production uses."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx
import pytest

from services.intake.service import INTAKE
from services.intake.settings import IntakeSettings
from shared.audit.history import ProposalHistory
from tests.conftest import MovableClock, RunningIntake, bearer, start_intake
from tests.factories import proposal_body
from tests.oidc import RunningIdp, idp, local_idp  # noqa: F401  (the fixture)

NAGASAKI = "/api/v1/municipalities/nagasaki"


@pytest.fixture
async def intake_with_idp(
    idp: RunningIdp,  # noqa: F811
    make_settings: Callable[..., IntakeSettings],
    clock: MovableClock,
) -> AsyncIterator[RunningIntake]:
    # No static tokens at all: only the provider's.
    settings = make_settings(staff_tokens=[], **idp.service_settings())
    app, lifespan = await start_intake(settings, clock)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://intake.test") as client:
        yield RunningIntake(app, client)
    await lifespan.__aexit__(None, None, None)


async def _submitted(client: httpx.AsyncClient) -> str:
    response = await client.post(f"{NAGASAKI}/proposals", json=proposal_body())
    assert response.status_code == 201, response.text
    return str(response.json()["proposal_id"])


async def test_a_desk_officers_token_opens_the_inbox_and_the_screening_names_them(
    idp: RunningIdp,  # noqa: F811
    intake_with_idp: RunningIntake,
) -> None:
    client = intake_with_idp.client
    pid = await _submitted(client)
    desk = bearer(idp.token_for("nagasaki-desk"))
    inbox = await client.get(f"{NAGASAKI}/desk/proposals", headers=desk)
    assert inbox.status_code == 200, inbox.text
    assert pid in [line["proposal_id"] for line in inbox.json()]

    screened = await client.post(
        f"{NAGASAKI}/desk/proposals/{pid}/screening", json={"decision": "accept"}, headers=desk
    )
    assert screened.status_code == 200, screened.text

    # The history an auditor replays names the person who screened, not only the role.
    application: Any = intake_with_idp.application
    stored = list(application.repository.event_store.get(UUID(pid)))
    envelopes = [e for e in (INTAKE.to_envelope(event) for event in stored) if e is not None]
    accepted = envelopes[-1]
    person = idp.staff["nagasaki-desk"]
    assert (accepted.meta.actor_subject, accepted.meta.actor_name) == ("nagasaki-desk", person.name)
    submitted = envelopes[0]
    assert submitted.meta.actor_subject is None  # the proposer is no staff member
    history = ProposalHistory(UUID(pid), envelopes)
    assert f"by {person.name} (nagasaki-desk)" in history.as_text()  # `kyoso replay`
    steps = history.as_json()["history"]  # `kyoso replay --json` and `kyoso export`
    assert [(s["actor_role"], s["actor_name"]) for s in steps] == [
        ("proposer", None),
        ("desk", person.name),
    ]


async def test_another_citys_staff_get_403_and_a_forged_token_401(
    idp: RunningIdp,  # noqa: F811
    intake_with_idp: RunningIntake,
) -> None:
    client = intake_with_idp.client
    aomori = bearer(idp.token_for("aomori-desk"))
    refused = await client.get(f"{NAGASAKI}/desk/proposals", headers=aomori)
    assert refused.status_code == 403
    assert "acts for aomori, not nagasaki" in refused.text

    department = bearer(idp.token_for("nagasaki-machizukuri"))
    not_desk = await client.get(f"{NAGASAKI}/desk/proposals", headers=department)
    assert not_desk.status_code == 403 and "role 'department'" in not_desk.text

    token = idp.token_for("nagasaki-desk")
    header, payload, signature = token.split(".")
    tampered = f"{header}.{payload}.{signature[:-4]}AAAA"
    forged = await client.get(f"{NAGASAKI}/desk/proposals", headers=bearer(tampered))
    assert forged.status_code == 401 and "signature does not verify" in forged.text


@contextlib.asynccontextmanager
async def client_of(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://intake.test") as client:
        yield client


async def test_a_provider_that_is_down_gets_503_with_retry_after_not_401(
    make_settings: Callable[..., IntakeSettings], clock: MovableClock, tmp_path: Path
) -> None:
    """A real provider, stopped: a service that has its keys goes on verifying tokens;
    one that must fetch them first (first use) answers 503 and when to retry, for a
    token it cannot judge is not a refused one (401 would send the person to sign in)."""
    inbox = f"{NAGASAKI}/desk/proposals"
    with local_idp(tmp_path) as provider:
        token = bearer(provider.token_for("nagasaki-desk"))
        settings = make_settings(staff_tokens=[], **provider.service_settings())
        warm, lifespan = await start_intake(settings, clock)
        try:
            async with client_of(warm) as client:
                assert (await client.get(inbox, headers=token)).status_code == 200
                provider.provider.stop()  # the provider process ends: its port is closed
                kept = await client.get(inbox, headers=token)
        finally:
            await lifespan.__aexit__(None, None, None)
        assert kept.status_code == 200  # the keys it fetched still verify
        cold, lifespan = await start_intake(settings, clock)
        try:
            async with client_of(cold) as client:
                down = await client.get(inbox, headers=token)
        finally:
            await lifespan.__aexit__(None, None, None)
    assert down.status_code == 503
    assert down.headers["Retry-After"] == "5"
    [problem] = down.json()["detail"]
    assert problem["type"] == "identity_provider_unavailable"
    assert problem["msg"].startswith("the identity provider cannot be reached")
