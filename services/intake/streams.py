"""Intake's Faust app: it hears what routing says about proposals, for the proposer."""

from __future__ import annotations

import faust

from services.intake.application import IntakeApplication
from services.intake.integration import SERVICE
from shared.settings import CommonSettings
from shared.streams import consume_into, faust_app


def consumed_topics(settings: CommonSettings) -> list[str]:
    return [settings.topic("routing", "proposals"), settings.topic("decision", "proposals")]


def dead_letter_topic(settings: CommonSettings) -> str:
    return settings.topic(SERVICE, "dead-letters")


def build_stream(settings: CommonSettings, intake: IntakeApplication) -> faust.App:
    stream = faust_app(SERVICE, settings)
    consume_into(stream, intake, consumed_topics(settings), dead_letter_topic(settings))
    return stream
