"""`kyoso up`: the whole desk on one machine, on the embedded default.

Starts the local broker, then every service as its own process with exactly the command
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
from services.registry import PROCESSES
from shared.broker import LocalBroker
from shared.mail_catcher import MailCatcher
from shared.settings import CommonSettings, load_settings

READY_TIMEOUT_SECONDS = 60.0


def run_broker(host: str, port: int) -> int:
    broker = LocalBroker(port=port, host=host).start()
    print(
        f"Kafka-protocol broker (Tansu, memory only) on {broker.bootstrap_servers}; Ctrl-C stops it",
        flush=True,
    )
    _stop_on_sigterm()
    try:
        return broker.wait()
    except KeyboardInterrupt:
        return 0
    finally:
        broker.stop()


def _stop_on_sigterm() -> None:
    def interrupt(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupt)


def _dev_staff_accounts() -> list[dict[str, str]]:
    """Every local staff account, without tokens: for each city the desk serves its desk,
    each of its departments, its council and an auditor. Nagasaki's desk comes first
    (`kyoso up` walks the demo register with the first token)."""
    from services.routing.directory import directory, known_municipalities

    cities = sorted(known_municipalities(), key=lambda code: code != "nagasaki")
    accounts: list[dict[str, str]] = []
    for code in cities:
        accounts.append({"role": "desk", "municipality": code, "name": f"{code} desk"})
        accounts += [
            {
                "role": "department",
                "municipality": code,
                "department": department.code,
                "name": department.name_ja,
            }
            for department in directory(code).departments
        ]
        accounts.append({"role": "council", "municipality": code, "name": f"{code} council"})
        accounts.append({"role": "auditor", "municipality": code, "name": f"{code} auditor"})
    return accounts


def _account_key(entry: dict[str, str]) -> tuple[str, str, str]:
    return (entry["role"], entry["municipality"], entry.get("department", ""))


def _dev_staff_tokens(data_dir: Path) -> str:
    """Staff tokens for a local desk, made once and kept in the data folder; accounts
    added since (another city's departments, the council, the auditor) are added to an
    older file, and the tokens already handed out stay as they are."""
    path = data_dir / "dev-staff-tokens.json"
    kept: list[dict[str, str]] = (
        json.loads(path.read_text(encoding="utf-8")) if path.exists() else []
    )
    have = {_account_key(entry) for entry in kept}
    missing = [
        {"token": secrets.token_urlsafe(24), **account}
        for account in _dev_staff_accounts()
        if _account_key(account) not in have
    ]
    if missing or not path.exists():
        path.write_text(json.dumps(kept + missing, indent=2, ensure_ascii=False), encoding="utf-8")
        path.chmod(0o600)
    return path.read_text(encoding="utf-8")


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
    env.setdefault("KYOSO_STAFF_TOKENS", _dev_staff_tokens(data_dir))
    env.setdefault("KYOSO_KAFKA_SESSION_TIMEOUT_SECONDS", "2")  # fast group joins on Tansu
    catcher = None
    if not env.get("KYOSO_SMTP_HOST"):
        # No mail server of the city's: keep what proposers would receive as files.
        catcher = MailCatcher(data_dir / "mail").start()
        env.update(
            KYOSO_SMTP_HOST=catcher.host,
            KYOSO_SMTP_PORT=str(catcher.port),
            KYOSO_SMTP_SECURITY="none",
        )

    _stop_on_sigterm()
    broker = LocalBroker(port=broker_port, log_path=data_dir / "broker.log").start()
    children: dict[str, subprocess.Popen[bytes]] = {}
    urls = {
        name: f"http://127.0.0.1:{env.get(s.port_variable, str(s.default_port))}"
        for name, s in PROCESSES.items()
    }
    # The portal calls the services where they listen, and intake's status links open it.
    env.setdefault("KYOSO_INTAKE_URL", urls["intake"])
    env.setdefault("KYOSO_ROUTING_URL", urls["routing"])
    env.setdefault("KYOSO_PUBLICATION_URL", urls["publication"])
    env.setdefault("KYOSO_PUBLIC_BASE_URL", urls["portal"])
    try:
        for name in PROCESSES:
            children[name] = subprocess.Popen(
                [sys.executable, "-m", "kyoso.cli", "service", name], env=env
            )
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
        if env["KYOSO_DEMO_DATA"] == "true":
            print("Taking Nagasaki's registered proposals through the desk…", flush=True)
            walk_nagasaki_register(urls, env["KYOSO_STAFF_TOKENS"])
        desk_token = json.loads(env["KYOSO_STAFF_TOKENS"])[0]["token"]
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
            f"  Publication 公表           {urls['publication']}/docs\n"
            f"  Case feed 事例フィード      {urls['publication']}/feeds/nagasaki.json\n"
            f"  Kafka broker              127.0.0.1:{broker_port} (topics {settings.topic_prefix}.*)\n"
            f"  Stores                    {data_dir}\n"
            f"  E-mail to proposers       {mail_goes_to}\n"
            f"  Nagasaki desk token       {desk_token}\n"
            f"  Staff tokens              {data_dir / 'dev-staff-tokens.json'}\n"
            "Ctrl-C stops everything; accepted proposals are kept for the next start.\n",
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
        for child in children.values():
            try:
                child.wait(timeout=15)
            except subprocess.TimeoutExpired:
                child.kill()
        broker.stop()
        if catcher is not None:
            catcher.stop()
