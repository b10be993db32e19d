"""Opening a service's store to read its history, without starting the service.

The audit commands run beside (or long after) the services. They read each store with a
plain application of the same name and settings, so the library's mapper decodes the
stored events exactly as the service would, and they create or change nothing.
"""

from __future__ import annotations

from pathlib import Path

from shared.application import ServiceApplication
from shared.settings import CommonSettings, ConfigError
from shared.store import eventsourcing_env


class StoredHistory(ServiceApplication):
    """A service's store, opened for reading."""

    read_only = True
    aggregate_cache_size = None

    def __init__(self, service: str, settings: CommonSettings) -> None:
        self.service = service
        self.name = service  # the library names PostgreSQL tables after the application
        env = eventsourcing_env(service, settings)
        if env.get("SQLITE_DBNAME") and not Path(env["SQLITE_DBNAME"]).exists():
            raise ConfigError(
                f"KYOSO_DATA_DIR / KYOSO_DATABASE_URL: {service} has no store at "
                f"{env['SQLITE_DBNAME']}"
            )
        super().__init__(settings)
