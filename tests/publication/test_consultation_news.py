"""The proposer hears of the consultation on their case (issue 16: 「Every change the
proposer should know about is also e-mailed」): publication tells the desk's services on
`publication.proposals`, never on the public topic, and intake mails the proposer. Each
consultation is told (a revised case is consulted on again); the cases' public events
stay where they were."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest

from services.publication.application import PublicationApplication
from services.publication.integration import to_envelope
from services.publication.settings import PublicationSettings
from shared.contract import CaseConsultationStarted, CasePublished
from shared.contract.topics import PUBLIC_CASES, PUBLICATION_PROPOSALS, topic_of
from tests.publication.test_application import DESK, RESULTS, Calendar, adopted_proposal


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

    told = [e for e in (to_envelope(d) for d in publication.events.get(case.id)) if e is not None]
    consultations = [e.event for e in told if isinstance(e.event, CaseConsultationStarted)]
    assert [(c.proposal_id, c.case_id, c.objection_due_on) for c in consultations] == [
        (proposal_id, case.id, date(2025, 11, 18))
    ] * 2
    assert {topic_of(type(e.event)) for e in told} == {PUBLICATION_PROPOSALS, PUBLIC_CASES}
    assert topic_of(CaseConsultationStarted) is PUBLICATION_PROPOSALS
    assert topic_of(CasePublished) is PUBLIC_CASES
    # Every consultation comes before the case goes public, so a reader of the
    # desk's topic alone sees its chain of a case's events whole.
    kinds = [type(e.event) for e in told]
    assert kinds.index(CasePublished) > max(
        i for i, kind in enumerate(kinds) if kind is CaseConsultationStarted
    )
