"""The case carries its outcome: publication hears the effect verification's verdict and
KPIs from the implementation topic, and the public case events go out as version 2 with
them (version 1 while a case has none, so its readers keep receiving it)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from uuid import UUID, uuid4

import pytest

from services.publication.application import PublicationApplication
from services.publication.integration import to_envelope
from services.publication.settings import PublicationSettings
from shared.acting import Acting
from shared.contract import (
    EVENT_REGISTRY,
    ActorRole,
    CaseCorrected,
    CasePublished,
    Kpi,
    Measurement,
    Verdict,
    VerdictGiven,
    public_v1,
)
from tests.factories import adopted, envelope, taken_on

pytestmark = pytest.mark.unit  # no broker, database or server (tests/unit_level.py)

DESK = Acting.new(ActorRole.DESK, "nagasaki")
RESULTS = {"heading": "成果", "text": "通学路の危険箇所を共有した", "protected": False}


@pytest.fixture
def publication() -> Iterator[PublicationApplication]:
    application = PublicationApplication(
        PublicationSettings(database_url="memory:"), lambda: datetime(2026, 12, 1, 1, tzinfo=UTC)
    )
    yield application
    application.close()


def verdict(proposal_id: UUID) -> VerdictGiven:
    return VerdictGiven(
        proposal_id=proposal_id,
        verdict=Verdict.SPREAD,
        reasons="ヒヤリハットが目標を上回って減った",
        verified_on=date(2026, 10, 15),
        kpis=(
            Kpi(
                name="ヒヤリハット件数",
                unit="件",
                baseline=40,
                target=20,
                measurements=(
                    Measurement(measured_on=date(2026, 7, 1), value=31),
                    Measurement(measured_on=date(2026, 9, 30), value=18),
                ),
            ),
        ),
    )


def published_case(publication: PublicationApplication) -> tuple[UUID, UUID]:
    proposal_id = uuid4()
    for heard in [*taken_on(proposal_id), adopted(proposal_id)]:
        assert publication.process(heard)
    case = publication.draft(proposal_id, "通学路の安全点検", None, [RESULTS], DESK)
    publication.consult(case.id, DESK)
    publication.consent(proposal_id)
    publication.publish(case.id, DESK)
    return proposal_id, case.id


def test_a_case_verified_after_publication_carries_its_outcome_from_its_correction(
    publication: PublicationApplication,
) -> None:
    proposal_id, case_id = published_case(publication)
    case = publication.published_case(case_id, "nagasaki")
    assert case is not None and case.outcome is None
    # Without an outcome the case went out as version 1: its readers keep receiving it.
    [published] = [e for e in map(to_envelope, publication.events.get(case_id)) if e]
    assert isinstance(published.event, public_v1.CasePublished)

    heard = envelope("implementation", proposal_id, 9, verdict(proposal_id), minute=30)
    assert publication.process(heard)
    publication.correct(
        case_id, "通学路の安全点検", "効果検証の結果を追加", [RESULTS], "結果", DESK
    )

    case = publication.published_case(case_id, "nagasaki")
    assert case is not None and case.outcome is not None
    assert (case.version, case.outcome.verdict, case.outcome.verdict_ja) == (
        2,
        "spread",
        "他地域への展開",
    )
    [kpi] = case.outcome.kpis
    assert (kpi.name, kpi.unit, kpi.baseline, kpi.target) == ("ヒヤリハット件数", "件", 40, 20)
    assert [m.value for m in kpi.measurements] == [31, 18]
    corrected = [e for e in map(to_envelope, publication.events.get(case_id)) if e][-1]
    assert isinstance(corrected.event, CaseCorrected) and corrected.event.version == 2
    assert corrected.event.case.outcome == case.outcome

    [item] = publication.case_feed("nagasaki", "https://desk.example.jp")["items"]
    assert item["_kyoso"]["outcome"]["kpis"][0]["measurements"][1]["value"] == 18


def test_a_case_published_after_its_verification_goes_out_as_version_2(
    publication: PublicationApplication,
) -> None:
    proposal_id = uuid4()
    story = [
        *taken_on(proposal_id),
        adopted(proposal_id),
        envelope("implementation", proposal_id, 9, verdict(proposal_id), minute=30),
    ]
    assert all(publication.process(e) for e in story)
    case = publication.draft(proposal_id, "通学路の安全点検", None, [RESULTS], DESK)
    publication.consult(case.id, DESK)
    publication.consent(proposal_id)
    publication.publish(case.id, DESK)
    [published] = [e for e in map(to_envelope, publication.events.get(case.id)) if e]
    assert published.event.cloudevent_type() == "jp.kyoso.public.case.published.v2"


def test_a_version_1_case_is_read_as_version_2_without_an_outcome() -> None:
    data = {
        "case": {
            "case_id": str(uuid4()),
            "municipality": "nagasaki",
            "municipality_name_ja": "長崎市",
            "municipality_name_en": "Nagasaki City",
            "version": 1,
            "title": "トイレマップ",
            "summary": "公衆トイレの地図",
            "field": "観光",
            "channel": "free",
            "partner": "株式会社みなと観光",
            "sections": [],
            "received_on": "2025-10-01",
            "published_on": "2025-11-20",
        }
    }
    loaded = EVENT_REGISTRY.load("public.case.published", 1, data)
    assert isinstance(loaded, CasePublished) and loaded.version == 2
    assert loaded.case.outcome is None
