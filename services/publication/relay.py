"""Publication's relay: published, corrected and retracted cases to the public topic."""

from __future__ import annotations

from services.publication.application import PublicationApplication
from services.publication.integration import SERVICE, public_topic, translator
from shared.relay import Relay
from shared.settings import CommonSettings


def build_relay(settings: CommonSettings, publication: PublicationApplication) -> Relay:
    return Relay(
        publication,
        translator(settings),
        service=SERVICE,
        topics=[public_topic(settings)],
        bootstrap_servers=settings.kafka_bootstrap_servers,
        batch_size=settings.relay_batch_size,
        poll_interval=settings.relay_poll_interval_seconds,
    )
