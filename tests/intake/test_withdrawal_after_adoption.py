"""Withdrawal after adoption (issue 17). The seeds and DOMAIN.md are silent on it, so the
proposal may be withdrawn until the project's agreement or contract is signed; after that
the agreement governs how the project ends (services.intake.domain.withdrawal_refused).
The rule on the aggregate, then through intake's application with the events it hears,
and the status view's `may_withdraw` that the portal's page follows."""

from __future__ import annotations

from datetime import date
from uuid import UUID

import pytest

from services.intake.api.views import ProposerView
from services.intake.application import IntakeApplication
from services.intake.settings import IntakeSettings
from shared.contract import AgreementConcluded, AgreementKind, ImplementerSelected, SelectionRoute
from shared.errors import StateConflict
from shared.proposal import ProposalStatus
from tests.intake.test_dialogue import Routing, in_dialogue
from tests.intake.test_domain import PROPOSER, received
from tests.intake.test_project_mail import adoption_of


@pytest.mark.parametrize("phase", [None, "selection", "agreement"])
def test_an_adopted_proposal_is_withdrawn_until_the_agreement_is_signed(phase: str | None) -> None:
    proposal = received()
    proposal.withdraw(None, PROPOSER, project_phase=phase)
    assert proposal.status is ProposalStatus.WITHDRAWN


@pytest.mark.parametrize(
    "phase", ["implementation_pending", "implementation", "verification", "verified", "closed"]
)
def test_once_the_agreement_is_signed_the_proposal_is_not_withdrawn(phase: str) -> None:
    proposal = received()
    with pytest.raises(StateConflict) as refused:
        proposal.withdraw(None, PROPOSER, project_phase=phase)
    assert refused.value.loc == ["path", "proposal_id"]
    assert "bound by the signed agreement or contract" in refused.value.reason
    assert proposal.status is ProposalStatus.RECEIVED


def test_a_proposal_ended_by_a_decision_is_not_withdrawn() -> None:
    with pytest.raises(StateConflict, match="NGS-2025-0001 has ended"):
        received().withdraw(None, PROPOSER, closed=True)


@pytest.fixture
def intake() -> IntakeApplication:
    return IntakeApplication(IntakeSettings(database_url="memory:"))


def adopted(intake: IntakeApplication) -> tuple[UUID, Routing]:
    pid, _ = in_dialogue(intake)
    Routing(intake, pid, service="decision").says(adoption_of(pid))
    implementation = Routing(intake, pid, service="implementation")
    implementation.says(
        ImplementerSelected(
            proposal_id=pid,
            route=SelectionRoute.OPEN_CALL,
            implementer="株式会社みなと観光",
            reasons="価格と実績",
            selected_on=date(2026, 6, 5),
        )
    )
    return pid, implementation


def test_the_proposer_withdraws_an_adopted_proposal_while_the_agreement_is_prepared(
    intake: IntakeApplication,
) -> None:
    pid, _ = adopted(intake)
    view = ProposerView.of_state(intake.state(pid))
    assert (view.status, view.project_phase, view.may_withdraw) == ("adopted", "agreement", True)
    intake.withdraw(pid, "社内事情により")
    assert intake.state(pid).status is ProposalStatus.WITHDRAWN


def test_after_the_agreement_is_signed_intake_refuses_and_the_view_offers_no_withdrawal(
    intake: IntakeApplication,
) -> None:
    pid, implementation = adopted(intake)
    implementation.says(
        AgreementConcluded(
            proposal_id=pid,
            kind=AgreementKind.BUSINESS_AGREEMENT,
            parties=("長崎市", "株式会社みなと観光"),
            signed_on=date(2026, 6, 10),
            term_from=date(2026, 6, 10),
            term_until=date(2027, 3, 31),
            fields=("まちづくり",),
        )
    )
    assert not ProposerView.of_state(intake.state(pid)).may_withdraw
    with pytest.raises(StateConflict, match="bound by the signed agreement"):
        intake.withdraw(pid, None)
    assert intake.state(pid).status is ProposalStatus.ADOPTED


def test_the_proposers_view_shows_the_project_ended_by_the_withdrawal(
    intake: IntakeApplication,
) -> None:
    pid, _ = adopted(intake)
    intake.withdraw(pid, "社内事情により")
    view = ProposerView.of_state(intake.state(pid))
    # The shared fold says what implementation's read model says of the project.
    assert (view.status, view.project_phase, view.may_withdraw) == ("withdrawn", "withdrawn", False)
    assert (view.project_phase_ja, view.project_phase_en) == (
        "取り下げにより終了",
        "Ended: withdrawn by the proposer",
    )


def test_a_proposal_withdrawn_before_adoption_has_no_project_phase(
    intake: IntakeApplication,
) -> None:
    pid, _ = in_dialogue(intake)
    intake.withdraw(pid, None)
    assert ProposerView.of_state(intake.state(pid)).project_phase is None
