"""Intake's application with its events kept in the process (`database_url="memory:"`):
submission, screening and withdrawal as the proposer and the desk meet them, without a
broker or a database."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from services.intake.application import IntakeApplication, SubmissionRequest, Submitted
from services.intake.commands import ProposalSubmission, Screening, ThemeDraft
from services.intake.settings import IntakeSettings
from shared.acting import Acting
from shared.contract import ProposalRejected, ProposalSubmitted, ProposalWithdrawn
from shared.contract.vocabulary import ActorRole
from shared.errors import InvalidValue, NotFound, StateConflict
from shared.proposal import ProposalStatus
from tests.factories import free_proposal_body, proposal_body

TODAY = date(2025, 10, 30)  # fiscal year 2025


@pytest.fixture
def intake() -> IntakeApplication:
    app = IntakeApplication(IntakeSettings(database_url="memory:"))
    for number, closes_on in ((5, None), (25, date(2025, 3, 31))):
        draft = ThemeDraft(
            number=number,
            title=f"テーマ{number}",
            field="まちづくり",
            department="machizukuri",
            closes_on=closes_on,
        )
        app.publish_theme("nagasaki", draft, desk())
    return app


def desk(municipality: str = "nagasaki") -> Acting:
    return Acting.new(ActorRole.DESK, municipality, "desk-1")


def proposer(municipality: str = "nagasaki") -> Acting:
    return Acting.new(ActorRole.PROPOSER, municipality, "proposer-1")


def submission(**overrides: Any) -> ProposalSubmission:
    return ProposalSubmission.model_validate(proposal_body(**overrides))


def submit(
    intake: IntakeApplication,
    body: ProposalSubmission | None = None,
    *,
    municipality: str = "nagasaki",
    today: date = TODAY,
    key: str | None = None,
) -> Submitted:
    return intake.submit(
        municipality,
        body or submission(),
        proposer(municipality),
        today=today,
        idempotency_key=key,
    )


# -- submission ------------------------------------------------------------------------


def test_receipt_numbers_count_per_municipality_and_fiscal_year(intake: IntakeApplication) -> None:
    free = ProposalSubmission.model_validate(free_proposal_body())
    numbers = [
        submit(intake).proposal.receipt_number,
        submit(intake).proposal.receipt_number,
        submit(intake, free, municipality="aomori").proposal.receipt_number,
        submit(intake, today=date(2026, 3, 31)).proposal.receipt_number,  # still FY2025
        submit(intake, today=date(2026, 4, 1)).proposal.receipt_number,  # FY2026 starts
    ]
    assert numbers == [
        "NGS-2025-0001",
        "NGS-2025-0002",
        "AOM-2025-0001",
        "NGS-2025-0003",
        "NGS-2026-0001",
    ]


def test_a_theme_proposal_records_the_themes_owner(intake: IntakeApplication) -> None:
    proposal = submit(intake).proposal
    assert proposal.status is ProposalStatus.RECEIVED
    assert (proposal.theme_number, proposal.theme_department) == (5, "machizukuri")


def test_a_retry_with_the_same_idempotency_key_returns_the_first_receipt(
    intake: IntakeApplication,
) -> None:
    first = submit(intake, key="retry-key-0001")
    again = submit(intake, key="retry-key-0001")
    assert not first.replayed and again.replayed
    assert again.proposal.id == first.proposal.id
    assert len(intake.proposals("nagasaki")) == 1


def test_an_idempotency_key_reused_for_another_proposal_is_refused(
    intake: IntakeApplication,
) -> None:
    submit(intake, key="retry-key-0002")
    other = ProposalSubmission.model_validate(free_proposal_body())
    with pytest.raises(InvalidValue) as reused:
        submit(intake, other, key="retry-key-0002")
    assert reused.value.loc == ["header", "Idempotency-Key"]
    assert (
        reused.value.reason == "this key was already used for a different proposal; use a new key"
    )


def test_one_group_commit_gives_each_request_its_own_outcome(intake: IntakeApplication) -> None:
    other = ProposalSubmission.model_validate(free_proposal_body())
    outcomes = intake.submit_many(
        [
            SubmissionRequest("nagasaki", submission(), proposer(), TODAY, "group-key-01"),
            SubmissionRequest("nagasaki", submission(), proposer(), TODAY, "group-key-01"),
            SubmissionRequest("nagasaki", other, proposer(), TODAY, "group-key-01"),
            SubmissionRequest("nagasaki", submission(theme_number=25), proposer(), TODAY),
            SubmissionRequest("nagasaki", other, proposer(), TODAY),
        ]
    )
    first, replayed, reused, closed, second = outcomes
    assert isinstance(first, Submitted) and isinstance(replayed, Submitted)
    assert replayed.replayed and replayed.proposal.id == first.proposal.id
    assert isinstance(reused, InvalidValue) and reused.field == "Idempotency-Key"
    assert isinstance(closed, StateConflict) and closed.field == "theme_number"
    assert isinstance(second, Submitted)
    assert second.proposal.receipt_number == "NGS-2025-0002"  # no number lost to a refusal


def test_a_closed_call_takes_no_proposals(intake: IntakeApplication) -> None:
    with pytest.raises(StateConflict) as closed:
        submit(intake, submission(theme_number=25))
    assert closed.value.loc == ["body", "theme_number"]
    assert closed.value.reason == "the call for theme 25 is closed (募集期間終了)"
    intake.close_theme("nagasaki", 5, desk())
    with pytest.raises(StateConflict, match="the call for theme 5 is closed"):
        submit(intake)


def test_an_unknown_theme_or_municipality_is_refused(intake: IntakeApplication) -> None:
    with pytest.raises(InvalidValue) as unknown:
        submit(intake, submission(theme_number=99))
    assert unknown.value.loc == ["body", "theme_number"]
    assert unknown.value.reason == "theme 99 does not exist in nagasaki"
    with pytest.raises(NotFound, match="municipality 'atlantis' is not served by this desk"):
        submit(intake, municipality="atlantis")


def test_aomori_answers_a_private_individual_with_the_reason(intake: IntakeApplication) -> None:
    body = free_proposal_body()
    body["proposer"]["kind"] = "individual"
    proposal = submit(intake, ProposalSubmission.model_validate(body), municipality="aomori")
    assert proposal.proposal.receipt_number == "AOM-2025-0001"  # kept, with its receipt
    assert proposal.proposal.status is ProposalStatus.REJECTED
    submitted, rejected = intake.history(proposal.proposal.id)
    assert isinstance(submitted.event, ProposalSubmitted)
    assert isinstance(rejected.event, ProposalRejected)
    assert rejected.event.automatic and rejected.event.reasons == ["ineligible_proposer"]
    assert "個人（個人事業主を除く）" in rejected.event.explanation
    assert rejected.meta.actor_role is ActorRole.SYSTEM
    state = intake.state(proposal.proposal.id)
    assert state.status is ProposalStatus.REJECTED


def test_a_sole_proprietor_may_propose_in_aomori(intake: IntakeApplication) -> None:
    body = free_proposal_body()
    body["proposer"]["kind"] = "sole_proprietor"
    proposal = submit(intake, ProposalSubmission.model_validate(body), municipality="aomori")
    assert proposal.proposal.status is ProposalStatus.RECEIVED


# -- themes ----------------------------------------------------------------------------


def test_a_theme_number_is_published_once_per_municipality(intake: IntakeApplication) -> None:
    draft = ThemeDraft(number=5, title="重複", field="環境", department="kankyo")
    with pytest.raises(StateConflict) as twice:
        intake.publish_theme("nagasaki", draft, desk())
    assert twice.value.loc == ["body", "number"]
    assert twice.value.reason == "theme 5 already exists in nagasaki"
    assert intake.publish_theme("aomori", draft, desk("aomori")).number == 5


def test_closing_a_theme_twice_is_refused(intake: IntakeApplication) -> None:
    intake.close_theme("nagasaki", 5, desk())
    with pytest.raises(StateConflict) as twice:
        intake.close_theme("nagasaki", 5, desk())
    assert twice.value.loc == ["path", "number"] and twice.value.reason == (
        "theme 5 is already closed"
    )


# -- screening and withdrawal ------------------------------------------------------------


def test_the_desk_accepts_once(intake: IntakeApplication) -> None:
    proposal_id = submit(intake).proposal.id
    accepted = intake.screen(proposal_id, Screening(decision="accept"), desk())
    assert accepted.status is ProposalStatus.ACCEPTED
    assert [p.id for p in intake.proposals("nagasaki", "accepted")] == [proposal_id]
    with pytest.raises(StateConflict) as again:
        intake.screen(proposal_id, Screening(decision="accept"), desk())
    assert again.value.loc == ["body", "decision"]
    assert again.value.reason == "cannot accept: proposal NGS-2025-0001 is accepted"


def test_the_desk_rejects_with_reasons_the_proposer_reads(intake: IntakeApplication) -> None:
    proposal_id = submit(intake).proposal.id
    screening = Screening(
        decision="reject", reasons=["sales_pitch"], explanation="自社製品の販売のみの内容です。"
    )
    intake.screen(proposal_id, screening, desk())
    state = intake.state(proposal_id)
    assert state.status is ProposalStatus.REJECTED
    assert state.screening_reasons == ("sales_pitch",)
    assert state.screening_explanation == "自社製品の販売のみの内容です。"


def test_another_municipalitys_desk_does_not_see_the_proposal(intake: IntakeApplication) -> None:
    proposal_id = submit(intake).proposal.id
    with pytest.raises(NotFound):
        intake.screen(proposal_id, Screening(decision="accept"), desk("aomori"))
    assert intake.proposal(proposal_id).status is ProposalStatus.RECEIVED


def test_the_proposer_withdraws_once(intake: IntakeApplication) -> None:
    proposal_id = submit(intake).proposal.id
    withdrawn = intake.withdraw(proposal_id, "社内で再検討します", "corr-1")
    assert withdrawn.status is ProposalStatus.WITHDRAWN
    last = intake.history(proposal_id)[-1]
    assert isinstance(last.event, ProposalWithdrawn)
    assert last.meta.actor_role is ActorRole.PROPOSER and last.meta.municipality == "nagasaki"
    with pytest.raises(StateConflict) as again:
        intake.withdraw(proposal_id, None)
    assert again.value.loc == ["path", "proposal_id"]
    assert again.value.reason == "cannot withdraw: proposal NGS-2025-0001 is already withdrawn"
