"""`kyoso up`: the whole desk on one machine, on the embedded default.

Starts the local broker and the local OpenID Connect provider (tools/local-idp, with the
demo staff of every city), then every service as its own process with exactly the command
its container runs (`kyoso service NAME`), waits until each answers /readyz, prints where
to look, and on Ctrl-C stops the services first (they finish their relays) and the
broker last. Stores are SQLite files under KYOSO_DATA_DIR, so the next start keeps every
accepted proposal; the broker keeps nothing, and the relays republish to it.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from types import FrameType

from kyoso.demo import walk_nagasaki_register
from kyoso.local_idp import DemoStaff, LocalIdentityProvider, kept_demo_staff, sign_in_table
from services.registry import PROCESSES
from shared.broker import LocalBroker, dies_with_its_parent
from shared.mail_catcher import MailCatcher
from shared.settings import CommonSettings, load_settings

READY_TIMEOUT_SECONDS = 60.0
IDP_PORT = (
    8009  # KYOSO_IDP_PORT; a fixed port keeps the issuer (and signed-in staff) across restarts
)


STOP_SECONDS = 20.0  # how long Ctrl-C waits for the services to stop on their own


def run_broker(host: str, port: int) -> int:
    # Before anything is started or printed: a SIGTERM that comes right after the line
    # below must stop the broker cleanly, not kill this process and leave it running.
    _stop_on_ctrl_c_or_sigterm()
    broker = LocalBroker(port=port, host=host)
    try:
        broker.start()
        print(
            f"Kafka-protocol broker (Tansu, memory only) on {broker.bootstrap_servers}; "
            "Ctrl-C stops it",
            flush=True,
        )
        return broker.wait()
    except KeyboardInterrupt:
        return 0
    finally:
        broker.stop()


def _stop_on_ctrl_c_or_sigterm() -> None:
    """Ctrl-C and SIGTERM both stop the desk. Ctrl-C is set explicitly: a shell starts a
    background job (`kyoso up &`, a script's lane) with SIGINT ignored, and Python keeps an
    inherited "ignore", so Ctrl-C or `kill -INT` would otherwise do nothing."""

    def interrupt(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, interrupt)


def _kept_secret(path: Path) -> str:
    if not path.exists():
        path.write_text(secrets.token_urlsafe(32), encoding="utf-8")
        path.chmod(0o600)
    return path.read_text(encoding="utf-8").strip()


def _start_local_idp(
    env: dict[str, str], data_dir: Path, portal_url: str
) -> tuple[LocalIdentityProvider, list[DemoStaff]]:
    """The local provider with the demo staff (kept in the data folder), the portal its
    client; the services and the portal are told to trust it."""
    staff_file, people = kept_demo_staff(data_dir)
    idp = LocalIdentityProvider(
        port=int(env.get("KYOSO_IDP_PORT", IDP_PORT)),
        staff_file=staff_file,
        portal_client_secret=_kept_secret(data_dir / "local-idp-portal-secret"),
        redirect_uris=[f"{portal_url}/staff/callback"],
        post_logout_uris=[f"{portal_url}/staff/signed-out"],
        keys_file=data_dir / "local-idp-keys.json",
        log_path=data_dir / "local-idp.log",
        dies_with_its_parent=True,
    ).start()
    env["KYOSO_OIDC_ISSUER"] = idp.issuer
    env["KYOSO_PORTAL_OIDC_CLIENT_SECRET"] = idp.portal_client_secret
    return idp, people


def _demo_tokens(idp: LocalIdentityProvider, people: list[DemoStaff]) -> str:
    """Access tokens of Nagasaki's desk and departments, by client credentials, for the
    demo data's walk through the APIs (the same tokens any script would use)."""
    tokens = [
        {
            "token": idp.client_credentials_token(p.login, p.password),
            "role": p.role,
            "municipality": p.municipality,
            "department": p.department,
        }
        for p in people
        if p.municipality == "nagasaki" and p.role in ("desk", "department")
    ]
    return json.dumps(tokens)


def _how_to_sign_in(people: list[DemoStaff], portal_url: str) -> str:
    heading = f"職員サインイン Staff sign-in   {portal_url}/staff  (local provider; demo staff):"
    return f"{heading}\n{sign_in_table(people)}"


def _ready(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1) as response:
            return bool(response.status == 200)
    except OSError:
        return False


def bring_up(broker_port: int, demo_data: bool) -> int:
    settings = load_settings(CommonSettings)
    data_dir = settings.data_dir.resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    env.setdefault("KYOSO_DATA_DIR", str(data_dir))
    env["KYOSO_KAFKA_BOOTSTRAP_SERVERS"] = f"127.0.0.1:{broker_port}"
    env.setdefault("KYOSO_DEMO_DATA", "true" if demo_data else "false")
    env.setdefault("KYOSO_KAFKA_SESSION_TIMEOUT_SECONDS", "2")  # fast group joins on Tansu
    catcher = None
    if not env.get("KYOSO_SMTP_HOST"):
        # No mail server of the city's: keep what proposers and staff would receive as
        # files (every service is given these settings: intake mails proposers, routing staff).
        # Started once the child processes are: they are forked with a function to run
        # first (dies_with_its_parent), which is only safe while this process has no
        # other thread, and the catcher's server is one.
        catcher = MailCatcher(data_dir / "mail")
        env.update(
            KYOSO_SMTP_HOST=catcher.host,
            KYOSO_SMTP_PORT=str(catcher.port),
            KYOSO_SMTP_SECURITY="none",
        )

    _stop_on_ctrl_c_or_sigterm()
    urls = {
        name: f"http://127.0.0.1:{env.get(s.port_variable, str(s.default_port))}"
        for name, s in PROCESSES.items()
    }
    idp: LocalIdentityProvider | None = None
    people: list[DemoStaff] = []
    if not env.get("KYOSO_OIDC_ISSUER"):
        # No provider of the city's named: the local one, with the demo staff.
        portal_base = (
            env.get("KYOSO_PORTAL_OIDC_REDIRECT_BASE_URL")
            or env.get("KYOSO_PORTAL_PUBLIC_BASE_URL")
            or urls["portal"]
        ).rstrip("/")
        idp, people = _start_local_idp(env, data_dir, portal_base)
    try:
        broker = LocalBroker(port=broker_port, log_path=data_dir / "broker.log").start()
    except BaseException:
        if idp is not None:
            idp.stop()
        raise
    children: dict[str, subprocess.Popen[bytes]] = {}
    # The portal calls the services where they listen, and intake's status links open it.
    env.setdefault("KYOSO_INTAKE_URL", urls["intake"])
    env.setdefault("KYOSO_ROUTING_URL", urls["routing"])
    env.setdefault("KYOSO_DECISION_URL", urls["decision"])
    env.setdefault("KYOSO_PUBLICATION_URL", urls["publication"])
    env.setdefault("KYOSO_IMPLEMENTATION_URL", urls["implementation"])
    env.setdefault("KYOSO_PUBLIC_BASE_URL", urls["portal"])
    # Intake's and publication's old pages redirect there too.
    env.setdefault("KYOSO_PORTAL_PUBLIC_BASE_URL", urls["portal"])
    try:
        for name in PROCESSES:
            children[name] = subprocess.Popen(
                [sys.executable, "-m", "kyoso.cli", "service", name],
                env=env,
                # `kyoso up` killed -9 takes its services with it, as it does the broker.
                preexec_fn=dies_with_its_parent(),
            )
        if catcher is not None:
            catcher.start()  # before the services are ready: nothing is mailed earlier
        deadline = time.monotonic() + READY_TIMEOUT_SECONDS
        for name, base in urls.items():
            while not _ready(f"{base}/readyz"):
                if children[name].poll() is not None:
                    print(
                        f"kyoso: the {name} service stopped (exit {children[name].returncode})",
                        file=sys.stderr,
                    )
                    return 1
                if time.monotonic() > deadline:
                    print(f"kyoso: {name} did not become ready at {base}/readyz", file=sys.stderr)
                    return 1
                time.sleep(0.2)
        staff_tokens = env.get("KYOSO_STAFF_TOKENS") or (
            _demo_tokens(idp, people) if idp is not None else "[]"
        )
        if env["KYOSO_DEMO_DATA"] == "true" and staff_tokens != "[]":
            print("Taking Nagasaki's registered proposals through the desk…", flush=True)
            walk_nagasaki_register(urls, staff_tokens)
        desk_token = next(
            (t["token"] for t in json.loads(staff_tokens) if t["role"] == "desk"), "(none)"
        )
        mail_goes_to = f"kept in {catcher.folder} (not sent)" if catcher else env["KYOSO_SMTP_HOST"]
        print(
            "\n共創窓口 Kyoso Desk is up.\n"
            f"  Portal ポータル            {urls['portal']}/\n"
            f"  Nagasaki 長崎市の窓口       {urls['portal']}/nagasaki\n"
            f"  Register 提案受付状況       {urls['portal']}/nagasaki/register\n"
            f"  API docs (intake)         {urls['intake']}/docs\n"
            f"  Routing 振り分け           {urls['routing']}/docs\n"
            f"  Desk dashboard            {urls['routing']}/api/v1/municipalities/nagasaki/dashboard\n"
            f"  Decision 実施判断          {urls['decision']}/docs\n"
            f"  Implementation 事業実施     {urls['implementation']}/docs\n"
            f"  Publication 公表           {urls['publication']}/docs\n"
            f"  Case feed 事例フィード      {urls['publication']}/feeds/nagasaki.json\n"
            f"  Kafka broker              127.0.0.1:{broker_port} (topics {settings.topic_prefix}.*)\n"
            f"  Stores                    {data_dir}\n"
            f"  E-mail (proposers, staff) {mail_goes_to}\n"
            f"  Identity provider 認証     {env['KYOSO_OIDC_ISSUER'] or '(none)'}\n"
            f"  Nagasaki desk token       {desk_token}\n"
            "    (an access token of nagasaki-desk for one hour; scripts get theirs by client\n"
            "     credentials: client_id = login, client_secret = password, resource\n"
            "     urn:kyoso:desk)\n"
            + (_how_to_sign_in(people, urls["portal"]) + "\n" if people else "")
            + "Ctrl-C stops everything; accepted proposals are kept for the next start.\n",
            flush=True,
        )
        while all(child.poll() is None for child in children.values()):
            time.sleep(0.5)
        stopped = [n for n, c in children.items() if c.poll() is not None]
        print(f"kyoso: {', '.join(stopped)} stopped; shutting the desk down", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\nStopping the desk…", flush=True)
        return 0
    finally:
        for child in children.values():
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        # One deadline for them all (they stop side by side): a service still stopping
        # after it, on a busy machine, is killed; its outbox keeps what it had not sent.
        deadline = time.monotonic() + STOP_SECONDS
        for child in children.values():
            try:
                child.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
        broker.stop()
        if idp is not None:
            idp.stop()
        if catcher is not None:
            catcher.stop()
