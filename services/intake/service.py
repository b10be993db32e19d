"""The intake service, declared: proposals, screening and themes (受付・受付審査・テーマ)."""

from __future__ import annotations

import logging

from fastapi import FastAPI

from services.intake.api import (
    consultations,
    desk,
    pages,
    proposals,
    proposer,
    soundings,
    staff,
    theme_requests,
    themes,
)
from services.intake.application import IntakeApplication
from services.intake.demo_data import load_nagasaki_register, load_nagasaki_themes
from services.intake.group_commit import SubmissionQueue
from services.intake.integration import SERVICE, to_integration_event
from services.intake.proposer_mail import proposer_mail_outbox
from services.intake.settings import IntakeSettings
from services.intake.sounding_mail import sounding_mail_outbox
from shared.declaration import ServiceDeclaration

log = logging.getLogger(__name__)


def _on_start(app: FastAPI, settings: IntakeSettings, intake: IntakeApplication) -> None:
    if settings.demo_data:
        added = load_nagasaki_themes(intake)
        log.info("demo data: %d Nagasaki themes added", added)
        registered = load_nagasaki_register(intake)
        log.info("demo data: Nagasaki's %d registered proposals are in", len(registered))
    app.state.submissions = SubmissionQueue(intake)


INTAKE = ServiceDeclaration(
    name=SERVICE,
    title="Kyoso Desk — intake 共創窓口 受付",
    description="提案の受付、受付審査、テーマ。Proposals, screening and themes.",
    settings=IntakeSettings,
    port_setting="intake_port",
    application=IntakeApplication,
    publishes=to_integration_event,
    proposal_aggregate=lambda proposal_id: proposal_id,
    routers=[
        proposals.router,
        proposals.documents,
        proposer.router,
        themes.router,
        theme_requests.router,
        soundings.public,
        soundings.staff,
        desk.router,
        consultations.router,
        staff.router,
        pages.router,
    ],
    on_start=_on_start,
    workers=[proposer_mail_outbox, sounding_mail_outbox],
)
