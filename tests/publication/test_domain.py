"""The Case aggregate's rules: drafted from an adopted proposal, protected sections kept
inside, the proposer consulted before publication, then only corrected or retracted.
No store, no broker."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import uuid4

import pytest

from services.publication.disclosure import SOLE_PROPRIETOR, disclosed_case, objection_due_on
from services.publication.domain import Case, Disclose, Section
from shared.contract import ProposerKind
from shared.errors import StateConflict
from shared.observed import fold_heard
from shared.proposal import ProposalState
from tests.factories import adopted, taken_on

META: dict[str, Any] = {"role": "desk", "municipality": "nagasaki"}
CONSULTED_ON = date(2025, 11, 4)
DUE = date(2025, 11, 18)  # 14 days (data/disclosure.json)
OPEN = {"heading": "成果", "text": "公衆トイレマップを公開した", "protected": False}
KNOW_HOW = {"heading": "協力店舗", "text": "店舗一覧と交渉ノウハウ", "protected": True}


def proposal(*, decided: bool = True, **submission: Any) -> ProposalState:
    """The proposal as publication heard it: taken on, then adopted (unless not `decided`)."""
    proposal_id = uuid4()
    envelopes = taken_on(proposal_id, **submission) + ([adopted(proposal_id)] if decided else [])
    state = fold_heard(envelopes)
    assert state is not None
    return state


def drafted(state: ProposalState | None = None, sections: list[Section] | None = None) -> Case:
    state = state or proposal()
    return Case.draft(state, None, None, None, sections or [OPEN, KNOW_HOW], META)


def discloser(case: Case, state: ProposalState) -> Disclose:
    def disclose(
        title: str, summary: str, sections: list[Section], version: int, published_on: date
    ) -> dict[str, Any]:
        return disclosed_case(case.id, state, None, title, summary, sections, version, published_on)

    return disclose


def published(state: ProposalState | None = None) -> Case:
    state = state or proposal()
    case = drafted(state)
    case.consult(DUE, META)
    case.consent(META)
    case.publish(CONSULTED_ON, discloser(case, state), META)
    return case


def refused(message: str, command: Any, field: str = "case") -> None:
    with pytest.raises(StateConflict) as refusal:
        command()
    assert (refusal.value.field, refusal.value.reason) == (field, message)


# -- drafting ---------------------------------------------------------------------------


def test_a_case_is_drafted_from_an_adopted_proposal_in_its_own_words() -> None:
    state = proposal()
    case = Case.draft(state, None, None, None, [OPEN], META)
    assert (case.stage, case.title, case.summary) == ("draft", state.title, state.summary)
    assert case.proposal_id == state.proposal_id and case.id == Case.create_id(state.proposal_id)
    own = Case.draft(state, None, "トイレマップの取組", "事例の概要", [], META)
    assert (own.title, own.summary) == ("トイレマップの取組", "事例の概要")


def test_no_case_from_a_proposal_not_adopted() -> None:
    refused(
        "a case is prepared from an adopted proposal, not a in_dialogue one",
        lambda: drafted(proposal(decided=False)),
        field="proposal_id",
    )


def test_one_case_per_proposal() -> None:
    state = proposal()
    first = drafted(state)
    refused(
        "this proposal already has a case",
        lambda: Case.draft(state, first, None, None, [], META),
        field="proposal_id",
    )


# -- what goes public -------------------------------------------------------------------


def test_protected_sections_never_go_public() -> None:
    case = published()
    assert case.stage == "published" and case.public_version == 1
    public = case.in_public
    assert public is not None
    assert public["sections"] == [{"heading": "成果", "text": "公衆トイレマップを公開した"}]
    assert "交渉ノウハウ" not in str(public)
    assert public["partner"] == "株式会社みなと観光" and public["published_on"] == "2025-11-04"
    assert len(case.sections) == 2  # the desk keeps the whole case, marked


def test_a_sole_proprietors_name_is_withheld() -> None:
    public = published(proposal(kind=ProposerKind.SOLE_PROPRIETOR)).in_public
    assert public is not None and public["partner"] == SOLE_PROPRIETOR


def test_a_draft_is_not_public() -> None:
    assert drafted().in_public is None


# -- the proposer's consultation --------------------------------------------------------


def test_the_proposer_has_fourteen_days_to_object() -> None:
    assert objection_due_on("nagasaki", CONSULTED_ON) == DUE


def test_the_proposer_is_consulted_on_a_draft_and_may_object() -> None:
    case = drafted()
    refused("there is nothing to object to in a draft case", lambda: case.object("x", META))
    refused("there is nothing to consent to in a draft case", lambda: case.consent(META))
    case.consult(DUE, META)
    assert (case.stage, case.objection_due_on) == ("consulting", DUE)
    refused(
        "the proposer is consulted on a draft, not a consulting case",
        lambda: case.consult(DUE, META),
    )
    case.object("店舗名は非公開にしてください", META)
    assert (case.stage, case.objection) == ("objected", "店舗名は非公開にしてください")


def test_an_objection_holds_publication_back_until_the_text_is_revised() -> None:
    state = proposal()
    case = drafted(state)
    case.consult(DUE, META)
    case.object("店舗名は非公開にしてください", META)
    refused(
        "only a case the proposer was consulted on, without objection, is published"
        " (this one is objected)",
        lambda: case.publish(date(2026, 1, 5), discloser(case, state), META),
    )
    case.revise("トイレマップの取組", "店舗名を伏せた事例です。", [OPEN], META)
    # A new text: the proposer is consulted on it again.
    assert (case.stage, case.objection, case.objection_due_on) == ("draft", None, None)


def test_without_consent_a_case_waits_for_the_end_of_the_objection_period() -> None:
    state = proposal()
    case = drafted(state)
    case.consult(DUE, META)
    refused(
        "the proposer may object until 2025-11-18; publish after that",
        lambda: case.publish(DUE, discloser(case, state), META),
    )
    assert case.stage == "consulting"
    case.publish(date(2025, 11, 19), discloser(case, state), META)
    assert (case.stage, case.published_on) == ("published", date(2025, 11, 19))


def test_with_consent_a_case_is_published_at_once() -> None:
    assert published().published_on == CONSULTED_ON


def test_a_draft_is_not_published_without_consultation() -> None:
    state = proposal()
    case = drafted(state)
    refused(
        "only a case the proposer was consulted on, without objection, is published"
        " (this one is draft)",
        lambda: case.publish(CONSULTED_ON, discloser(case, state), META),
    )


# -- after publication: corrected or retracted, never edited ----------------------------


def test_a_published_case_is_corrected_as_a_new_public_version() -> None:
    state = proposal()
    case = published(state)
    refused(
        "a published case is corrected, not revised",
        lambda: case.revise("new", "new", [], META),
    )
    case.correct(
        "トイレマップ（訂正）",
        "数値を訂正しました。",
        [OPEN],
        "利用者数の誤り",
        discloser(case, state),
        META,
    )
    public = case.in_public
    assert case.public_version == 2 and public is not None
    assert (public["version"], public["title"]) == (2, "トイレマップ（訂正）")
    assert public["published_on"] == "2025-11-04"  # first published, whatever the version


def test_only_a_published_case_is_corrected_or_retracted() -> None:
    state = proposal()
    case = drafted(state)
    refused(
        "only a published case is corrected (this one is draft)",
        lambda: case.correct("t", "s", [], "n", discloser(case, state), META),
    )
    refused(
        "only a published case is retracted (this one is draft)",
        lambda: case.retract("事業終了", META),
    )


def test_a_retracted_case_leaves_the_public_for_good() -> None:
    state = proposal()
    case = published(state)
    case.retract("事業終了", META)
    assert (case.stage, case.in_public) == ("retracted", None)
    refused(
        "only a published case is retracted (this one is retracted)",
        lambda: case.retract("again", META),
    )
    refused(
        "only a published case is corrected (this one is retracted)",
        lambda: case.correct("t", "s", [], "n", discloser(case, state), META),
    )
