"""The portal's application: the portal keeps no events.

Every service is declared with an eventsourcing application, which the shared wiring
opens, checks for readiness and closes. The portal records nothing of its own (what it
shows and what proposers send lives in intake, routing and publication, reached over
their HTTP APIs), so its application has no aggregates and always lives in memory:
nothing to store, relay, consume or rebuild.
"""

from __future__ import annotations

from services.portal.settings import PortalSettings
from shared.application import ServiceApplication
from shared.clock import Clock, utc_now
from shared.projection import CatchingUpProjection

SERVICE = "portal"


class PortalApplication(ServiceApplication):
    service = SERVICE
    name = "portal"

    def __init__(self, settings: PortalSettings, clock: Clock = utc_now) -> None:
        super().__init__(settings.model_copy(update={"database_url": "memory:"}))
        self.clock = clock

    def read_models(self) -> dict[str, CatchingUpProjection]:
        """None: the portal reads the services' APIs, not a store."""
        return {}
