"""Where a service keeps its history: eventsourcing's SQLite or PostgreSQL recorders.

The embedded default is one SQLite file per service; containers point KYOSO_DATABASE_URL
at PostgreSQL and every service gets its own schema (DESIGN.md §1: no service reads
another service's tables). This module only translates our one URL into the environment
variables the `eventsourcing` library reads.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from shared.settings import CommonSettings, ConfigError

# Every store records its events with the tamper-evident hash chain (shared.audit).
CHAINED_SQLITE = "shared.audit.recorders:ChainedSQLiteProcessRecorder"
CHAINED_POSTGRES = "shared.audit.recorders:ChainedPostgresProcessRecorder"


def eventsourcing_env(service: str, settings: CommonSettings) -> dict[str, str]:
    url = settings.database_url.strip()
    if not url:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        return _sqlite_env(settings.data_dir / f"{service}.sqlite")
    if url == "memory:":
        # Held in the process only, without the hash chain: for tests of a service's rules
        # that need no database. Nothing survives the process.
        return {"PERSISTENCE_MODULE": "eventsourcing.popo"}
    parts = urlsplit(url)
    if parts.scheme == "sqlite":
        path = unquote(parts.path[1:] if parts.path.startswith("//") else parts.path)
        if not path:
            raise ConfigError("KYOSO_DATABASE_URL: a sqlite URL needs a file path")
        _ensure_sqlite_folder(Path(path).parent, settings.data_dir)
        return _sqlite_env(Path(path))
    if parts.scheme in ("postgres", "postgresql"):
        if not parts.hostname or not parts.path.strip("/"):
            raise ConfigError(
                "KYOSO_DATABASE_URL: a postgresql URL needs a host and a database name, "
                "e.g. postgresql://kyoso:secret@db:5432/kyoso"
            )
        query = parse_qs(parts.query)
        schema_prefix = query.get("schema_prefix", [""])[0]
        return {
            "PERSISTENCE_MODULE": "eventsourcing.postgres",
            "POSTGRES_HOST": parts.hostname,
            "POSTGRES_PORT": str(parts.port or 5432),
            "POSTGRES_DBNAME": parts.path.strip("/"),
            "POSTGRES_USER": unquote(parts.username or "postgres"),
            "POSTGRES_PASSWORD": unquote(parts.password or ""),
            "POSTGRES_SCHEMA": f"{schema_prefix}{service}",
            "POSTGRES_POOL_SIZE": "5",
            "POSTGRES_MAX_OVERFLOW": "5",
            "POSTGRES_PRE_PING": "y",
            "PROCESS_RECORDER_TOPIC": CHAINED_POSTGRES,
        }
    raise ConfigError(
        f"KYOSO_DATABASE_URL: unsupported scheme '{parts.scheme}' "
        "(use sqlite, postgresql, or memory: for tests)"
    )


def _ensure_sqlite_folder(folder: Path, data_dir: Path) -> None:
    """The desk makes folders only inside its own data folder; elsewhere a missing folder
    is a mistyped path, to be told, not silently created (e.g. by root in a container)."""
    if folder.is_dir():
        return
    if folder.resolve().is_relative_to(data_dir.resolve()):
        folder.mkdir(parents=True, exist_ok=True)
        return
    raise ConfigError(
        f"KYOSO_DATABASE_URL: the folder {folder} does not exist (create it, or put the "
        "file inside KYOSO_DATA_DIR)"
    )


def _sqlite_env(path: Path) -> dict[str, str]:
    return {
        "PERSISTENCE_MODULE": "eventsourcing.sqlite",
        "SQLITE_DBNAME": str(path),
        # Avoid "database is locked" when the relay reads while the API writes.
        "SQLITE_LOCK_TIMEOUT": "10",
        "PROCESS_RECORDER_TOPIC": CHAINED_SQLITE,
    }


def ensure_store_exists(env: dict[str, str]) -> None:
    """Create the service's PostgreSQL schema; eventsourcing creates tables but not schemas."""
    if env.get("PERSISTENCE_MODULE") != "eventsourcing.postgres":
        return
    import psycopg
    from psycopg import sql

    try:
        connecting = psycopg.connect(
            host=env["POSTGRES_HOST"],
            port=int(env["POSTGRES_PORT"]),
            dbname=env["POSTGRES_DBNAME"],
            user=env["POSTGRES_USER"],
            password=env["POSTGRES_PASSWORD"] or None,
            connect_timeout=10,
        )
    except psycopg.OperationalError as problem:
        raise ConfigError(
            f"KYOSO_DATABASE_URL: PostgreSQL at {env['POSTGRES_HOST']}:{env['POSTGRES_PORT']} "
            f"cannot be used: {_reason(problem, env['POSTGRES_PASSWORD'])}"
        ) from None
    with connecting as connection:
        # Instances of a service starting together would race to create the schema, and
        # PostgreSQL fails all but one: the first takes a lock the others wait on.
        schema = env["POSTGRES_SCHEMA"]
        connection.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (schema,))
        connection.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(schema)))
        connection.commit()


def _reason(problem: Exception, password: str) -> str:
    """The driver's first line (e.g. "connection refused"), the password never in it."""
    lines = str(problem).strip().splitlines() or [type(problem).__name__]
    reason = lines[0]
    return reason.replace(password, "***") if password else reason
