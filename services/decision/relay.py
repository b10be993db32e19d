"""Decision's relay: its notification log to `{prefix}.decision.proposals`."""

from __future__ import annotations

from services.decision.application import DecisionApplication
from services.decision.integration import decision_topic, translator
from shared.relay import Relay
from shared.settings import CommonSettings


def build_relay(settings: CommonSettings, decision: DecisionApplication) -> Relay:
    return Relay.for_service(decision, translator(settings), [decision_topic(settings)], settings)
