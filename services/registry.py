"""Every service of the desk, in the order a proposal meets them. `kyoso up`,
`kyoso service`, `kyoso relay`, rebuild, verify, replay and the deploy checks read this
list; a new service is a new folder with its `service.py` and one entry here."""

from __future__ import annotations

from services.decision.service import DECISION
from services.implementation.service import IMPLEMENTATION
from services.intake.service import INTAKE
from services.portal.service import PORTAL
from services.publication.service import PUBLICATION
from services.routing.service import ROUTING
from shared.declaration import ServiceDeclaration

SERVICES: dict[str, ServiceDeclaration] = {
    declaration.name: declaration
    for declaration in (INTAKE, ROUTING, DECISION, IMPLEMENTATION, PUBLICATION)
}
# The services that keep no events: the public portal calls the others' APIs and records
# nothing, so it has no store, topics or relay for rebuild, verify, replay and the audit
# to read. It runs as a process like the others (`kyoso service portal`, compose, deploy/).
FRONTS: dict[str, ServiceDeclaration] = {PORTAL.name: PORTAL}
# Every process of the desk, the portal first (`kyoso up` prints its address first).
PROCESSES: dict[str, ServiceDeclaration] = {**FRONTS, **SERVICES}


def service(name: str) -> ServiceDeclaration:
    try:
        return PROCESSES[name]
    except KeyError:
        raise LookupError(f"no service '{name}' (one of {', '.join(PROCESSES)})") from None
