"""Entry points of the intake service, exactly as its container runs them.

kyoso service intake     the API, with the relay inside (KYOSO_RELAY_ENABLED=true)
kyoso relay intake       only the relay, e.g. beside API replicas that run without it
"""

from __future__ import annotations

from services.intake.app import create_app
from services.intake.application import IntakeApplication
from services.intake.relay import build_relay
from services.intake.settings import IntakeSettings
from shared.relay import Relay
from shared.runner import run_relay, serve_http
from shared.settings import load_settings


def run() -> None:
    settings = load_settings(IntakeSettings)
    serve_http(create_app(settings), settings, settings.intake_port)


def run_relay_only(republish: bool = False) -> None:
    settings = load_settings(IntakeSettings)

    def build() -> tuple[IntakeApplication, Relay]:
        intake = IntakeApplication(settings)
        return intake, build_relay(settings, intake)

    run_relay(settings, build, republish)
