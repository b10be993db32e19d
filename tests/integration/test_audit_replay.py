"""Audit replay over a real lifecycle (intake → routing → decision → publication): from the
stores and from Kafka, as of a moment, as a disclosure export, and `kyoso verify` over
stores that four services and their relays and consumers wrote concurrently."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest

from kyoso.cli import main
from kyoso.histories import history_from_kafka, history_from_stores
from shared.audit.history import ProposalHistory
from shared.broker import free_port
from shared.contract import CasePublished
from shared.proposal import ProposalStatus
from tests.conftest import wait_until
from tests.whole_desk import MARKERS, Desk, audit_settings, published_lifecycle

pytestmark = pytest.mark.integration


def assert_causal(history: ProposalHistory) -> None:
    seen: set[str] = set()
    ids = {str(envelope.meta.event_id) for envelope in history.envelopes}
    for envelope in history.envelopes:
        cause = envelope.meta.causation_id
        if cause in ids:
            assert cause in seen, f"{envelope.event.event_type} came before its cause"
        seen.add(str(envelope.meta.event_id))


async def test_replay_from_the_stores_folds_the_whole_lifecycle_as_the_services_saw_it(
    desk: Desk, tmp_path: Path, database_url: str
) -> None:
    receipt, proposal_id = await published_lifecycle(desk)
    settings = audit_settings(desk, tmp_path, database_url)

    history = history_from_stores(proposal_id, settings)
    entries, state = history.replay()
    types = [entry.event_type for entry in entries if entry.envelope is not None]
    assert types[0] == "intake.proposal.submitted"
    for expected in (
        "intake.proposal.accepted",
        "routing.proposal.routed",
        "routing.proposal.taken_on",
        "public.case.published",
    ):
        assert expected in types, types
    assert any(t.startswith("decision.") for t in types)
    assert types.index("routing.proposal.routed") < types.index("routing.proposal.taken_on")
    assert_causal(history)
    # Implementation opened the adopted proposal's project: an internal record.
    assert {entry.service for entry in entries} == {
        "intake",
        "routing",
        "decision",
        "implementation",
        "publication",
    }
    assert all(entry.actor_role for entry in entries if entry.envelope is not None)
    assert any(entry.envelope is None for entry in entries)  # internal records listed too

    assert state is not None
    assert state.status is ProposalStatus.ADOPTED
    assert state.lead_department == "machizukuri"
    assert state.receipt_number == receipt["receipt_number"]

    # The same state the publication service folded from what it heard, live.
    publication = desk.publication._transport.app.state.application  # type: ignore[attr-defined]
    live = publication.register.proposal(proposal_id)
    assert live is not None
    assert state.model_dump(exclude={"steps", "events_applied", "updated_at"}) == live.model_dump(
        exclude={"steps", "events_applied", "updated_at"}
    )

    # As of a moment: just after routing, the proposal was with the department.
    routed = next(e for e in entries if e.event_type == "routing.proposal.routed")
    _, then = history.replay(as_of=routed.at)
    assert then is not None and then.status is ProposalStatus.ROUTED
    assert then.decided_by is None
    first = entries[0].at
    assert history.replay(as_of=first - timedelta(seconds=1))[1] is None

    by_receipt = history_from_stores(receipt["receipt_number"], settings)
    assert by_receipt.proposal_id == proposal_id


async def test_replay_from_kafka_matches_replay_from_the_stores(
    desk: Desk, tmp_path: Path, database_url: str
) -> None:
    receipt, proposal_id = await published_lifecycle(desk)
    settings = audit_settings(desk, tmp_path, database_url)
    from_stores = history_from_stores(proposal_id, settings)

    async def published_on_kafka() -> ProposalHistory | None:
        history = await history_from_kafka(proposal_id, settings)
        return (
            history if any(isinstance(e.event, CasePublished) for e in history.envelopes) else None
        )

    from_topics = await wait_until(published_on_kafka, what="the case on the public topic")
    assert [e.meta.event_id for e in from_topics.envelopes] == [
        e.meta.event_id for e in from_stores.envelopes
    ]
    assert from_topics.replay()[1] == from_stores.replay()[1]
    by_receipt = await history_from_kafka(receipt["receipt_number"], settings)
    assert by_receipt.proposal_id == proposal_id


async def test_the_auditors_commands_replay_export_and_verify(
    desk: Desk,
    tmp_path: Path,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    receipt, proposal_id = await published_lifecycle(desk)
    settings = audit_settings(desk, tmp_path, database_url)
    monkeypatch.setenv("KYOSO_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("KYOSO_DATABASE_URL", settings.database_url)

    assert main(["replay", receipt["receipt_number"], "--json"]) == 0
    replayed = json.loads(capsys.readouterr().out)
    assert replayed["proposal_id"] == str(proposal_id)
    assert replayed["state"]["status"] == "adopted"
    assert replayed["history"][0]["event_type"] == "intake.proposal.submitted"

    submitted_at = replayed["history"][0]["at"]
    assert main(["replay", str(proposal_id), "--as-of", submitted_at]) == 0
    text = capsys.readouterr().out
    assert receipt["receipt_number"] in text
    assert "受付済み" in text and "received" in text.lower()

    exported = tmp_path / "disclosure.json"
    assert main(["export", str(proposal_id), "--output", str(exported)]) == 0
    assert str(exported) in capsys.readouterr().out
    record_text = exported.read_text(encoding="utf-8")
    for what, marker in MARKERS.items():
        assert marker not in record_text, f"the export discloses the {what}"
    record = json.loads(record_text)
    withheld = {item["field"] for item in record["withheld"]}
    assert "history[0].data.proposer.organisation" in withheld  # a sole proprietor's name
    assert "state.proposer.organisation" in withheld
    assert record["state"]["status"] == "adopted"
    assert record["not_in_record"]

    # Five services, their relays and consumers wrote concurrently: every chain holds.
    assert main(["verify", "--json"]) == 0
    reports = json.loads(capsys.readouterr().out)
    assert [report["service"] for report in reports] == [
        "intake",
        "routing",
        "decision",
        "implementation",
        "publication",
    ]
    assert all(report["intact"] and report["events_checked"] > 0 for report in reports)

    assert main(["replay", "NGS-1999-9999"]) == 2
    assert "NGS-1999-9999" in capsys.readouterr().err
    assert main(["replay", str(proposal_id), "--as-of", "yesterday"]) == 2
    assert "--as-of" in capsys.readouterr().err


def test_replay_from_an_unreachable_broker_names_the_setting(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("KYOSO_KAFKA_BOOTSTRAP_SERVERS", f"127.0.0.1:{free_port()}")
    assert main(["replay", "NGS-2026-0001", "--from-kafka"]) == 2
    assert "KYOSO_KAFKA_BOOTSTRAP_SERVERS" in capsys.readouterr().err
