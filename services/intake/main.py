"""`kyoso service intake`: the intake service exactly as its container runs it."""

from __future__ import annotations

import logging

import uvicorn

from shared.settings import load_settings

from services.intake.app import create_app
from services.intake.settings import IntakeSettings


def run() -> None:
    settings = load_settings(IntakeSettings)
    logging.basicConfig(
        level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    uvicorn.run(
        create_app(settings),
        host=settings.http_host,
        port=settings.intake_port,
        log_level=settings.log_level.lower(),
        access_log=False,
        timeout_graceful_shutdown=10,
    )
