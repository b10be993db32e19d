"""The publication application with its events kept in the process
(`database_url="memory:"`): what it hears of themes and proposals, the register as
Nagasaki shows it, and a case from draft to publication. No broker, no database."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest

from services.publication.api.views import RegisterRow
from services.publication.application import PublicationApplication
from services.publication.domain import Case
from services.publication.integration import to_integration_event
from services.publication.settings import PublicationSettings
from shared.acting import Acting
from shared.contract import (
    ActorRole,
    CaseRetracted,
    Envelope,
    ProposalRejected,
    ProposalRejectedAfterReview,
    ProposalStatusLinkReissued,
    ProposalWithdrawn,
    RejectionReason,
    ScreeningReason,
    ThemePublished,
)
from shared.errors import NotFound, StateConflict
from shared.status_tokens import StatusTokens
from tests.factories import adopted, envelope, submitted, taken_on

DESK = Acting.new(ActorRole.DESK, "nagasaki")
THEME_5 = "都心部の回遊性向上について"  # Nagasaki's theme 5 (002_2a17031293640b66.txt)
KNOW_HOW = {"heading": "協力店舗", "text": "店舗一覧と交渉ノウハウ", "protected": True}
RESULTS = {"heading": "成果", "text": "公衆トイレマップを公開した", "protected": False}


class Calendar:
    """The desk's clock: 2025-11-04 (JST), moved on by hand."""

    def __init__(self) -> None:
        self.now = datetime(2025, 11, 4, 1, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def calendar() -> Calendar:
    return Calendar()


@pytest.fixture
def publication(calendar: Calendar) -> Iterator[PublicationApplication]:
    application = PublicationApplication(PublicationSettings(database_url="memory:"), calendar)
    yield application
    application.close()


def theme_5() -> Envelope:
    theme_id = uuid4()
    published = ThemePublished(
        theme_id=theme_id,
        municipality="nagasaki",
        number=5,
        title=THEME_5,
        field="まちづくり",
        department="toshi",
    )
    return envelope("intake", theme_id, 1, published)


def hear(publication: PublicationApplication, envelopes: list[Envelope]) -> list[bool]:
    return [publication.process(e) for e in envelopes]


def adopted_proposal(publication: PublicationApplication, **submission: Any) -> UUID:
    proposal_id = uuid4()
    assert all(hear(publication, [*taken_on(proposal_id, **submission), adopted(proposal_id)]))
    return proposal_id


def public_register(publication: PublicationApplication) -> list[dict[str, Any]]:
    """The register's rows exactly as the public API answers them."""
    lines = publication.register.lines("nagasaki")
    return [RegisterRow.of(line).model_dump(mode="json") for line in lines]


def test_the_register_shows_nagasakis_columns_and_statuses(
    publication: PublicationApplication,
) -> None:
    assert hear(publication, [theme_5()]) == [True]
    adopted_proposal(
        publication,
        theme_number=5,
        title="トイレマップで都心部の回遊性を高める",
        received_on=date(2025, 10, 1),
    )
    under_review = uuid4()
    hear(publication, taken_on(under_review, receipt_number="NGS-2025-0002"))
    closed = uuid4()
    rejected = ProposalRejectedAfterReview(
        proposal_id=closed,
        decided_by="kyoiku",
        reasons=(RejectionReason.COST,),
        explanation="予算の見込みが立たない",
    )
    hear(
        publication,
        [
            *taken_on(closed, receipt_number="NGS-2025-0003", received_on=date(2025, 10, 31)),
            envelope("decision", closed, 2, rejected, minute=10),
        ],
    )
    screened_out = uuid4()
    not_accepted = ProposalRejected(
        proposal_id=screened_out,
        reasons=[ScreeningReason.INELIGIBLE_PROPOSER],
        explanation="個人の方は提案できません",
        automatic=True,
    )
    hear(
        publication,
        [
            envelope("intake", screened_out, 1, submitted(screened_out)),
            envelope("intake", screened_out, 2, not_accepted, minute=1),
        ],
    )

    # Oldest first; the screened-out proposal is answered privately, not listed.
    assert public_register(publication) == [
        {
            "received_on": "2025-10-01",
            "channel": "theme",
            "theme_number": 5,
            "theme_title": THEME_5,
            "title": None,  # a theme proposal goes by its theme
            "field": "教育",
            "summary": "通学路の安全点検を効率化するWebシステムの提案。",
            "status_ja": "事業調整中",
            "status_en": "Project being arranged",
        },
        {
            "received_on": "2025-10-30",
            "channel": "free",
            "theme_number": None,
            "theme_title": None,
            "title": "通学路安全点検支援システム",
            "field": "教育",
            "summary": "通学路の安全点検を効率化するWebシステムの提案。",
            "status_ja": "提案内容検討中",
            "status_en": "Proposal under review",
        },
        {
            "received_on": "2025-10-31",
            "channel": "free",
            "theme_number": None,
            "theme_title": None,
            "title": "通学路安全点検支援システム",
            "field": "教育",
            "summary": "通学路の安全点検を効率化するWebシステムの提案。",
            "status_ja": "検討終了",
            "status_en": "Review closed",
        },
    ]
    assert publication.register.lines("setagaya") == []


def test_every_event_delivered_twice_changes_the_register_once(
    publication: PublicationApplication,
) -> None:
    theme = theme_5()
    proposal_id = uuid4()
    story = [theme, *taken_on(proposal_id, theme_number=5), adopted(proposal_id)]
    assert all(hear(publication, story))
    before = public_register(publication)
    assert hear(publication, story) == [False] * len(story)
    assert public_register(publication) == before
    assert [row["status_ja"] for row in before] == ["事業調整中"]


def test_a_case_goes_from_draft_through_the_proposers_consultation_to_the_public(
    publication: PublicationApplication, calendar: Calendar
) -> None:
    hear(publication, [theme_5()])
    proposal_id = adopted_proposal(publication, theme_number=5)
    case = publication.draft(proposal_id, "トイレマップの取組", None, [RESULTS, KNOW_HOW], DESK)
    assert [c.id for c in publication.cases("nagasaki")] == [case.id]  # the desk sees drafts
    assert publication.published_cases("nagasaki") == []
    with pytest.raises(NotFound):
        publication.published_case(case.id, "nagasaki")  # a draft is not public

    publication.consult(case.id, DESK)
    objected = publication.object(proposal_id, "店舗名は非公開にしてください")
    assert objected.stage == "objected"
    publication.revise(case.id, "トイレマップの取組", "店舗名を伏せた事例です。", [RESULTS], DESK)
    publication.consult(case.id, DESK)
    with pytest.raises(StateConflict) as too_early:
        publication.publish(case.id, DESK)
    assert too_early.value.reason == "the proposer may object until 2025-11-18; publish after that"
    assert publication.consent(proposal_id).consented

    publication.publish(case.id, DESK)
    [public] = publication.published_cases("nagasaki")
    assert public == publication.published_case(case.id, "nagasaki")
    assert (public.title, public.theme_title, public.version) == ("トイレマップの取組", THEME_5, 1)
    assert public.published_on == date(2025, 11, 4)
    assert [s.heading for s in public.sections] == ["成果"]

    feed = publication.case_feed("nagasaki", "https://desk.example.jp")
    [item] = feed["items"]
    assert item["url"] == f"https://desk.example.jp/api/v1/municipalities/nagasaki/cases/{case.id}"
    assert item["content_text"] == "成果\n公衆トイレマップを公開した"
    assert feed["feed_url"] == "https://desk.example.jp/feeds/nagasaki.json"

    calendar.now += timedelta(days=30)
    publication.correct(case.id, "トイレマップの取組（訂正）", "訂正", [RESULTS], "誤記", DESK)
    corrected = publication.published_case(case.id, "nagasaki")
    assert corrected.version == 2
    assert corrected.published_on == date(2025, 11, 4)

    publication.retract(case.id, "事業終了", DESK)
    assert publication.published_cases("nagasaki") == []
    with pytest.raises(NotFound):
        publication.published_case(case.id, "nagasaki")  # nor is a retracted case
    assert publication.case_feed("nagasaki", "https://desk.example.jp")["items"] == []


def test_a_case_is_prepared_once_and_only_from_an_adopted_proposal(
    publication: PublicationApplication,
) -> None:
    in_dialogue = uuid4()
    hear(publication, taken_on(in_dialogue))
    with pytest.raises(StateConflict) as not_adopted:
        publication.draft(in_dialogue, None, None, [], DESK)
    assert not_adopted.value.reason == (
        "a case is prepared from an adopted proposal, not a in_dialogue one"
    )
    proposal_id = adopted_proposal(publication)
    publication.draft(proposal_id, None, None, [], DESK)
    with pytest.raises(StateConflict, match="this proposal already has a case"):
        publication.draft(proposal_id, None, None, [], DESK)
    with pytest.raises(NotFound):
        publication.draft(uuid4(), None, None, [], DESK)
    with pytest.raises(NotFound):  # Nagasaki's proposal, Setagaya's desk
        publication.draft(proposal_id, None, None, [], Acting.new(ActorRole.DESK, "setagaya"))


def test_the_proposer_finds_only_a_case_being_prepared(
    publication: PublicationApplication,
) -> None:
    proposal_id = adopted_proposal(publication)
    with pytest.raises(NotFound, match="no case is being prepared for this proposal"):
        publication.proposers_case(proposal_id)
    with pytest.raises(NotFound, match="no case is being prepared for this proposal"):
        publication.consent(proposal_id)
    case = publication.draft(proposal_id, None, None, [RESULTS, KNOW_HOW], DESK)
    assert publication.proposers_case(proposal_id).id == case.id
    with pytest.raises(StateConflict, match="nothing to object to in a draft case"):
        publication.object(proposal_id, "x")
    with pytest.raises(NotFound, match="no such published case"):
        publication.published_case(case.id, "setagaya")  # another city's id


def test_a_status_link_the_desk_replaced_no_longer_opens_the_consultation(
    publication: PublicationApplication,
) -> None:
    """Issue 18: the desk can revoke a leaked status link and issue a new one; publication
    checks the proposer's token for the case consultation, so it must hear that too."""
    proposal_id = uuid4()
    assert hear(publication, [envelope("intake", proposal_id, 1, submitted(proposal_id))])
    assert publication.status_link_generation(proposal_id) == 0
    reissued = ProposalStatusLinkReissued(proposal_id=proposal_id, generation=1)
    assert hear(publication, [envelope("intake", proposal_id, 2, reissued, minute=5)])
    assert publication.status_link_generation(proposal_id) == 1

    tokens = StatusTokens(b"k" * 32)
    first, second = tokens.issue(proposal_id), tokens.issue(proposal_id, 1)
    assert first != second
    assert not tokens.verify(proposal_id, first, publication.status_link_generation(proposal_id))
    assert tokens.verify(proposal_id, second, publication.status_link_generation(proposal_id))


def test_a_municipality_not_served_has_no_register_cases_or_feed(
    publication: PublicationApplication,
) -> None:
    assert publication.register_lines("nagasaki") == []
    for ask in (
        lambda: publication.register_lines("atlantis"),
        lambda: publication.published_cases("atlantis"),
        lambda: publication.published_case(uuid4(), "atlantis"),
        lambda: publication.case_feed("atlantis", "https://desk.example.jp"),
    ):
        with pytest.raises(NotFound, match="'atlantis' is not served") as refused:
            ask()
        assert refused.value.loc == ["path", "municipality"]


def consented_case(publication: PublicationApplication) -> tuple[UUID, Case]:
    """An adopted proposal's case, drafted, and consented to by the proposer."""
    proposal_id = adopted_proposal(publication)
    case = publication.draft(proposal_id, "トイレマップの取組", None, [RESULTS], DESK)
    publication.consult(case.id, DESK)
    publication.consent(proposal_id)
    return proposal_id, case


def withdrawal(proposal_id: UUID) -> Envelope:
    """The proposer's withdrawal after adoption, as intake tells it."""
    withdrawn = ProposalWithdrawn(proposal_id=proposal_id, reason="社内で再検討します")
    return envelope("intake", proposal_id, 3, withdrawn, minute=30)


def test_a_case_drafted_before_the_proposer_withdrew_is_not_published(
    publication: PublicationApplication, calendar: Calendar
) -> None:
    proposal_id, case = consented_case(publication)
    assert hear(publication, [withdrawal(proposal_id)])
    with pytest.raises(StateConflict, match="withdrawn by the proposer") as refused:
        publication.publish(case.id, DESK)
    assert (refused.value.field, refused.value.code) == ("case", "withdrawn")
    assert publication.published_cases("nagasaki") == []


def test_a_published_case_leaves_the_public_when_the_proposer_withdraws(
    publication: PublicationApplication, calendar: Calendar
) -> None:
    proposal_id, case = consented_case(publication)
    publication.publish(case.id, DESK)
    assert [c.case_id for c in publication.published_cases("nagasaki")] == [case.id]
    # The proposer withdraws before the agreement: the case told of a project that ends.
    assert hear(publication, [withdrawal(proposal_id)])
    assert publication.published_cases("nagasaki") == []
    assert publication.case_feed("nagasaki", "https://desk.example.jp")["items"] == []
    retracted = publication.case(case.id, "nagasaki")
    assert retracted.stage == "retracted"
    # Retracted on the public topic too, with the reason, for the cities that reuse it.
    [told] = [
        to_integration_event(e)
        for e in publication.repository.event_store.get(case.id)
        if isinstance(e, Case.Retracted)
    ]
    assert isinstance(told, CaseRetracted)
    assert "取り下げ" in told.reason and told.municipality == "nagasaki"
    # A copy of the withdrawal changes nothing more.
    assert hear(publication, [withdrawal(proposal_id)]) == [False]


def test_the_case_feed_comes_a_page_at_a_time_each_naming_the_next(
    publication: PublicationApplication, calendar: Calendar
) -> None:
    cases = []
    for _ in range(3):
        _, case = consented_case(publication)
        publication.publish(case.id, DESK)
        cases.append(case.id)
    base = "https://desk.example.jp"
    first = publication.case_feed("nagasaki", base, limit=2)
    assert len(first["items"]) == 2
    assert first["next_url"] == f"{base}/feeds/nagasaki.json?limit=2&offset=2"
    last = publication.case_feed("nagasaki", base, limit=2, offset=2)
    assert len(last["items"]) == 1 and "next_url" not in last
    # Followed to the end, the pages hold every published case once.
    assert sorted(str(c) for c in cases) == sorted(
        item["id"] for page in (first, last) for item in page["items"]
    )
    assert "next_url" not in publication.case_feed("nagasaki", base)  # 3 fit one page
