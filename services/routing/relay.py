"""Routing's relay: its notification log to `{prefix}.routing.proposals`."""

from __future__ import annotations

from services.routing.application import RoutingApplication
from services.routing.integration import routing_topic, translator
from shared.relay import Relay
from shared.settings import CommonSettings


def published_topics(settings: CommonSettings) -> list[str]:
    """Every topic the relay publishes on (the audit reads them back)."""
    return [routing_topic(settings)]


def build_relay(settings: CommonSettings, routing: RoutingApplication) -> Relay:
    return Relay.for_service(routing, translator(settings), published_topics(settings), settings)
