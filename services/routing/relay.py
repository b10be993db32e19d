"""Routing's relay: its notification log to `{prefix}.routing.proposals`."""

from __future__ import annotations

from services.routing.application import RoutingApplication
from services.routing.integration import routing_topic, translator
from shared.relay import Relay
from shared.settings import CommonSettings


def build_relay(settings: CommonSettings, routing: RoutingApplication) -> Relay:
    return Relay.for_service(routing, translator(settings), [routing_topic(settings)], settings)
