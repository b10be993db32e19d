"""Decision's relay: its notification log to `{prefix}.decision.proposals`."""

from __future__ import annotations

from services.decision.application import DecisionApplication
from services.decision.integration import decision_topic, translator
from shared.relay import Relay
from shared.settings import CommonSettings


def published_topics(settings: CommonSettings) -> list[str]:
    """Every topic the relay publishes on (the audit reads them back)."""
    return [decision_topic(settings)]


def build_relay(settings: CommonSettings, decision: DecisionApplication) -> Relay:
    return Relay.for_service(decision, translator(settings), published_topics(settings), settings)
