"""The publication service, declared: the public register, cases and the case feed
(提案受付状況・事例・フィード)."""

from __future__ import annotations

from services.publication.api import desk, proposer, public
from services.publication.application import PublicationApplication
from services.publication.domain import AnnouncedCall, Case, ProposerNotices
from services.publication.integration import SERVICE, to_integration_event
from services.publication.settings import PublicationSettings
from shared.declaration import ServiceDeclaration

PUBLICATION = ServiceDeclaration(
    name=SERVICE,
    title="Kyoso Desk — publication 共創窓口 公表",
    description="提案受付状況、事例、フィード。The public register, cases and the case feed.",
    settings=PublicationSettings,
    port_setting="publication_port",
    application=PublicationApplication,
    publishes=to_integration_event,
    proposal_aggregate=Case.create_id,
    more_proposal_aggregates=lambda proposal_id: (
        ProposerNotices.create_id(proposal_id),
        AnnouncedCall.create_id(proposal_id),
    ),
    routers=[public.router, public.feeds, public.pages, desk.router, proposer.router],
)
