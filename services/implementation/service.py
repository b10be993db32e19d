"""The implementation service, declared: what follows an adoption — the implementer's
selection, the agreement or contract, the implementation and the effect verification
(事業者選定・協定・事業実施・効果検証).

A bounded context of its own: decision answers whether and how the implementer is chosen
(one decision, final); what follows runs for months or years with other people (the
partner, the council, the area) and its own rules, so it keeps its own history and hears
decision's adoption like any other consumer."""

from __future__ import annotations

from services.implementation.api import projects
from services.implementation.application import ImplementationApplication
from services.implementation.domain import Project
from services.implementation.integration import SERVICE, to_integration_event
from services.implementation.settings import ImplementationSettings
from shared.declaration import ServiceDeclaration, Timer

IMPLEMENTATION = ServiceDeclaration(
    name=SERVICE,
    title="Kyoso Desk — implementation 共創窓口 事業実施・効果検証",
    description="事業者選定、協定・契約、事業実施、効果検証。"
    "Selection, agreement, implementation and effect verification after adoption.",
    settings=ImplementationSettings,
    port_setting="implementation_port",
    application=ImplementationApplication,
    publishes=to_integration_event,
    proposal_aggregate=Project.create_id,
    routers=[projects.router],
    timers=[
        # Like routing's deadlines: an overdue verification is raised once, as an event.
        Timer(
            name="implementation.verification_deadlines",
            every=lambda settings: settings.deadline_check_interval_seconds,
            run=lambda implementation: implementation.check_verification_deadlines(),
        )
    ],
)
