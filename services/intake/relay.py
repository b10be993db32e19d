"""Intake's relay: its notification log to the proposals and themes topics."""

from __future__ import annotations

from services.intake.application import IntakeApplication
from services.intake.integration import SERVICE, proposals_topic, themes_topic, translator
from services.intake.settings import IntakeSettings
from shared.relay import Relay


def build_relay(settings: IntakeSettings, intake: IntakeApplication) -> Relay:
    return Relay(
        intake,
        translator(settings),
        service=SERVICE,
        topics=[proposals_topic(settings), themes_topic(settings)],
        bootstrap_servers=settings.kafka_bootstrap_servers,
        batch_size=settings.relay_batch_size,
        poll_interval=settings.relay_poll_interval_seconds,
    )
