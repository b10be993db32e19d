"""Entry points of the routing service, exactly as its container runs them.

kyoso service routing    the API, the consumer of intake's topics, the deadline timer
                         and the relay (KYOSO_RELAY_ENABLED=true)
kyoso relay routing      only the relay
"""

from __future__ import annotations

from services.routing.app import create_app
from services.routing.application import RoutingApplication
from services.routing.relay import build_relay
from services.routing.settings import RoutingSettings
from shared.relay import Relay
from shared.runner import run_relay, serve_http
from shared.settings import load_settings


def run() -> None:
    settings = load_settings(RoutingSettings)
    serve_http(create_app(settings), settings, settings.routing_port)


def run_relay_only(republish: bool = False) -> None:
    settings = load_settings(RoutingSettings)

    def build() -> tuple[RoutingApplication, Relay]:
        routing = RoutingApplication(settings)
        return routing, build_relay(settings, routing)

    run_relay(settings, build, republish)
