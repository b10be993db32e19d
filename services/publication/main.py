"""Entry points of the publication service, exactly as its container runs them.

kyoso service publication   the register, cases, feed and workflow; the consumer of
                            intake, routing and decision; the relay to the public topic
kyoso relay publication     only the relay
"""

from __future__ import annotations

from services.publication.app import create_app
from services.publication.application import PublicationApplication
from services.publication.relay import build_relay
from services.publication.settings import PublicationSettings
from shared.relay import Relay
from shared.runner import run_relay, serve_http
from shared.settings import load_settings


def run() -> None:
    settings = load_settings(PublicationSettings)
    serve_http(create_app(settings), settings, settings.publication_port)


def run_relay_only(republish: bool = False) -> None:
    settings = load_settings(PublicationSettings)

    def build() -> tuple[PublicationApplication, Relay]:
        publication = PublicationApplication(settings)
        return publication, build_relay(settings, publication)

    run_relay(settings, build, republish)
