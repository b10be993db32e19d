"""Intake's aggregates on their own: every rule, the way through and each refusal, with
the message the proposer or the desk reads. No store, no I/O."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import uuid4

import pytest

from services.intake.domain import IdempotencyRecord, Proposal, ReceiptBook, Theme
from shared.contract.vocabulary import ProposerKind, ScreeningReason
from shared.errors import DomainError, InvalidValue, StateConflict
from shared.proposal import ProposalStatus

DESK = {"role": "desk", "municipality": "nagasaki", "correlation_id": "c-1", "causation_id": None}
PROPOSER = DESK | {"role": "proposer"}


def received(kind: ProposerKind = ProposerKind.COMPANY, **overrides: Any) -> Proposal:
    given: dict[str, Any] = dict(
        municipality="nagasaki",
        receipt_number="NGS-2025-0001",
        fiscal_year=2025,
        channel="free",
        theme_number=None,
        organisation="株式会社みなと観光",
        proposer_kind=kind.value,
        contact={"contact_person": "出島 花子", "email": "hanako@example.jp", "phone": None},
        title="通学路安全点検支援システム",
        field="教育",
        summary="通学路の安全点検を効率化する提案。",
        content="学校と保護者が危険箇所を共有する。",
        protected_part=None,
        meta=PROPOSER,
        theme_department=None,
        received_on=date(2025, 10, 30),
        terms_consented=True,
        terms_version=None,
        current_terms_version="2026-11-28",
        offers_pre_consultation=False,
    )
    return Proposal.receive(**(given | overrides))


def refusal(error: pytest.ExceptionInfo[DomainError]) -> tuple[list[str], str]:
    """Where the refusal points and what it says, as the web edge answers it."""
    return error.value.loc, error.value.reason


def theme(**period: Any) -> Theme:
    return Theme(
        municipality="nagasaki",
        number=28,
        title="公園の利活用",
        field="まちづくり",
        department="machizukuri",
        opens_on=period.get("opens_on"),
        closes_on=period.get("closes_on"),
        meta=DESK,
        background="公園の多くが十分に使われていない。",
        expected_outcome="民間の運営で公園に賑わいが生まれる。",
    )


# -- Proposal: receipt -------------------------------------------------------------------


@pytest.mark.parametrize("kind", [k for k in ProposerKind if k is not ProposerKind.INDIVIDUAL])
def test_a_company_university_npo_association_or_sole_proprietor_is_received(
    kind: ProposerKind,
) -> None:
    proposal = received(kind)
    assert proposal.status is ProposalStatus.RECEIVED
    assert proposal.screening_reasons == []


def test_a_private_individual_is_answered_at_once_with_the_reason() -> None:
    proposal = received(ProposerKind.INDIVIDUAL)
    assert proposal.status is ProposalStatus.REJECTED
    assert proposal.screening_reasons == ["ineligible_proposer"]
    assert proposal.screening_explanation is not None
    assert "個人（個人事業主を除く）" in proposal.screening_explanation
    assert "private individuals (other than sole proprietors)" in proposal.screening_explanation
    submitted, rejected = proposal.collect_events()
    assert isinstance(submitted, Proposal.Submitted)
    # The proposal is kept; the system, not the desk, answered it.
    assert isinstance(rejected, Proposal.Rejected) and rejected.automatic
    assert rejected.meta == PROPOSER | {"role": "system"}


# -- Proposal: screening ----------------------------------------------------------------


def test_the_desk_accepts_a_received_proposal_once() -> None:
    proposal = received()
    proposal.accept("対話に進みます", DESK)
    assert proposal.status is ProposalStatus.ACCEPTED
    with pytest.raises(StateConflict) as again:
        proposal.accept(None, DESK)
    assert refusal(again) == (
        ["body", "decision"],
        "cannot accept: proposal NGS-2025-0001 is accepted",
    )


def test_the_desk_rejects_with_coded_reasons_and_the_explanation() -> None:
    proposal = received()
    proposal.reject([ScreeningReason.SALES_PITCH], "自社製品の販売のみの内容です。", False, DESK)
    assert proposal.status is ProposalStatus.REJECTED
    assert proposal.screening_reasons == ["sales_pitch"]
    assert proposal.screening_explanation == "自社製品の販売のみの内容です。"


def test_an_accepted_proposal_is_not_rejected_at_screening() -> None:
    proposal = received()
    proposal.accept(None, DESK)
    with pytest.raises(StateConflict) as refused:
        proposal.reject([ScreeningReason.DUPLICATE], "重複", False, DESK)
    assert refusal(refused) == (
        ["body", "decision"],
        "cannot reject: proposal NGS-2025-0001 is accepted",
    )


def test_a_rejection_without_a_coded_reason_is_refused() -> None:
    with pytest.raises(InvalidValue) as refused:
        received().reject([], "理由なし", False, DESK)
    assert refusal(refused) == (["body", "reasons"], "a rejection needs at least one coded reason")


# -- Proposal: withdrawal -----------------------------------------------------------------


@pytest.mark.parametrize("accepted", [False, True])
def test_the_proposer_withdraws_an_open_proposal(accepted: bool) -> None:
    proposal = received()
    if accepted:
        proposal.accept(None, DESK)
    proposal.withdraw("社内で再検討します", PROPOSER)
    assert proposal.status is ProposalStatus.WITHDRAWN


def test_a_withdrawn_proposal_is_not_withdrawn_again() -> None:
    proposal = received()
    proposal.withdraw(None, PROPOSER)
    with pytest.raises(StateConflict) as again:
        proposal.withdraw(None, PROPOSER)
    assert refusal(again) == (
        ["path", "proposal_id"],
        "cannot withdraw: proposal NGS-2025-0001 is already withdrawn",
    )


def test_a_rejected_proposal_cannot_be_withdrawn() -> None:
    with pytest.raises(StateConflict) as refused:
        received(ProposerKind.INDIVIDUAL).withdraw(None, PROPOSER)
    assert refused.value.reason == "cannot withdraw: proposal NGS-2025-0001 is already rejected"


# -- Theme ----------------------------------------------------------------------------------


def test_a_theme_without_a_period_takes_proposals_until_it_is_closed() -> None:
    call = theme()
    call.require_open_on(date(2030, 1, 1))
    assert call.is_open_on(date(2030, 1, 1))
    call.close(DESK)
    assert not call.is_open_on(date(2025, 10, 30))
    with pytest.raises(StateConflict) as closed:
        call.require_open_on(date(2025, 10, 30))
    assert refusal(closed) == (
        ["body", "theme_number"],
        "the call for theme 28 is closed (募集期間終了)",
    )


def test_a_theme_call_follows_its_period() -> None:
    call = theme(opens_on=date(2025, 11, 1), closes_on=date(2025, 11, 30))
    with pytest.raises(StateConflict) as early:
        call.require_open_on(date(2025, 10, 31))
    assert early.value.reason == "the call for theme 28 opens on 2025-11-01"
    call.require_open_on(date(2025, 11, 1))
    call.require_open_on(date(2025, 11, 30))  # the last day still counts
    with pytest.raises(StateConflict) as late:
        call.require_open_on(date(2025, 12, 1))
    assert late.value.reason == "the call for theme 28 is closed (募集期間終了)"


def test_a_theme_is_closed_once() -> None:
    call = theme()
    call.close(DESK)
    with pytest.raises(StateConflict) as again:
        call.close(DESK)
    assert refusal(again) == (["path", "number"], "theme 28 is already closed")


# -- ReceiptBook and IdempotencyRecord ----------------------------------------------------


def test_receipt_numbers_count_from_one_without_gaps_per_book() -> None:
    this_year = ReceiptBook(municipality="nagasaki", fiscal_year=2025)
    numbers = [this_year.next_receipt_number("NGS") for _ in range(3)]
    assert numbers == ["NGS-2025-0001", "NGS-2025-0002", "NGS-2025-0003"]
    next_year = ReceiptBook(municipality="nagasaki", fiscal_year=2026)
    assert next_year.next_receipt_number("NGS") == "NGS-2026-0001"


def test_books_are_one_per_municipality_and_fiscal_year() -> None:
    ids = {
        ReceiptBook.create_id("nagasaki", 2025),
        ReceiptBook.create_id("nagasaki", 2026),
        ReceiptBook.create_id("aomori", 2025),
    }
    assert len(ids) == 3 and ReceiptBook.create_id("nagasaki", 2025) in ids


def test_an_idempotency_key_replays_its_own_proposal_only() -> None:
    proposal_id = uuid4()
    record = IdempotencyRecord(
        municipality="nagasaki", key="retry-key-0001", fingerprint="same", proposal_id=proposal_id
    )
    assert record.replayed_proposal("same") == proposal_id
    with pytest.raises(InvalidValue) as reused:
        record.replayed_proposal("another proposal")
    assert refusal(reused) == (
        ["header", "Idempotency-Key"],
        "this key was already used for a different proposal; use a new key",
    )
