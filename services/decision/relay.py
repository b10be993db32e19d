"""Decision's relay: its notification log to `{prefix}.decision.proposals`."""

from __future__ import annotations

from services.decision.application import DecisionApplication
from services.decision.integration import SERVICE, decision_topic, translator
from shared.relay import Relay
from shared.settings import CommonSettings


def build_relay(settings: CommonSettings, decision: DecisionApplication) -> Relay:
    return Relay(
        decision,
        translator(settings),
        service=SERVICE,
        topics=[decision_topic(settings)],
        bootstrap_servers=settings.kafka_bootstrap_servers,
        batch_size=settings.relay_batch_size,
        poll_interval=settings.relay_poll_interval_seconds,
    )
