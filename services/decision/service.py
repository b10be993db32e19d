"""The decision service, declared: decisions, the council, and how the implementer is
chosen fairly (実施可否判断・推進会議・公平性)."""

from __future__ import annotations

from services.decision.api import decisions
from services.decision.application import DecisionApplication
from services.decision.domain import Decision
from services.decision.integration import SERVICE, to_integration_event
from services.decision.settings import DecisionSettings
from shared.declaration import ServiceDeclaration

DECISION = ServiceDeclaration(
    name=SERVICE,
    title="Kyoso Desk — decision 共創窓口 実施可否判断",
    description="実施・不実施・推進会議、事業者選定の公平性。"
    "Decisions, the council, and how the implementer is chosen fairly.",
    settings=DecisionSettings,
    port_setting="decision_port",
    application=DecisionApplication,
    publishes=to_integration_event,
    proposal_aggregate=Decision.create_id,
    routers=[decisions.router],
)
