"""Publication's relay: published, corrected and retracted cases to the public topic."""

from __future__ import annotations

from services.publication.application import PublicationApplication
from services.publication.integration import public_topic, translator
from shared.relay import Relay
from shared.settings import CommonSettings


def published_topics(settings: CommonSettings) -> list[str]:
    """Every topic the relay publishes on (the audit reads them back)."""
    return [public_topic(settings)]


def build_relay(settings: CommonSettings, publication: PublicationApplication) -> Relay:
    return Relay.for_service(
        publication, translator(settings), published_topics(settings), settings
    )
