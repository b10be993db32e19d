"""A pre-consultation's outcome and the proposal that followed it (事前相談, Aomori 000:
「事前相談 ※必須ではありません」 before 「提案書の提出」): the desk records advice given, led
to a proposal (the two linked, each shown from the other) or closed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from services.intake.application import IntakeApplication
from services.intake.consultations import ConsultationOutcome, Consultations
from services.intake.settings import IntakeSettings
from shared.acting import Acting
from shared.contract.vocabulary import ActorRole
from shared.errors import InvalidValue, StateConflict
from tests.conftest import AOMORI_DESK, NAGASAKI_DESK, RunningIntake, bearer
from tests.factories import free_proposal_body
from tests.intake.test_channels import consultation_body, submit

DESK = Acting.new(ActorRole.DESK, "aomori", "c")


@pytest.fixture
def app(tmp_path: Path) -> IntakeApplication:
    return IntakeApplication(IntakeSettings(database_url="memory:", data_dir=tmp_path))


def accepted(app: IntakeApplication, body: dict[str, Any]) -> Any:
    proposal = submit(app, body)
    proposal.accept(None, DESK.as_meta())
    app.save(proposal)
    return proposal


def test_advice_then_a_proposal_links_the_two_and_ends_the_consultation(
    app: IntakeApplication,
) -> None:
    consultations = Consultations(app)
    consultation = accepted(app, consultation_body())
    consultations.record_outcome(
        "aomori",
        consultation.id,
        ConsultationOutcome.ADVICE_GIVEN,
        "実証実験の流れを説明",
        None,
        DESK,
    )
    proposal = accepted(app, free_proposal_body())
    record = consultations.record_outcome(
        "aomori",
        consultation.id,
        ConsultationOutcome.LED_TO_PROPOSAL,
        None,
        proposal.receipt_number,
        DESK,
    )
    assert [o["outcome"] for o in record.outcomes] == ["advice_given", "led_to_proposal"]
    assert record.followed_by == (proposal.id, "AOM-2025-0002")
    follows = consultations.follows(proposal.id)
    assert follows is not None and follows.consultation_receipt_number == "AOM-2025-0001"
    with pytest.raises(StateConflict, match="already ended: led_to_proposal"):
        consultations.record_outcome(
            "aomori", consultation.id, ConsultationOutcome.CLOSED, None, None, DESK
        )


def test_a_proposal_follows_one_consultation_and_only_a_proposal_can(
    app: IntakeApplication,
) -> None:
    consultations = Consultations(app)
    first, second = accepted(app, consultation_body()), accepted(app, consultation_body())
    proposal = accepted(app, free_proposal_body())
    with pytest.raises(InvalidValue) as missing:
        consultations.record_outcome(
            "aomori", first.id, ConsultationOutcome.LED_TO_PROPOSAL, None, None, DESK
        )
    assert missing.value.field == "proposal_receipt_number"
    with pytest.raises(InvalidValue, match="another consultation"):
        consultations.record_outcome(
            "aomori",
            first.id,
            ConsultationOutcome.LED_TO_PROPOSAL,
            None,
            second.receipt_number,
            DESK,
        )
    with pytest.raises(InvalidValue, match="no proposal AOM-2025-0099"):
        consultations.record_outcome(
            "aomori", first.id, ConsultationOutcome.LED_TO_PROPOSAL, None, "AOM-2025-0099", DESK
        )
    with pytest.raises(InvalidValue, match="only a consultation that led to a proposal"):
        consultations.record_outcome(
            "aomori", first.id, ConsultationOutcome.CLOSED, None, proposal.receipt_number, DESK
        )
    consultations.record_outcome(
        "aomori",
        first.id,
        ConsultationOutcome.LED_TO_PROPOSAL,
        None,
        proposal.receipt_number,
        DESK,
    )
    with pytest.raises(StateConflict, match="already follows consultation AOM-2025-0001"):
        consultations.record_outcome(
            "aomori",
            second.id,
            ConsultationOutcome.LED_TO_PROPOSAL,
            None,
            proposal.receipt_number,
            DESK,
        )


def test_only_an_accepted_pre_consultation_has_an_outcome(app: IntakeApplication) -> None:
    consultations = Consultations(app)
    proposal = accepted(app, free_proposal_body())
    with pytest.raises(StateConflict, match="not a pre-consultation"):
        consultations.record_outcome(
            "aomori", proposal.id, ConsultationOutcome.CLOSED, None, None, DESK
        )
    waiting = submit(app, consultation_body())
    with pytest.raises(StateConflict, match="is received"):
        consultations.record_outcome(
            "aomori", waiting.id, ConsultationOutcome.CLOSED, None, None, DESK
        )


async def test_the_desk_records_the_outcome_and_reads_the_link_from_both_sides(
    intake: RunningIntake,
) -> None:
    client = intake.client
    base = "/api/v1/municipalities/aomori"
    desk = bearer(AOMORI_DESK)

    async def accepted_over_http(body: dict[str, Any]) -> dict[str, Any]:
        submitted = await client.post(f"{base}/proposals", json=body)
        assert submitted.status_code == 201, submitted.text
        receipt: dict[str, Any] = submitted.json()
        screened = await client.post(
            f"{base}/desk/proposals/{receipt['proposal_id']}/screening",
            json={"decision": "accept"},
            headers=desk,
        )
        assert screened.status_code == 200, screened.text
        return receipt

    consultation = await accepted_over_http(consultation_body())
    proposal = await accepted_over_http(free_proposal_body())
    outcome = f"{base}/desk/proposals/{consultation['proposal_id']}/consultation/outcome"

    bad = await client.post(outcome, json={"outcome": "maybe"}, headers=desk)
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["body", "outcome"]
    unnamed = await client.post(outcome, json={"outcome": "led_to_proposal"}, headers=desk)
    assert unnamed.status_code == 422
    assert unnamed.json()["detail"][0]["loc"] == ["body", "proposal_receipt_number"]
    assert (await client.post(outcome, json={"outcome": "closed"})).status_code == 401
    other_desk = await client.post(
        outcome.replace("aomori", "nagasaki"),
        json={"outcome": "closed"},
        headers=bearer(NAGASAKI_DESK),
    )
    assert other_desk.status_code == 404

    advised = await client.post(
        outcome, json={"outcome": "advice_given", "note": "実証実験の流れを説明"}, headers=desk
    )
    assert advised.status_code == 200, advised.text
    linked = await client.post(
        outcome,
        json={"outcome": "led_to_proposal", "proposal_receipt_number": proposal["receipt_number"]},
        headers=desk,
    )
    assert linked.status_code == 200, linked.text
    view = linked.json()
    assert [(o["outcome"], o["ja"]) for o in view["outcomes"]] == [
        ("advice_given", "助言を行いました"),
        ("led_to_proposal", "提案につながりました"),
    ]
    assert view["outcomes"][0]["note"] == "実証実験の流れを説明"
    assert view["followed_by"]["receipt_number"] == proposal["receipt_number"]

    follower = await client.get(
        f"{base}/desk/proposals/{proposal['proposal_id']}/consultation", headers=desk
    )
    assert follower.status_code == 200
    assert follower.json()["is_consultation"] is False
    assert follower.json()["follows"] == {
        "proposal_id": consultation["proposal_id"],
        "receipt_number": consultation["receipt_number"],
    }
    ended = await client.post(outcome, json={"outcome": "closed"}, headers=desk)
    assert ended.status_code == 409


def test_a_proposal_names_the_consultation_it_follows_on_its_form(app: IntakeApplication) -> None:
    consultations = Consultations(app)
    consultation = accepted(app, consultation_body())
    other = accepted(app, free_proposal_body())
    for named, message in [
        ("AOM-2025-0099", "no proposal AOM-2025-0099"),
        (other.receipt_number, "is a proposal, not a pre-consultation"),
    ]:
        with pytest.raises(InvalidValue, match=message) as refused:
            submit(app, free_proposal_body(consultation_receipt_number=named))
        assert refused.value.field == "consultation_receipt_number"
    with pytest.raises(InvalidValue, match="follows no other consultation"):
        submit(app, consultation_body(consultation_receipt_number=consultation.receipt_number))

    proposal = submit(
        app, free_proposal_body(consultation_receipt_number=consultation.receipt_number)
    )
    assert proposal.receipt_number == "AOM-2025-0003"  # the refusals took no number
    follows = consultations.follows(proposal.id)
    assert follows is not None and follows.consultation_id == consultation.id
    # The desk records the outcome naming the same proposal: one link, now on both sides.
    proposal.accept(None, DESK.as_meta())
    app.save(proposal)
    record = consultations.record_outcome(
        "aomori",
        consultation.id,
        ConsultationOutcome.LED_TO_PROPOSAL,
        None,
        proposal.receipt_number,
        DESK,
    )
    assert record.followed_by == (proposal.id, proposal.receipt_number)
