"""The sounding (サウンディング型市場調査): the aggregate's rules one by one, then the
application on the memory store (with what leaves intake on the bus), then the API.

Setagaya 004 「事業を決定する前に、民間に広く呼びかけ、直接対話によって意見を聴く手法」;
Kitakyushu 003 「複数の事業者と機会を均等に…民間のノウハウや提案内容に対する知財保護の視点に
配慮する」.

The aggregate's and the application's tests are at the unit level (tests/unit_level.py);
the API's and the mail's are not (a server, an SMTP connection)."""

from __future__ import annotations

import json
import secrets
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import UTC, date, datetime
from typing import Any
from uuid import uuid4

import httpx
import pytest
from pydantic import ValidationError

from services.intake.application import IntakeApplication
from services.intake.integration import to_envelope
from services.intake.service import INTAKE
from services.intake.settings import IntakeSettings
from services.intake.sounding_commands import (
    QuestionAndAnswer,
    SoundingDraft,
    SoundingQuestion,
    SoundingResponse,
    SoundingTheme,
)
from services.intake.soundings import Sounding, SoundingState
from shared.acting import Acting
from shared.contract import SoundingClosed, SoundingPublished, SoundingSummaryPublished
from shared.contract.topics import INTAKE_THEMES, topic_of
from shared.contract.vocabulary import ActorRole
from shared.errors import InvalidValue, NotFound, StateConflict
from shared.service import create_app
from tests.conftest import NAGASAKI_DESK, MovableClock, bearer, serving_intake
from tests.intake.test_mail import mail_settings, mails_to
from tests.smtp import body_of, smtp_server

META: dict[str, Any] = {"role": "desk", "municipality": "setagaya", "correlation_id": "c-1"}
OPENS, CLOSES = date(2026, 1, 5), date(2026, 1, 30)
QUESTIONS = ["公園の活用アイデアは？", "区に求める支援は？"]


def drafted(**overrides: Any) -> Sounding:
    given: dict[str, Any] = dict(
        municipality="setagaya",
        department="koen",
        field="まちづくり",
        subject="区立公園の活用に関するサウンディング",
        description="公園の新たな活用方法について民間の意見を聴きます。",
        questions=QUESTIONS,
        opens_on=OPENS,
        closes_on=CLOSES,
        meta=META,
    )
    return Sounding.draft(**(given | overrides))


def published() -> Sounding:
    sounding = drafted()
    sounding.publish(META)
    return sounding


def respond(sounding: Sounding, organisation: str, day: date = date(2026, 1, 10)) -> None:
    sounding.respond(
        response_id=uuid4(),
        organisation=organisation,
        contact={"contact_person": "世田 太郎", "email": "taro@example.jp", "phone": None},
        answers=["キッチンカーの出店", ""],
        today=day,
        meta=META,
    )


# -- the aggregate ---------------------------------------------------------------------


@pytest.mark.unit
def test_a_sounding_asks_at_least_one_question_within_an_ordered_period() -> None:
    with pytest.raises(InvalidValue) as none:
        drafted(questions=["  "])
    assert none.value.field == "questions"
    with pytest.raises(InvalidValue) as backwards:
        drafted(closes_on=date(2026, 1, 1))
    assert backwards.value.field == "closes_on"
    with pytest.raises(ValidationError, match="closes_on: the period cannot end"):
        SoundingDraft(
            subject="x",
            description="y",
            field="z",
            questions=["q"],
            opens_on=OPENS,
            closes_on=date(2026, 1, 1),
        )


@pytest.mark.unit
def test_responses_are_taken_only_when_published_and_within_the_period() -> None:
    draft = drafted()
    with pytest.raises(StateConflict, match="not published"):
        respond(draft, "株式会社みどり")
    sounding = published()
    with pytest.raises(StateConflict, match="opens on 2026-01-05"):
        respond(sounding, "株式会社みどり", date(2026, 1, 4))
    respond(sounding, "株式会社みどり", OPENS)
    respond(sounding, "合同会社そら", CLOSES)
    with pytest.raises(StateConflict, match="ended on 2026-01-30"):
        respond(sounding, "NPO法人ひかり", date(2026, 1, 31))
    assert len(sounding.responses) == 2


@pytest.mark.unit
def test_a_response_sent_twice_is_kept_once() -> None:
    sounding = published()
    given: dict[str, Any] = dict(
        response_id=uuid4(),
        organisation="株式会社みどり",
        contact={},
        answers=["キッチンカー", ""],
        today=OPENS,
        meta=META,
    )
    assert sounding.respond(**given) is True
    assert sounding.respond(**given) is False
    assert len(sounding.responses) == 1
    with pytest.raises(StateConflict, match="already used for a different response"):
        sounding.respond(**(given | {"answers": ["別の案", ""]}))
    # The same response from a new form (another key), its name written full-width: still
    # one response, so the company is counted once.
    again = given | {"response_id": uuid4(), "organisation": "株式会社　みどり"}
    assert sounding.respond(**again) is False
    assert sounding.kept_response("株式会社　みどり", ["キッチンカー", ""]) == given["response_id"]
    assert len(sounding.responses) == 1
    # A different response of the same company is its own, kept beside the first.
    assert sounding.respond(**(again | {"answers": ["別の案", ""]})) is True
    assert len(sounding.responses) == 2


@pytest.mark.unit
def test_a_response_answers_each_question_and_at_least_one() -> None:
    sounding = published()
    common: dict[str, Any] = dict(
        response_id=uuid4(), organisation="株式会社みどり", contact={}, today=OPENS, meta=META
    )
    with pytest.raises(InvalidValue, match="2 questions, 1 answers"):
        sounding.respond(answers=["only one"], **common)
    with pytest.raises(InvalidValue, match="answer at least one question"):
        sounding.respond(answers=[" ", ""], **common)


@pytest.mark.unit
def test_a_question_is_answered_for_all_once_and_names_no_one() -> None:
    sounding = published()
    asked = uuid4()
    sounding.ask(
        question_id=asked,
        organisation="株式会社みどり",
        email="q@example.jp",
        text="株式会社みどりとして夜間の利用は可能ですか？",
        today=OPENS,
        meta=META,
    )
    # The question as published must not say who asked it.
    with pytest.raises(InvalidValue) as naming:
        sounding.answer_question(asked, "株式会社みどりの質問: 夜間は？", "可能です", OPENS, META)
    assert naming.value.field == "question"
    sounding.answer_question(asked, "夜間の利用は可能ですか？", "22時まで可能です。", OPENS, META)
    assert sounding.qa == [
        {
            "question_id": asked,
            "question": "夜間の利用は可能ですか？",
            "answer": "22時まで可能です。",
        }
    ]
    assert sounding.unanswered() == []
    with pytest.raises(StateConflict, match="already answered for all"):
        sounding.answer_question(asked, "夜間は？", "はい", OPENS, META)


@pytest.mark.unit
def test_the_period_given_is_the_period_kept_and_a_summary_comes_after() -> None:
    sounding = published()
    respond(sounding, "株式会社みどり")
    with pytest.raises(StateConflict, match="after the sounding is closed"):
        sounding.publish_summary("多様な提案があった。", META)
    with pytest.raises(StateConflict, match="runs until 2026-01-30"):
        sounding.close(CLOSES, META)
    sounding.close(date(2026, 1, 31), META)
    assert sounding.state == SoundingState.CLOSED
    with pytest.raises(StateConflict, match="while the sounding is open"):
        sounding.answer_question(uuid4(), "q", "a", date(2026, 2, 1), META)


@pytest.mark.unit
def test_a_summary_naming_a_respondent_is_refused() -> None:
    sounding = published()
    respond(sounding, "株式会社みどり")
    respond(sounding, "Sora Design LLC")
    sounding.close(date(2026, 2, 1), META)
    for naming in (
        "株式会社みどりはキッチンカーを提案した。",
        "株式会社 みどり はキッチンカーを提案した。",  # spaced out
        "sora design llc proposed events.",  # in another case
        "ＳＯＲＡ　Ｄｅｓｉｇｎ ＬＬＣの案",  # in full width
    ):
        with pytest.raises(InvalidValue) as refused:
            sounding.publish_summary(naming, META)
        assert (refused.value.field, sounding.summary) == ("summary", None)
    sounding.publish_summary("2者から回答。キッチンカーの出店、イベント利用の提案があった。", META)
    assert sounding.summary is not None
    with pytest.raises(StateConflict, match="already published"):
        sounding.publish_summary("二度目", META)


@pytest.mark.unit
def test_a_closed_sounding_leads_to_one_theme_or_call() -> None:
    sounding = published()
    with pytest.raises(StateConflict, match="once it is closed"):
        sounding.lead_to_theme(30, META)
    sounding.close(date(2026, 2, 1), META)
    sounding.lead_to_theme(30, META)
    with pytest.raises(StateConflict, match="already led to theme 30"):
        sounding.lead_to_call("公園活用事業者の公募", META)


# -- the application -----------------------------------------------------------------------

DESK = Acting.new(ActorRole.DESK, "setagaya", "desk-1")
DRAFT = SoundingDraft(
    subject="区立公園の活用に関するサウンディング",
    description="公園の新たな活用方法について民間の意見を聴きます。",
    field="まちづくり",
    department="koen",
    questions=QUESTIONS,
    opens_on=OPENS,
    closes_on=CLOSES,
)
RESPONSE = SoundingResponse(
    organisation="株式会社みどり",
    contact_person="世田 太郎",
    email="taro@example.jp",
    answers=["キッチンカーの出店と夜間イベント", "占用許可の手続き支援"],
)


@pytest.fixture
def intake() -> Iterator[IntakeApplication]:
    app = IntakeApplication(IntakeSettings(database_url="memory:"))
    yield app
    app.close()


def _published_events(intake: IntakeApplication) -> list[Any]:
    notifications = intake.recorder.select_notifications(start=1, limit=1000)
    events = [to_envelope(intake.mapper.to_domain_event(n)) for n in notifications]
    return [e for e in events if e is not None]


@pytest.mark.unit
def test_a_sounding_from_draft_to_theme_and_only_the_public_part_leaves(
    intake: IntakeApplication,
) -> None:
    sounding = intake.draft_sounding("setagaya", "koen", DRAFT, DESK)
    assert intake.soundings("setagaya", published_only=True) == []
    with pytest.raises(NotFound):
        intake.published_sounding("setagaya", sounding.id)  # a draft is not public
    intake.publish_sounding("setagaya", sounding.id, DESK)
    question = SoundingQuestion(organisation="株式会社みどり", email="q@example.jp", text="夜は？")
    asked = intake.ask_about_sounding("setagaya", sounding.id, question, date(2026, 1, 6))
    intake.answer_sounding_question(
        "setagaya",
        sounding.id,
        QuestionAndAnswer(question_id=asked, question="夜間の利用は？", answer="22時まで。"),
        date(2026, 1, 7),
        DESK,
    )
    with pytest.raises(InvalidValue, match="no company asked"):
        intake.answer_sounding_question(
            "setagaya",
            sounding.id,
            QuestionAndAnswer(question_id=uuid4(), question="q", answer="a"),
            OPENS,
            DESK,
        )
    _, response_id = intake.respond_to_sounding("setagaya", sounding.id, RESPONSE, date(2026, 1, 8))
    # The same response from a new form: the same receipt, nothing kept twice.
    _, again = intake.respond_to_sounding("setagaya", sounding.id, RESPONSE, date(2026, 1, 9))
    assert again == response_id
    assert len(intake.sounding("setagaya", sounding.id).responses) == 1
    intake.close_sounding("setagaya", sounding.id, date(2026, 1, 31), DESK)
    intake.publish_sounding_summary("setagaya", sounding.id, "キッチンカーの出店等の提案。", DESK)
    theme_draft = SoundingTheme(number=30, title="公園のにぎわい創出")
    led, theme = intake.lead_sounding_to_theme("setagaya", sounding.id, theme_draft, DESK)
    assert (theme.field, theme.department, led.theme_number) == ("まちづくり", "koen", 30)
    assert [t.number for t in intake.themes("setagaya")] == [30]
    assert [s.id for s in intake.soundings("setagaya", published_only=True)] == [sounding.id]
    assert intake.soundings("setagaya", department="kyoiku") == []
    assert intake.sounding("setagaya", sounding.id).responses[response_id]["answers"][0] == (
        "キッチンカーの出店と夜間イベント"
    )
    with pytest.raises(NotFound):
        intake.sounding("nagasaki", sounding.id)  # another city's sounding is not there

    # On the bus: the announcement, the Q&A, the close, the summary and the theme, on
    # intake's themes topic; never the response, the asker or any contact.
    envelopes = [e for e in _published_events(intake) if e.meta.subject == str(sounding.id)]
    types = [e.event.event_type for e in envelopes]
    assert types == [
        "intake.sounding.published",
        "intake.sounding.question_answered",
        "intake.sounding.closed",
        "intake.sounding.summary_published",
        "intake.sounding.led_to_theme",
    ]
    assert {topic_of(type(e.event)) for e in envelopes} == {INTAKE_THEMES}
    on_the_bus = json.dumps(
        [e.event.model_dump(mode="json") for e in envelopes], ensure_ascii=False
    )
    for private in (
        "株式会社みどり",
        "taro@example.jp",
        "世田",
        "q@example.jp",
        "夜は？",
        "キッチンカーの出店と夜間イベント",
    ):
        assert private not in on_the_bus
    closed = next(e.event for e in envelopes if isinstance(e.event, SoundingClosed))
    assert closed.responses == 1
    announced = next(e.event for e in envelopes if isinstance(e.event, SoundingPublished))
    assert announced.questions == QUESTIONS
    assert any(isinstance(e.event, SoundingSummaryPublished) for e in envelopes)


@pytest.mark.unit
def test_the_soundings_read_model_rebuilds_identically(intake: IntakeApplication) -> None:
    first = intake.draft_sounding("setagaya", "koen", DRAFT, DESK)
    intake.publish_sounding("setagaya", first.id, DESK)
    intake.draft_sounding("setagaya", "kyoiku", DRAFT, DESK)
    live = intake.read_models()["soundings"]
    assert live.digest() == live.rebuilt_from_history().digest()
    assert [row["published"] for row in live.snapshot()["soundings"]] == [True, False]


# -- the API ------------------------------------------------------------------------------

NOW = datetime(2026, 1, 10, 3, 0, tzinfo=UTC)
TOKENS = [
    {"token": "setagaya-desk-" + "t" * 12, "role": "desk", "municipality": "setagaya"},
    {
        "token": "setagaya-koen-" + "t" * 12,
        "role": "department",
        "municipality": "setagaya",
        "department": "koen",
    },
    {
        "token": "setagaya-kyoiku-" + "t" * 12,
        "role": "department",
        "municipality": "setagaya",
        "department": "kyoiku",
    },
]


def _bearer(who: str) -> dict[str, str]:
    return {"Authorization": f"Bearer setagaya-{who}-{'t' * 12}"}


@pytest.fixture
async def api() -> AsyncIterator[httpx.AsyncClient]:
    clock = {"now": NOW}
    settings = IntakeSettings(
        database_url="memory:",
        relay_enabled=False,
        consumer_enabled=False,
        staff_tokens=TOKENS,
        secret_key=secrets.token_urlsafe(32),
    )
    app = create_app(INTAKE, settings, clock=lambda: clock["now"])
    app.state.test_clock = clock
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            client.app = app  # type: ignore[attr-defined]
            yield client


S = "/api/v1/municipalities/setagaya"


async def test_the_api_from_a_departments_draft_to_the_published_summary(
    api: httpx.AsyncClient,
) -> None:
    body = DRAFT.model_dump(mode="json", exclude={"department"})
    made = await api.post(f"{S}/staff/soundings", json=body, headers=_bearer("koen"))
    assert made.status_code == 201, made.text
    sid = made.json()["sounding_id"]
    assert made.json()["department"] == "koen"  # a department drafts for itself
    other = await api.post(
        f"{S}/staff/soundings", json=body | {"department": "koen"}, headers=_bearer("kyoiku")
    )
    assert other.status_code == 422 and other.json()["detail"][0]["loc"] == ["body", "department"]
    # Another department does not see it; the public does not see a draft.
    assert (
        await api.get(f"{S}/staff/soundings/{sid}", headers=_bearer("kyoiku"))
    ).status_code == 404
    assert (await api.get(f"{S}/soundings/{sid}")).status_code == 404
    # Nor can it take a step on it: the same 404, nothing published.
    assert (
        await api.post(f"{S}/staff/soundings/{sid}/publish", headers=_bearer("kyoiku"))
    ).status_code == 404
    assert (await api.get(f"{S}/soundings/{sid}")).status_code == 404
    assert (
        await api.post(f"{S}/staff/soundings/{sid}/publish", headers=_bearer("koen"))
    ).status_code == 200
    listed = await api.get(f"{S}/soundings")
    assert [s["subject"] for s in listed.json()] == [DRAFT.subject]
    assert listed.json()[0]["status_ja"] == "受付中"

    answer = {
        "organisation": "株式会社みどり",
        "contact_person": "世田 太郎",
        "email": "taro@example.jp",
        "answers": ["キッチンカー", "手続き支援"],
    }
    receipt = await api.post(f"{S}/soundings/{sid}/responses", json=answer)
    assert receipt.status_code == 201 and receipt.json()["organisation"] == "株式会社みどり"
    bad = await api.post(f"{S}/soundings/{sid}/responses", json=answer | {"email": "no"})
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["body", "email"]
    asked = await api.post(
        f"{S}/soundings/{sid}/questions",
        json={"organisation": "合同会社そら", "email": "s@example.jp", "text": "夜間は？"},
    )
    assert asked.status_code == 201
    qa = {
        "question_id": asked.json()["question_id"],
        "question": "夜間の利用は？",
        "answer": "可。",
    }
    assert (
        await api.post(f"{S}/staff/soundings/{sid}/answers", json=qa, headers=_bearer("desk"))
    ).status_code == 200
    public = (await api.get(f"{S}/soundings/{sid}")).json()
    assert public["qa"] == [
        {"question_id": qa["question_id"], "question": "夜間の利用は？", "answer": "可。"}
    ]
    assert "株式会社みどり" not in json.dumps(public, ensure_ascii=False)
    assert "合同会社そら" not in json.dumps(public, ensure_ascii=False)

    # Closing before the period's end is refused; after it, the summary (naming no one).
    early = await api.post(f"{S}/staff/soundings/{sid}/close", headers=_bearer("desk"))
    assert early.status_code == 409
    api.app.state.test_clock["now"] = datetime(2026, 2, 1, 3, 0, tzinfo=UTC)  # type: ignore[attr-defined]
    another = {**answer, "organisation": "合同会社おそば"}
    late = await api.post(f"{S}/soundings/{sid}/responses", json=another)
    assert late.status_code == 409 and "受付期間外" in late.text
    assert late.json()["detail"][0]["type"] == "outside_period"
    assert (
        await api.post(f"{S}/staff/soundings/{sid}/close", headers=_bearer("desk"))
    ).status_code == 200
    naming = await api.post(
        f"{S}/staff/soundings/{sid}/summary",
        json={"summary": "株式会社みどりの提案"},
        headers=_bearer("koen"),
    )
    assert naming.status_code == 422 and naming.json()["detail"][0]["loc"] == ["body", "summary"]
    assert naming.json()["detail"][0]["type"] == "names_a_respondent"
    summary = await api.post(
        f"{S}/staff/soundings/{sid}/summary",
        json={"summary": "1者から回答があった。"},
        headers=_bearer("koen"),
    )
    assert summary.status_code == 200
    staff_view = (await api.get(f"{S}/staff/soundings/{sid}", headers=_bearer("koen"))).json()
    assert [r["organisation"] for r in staff_view["response_list"]] == ["株式会社みどり"]
    public = (await api.get(f"{S}/soundings/{sid}")).json()
    assert (public["summary"], public["responses"], public["status_en"]) == (
        "1者から回答があった。",
        1,
        "closed",
    )


# -- the receipt by e-mail -------------------------------------------------------------------


async def test_a_respondent_gets_the_receipt_with_its_answers_by_mail(
    make_settings: Callable[..., IntakeSettings],
) -> None:
    with smtp_server() as (inbox, port):
        settings = mail_settings(make_settings, port)
        async with serving_intake(settings, MovableClock()) as intake:
            staff = bearer(NAGASAKI_DESK)
            draft = DRAFT.model_dump(mode="json") | {
                "department": "machizukuri",
                "opens_on": "2025-10-30",
                "closes_on": "2025-11-30",
            }
            made = await intake.post(
                "/api/v1/municipalities/nagasaki/staff/soundings", json=draft, headers=staff
            )
            sid = made.json()["sounding_id"]
            await intake.post(
                f"/api/v1/municipalities/nagasaki/staff/soundings/{sid}/publish", headers=staff
            )
            answer = {
                "organisation": "株式会社みどり",
                "contact_person": "世田 太郎",
                "email": "taro@midori.example.jp",
                "answers": ["キッチンカーの出店", ""],
            }
            receipt = await intake.post(
                f"/api/v1/municipalities/nagasaki/soundings/{sid}/responses", json=answer
            )
            assert receipt.status_code == 201, receipt.text
            [mail] = await mails_to(inbox, "taro@midori.example.jp", 1)
    assert "サウンディングへの回答を受け付けました" in mail["Subject"]
    body = body_of(mail)
    assert receipt.json()["response_id"] in body and "世田 太郎 様" in body
    assert "キッチンカーの出店" in body  # the company's copy of its answers
    assert f"https://kyoso.city.nagasaki.example.jp/nagasaki/soundings/{sid}" in body
    assert body.index("回答番号") < body.index("Response number")  # Japanese first


@pytest.mark.unit
def test_a_closed_sounding_may_lead_to_a_call_instead(intake: IntakeApplication) -> None:
    sounding = intake.draft_sounding("setagaya", "koen", DRAFT, DESK)
    intake.publish_sounding("setagaya", sounding.id, DESK)
    intake.respond_to_sounding("setagaya", sounding.id, RESPONSE, date(2026, 1, 8))
    intake.close_sounding("setagaya", sounding.id, date(2026, 1, 31), DESK)
    with pytest.raises(InvalidValue) as naming:
        intake.lead_sounding_to_call("setagaya", sounding.id, "株式会社みどり案の公募", DESK)
    assert naming.value.field == "call"
    led = intake.lead_sounding_to_call("setagaya", sounding.id, "区立公園活用事業者の公募", DESK)
    assert (led.call, led.theme_number) == ("区立公園活用事業者の公募", None)
    with pytest.raises(StateConflict, match="already led to the call"):
        intake.lead_sounding_to_theme(
            "setagaya", sounding.id, SoundingTheme(number=31, title="公園"), DESK
        )
    assert intake.themes("setagaya") == []  # no theme was published beside the refusal
