"""The proposer hears of the consultation on their case (issue 16: 「Every change the
proposer should know about is also e-mailed」): publication tells the desk's services on
`publication.proposals` under the proposal's own id, never on the public topic, and intake
mails the proposer. Each consultation is told (a revised case is consulted on again); the
case's public events stay where they were."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from uuid import UUID

import pytest

from services.publication.application import PublicationApplication
from services.publication.integration import to_envelope
from services.publication.settings import PublicationSettings
from shared.contract import CaseConsultationStarted, Envelope
from shared.contract.topics import PUBLIC_CASES, PUBLICATION_PROPOSALS, topic_of
from tests.publication.test_application import DESK, RESULTS, Calendar, adopted_proposal

pytestmark = pytest.mark.unit  # no broker, database or server (tests/unit_level.py)


@pytest.fixture
def publication() -> Iterator[PublicationApplication]:
    application = PublicationApplication(PublicationSettings(database_url="memory:"), Calendar())
    yield application
    application.close()


def test_each_consultation_goes_to_the_desks_services_and_only_publication_goes_public(
    publication: PublicationApplication,
) -> None:
    proposal_id = adopted_proposal(publication)
    case = publication.draft(proposal_id, "トイレマップの取組", None, [RESULTS], DESK)
    publication.consult(case.id, DESK)
    publication.object(proposal_id, "店舗名は非公開にしてください")
    publication.revise(case.id, "トイレマップの取組", "店舗名を伏せた事例です。", [RESULTS], DESK)
    publication.consult(case.id, DESK)
    publication.consent(proposal_id)
    publication.publish(case.id, DESK)

    def told(subject: UUID) -> list[Envelope]:
        return [e for e in (to_envelope(d) for d in publication.events.get(subject)) if e]

    # About the proposal, with the proposal as the subject (as every consumer checks)...
    about_proposal = told(proposal_id)
    assert {e.meta.subject for e in about_proposal} == {str(proposal_id)}
    assert [
        (e.event.proposal_id, e.event.case_id, e.event.objection_due_on)
        for e in about_proposal
        if isinstance(e.event, CaseConsultationStarted)
    ] == [(proposal_id, case.id, date(2025, 11, 18))] * 2
    assert len(about_proposal) == 2
    assert topic_of(CaseConsultationStarted) is PUBLICATION_PROPOSALS
    # ... while the case's own events are only its public ones.
    (published,) = told(case.id)
    assert published.event.event_type == "public.case.published"
    assert topic_of(type(published.event)) is PUBLIC_CASES
