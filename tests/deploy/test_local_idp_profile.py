"""Compose's optional local provider (`docker compose --profile local-idp`), for municipal IT
trying the desk without their own: what docker-compose.yml says of it agrees with the
services and the portal, and its two containers' commands, run here with exactly
compose's environment (its paths and port on this machine), give staff tokens the
services accept. No Docker engine runs here (DESIGN.md §5): the commands run as processes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from kyoso.local_idp import IDP_DIR, ensure_installed
from shared.broker import free_port
from shared.identity import TokenVerifier
from tests.deploy import manifests as m
from tests.deploy.test_files import REQUIRED

# The issuer README's "Containers" tells the operator to set with the profile.
ISSUER = "http://local-idp:9400"
PROFILE = ("local-idp-staff", "local-idp")


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return m.load_compose({**REQUIRED, "KYOSO_OIDC_ISSUER": ISSUER})


def test_the_local_provider_is_optional_and_agrees_with_the_portal_and_services(
    compose: dict[str, Any],
) -> None:
    services = compose["services"]
    for name in PROFILE:
        assert services[name]["profiles"] == ["local-idp"], name  # never started by default
    assert not any("profiles" in spec for name, spec in services.items() if name not in PROFILE)
    idp = m.service_environment(services["local-idp"])
    portal = m.service_environment(services["portal"])
    routing = m.service_environment(services["routing"])
    # One issuer and audience for the provider, the services and the portal.
    assert idp["KYOSO_IDP_ISSUER"] == routing["KYOSO_OIDC_ISSUER"] == portal["KYOSO_OIDC_ISSUER"]
    assert idp["KYOSO_IDP_AUDIENCE"] == routing["KYOSO_OIDC_AUDIENCE"]
    # The portal's client, with its secret and the addresses the portal sends back to.
    assert idp["KYOSO_IDP_PORTAL_CLIENT_ID"] == portal["KYOSO_PORTAL_OIDC_CLIENT_ID"]
    assert idp["KYOSO_IDP_PORTAL_CLIENT_SECRET"] == portal["KYOSO_PORTAL_OIDC_CLIENT_SECRET"]
    base = portal["KYOSO_PORTAL_PUBLIC_BASE_URL"]
    assert idp["KYOSO_IDP_REDIRECT_URIS"] == f"{base}/staff/callback"
    assert idp["KYOSO_IDP_POST_LOGOUT_REDIRECT_URIS"] == f"{base}/staff/signed-out"
    # The staff file one makes is the one the other reads, in the volume both mount.
    staff = services["local-idp-staff"]
    assert staff["command"] == ["local-idp-staff", "/data"]
    assert staff["image"] == services["routing"]["image"]  # the desk image (kyoso CLI)
    assert m.volume_sources(staff) == m.volume_sources(services["local-idp"])
    assert idp["KYOSO_IDP_STAFF_FILE"] == "/data/local-idp-staff.json"
    assert services["local-idp"]["depends_on"] == {
        "local-idp-staff": {"condition": "service_completed_successfully"}
    }
    assert services["local-idp"]["user"] == "10001:10001"  # the desk image's user: not root
    assert [str(p).rsplit(":", 1)[1] for p in services["local-idp"]["ports"]] == [
        idp["KYOSO_IDP_PORT"]
    ]
    assert "local-idp-data" in compose["volumes"]


def test_the_local_provider_image_runs_server_mjs_as_a_non_root_user(
    compose: dict[str, Any],
) -> None:
    assert compose["services"]["local-idp"]["build"] == "./tools/local-idp"
    lines = [
        line.split(None, 1)
        for line in (IDP_DIR / "Dockerfile").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    instructions = [(word.upper(), rest) for word, rest in lines]
    copied = {name for word, rest in instructions if word == "COPY" for name in rest.split()[:-1]}
    assert copied == {"package.json", "package-lock.json", "server.mjs"}
    assert all((IDP_DIR / name).is_file() for name in copied)
    assert ("CMD", '["node", "server.mjs"]') in instructions
    users = [rest for word, rest in instructions if word == "USER"]
    assert users and users[-1] not in ("root", "0")
    assert "node_modules" in (IDP_DIR / ".dockerignore").read_text(encoding="utf-8").split()


@pytest.fixture
def provider_as_compose_runs_it(
    compose: dict[str, Any], tmp_path: Path
) -> Iterator[tuple[int, dict[str, Any]]]:
    """local-idp-staff's command, then local-idp's, with compose's environment: /data is
    `tmp_path`, and the container's port 9400 a free one here."""
    ensure_installed()
    services = compose["services"]
    staff = subprocess.run(
        [
            sys.executable,
            "-m",
            "kyoso.cli",
            *(
                str(tmp_path) if arg == "/data" else arg
                for arg in services["local-idp-staff"]["command"]
            ),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
        env={**os.environ, "PYTHONPATH": str(m.ROOT)},
    )
    assert "nagasaki-desk" in staff.stdout  # what `docker compose logs local-idp-staff` shows
    people = json.loads((tmp_path / "local-idp-staff.json").read_text(encoding="utf-8"))["staff"]
    port = free_port()
    environment = {
        name: value.replace("/data/", f"{tmp_path}/")
        for name, value in m.service_environment(services["local-idp"]).items()
    }
    environment["KYOSO_IDP_PORT"] = str(port)
    process = subprocess.Popen(
        ["node", "server.mjs"],
        cwd=IDP_DIR,
        env={"PATH": os.environ["PATH"], **environment},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 120  # as kyoso.local_idp: a busy machine once took over 30 s
        while True:
            assert process.poll() is None, "the provider stopped"
            try:
                with urllib.request.urlopen(
                    f"http://127.0.0.1:{port}/.well-known/openid-configuration", timeout=1
                ) as answer:
                    discovery = json.loads(answer.read())
                break
            except OSError:
                assert time.monotonic() < deadline, "the provider did not answer in 120 s"
                time.sleep(0.1)
        yield port, {"discovery": discovery, "people": people, "data": tmp_path}
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_the_profiles_provider_gives_tokens_the_services_accept(
    compose: dict[str, Any], provider_as_compose_runs_it: tuple[int, dict[str, Any]]
) -> None:
    port, found = provider_as_compose_runs_it
    routing = m.service_environment(compose["services"]["routing"])
    assert found["discovery"]["issuer"] == routing["KYOSO_OIDC_ISSUER"] == ISSUER
    # The keys are kept in the volume: a restarted container signs with the same ones.
    assert (found["data"] / "local-idp-keys.json").is_file()
    desk = next(p for p in found["people"] if p["login"] == "nagasaki-desk")
    answer = httpx.post(
        f"http://127.0.0.1:{port}/token",
        data={
            "grant_type": "client_credentials",
            "scope": "staff",
            "resource": routing["KYOSO_OIDC_AUDIENCE"],
        },
        auth=(desk["login"], desk["password"]),
        timeout=10,
    )
    assert answer.status_code == 200, answer.text

    def inside_compose(url: str, timeout: float) -> Any:
        # Compose's network resolves `local-idp` to the container; here, to the process.
        here = url.replace(ISSUER, f"http://127.0.0.1:{port}")
        with urllib.request.urlopen(here, timeout=timeout) as response:
            return json.loads(response.read())

    verifier = TokenVerifier(
        routing["KYOSO_OIDC_ISSUER"],
        routing["KYOSO_OIDC_AUDIENCE"],
        staff_roles=("desk", "department", "council", "auditor"),
        fetch_json=inside_compose,
    )
    staff = verifier.verify(answer.json()["access_token"])
    assert (staff.subject, staff.role, staff.municipality) == ("nagasaki-desk", "desk", "nagasaki")
