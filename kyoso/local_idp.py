"""The local OpenID Connect provider (tools/local-idp, panva's oidc-provider on Node.js):
the demo staff of every city the desk serves, and the process `kyoso up` and the tests run.

Production signs staff in at the city's own provider; this one exists so the embedded
default and the tests take exactly the same path (authorization code + PKCE, JWT access
tokens, client credentials) without one.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import shutil
import subprocess
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from shared.broker import dies_with_its_parent

IDP_DIR = Path(__file__).resolve().parent.parent / "tools" / "local-idp"
AUDIENCE = "urn:kyoso:desk"  # a resource indicator (RFC 8707) is an absolute URI
# Node loads oidc-provider and makes an RSA key in about a second on a quiet machine; a
# busy one (the test lanes start dozens of JVMs for Kafka's users and ACLs at once) once
# took over 30 s. The deadline only bounds a provider that never answers.
STARTUP_TIMEOUT_SECONDS = 120.0


class DemoStaff(BaseModel):
    """One person to sign in as: also a client-credentials client (client_id = login)."""

    model_config = ConfigDict(frozen=True)

    login: str
    password: str
    name: str
    municipality: str
    role: str
    department: str | None = None


def demo_staff(password: Callable[[str], str] | None = None) -> list[DemoStaff]:
    """The desk, each department, the council and the auditor of every served city
    (DOMAIN.md, "Actors"), Nagasaki first; `password(login)` makes each password."""
    from services.routing.directory import directory
    from shared.municipalities import municipalities

    make = password or (lambda login: secrets.token_urlsafe(12))
    people: list[DemoStaff] = []
    for code, city in municipalities().items():

        def person(
            suffix: str, role: str, name: str, department: str | None = None, *, _code: str = code
        ) -> DemoStaff:
            login = f"{_code}-{suffix}"
            return DemoStaff(
                login=login,
                password=make(login),
                name=name,
                municipality=_code,
                role=role,
                department=department,
            )

        people.append(person("desk", "desk", f"{city.name_ja} {city.desk_ja} 窓口担当"))
        people += [
            person(d.code, "department", f"{city.name_ja} {d.name_ja} 担当", d.code)
            for d in directory(code).departments
        ]
        people.append(person("council", "council", f"{city.name_ja} 官民連携推進本部会議"))
        people.append(person("auditor", "auditor", f"{city.name_ja} 監査担当"))
    people.sort(key=lambda p: p.municipality != "nagasaki")
    return people


def write_staff_file(path: Path, people: list[DemoStaff]) -> None:
    path.write_text(
        json.dumps({"staff": [p.model_dump() for p in people]}, ensure_ascii=False, indent=1),
        encoding="utf-8",
    )
    path.chmod(0o600)


def kept_demo_staff(data_dir: Path) -> tuple[Path, list[DemoStaff]]:
    """The demo staff of a local desk: made once with random passwords and kept in the data
    folder, so a restart signs in with the same ones."""
    path = data_dir / "local-idp-staff.json"
    if path.exists():
        loaded = json.loads(path.read_text(encoding="utf-8"))["staff"]
        return path, [DemoStaff.model_validate(p) for p in loaded]
    people = demo_staff()
    write_staff_file(path, people)
    return path, people


def sign_in_table(people: list[DemoStaff]) -> str:
    """Each demo staff member's login, password, role and department, one a line."""
    lines = [f"  {'login ログイン名':<28} {'password パスワード':<20} role        department"]
    lines += [f"  {p.login:<28} {p.password:<20} {p.role:<11} {p.department or ''}" for p in people]
    return "\n".join(lines)


def ensure_installed() -> None:
    """`npm ci` in tools/local-idp when node_modules is missing or package-lock.json changed
    (./dev does the same before `kyoso up`)."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        raise RuntimeError("the local identity provider needs Node.js 20.19+ with npm")
    lock = (IDP_DIR / "package-lock.json").read_bytes()
    stamp = IDP_DIR / "node_modules" / f".installed-{hashlib.sha256(lock).hexdigest()[:16]}"
    if stamp.exists():
        return
    subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=IDP_DIR, check=True)
    for old in (IDP_DIR / "node_modules").glob(".installed-*"):
        old.unlink()
    stamp.touch()


@dataclass
class LocalIdentityProvider:
    """The provider as a child process, ready when its discovery document answers."""

    port: int
    staff_file: Path
    portal_client_secret: str = ""
    redirect_uris: list[str] = field(default_factory=list)
    post_logout_uris: list[str] = field(default_factory=list)
    keys_file: Path | None = None
    log_path: Path | None = None
    access_token_ttl: int = 3600
    portal_client_id: str = "kyoso-portal"
    dies_with_its_parent: bool = False  # `kyoso up`, which starts it before any thread
    _process: subprocess.Popen[bytes] | None = None

    @property
    def issuer(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def command(self) -> list[str]:
        command = [
            "node",
            str(IDP_DIR / "server.mjs"),
            f"--port={self.port}",
            f"--issuer={self.issuer}",
            f"--staff={self.staff_file}",
            f"--audience={AUDIENCE}",
            f"--access-token-ttl={self.access_token_ttl}",
            f"--portal-client-id={self.portal_client_id}",
        ]
        if self.keys_file is not None:
            command.append(f"--keys={self.keys_file}")
        if self.redirect_uris:
            command += [f"--redirect-uri={uri}" for uri in self.redirect_uris]
            command += [f"--post-logout-uri={uri}" for uri in self.post_logout_uris]
        return command

    def start(self, timeout: float = STARTUP_TIMEOUT_SECONDS) -> LocalIdentityProvider:
        ensure_installed()
        output = open(self.log_path, "ab") if self.log_path else subprocess.DEVNULL  # noqa: SIM115
        # The secret by the environment, not the command line (which `ps` shows to all).
        env = {**os.environ, "KYOSO_IDP_PORTAL_CLIENT_SECRET": self.portal_client_secret}
        self._process = subprocess.Popen(
            self.command(),
            stdout=output,
            stderr=subprocess.STDOUT,
            env=env,
            # A `kyoso up` killed -9 takes its provider with it (its port is free again).
            # Only there: the function runs between fork and exec, which is safe only
            # in a process with no other thread (a test run has several).
            preexec_fn=dies_with_its_parent() if self.dies_with_its_parent else None,
        )
        deadline = time.monotonic() + timeout
        discovery = f"{self.issuer}/.well-known/openid-configuration"
        while True:
            if self._process.poll() is not None:
                raise RuntimeError(
                    f"the local identity provider stopped (exit {self._process.returncode})"
                    + (f"; see {self.log_path}" if self.log_path else "")
                )
            try:
                with urllib.request.urlopen(discovery, timeout=1) as response:
                    if response.status == 200:
                        return self
            except OSError:
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise TimeoutError(f"the local identity provider did not answer {discovery}")
            time.sleep(0.1)

    def alive(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def stop(self) -> None:
        if self._process is None:
            return
        if self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        self._process = None

    def client_credentials_token(self, login: str, password: str) -> str:
        """An access token for the desk's APIs, acting as `login` (scripts, the demo data)."""
        import httpx

        response = httpx.post(
            f"{self.issuer}/token",
            data={"grant_type": "client_credentials", "scope": "staff", "resource": AUDIENCE},
            auth=(login, password),
            timeout=10,
        )
        response.raise_for_status()
        return str(response.json()["access_token"])
