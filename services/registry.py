"""Every service of the desk, in the order a proposal meets them. `kyoso up`,
`kyoso service`, `kyoso relay`, rebuild, verify, replay and the deploy checks read this
list; a new service is a new folder with its `service.py` and one entry here."""

from __future__ import annotations

from services.decision.service import DECISION
from services.intake.service import INTAKE
from services.publication.service import PUBLICATION
from services.routing.service import ROUTING
from shared.declaration import ServiceDeclaration

SERVICES: dict[str, ServiceDeclaration] = {
    declaration.name: declaration for declaration in (INTAKE, ROUTING, DECISION, PUBLICATION)
}


def service(name: str) -> ServiceDeclaration:
    try:
        return SERVICES[name]
    except KeyError:
        raise LookupError(f"no service '{name}' (one of {', '.join(SERVICES)})") from None
