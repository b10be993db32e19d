"""Each channel's own fields, pre-consultation, consent to the terms and the attached PDF:
the rules in the aggregate, the application's record, and the API a proposer and the desk
use (issue 16)."""

from __future__ import annotations

import hashlib
import shutil
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest

from services.intake.application import IntakeApplication
from services.intake.commands import ProposalSubmission, ThemeDraft
from services.intake.documents import DOCUMENT_MAX_BYTES
from services.intake.domain import require_channel_shape
from services.intake.integration import to_envelope
from services.intake.settings import IntakeSettings
from shared.acting import Acting
from shared.contract import ProposalSubmitted
from shared.contract.base import EVENT_REGISTRY
from shared.contract.vocabulary import ActorRole
from shared.errors import InvalidValue, NotFound, StateConflict
from tests.conftest import AOMORI_DESK, NAGASAKI_DESK, RunningIntake, bearer
from tests.factories import free_proposal_body
from tests.intake.test_domain import received

TODAY = date(2025, 10, 30)
PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
EXPERIMENT = {
    "area": "青森市役所 駅前庁舎 1階",
    "starts_on": "2026-04-01",
    "ends_on": "2026-09-30",
    "city_support": "実証実験フィールドの提供、PR機会の提供",
    "cost_share_yen": 300000,
}


def experiment_body(**overrides: Any) -> dict[str, Any]:
    return free_proposal_body(channel="demonstration_experiment", experiment=EXPERIMENT) | overrides


def agreement_body(scope: str, fields: list[str]) -> dict[str, Any]:
    return free_proposal_body(
        channel="partnership_agreement", agreement={"scope": scope, "fields": fields}
    )


def consultation_body(**overrides: Any) -> dict[str, Any]:
    body = free_proposal_body(channel="pre_consultation", title="実証実験の進め方の相談")
    body.pop("summary")
    return body | overrides


@pytest.fixture
def app(tmp_path: Path) -> IntakeApplication:
    intake = IntakeApplication(IntakeSettings(database_url="memory:", data_dir=tmp_path))
    draft = ThemeDraft(
        number=5,
        title="都心部の回遊性向上について",
        field="まちづくり",
        department="machizukuri",
        background="都心部を訪れた人が一か所で帰ってしまう。",
        expected_outcome="まちなかを歩いて巡る人が増える。",
    )
    intake.publish_theme("nagasaki", draft, Acting.new(ActorRole.DESK, "nagasaki", "d"))
    return intake


def submit(app: IntakeApplication, body: dict[str, Any], city: str = "aomori") -> Any:
    submission = ProposalSubmission.model_validate(body)
    proposer = Acting.new(ActorRole.PROPOSER, city, "p")
    return app.submit(city, submission, proposer, today=TODAY).proposal


def published(app: IntakeApplication, proposal_id: Any) -> ProposalSubmitted:
    first = to_envelope(next(iter(app.events.get(proposal_id))))
    assert first is not None and isinstance(first.event, ProposalSubmitted)
    return first.event


# -- the aggregate's rules ------------------------------------------------------------


def shape(**given: Any) -> None:
    rule: dict[str, Any] = {
        "channel": "free",
        "summary": "概要",
        "experiment": None,
        "agreement": None,
        "offers_pre_consultation": False,
    }
    require_channel_shape(**(rule | given))


def test_an_experiment_cannot_end_before_it_starts() -> None:
    plan = {"starts_on": date(2026, 4, 1), "ends_on": date(2026, 3, 31)}
    with pytest.raises(InvalidValue) as refused:
        shape(channel="demonstration_experiment", experiment=plan)
    assert refused.value.loc == ["body", "experiment.ends_on"]
    shape(channel="demonstration_experiment", experiment=plan | {"ends_on": date(2026, 4, 1)})


def test_each_channel_brings_its_own_fields_and_no_other() -> None:
    with pytest.raises(InvalidValue, match="area and period"):
        shape(channel="demonstration_experiment")
    with pytest.raises(InvalidValue, match="kind and fields"):
        shape(channel="partnership_agreement")
    with pytest.raises(InvalidValue, match="only partnership agreements"):
        shape(agreement={"scope": "single_field", "fields": ["福祉"]})


@pytest.mark.parametrize(
    ("scope", "fields", "accepted"),
    [
        ("single_field", ["福祉"], True),
        ("single_field", ["福祉", "教育"], False),
        ("comprehensive", ["福祉"], False),
        ("comprehensive", ["福祉", "教育", "観光"], True),
        ("comprehensive", ["福祉", "福祉"], False),
    ],
)
def test_an_agreement_covers_one_field_or_several(
    scope: str, fields: list[str], accepted: bool
) -> None:
    agreement = {"scope": scope, "fields": fields}
    if accepted:
        shape(channel="partnership_agreement", agreement=agreement)
        return
    with pytest.raises(InvalidValue) as refused:
        shape(channel="partnership_agreement", agreement=agreement)
    assert refused.value.loc == ["body", "agreement.fields"]


def test_a_pre_consultation_needs_no_summary_but_only_where_the_city_offers_one() -> None:
    shape(channel="pre_consultation", summary=None, offers_pre_consultation=True)
    with pytest.raises(InvalidValue, match="does not offer a pre-consultation"):
        shape(channel="pre_consultation", summary=None)
    with pytest.raises(InvalidValue) as refused:
        shape(channel="free", summary=None)
    assert refused.value.loc == ["body", "summary"]


def test_the_aggregate_takes_no_proposal_without_consent_and_records_the_terms_version() -> None:
    with pytest.raises(InvalidValue) as refused:
        received(terms_consented=False)
    assert refused.value.loc == ["body", "terms_consent"]
    assert received().terms_consent == {"version": "2026-11-28", "consented_on": "2025-10-30"}


def test_the_aggregate_keeps_an_experiments_period_as_dates_in_iso_form() -> None:
    plan = {
        "area": "駅前",
        "starts_on": date(2026, 4, 1),
        "ends_on": date(2026, 4, 30),
        "city_support": "PR",
        "cost_share_yen": 0,
    }
    proposal = received(channel="demonstration_experiment", experiment=plan)
    assert proposal.experiment == plan | {"starts_on": "2026-04-01", "ends_on": "2026-04-30"}
    with pytest.raises(InvalidValue, match="cannot end before it starts"):
        received(
            channel="demonstration_experiment", experiment=plan | {"ends_on": date(2026, 3, 1)}
        )


# -- the application ------------------------------------------------------------------


def test_an_experiment_is_recorded_with_its_plan_and_published_in_version_2(
    app: IntakeApplication,
) -> None:
    proposal = submit(app, experiment_body())
    assert proposal.experiment["area"] == "青森市役所 駅前庁舎 1階"
    event = published(app, proposal.id)
    assert event.version == 2
    assert event.experiment is not None
    assert (event.experiment.starts_on, event.experiment.ends_on) == (
        date(2026, 4, 1),
        date(2026, 9, 30),
    )
    assert event.experiment.cost_share_yen == 300000


def test_a_negative_cost_share_is_refused_by_the_command() -> None:
    with pytest.raises(ValueError, match="cost_share_yen"):
        ProposalSubmission.model_validate(
            experiment_body(experiment=EXPERIMENT | {"cost_share_yen": -1})
        )


def test_a_comprehensive_agreement_is_recorded_with_its_fields(app: IntakeApplication) -> None:
    proposal = submit(app, agreement_body("comprehensive", ["福祉", "教育"]))
    assert published(app, proposal.id).agreement is not None
    with pytest.raises(InvalidValue, match="comprehensive"):
        submit(app, agreement_body("comprehensive", ["福祉"]))


def test_a_submission_without_consent_is_refused_and_takes_no_receipt_number(
    app: IntakeApplication,
) -> None:
    with pytest.raises(InvalidValue) as refused:
        submit(app, free_proposal_body(terms_consent=False))
    assert refused.value.loc == ["body", "terms_consent"]
    proposal = submit(app, free_proposal_body())
    assert proposal.receipt_number == "AOM-2025-0001"  # the refusal used no number
    assert proposal.terms_consent == {"version": "2026-11-28", "consented_on": "2025-10-30"}


def test_consent_to_terms_that_have_changed_since_is_refused(app: IntakeApplication) -> None:
    with pytest.raises(StateConflict, match="terms changed"):
        submit(app, free_proposal_body(terms_version="2020-01-01"))
    submit(app, free_proposal_body(terms_version="2026-11-28"))


def test_a_pre_consultation_is_recorded_where_offered_and_refused_elsewhere(
    app: IntakeApplication,
) -> None:
    consultation = submit(app, consultation_body())
    assert consultation.channel == "pre_consultation"
    assert published(app, consultation.id).channel == "pre_consultation"
    with pytest.raises(InvalidValue, match="does not offer"):
        submit(app, consultation_body(), city="nagasaki")


def test_a_document_is_kept_outside_the_events_and_named_by_its_hash(
    app: IntakeApplication,
) -> None:
    reference = app.documents.keep(PDF, "提案書.pdf")
    digest = hashlib.sha256(PDF).hexdigest()
    assert reference == {
        "name": "提案書.pdf",
        "size": len(PDF),
        "content_type": "application/pdf",
        "sha256": digest,
    }
    proposal = submit(app, free_proposal_body(document={"sha256": digest, "name": "提案書.pdf"}))
    event = published(app, proposal.id)
    assert event.document is not None and event.document.sha256 == digest
    stored = [e.__dict__ for e in app.events.get(proposal.id)]
    assert all(PDF not in repr(e).encode() for e in stored)
    assert app.documents.read(digest) == PDF


def test_a_document_never_uploaded_is_refused(app: IntakeApplication) -> None:
    with pytest.raises(InvalidValue, match="upload it"):
        submit(app, free_proposal_body(document={"sha256": "0" * 64, "name": "x.pdf"}))


def test_a_version_1_submitted_event_reads_as_version_2() -> None:
    data = published_v1_data()
    event = EVENT_REGISTRY.load("intake.proposal.submitted", 1, data)
    assert isinstance(event, ProposalSubmitted) and event.document is None


def published_v1_data() -> dict[str, Any]:
    return {
        "proposal_id": "6f1c1f9e-7c1e-4b55-9a55-000000000001",
        "municipality": "nagasaki",
        "receipt_number": "NGS-2025-0001",
        "fiscal_year": 2025,
        "received_on": "2025-10-30",
        "channel": "free",
        "proposer": {"organisation": "株式会社みなと観光", "kind": "company"},
        "title": "t",
        "field": "教育",
        "summary": "s",
        "content": "c",
        "has_protected_part": False,
    }


def test_a_theme_keeps_its_background_and_expected_outcome(app: IntakeApplication) -> None:
    theme = app.theme("nagasaki", 5)
    assert theme.background == "都心部を訪れた人が一か所で帰ってしまう。"
    assert theme.expected_outcome == "まちなかを歩いて巡る人が増える。"


# -- the API ------------------------------------------------------------------------

DOCUMENTS = "/api/v1/municipalities/nagasaki/documents"


async def upload(client: httpx.AsyncClient, content: bytes, name: str = "提案書.pdf") -> Any:
    return await client.post(DOCUMENTS, files={"document": (name, content, "application/pdf")})


async def test_the_desk_downloads_the_attached_pdf_and_the_public_cannot(
    intake: RunningIntake,
) -> None:
    client = intake.client
    uploaded = await upload(client, PDF)
    assert uploaded.status_code == 201, uploaded.text
    reference = uploaded.json()
    body = free_proposal_body(document={"sha256": reference["sha256"], "name": "提案書.pdf"})
    submitted = await client.post("/api/v1/municipalities/nagasaki/proposals", json=body)
    assert submitted.status_code == 201, submitted.text
    document = f"/api/v1/municipalities/nagasaki/desk/proposals/{submitted.json()['proposal_id']}"
    document += "/document"
    assert (await client.get(document)).status_code == 401
    other_city = await client.get(
        document.replace("nagasaki", "aomori"), headers=bearer(AOMORI_DESK)
    )
    assert other_city.status_code == 404
    download = await client.get(document, headers=bearer(NAGASAKI_DESK))
    assert download.status_code == 200
    assert download.content == PDF
    assert download.headers["content-type"] == "application/pdf"
    assert download.headers["content-disposition"].startswith("attachment;")


async def test_a_file_that_is_not_a_pdf_is_refused_naming_the_field(
    intake: RunningIntake,
) -> None:
    refused = await upload(intake.client, b"PK\x03\x04 a zip, renamed", name="提案書.pdf")
    assert refused.status_code == 422
    assert refused.json()["detail"][0]["loc"] == ["body", "document"]


async def test_a_pdf_above_10_mb_is_refused_with_413_naming_the_field(
    intake: RunningIntake,
) -> None:
    too_large = PDF + b"0" * (DOCUMENT_MAX_BYTES + 1 - len(PDF))
    refused = await upload(intake.client, too_large)
    assert refused.status_code == 413
    assert refused.json()["detail"][0]["loc"] == ["body", "document"]
    at_limit = PDF + b"0" * (DOCUMENT_MAX_BYTES - len(PDF))
    assert (await upload(intake.client, at_limit)).status_code == 201


async def test_a_submission_without_consent_is_answered_422_naming_terms_consent(
    intake: RunningIntake,
) -> None:
    body = free_proposal_body()
    body.pop("terms_consent")
    refused = await intake.client.post("/api/v1/municipalities/nagasaki/proposals", json=body)
    assert refused.status_code == 422
    assert refused.json()["detail"][0]["loc"] == ["body", "terms_consent"]


def test_replaying_the_history_needs_no_document_file(tmp_path: Path) -> None:
    """The events carry the document's reference only: a new process on the same store
    (SQLite here) reads every proposal with the file gone; only the download misses it."""
    settings = IntakeSettings(data_dir=tmp_path)
    first = IntakeApplication(settings)
    reference = first.documents.keep(PDF, "提案書.pdf")
    body = free_proposal_body(document={"sha256": reference["sha256"], "name": "提案書.pdf"})
    proposal = submit(first, body)
    first.close()
    shutil.rmtree(tmp_path / "intake-documents")

    again = IntakeApplication(settings)
    assert proposal.id in again.proposal_ids("aomori")  # the catalogue, rebuilt from history
    assert again.proposal(proposal.id).document == reference
    event = published(again, proposal.id)
    assert event.document is not None and event.document.sha256 == reference["sha256"]
    with pytest.raises(NotFound):
        again.documents.read(reference["sha256"])
    again.close()
