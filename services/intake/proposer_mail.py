"""What the proposer is told by e-mail, and when.

Kitakyushu promises the proposer their status 「専用ポータルサイトやメール等を通じて」: the
receipt with the private status link, every change of status the status page shows
(screening, the department taking it on, its status line, the decision, the council),
after adoption the project's steps a proposer waits for (the implementer selected, the
agreement signed, the implementation started and ended, the verification's verdict),
each message of the department in the dialogue, the consultation on the case before it
is published (with the link to read it and answer), and a lost link sent again. The outbox (shared.outbox) follows intake's history and
calls `ProposerMail.send` for each stored event; texts are Jinja2 templates under
templates/mail/, Japanese first, then English.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any
from uuid import UUID

from services.intake.api.views import ProposerView
from services.intake.application import IntakeApplication
from services.intake.domain import Proposal
from services.intake.settings import IntakeSettings
from shared.contract import (
    AgreementConcluded,
    CaseConsultationStarted,
    DialogueMilestoneReached,
    ImplementationEnded,
    ImplementationStarted,
    ImplementerSelected,
    MessageToProposer,
    ProposalAdopted,
    ProposalEscalated,
    ProposalRejectedAfterReview,
    ProposalTakenOn,
    StatusLineSet,
    VerdictGiven,
)
from shared.mail import Mailer, mail_templates, rendered
from shared.observed import ObservedProposal
from shared.outbox import Outbox, mail_outbox
from shared.proposal import PROPOSAL_FOLD
from shared.status_tokens import StatusTokens

log = logging.getLogger(__name__)

# What the other services say that the proposer hears of by e-mail, by the type a heard
# event is stored under (`event_type`, as ObservedProposal.hear keeps it: not the
# CloudEvents type, which carries a prefix and the version).
TOLD_BY_MAIL = {
    event.event_type
    for event in (
        ProposalTakenOn,
        StatusLineSet,
        DialogueMilestoneReached,
        ProposalAdopted,
        ProposalRejectedAfterReview,
        ProposalEscalated,
    )
}

# After adoption the status stays 事業調整中 (Nagasaki's register keeps its three statuses):
# what changes is the project, told in the proposer's words of the status page (the
# shared fold's steps, which name no member of staff and no applicant but the one
# selected). The call, the applicants, milestones, experiment steps and the KPIs are on
# the status page only: mail for each would be noise.
PROJECT_TOLD_BY_MAIL = {
    event.event_type
    for event in (
        ImplementerSelected,
        AgreementConcluded,
        ImplementationStarted,
        ImplementationEnded,
        VerdictGiven,
    )
}

MESSAGE = MessageToProposer.event_type
CONSULTATION = CaseConsultationStarted.event_type

_templates = mail_templates("services.intake")


class ProposerMail:
    def __init__(self, intake: IntakeApplication, settings: IntakeSettings, mailer: Mailer) -> None:
        self._intake = intake
        self._tokens = StatusTokens(settings.status_key())
        self._base_url = settings.public_base_url.rstrip("/")
        self._mailer = mailer

    def send(self, domain_event: Any) -> None:
        """The e-mail this stored event calls for, if any."""
        at = domain_event.timestamp
        match domain_event:
            case Proposal.Submitted():
                self._mail(domain_event.originator_id, "receipt.txt", at)
            case Proposal.Accepted() | Proposal.Rejected() | Proposal.Withdrawn():
                self._mail(domain_event.originator_id, "status.txt", at)
            case Proposal.StatusLinkRequested() | Proposal.StatusLinkReissued():
                self._mail(domain_event.originator_id, "status_link.txt", at)
            case ObservedProposal.Heard() if domain_event.event_type in TOLD_BY_MAIL:
                self._mail_heard(domain_event, "status.txt")
            case ObservedProposal.Heard() if domain_event.event_type in PROJECT_TOLD_BY_MAIL:
                self._mail_heard(domain_event, "project.txt")
            case ObservedProposal.Heard() if domain_event.event_type == MESSAGE:
                # The message itself, so the proposer reads it where the mail arrives.
                self._mail_heard(domain_event, "message.txt", message=domain_event.data["text"])
            case ObservedProposal.Heard() if domain_event.event_type == CONSULTATION:
                self._mail_heard(
                    domain_event,
                    "consultation.txt",
                    page="/case",
                    objection_due_on=domain_event.data["objection_due_on"],
                )

    def _mail_heard(self, heard: Any, template: str, page: str = "", **extra: str) -> None:
        # As of when it happened in the other service, not when intake heard it.
        happened = datetime.fromisoformat(heard.meta["time"])
        self._mail(UUID(heard.data["proposal_id"]), template, happened, page, **extra)

    def _mail(
        self, proposal_id: UUID, template: str, as_of: datetime, page: str = "", **extra: str
    ) -> None:
        proposal = self._intake.proposal(proposal_id)
        address = proposal.contact.get("email")
        if not address:
            return
        # The proposal as it was when this happened: a receipt sent late (the SMTP server
        # was down) still says "received", and each change is told in its turn.
        history = [e for e in self._intake.history(proposal_id) if e.meta.time <= as_of]
        state = PROPOSAL_FOLD.fold(history)
        if state is None:
            return
        view = ProposerView.of_state(state)
        token = self._tokens.issue(proposal_id, proposal.status_link_generation)
        subject, body = rendered(
            _templates,
            template,
            view=view,
            contact_person=proposal.contact.get("contact_person") or "",
            organisation=proposal.organisation,
            status_url=f"{self._base_url}/status/{proposal_id}?token={token}",
            # A page behind the status link (the case): the same token opens it.
            page_url=f"{self._base_url}/status/{proposal_id}{page}?token={token}",
            **extra,
        )
        self._mailer.send(self._mailer.message(address, subject, body))
        log.info("mailed %s about %s", template, view.receipt_number)


def proposer_mail_outbox(settings: IntakeSettings, intake: IntakeApplication) -> Outbox | None:
    """The outbox beside the intake API, when an SMTP server is configured."""
    return mail_outbox(
        intake,
        "proposer-mail",
        settings,
        lambda mailer: ProposerMail(intake, settings, mailer).send,
    )
