"""Routing's relay: its notification log to `{prefix}.routing.proposals`."""

from __future__ import annotations

from services.routing.application import RoutingApplication
from services.routing.integration import SERVICE, routing_topic, translator
from shared.relay import Relay
from shared.settings import CommonSettings


def build_relay(settings: CommonSettings, routing: RoutingApplication) -> Relay:
    return Relay(
        routing,
        translator(settings),
        service=SERVICE,
        topics=[routing_topic(settings)],
        bootstrap_servers=settings.kafka_bootstrap_servers,
        batch_size=settings.relay_batch_size,
        poll_interval=settings.relay_poll_interval_seconds,
    )
