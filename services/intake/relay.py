"""Intake's relay: its notification log to the proposals and themes topics."""

from __future__ import annotations

from services.intake.application import IntakeApplication
from services.intake.integration import proposals_topic, themes_topic, translator
from services.intake.settings import IntakeSettings
from shared.relay import Relay


def build_relay(settings: IntakeSettings, intake: IntakeApplication) -> Relay:
    topics = [proposals_topic(settings), themes_topic(settings)]
    return Relay.for_service(intake, translator(settings), topics, settings)
