"""A company that responds to a sounding gets its receipt by e-mail, as a proposer does:
through an outbox following intake's history (shared.outbox), so a response is never
left unconfirmed when the SMTP server is down. The mail goes only to the address given
with the response, and carries the company's own answers (its copy of what the city keeps)."""

from __future__ import annotations

import logging
from typing import Any

from services.intake.application import IntakeApplication
from services.intake.settings import IntakeSettings
from services.intake.soundings import Sounding
from shared.mail import Mailer, mail_templates, rendered
from shared.municipalities import today_in_japan
from shared.outbox import Outbox, mail_outbox

log = logging.getLogger(__name__)
_templates = mail_templates("services.intake")


class SoundingMail:
    def __init__(self, intake: IntakeApplication, settings: IntakeSettings, mailer: Mailer) -> None:
        self._intake = intake
        self._base_url = settings.public_base_url.rstrip("/")
        self._mailer = mailer

    def send(self, domain_event: Any) -> None:
        if not isinstance(domain_event, Sounding.Responded):
            return
        address = domain_event.contact.get("email")
        if not address:
            return
        # The sounding as it was announced (the subject and questions do not change).
        sounding: Sounding = self._intake.repository.get(
            domain_event.originator_id, version=domain_event.originator_version
        )
        subject, body = rendered(
            _templates,
            "sounding_receipt.txt",
            response_id=domain_event.response_id,
            organisation=domain_event.organisation,
            contact_person=domain_event.contact.get("contact_person") or "",
            subject=sounding.subject,
            responded_on=domain_event.responded_on or today_in_japan(domain_event.timestamp),
            answers=list(zip(sounding.questions, domain_event.answers, strict=True)),
            sounding_url=f"{self._base_url}/{sounding.municipality}/soundings/{sounding.id}",
        )
        self._mailer.send(self._mailer.message(address, subject, body))
        log.info("mailed the receipt of response %s", domain_event.response_id)


def sounding_mail_outbox(settings: IntakeSettings, intake: IntakeApplication) -> Outbox | None:
    """The outbox beside the intake API, when an SMTP server is configured."""
    return mail_outbox(
        intake,
        "sounding-mail",
        settings,
        lambda mailer: SoundingMail(intake, settings, mailer).send,
    )
