"""The hash chain anchored on Kafka, over a real lifecycle (intake → routing → decision →
publication) on SQLite and PostgreSQL: every published event carries its link, and a
history rewritten after it was published, every later link recomputed so that the chain
alone still holds, is named by `kyoso verify --against-kafka`."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from aiokafka import AIOKafkaProducer

from kyoso.cli import main
from services.intake.application import IntakeApplication
from services.intake.demo_data import load_nagasaki_themes
from services.intake.settings import IntakeSettings
from services.registry import SERVICES
from shared.audit.recorders import ChainedRecorder
from shared.audit.stores import StoredHistory
from shared.broker import free_port
from shared.contract import Envelope, ProposalSubmitted, from_kafka
from shared.contract.topics import TOPICS
from shared.settings import CommonSettings
from shared.topics import read_to_end
from tests.conftest import wait_until
from tests.tampering import StoreTables
from tests.whole_desk import Desk, audit_settings, published_lifecycle

pytestmark = pytest.mark.integration


def all_topics(settings: CommonSettings) -> list[str]:
    return [topic.name(settings) for topic in TOPICS]


async def published_envelopes(settings: CommonSettings) -> list[Envelope]:
    records = await read_to_end(settings.kafka_bootstrap_servers, all_topics(settings))
    return [from_kafka(r.headers, r.key, r.value or b"") for r in records]


def stored_links(settings: CommonSettings, service: str, ids: list[int]) -> dict[int, str]:
    history = StoredHistory(service, settings)
    try:
        assert isinstance(history.recorder, ChainedRecorder)
        return history.recorder.links_for(ids)
    finally:
        history.close()


async def kyoso(*args: str) -> int:
    """The CLI runs its own event loop (asyncio.run), so beside the desk's it needs a thread."""
    return await asyncio.to_thread(main, list(args))


async def verify_json(*args: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, dict[str, Any]]:
    status = await kyoso("verify", "--json", *args)
    reports = json.loads(capsys.readouterr().out)
    return status, {report["service"]: report for report in reports}


async def test_published_links_anchor_the_chain_and_catch_a_rewrite_with_every_link_recomputed(
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
    monkeypatch.setenv("KYOSO_KAFKA_BOOTSTRAP_SERVERS", settings.kafka_bootstrap_servers)
    monkeypatch.setenv("KYOSO_TOPIC_PREFIX", settings.topic_prefix)

    async def every_service_published() -> list[Envelope] | None:
        envelopes = await published_envelopes(settings)
        return envelopes if {e.meta.service for e in envelopes} == set(SERVICES) else None

    envelopes = await wait_until(every_service_published, what="all four relays to publish")

    # Every record carries the link the store holds at its sourceposition.
    for service in SERVICES:
        mine = [e.meta for e in envelopes if e.meta.service == service]
        positions = [meta.source_position for meta in mine]
        assert None not in positions
        links = stored_links(settings, service, [p for p in positions if p is not None])
        for meta in mine:
            assert meta.chain_link is not None, f"{service} #{meta.source_position} has no link"
            assert meta.chain_link == links[meta.source_position or 0], (service, meta)

    # Something that is not a desk event lands on one of intake's topics: it anchors
    # nothing, and the auditor is told where it is rather than it being passed over.
    damaged_topic = all_topics(settings)[0]
    producer = AIOKafkaProducer(bootstrap_servers=settings.kafka_bootstrap_servers, acks="all")
    await producer.start()
    try:
        damaged = await producer.send_and_wait(damaged_topic, b"not a cloudevent", key=b"x")
    finally:
        await producer.stop()

    status, reports = await verify_json("--against-kafka", capsys=capsys)
    assert status == 0, json.dumps(reports, ensure_ascii=False)  # in full when it fails
    for service in SERVICES:
        anchor = reports[service]["anchor"]
        assert anchor["anchored"] > 0 and anchor["not_anchored"] == 0, (service, anchor)
        assert anchor["rewritten"] is None
        assert len(anchor["unreadable"]) == (1 if service == "intake" else 0), (service, anchor)
    where = f"{damaged_topic}[{damaged.partition}]@{damaged.offset}: "
    assert reports["intake"]["anchor"]["unreadable"][0].startswith(where)
    assert "anchor" not in (await verify_json(capsys=capsys))[1]["intake"]  # chain-only as before

    # The attacker changes the published submission in intake's store and recomputes
    # every link after it, so the chain alone holds again.
    (submitted,) = {
        e.meta.source_position
        for e in envelopes
        if isinstance(e.event, ProposalSubmitted) and e.event.proposal_id == proposal_id
    }
    assert submitted is not None
    tables = StoreTables(settings.database_url or database_url)
    try:
        state = tables.event(submitted)[3]
        assert receipt["receipt_number"].encode() in state
        tables.rewrite(
            submitted, state.replace(receipt["receipt_number"].encode(), b"NGS-2025-0999")
        )
    finally:
        tables.connection.close()

    status, reports = await verify_json(capsys=capsys)
    assert status == 0 and all(report["intact"] for report in reports.values()), reports

    status, reports = await verify_json("--against-kafka", capsys=capsys)
    assert status == 1
    broken = reports["intake"]["broken"]
    assert (broken["problem"], broken["notification_id"]) == ("rewritten", submitted)
    assert reports["intake"]["anchor"]["rewritten"] == broken
    assert all(reports[service]["intact"] for service in SERVICES if service != "intake")

    assert await kyoso("verify", "intake", "--against-kafka") == 1
    text = capsys.readouterr().out
    assert f"rewritten at event #{submitted}" in text
    assert "rewritten after it was published" in text
    assert f"first differs at event #{submitted}" in text
    assert f"unreadable on its topics: 1 (not desk events, they anchor nothing; first: {where}" in (
        text
    )


def test_verify_against_an_unreachable_broker_names_the_setting(
    make_settings: Callable[..., IntakeSettings],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    settings = make_settings(database_url=f"sqlite:///{tmp_path / 'intake.sqlite'}")
    intake = IntakeApplication(settings)
    load_nagasaki_themes(intake)
    intake.close()
    monkeypatch.setenv("KYOSO_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("KYOSO_KAFKA_BOOTSTRAP_SERVERS", f"127.0.0.1:{free_port()}")
    assert main(["verify", "intake"]) == 0  # the store itself is there and intact
    capsys.readouterr()

    assert main(["verify", "intake", "--against-kafka"]) == 2
    assert "KYOSO_KAFKA_BOOTSTRAP_SERVERS" in capsys.readouterr().err
