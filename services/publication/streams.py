"""Publication's Faust app: it hears intake, routing and decision."""

from __future__ import annotations

import faust

from services.publication.application import PublicationApplication
from services.publication.integration import SERVICE, consumed_topics, dead_letter_topic
from shared.settings import CommonSettings
from shared.streams import consume_into, faust_app


def build_stream(settings: CommonSettings, publication: PublicationApplication) -> faust.App:
    stream = faust_app(SERVICE, settings)
    consume_into(stream, publication, consumed_topics(settings), dead_letter_topic(settings))
    return stream
