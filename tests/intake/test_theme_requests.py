"""Theme requests (テーマの要望): a department asks its city's desk for a theme, and the
desk publishes a theme from it or declines it with a reason (Sapporo 001: 庁内照会等を
通じ、地域・行政課題の収集を行います). The aggregate's rules, then the application on the
memory store."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from pydantic import ValidationError

from services.intake.application import IntakeApplication
from services.intake.commands import ThemeDraft, ThemeRequestDraft
from services.intake.domain import ThemeRequest
from services.intake.settings import IntakeSettings
from shared.acting import Acting
from shared.contract.vocabulary import ActorRole
from shared.errors import InvalidValue, NotFound, StateConflict

META: dict[str, Any] = {"role": "department", "municipality": "nagasaki"}
DEPARTMENT = Acting.new(ActorRole.DEPARTMENT, "nagasaki", "kyoiku-1")
DESK = Acting.new(ActorRole.DESK, "nagasaki", "desk-1")
WISH = ThemeRequestDraft(
    title="通学路の見守り",
    description="登下校時の見守りの担い手が足りない。",
    background="見守りボランティアの高齢化",
    expected_outcome="見守りの空白時間をなくす",
    field="教育",
    opens_on=date(2026, 1, 5),
    closes_on=date(2026, 2, 27),
)


def requested() -> ThemeRequest:
    return ThemeRequest(
        municipality="nagasaki", department="kyoiku", meta=META, **WISH.model_dump()
    )


def test_a_request_is_answered_once_published_or_declined() -> None:
    published = requested()
    assert published.state == "open"
    published.publish(28, META)
    assert (published.state, published.theme_number) == ("published", 28)
    with pytest.raises(StateConflict, match="the theme request is already published"):
        published.decline("重複", META)

    declined = requested()
    with pytest.raises(InvalidValue) as empty:
        declined.decline("  ", META)
    assert empty.value.field == "reason"
    declined.decline("既存のテーマ5と重なるため", META)
    assert (declined.state, declined.decline_reason) == ("declined", "既存のテーマ5と重なるため")
    with pytest.raises(StateConflict, match="already declined"):
        declined.publish(29, META)


def test_the_wished_call_period_cannot_end_before_it_starts() -> None:
    with pytest.raises(ValidationError, match="closes_on: the call cannot close before it opens"):
        ThemeRequestDraft(
            title="x", field="教育", opens_on=date(2026, 2, 1), closes_on=date(2026, 1, 1)
        )


@pytest.fixture
def intake() -> Iterator[IntakeApplication]:
    app = IntakeApplication(IntakeSettings(database_url="memory:"))
    yield app
    app.close()


def test_the_desk_publishes_a_theme_from_a_departments_request(intake: IntakeApplication) -> None:
    mine = intake.request_theme("nagasaki", "kyoiku", WISH, DEPARTMENT)
    other = ThemeRequestDraft(title="公園の維持管理", field="環境")
    theirs = intake.request_theme("nagasaki", "kankyo", other, DEPARTMENT)
    assert [r.id for r in intake.theme_requests("nagasaki")] == [mine.id, theirs.id]
    assert [r.id for r in intake.theme_requests("nagasaki", "kyoiku")] == [mine.id]
    assert intake.theme_requests("setagaya") == []

    draft = ThemeDraft(
        number=28,
        title=mine.title,
        field=mine.field,
        department=mine.department,
        background=mine.background,
        expected_outcome=mine.expected_outcome,
        opens_on=mine.opens_on,
        closes_on=mine.closes_on,
    )
    theme = intake.publish_requested_theme("nagasaki", mine.id, draft, DESK)
    assert (theme.number, theme.title, theme.department) == (28, "通学路の見守り", "kyoiku")
    assert [t.number for t in intake.themes("nagasaki")] == [28]
    answered = intake.theme_request("nagasaki", mine.id)
    assert (answered.state, answered.theme_number) == ("published", 28)
    # A theme number is taken once; the other request stays open for the desk.
    with pytest.raises(StateConflict, match="theme 28 already exists in nagasaki"):
        intake.publish_requested_theme("nagasaki", theirs.id, draft, DESK)
    assert intake.theme_request("nagasaki", theirs.id).state == "open"

    intake.decline_theme_request("nagasaki", theirs.id, "来年度のテーマとして検討します", DESK)
    assert intake.theme_request("nagasaki", theirs.id).decline_reason == (
        "来年度のテーマとして検討します"
    )
    with pytest.raises(NotFound, match="no theme request"):
        intake.theme_request("setagaya", theirs.id)  # another city's request is not there
