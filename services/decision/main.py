"""Entry points of the decision service, exactly as its container runs them.

kyoso service decision    the API, the consumer of intake's and routing's topics
                         and the relay (KYOSO_RELAY_ENABLED=true)
kyoso relay decision      only the relay
"""

from __future__ import annotations

from services.decision.app import create_app
from services.decision.application import DecisionApplication
from services.decision.relay import build_relay
from services.decision.settings import DecisionSettings
from shared.relay import Relay
from shared.runner import run_relay, serve_http
from shared.settings import load_settings


def run() -> None:
    settings = load_settings(DecisionSettings)
    serve_http(create_app(settings), settings, settings.decision_port)


def run_relay_only(republish: bool = False) -> None:
    settings = load_settings(DecisionSettings)

    def build() -> tuple[DecisionApplication, Relay]:
        decision = DecisionApplication(settings)
        return decision, build_relay(settings, decision)

    run_relay(settings, build, republish)
