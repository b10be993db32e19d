"""Decision's Faust app: it hears intake's and routing's proposals."""

from __future__ import annotations

import faust

from services.decision.application import DecisionApplication
from services.decision.integration import SERVICE, dead_letter_topic
from services.intake.integration import proposals_topic
from shared.settings import CommonSettings
from shared.streams import consume_into, faust_app


def consumed_topics(settings: CommonSettings) -> list[str]:
    # Intake: the proposal itself; routing: which department took it on.
    return [proposals_topic(settings), settings.topic("routing", "proposals")]


def build_stream(settings: CommonSettings, decision: DecisionApplication) -> faust.App:
    stream = faust_app(SERVICE, settings)
    consume_into(stream, decision, consumed_topics(settings), dead_letter_topic(settings))
    return stream
