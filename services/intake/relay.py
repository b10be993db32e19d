"""Intake's relay: its notification log to the proposals and themes topics."""

from __future__ import annotations

from services.intake.application import IntakeApplication
from services.intake.integration import proposals_topic, themes_topic, translator
from services.intake.settings import IntakeSettings
from shared.relay import Relay
from shared.settings import CommonSettings


def published_topics(settings: CommonSettings) -> list[str]:
    """Every topic the relay publishes on (the audit reads them back)."""
    return [proposals_topic(settings), themes_topic(settings)]


def build_relay(settings: IntakeSettings, intake: IntakeApplication) -> Relay:
    return Relay.for_service(intake, translator(settings), published_topics(settings), settings)
