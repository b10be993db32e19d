"""The routing service, declared: routing to departments, dialogue and deadlines
(振り分け・対話・期限)."""

from __future__ import annotations

from services.routing.api import dashboard, routings
from services.routing.application import RoutingApplication
from services.routing.domain import Routing
from services.routing.integration import SERVICE, to_integration_event
from services.routing.settings import RoutingSettings
from services.routing.staff_mail import staff_mail_outbox
from shared.declaration import ServiceDeclaration, Timer

ROUTING = ServiceDeclaration(
    name=SERVICE,
    title="Kyoso Desk — routing 共創窓口 振り分け",
    description="所管課への振り分け、対話、期限。Routing to departments, dialogue, deadlines.",
    settings=RoutingSettings,
    port_setting="routing_port",
    application=RoutingApplication,
    publishes=to_integration_event,
    proposal_aggregate=Routing.create_id,
    routers=[routings.router, dashboard.router],
    workers=[staff_mail_outbox],
    timers=[
        Timer(
            name="routing.deadlines",
            every=lambda settings: settings.deadline_check_interval_seconds,
            run=lambda routing: routing.check_deadlines(),
        )
    ],
)
