"""Tamper evidence: edit, delete, swap and insert rows directly in the databases, and
`kyoso verify` names the first broken link (SQLite and PostgreSQL); a history rewritten with
every later link recomputed is named by comparing with the links published on Kafka."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from eventsourcing.persistence import Tracking

from kyoso.cli import main
from services.intake.application import IntakeApplication
from services.intake.demo_data import load_nagasaki_themes
from services.intake.settings import IntakeSettings
from shared.acting import Acting
from shared.audit import recorders
from shared.audit.anchor import Published
from shared.audit.recorders import ChainedRecorder
from shared.audit.stores import StoredHistory
from shared.audit.verify import Problem, Verification, verify_store
from shared.contract import ActorRole
from tests.tampering import StoreTables


@pytest.fixture
def theme_store(
    make_settings: Callable[..., IntakeSettings], database_url: str
) -> Iterator[tuple[IntakeSettings, StoreTables]]:
    """Intake's store holding Nagasaki's 27 themes, written through the desk."""
    settings = make_settings(database_url=database_url)
    intake = IntakeApplication(settings)
    load_nagasaki_themes(intake)
    intake.close()
    tables = StoreTables(database_url)
    yield settings, tables
    tables.connection.close()


def verify(settings: IntakeSettings) -> Verification:
    history = StoredHistory("intake", settings)
    try:
        return verify_store("intake", history.recorder)
    finally:
        history.close()


def test_an_untouched_store_verifies_with_every_event_checked(
    theme_store: tuple[IntakeSettings, StoreTables],
) -> None:
    settings, tables = theme_store
    report = verify(settings)
    assert report.intact, report.broken
    assert report.events_checked == len(tables.ids()) >= 27


def test_an_edited_event_is_named(theme_store: tuple[IntakeSettings, StoreTables]) -> None:
    settings, tables = theme_store
    target = tables.ids()[4]
    *_, state = tables.event(target)
    assert b"title" in state
    tables.set_state(target, state.replace(b"title", b"titlf", 1))

    report = verify(settings)
    assert report.broken is not None
    assert report.broken.problem is Problem.CHANGED
    assert report.broken.notification_id == target
    assert report.events_checked == 4  # the four before it are still proven intact


def test_two_swapped_events_are_named_at_the_first(
    theme_store: tuple[IntakeSettings, StoreTables],
) -> None:
    settings, tables = theme_store
    first, second = tables.ids()[6], tables.ids()[7]
    *_, first_state = tables.event(first)
    *_, second_state = tables.event(second)
    tables.set_state(first, second_state)
    tables.set_state(second, first_state)

    report = verify(settings)
    assert report.broken is not None
    assert (report.broken.problem, report.broken.notification_id) == (Problem.CHANGED, first)


def test_a_deleted_event_is_named(theme_store: tuple[IntakeSettings, StoreTables]) -> None:
    settings, tables = theme_store
    target = tables.ids()[10]
    tables.sql(f"DELETE FROM {tables.events} WHERE {tables.id} = ?", target)

    report = verify(settings)
    assert report.broken is not None
    assert (report.broken.problem, report.broken.notification_id) == (Problem.REMOVED, target)


def test_deleting_an_event_with_its_link_leaves_a_gap(
    theme_store: tuple[IntakeSettings, StoreTables],
) -> None:
    settings, tables = theme_store
    target = tables.ids()[10]
    tables.sql(f"DELETE FROM {tables.events} WHERE {tables.id} = ?", target)
    tables.sql(f"DELETE FROM {tables.chain} WHERE notification_id = ?", target)

    report = verify(settings)
    assert report.broken is not None
    assert report.broken.problem is Problem.LINK_REMOVED
    assert report.broken.position == 12  # the link after the gap


def test_an_event_written_behind_the_desks_back_is_named(
    theme_store: tuple[IntakeSettings, StoreTables],
) -> None:
    settings, tables = theme_store
    originator_id, _version, topic, state = tables.event(tables.ids()[2])
    if tables.sqlite:
        tables.sql(f"INSERT INTO {tables.events} VALUES (?,?,?,?)", originator_id, 99, topic, state)
    else:
        tables.sql(
            f"INSERT INTO {tables.events} (originator_id, originator_version, topic, state) "
            "VALUES (?,?,?,?)",
            originator_id,
            99,
            topic,
            state,
        )

    report = verify(settings)
    assert report.broken is not None
    assert report.broken.problem is Problem.INSERTED
    assert report.broken.notification_id == tables.ids()[-1]


def test_events_cut_off_the_end_after_the_relay_published_them_are_noticed(
    theme_store: tuple[IntakeSettings, StoreTables],
) -> None:
    settings, tables = theme_store
    last = tables.ids()[-1]
    intake = IntakeApplication(settings)
    intake.process_recorder.insert_tracking(Tracking("kafka-relay", last))  # as the relay does
    intake.close()
    tables.sql(f"DELETE FROM {tables.events} WHERE {tables.id} = ?", last)
    tables.sql(f"DELETE FROM {tables.chain} WHERE notification_id = ?", last)

    report = verify(settings)
    assert report.broken is not None
    assert report.broken.problem is Problem.TRUNCATED
    assert str(last) in report.broken.explanation


def test_events_written_while_verify_reads_are_left_to_the_next_run(
    theme_store: tuple[IntakeSettings, StoreTables], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A running desk keeps writing while an auditor verifies. An event recorded (and
    relayed) after verify fixed the end of the history is neither a removed event nor a
    truncated end: this run checks up to where it began, the next one checks the rest."""
    settings, tables = theme_store
    before = len(tables.ids())
    history = StoredHistory("intake", settings)
    recorder = history.recorder
    assert isinstance(recorder, ChainedRecorder)
    select_links = recorder.select_links
    wrote: list[int] = []

    def desk_writes_meanwhile(after_position: int, limit: int) -> list[Any]:
        # Verify has read every event and link there was and asks for more links.
        if after_position > 0 and not wrote:
            wrote.append(after_position)
            intake = IntakeApplication(settings)
            intake.close_theme("nagasaki", 1, Acting.new(ActorRole.DESK, "nagasaki", "desk-1"))
            intake.process_recorder.insert_tracking(Tracking("kafka-relay", tables.ids()[-1]))
            intake.close()
        return select_links(after_position, limit)

    monkeypatch.setattr(recorder, "select_links", desk_writes_meanwhile)
    try:
        report = verify_store("intake", recorder)
    finally:
        history.close()

    assert report.intact, report.broken
    assert report.events_checked == before
    assert len(tables.ids()) > before  # the desk did write, and the relay published it
    again = verify(settings)
    assert again.intact and again.events_checked == len(tables.ids())


def test_the_desk_keeps_linking_after_a_restart(
    theme_store: tuple[IntakeSettings, StoreTables],
) -> None:
    """Links continue across processes: a second run appends to the same chain."""
    settings, tables = theme_store
    before = verify(settings)
    intake = IntakeApplication(settings)
    load_nagasaki_themes(intake)  # already there: nothing new
    intake.close()
    assert verify(settings).head == before.head

    tables.set_state(tables.ids()[0], tables.event(tables.ids()[0])[3] + b" ")
    assert verify(settings).broken is not None


def test_kyoso_verify_reports_per_service_and_fails_on_a_broken_chain(
    theme_store: tuple[IntakeSettings, StoreTables],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    settings, tables = theme_store
    monkeypatch.setenv("KYOSO_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("KYOSO_DATA_DIR", str(settings.data_dir))

    assert main(["verify", "intake"]) == 0
    assert "intact" in capsys.readouterr().out

    target = tables.ids()[3]
    tables.set_state(target, tables.event(target)[3].replace(b"{", b"{ ", 1))
    assert main(["verify", "intake", "--json"]) == 1
    (report,) = json.loads(capsys.readouterr().out)
    assert report["intact"] is False
    assert report["broken"]["problem"] == "changed"
    assert report["broken"]["notification_id"] == target


def test_a_store_from_before_the_chain_is_linked_once_and_then_protected(
    tmp_path: Path, make_settings: Callable[..., IntakeSettings]
) -> None:
    path = tmp_path / "old-intake.sqlite"
    settings = make_settings(database_url=f"sqlite:///{path}")

    class OldIntake(IntakeApplication):
        """Intake as it recorded events before tamper evidence existed."""

        def construct_recorder(self) -> Any:
            self.factory.env["PROCESS_RECORDER_TOPIC"] = ""
            return self.factory.process_recorder()

    old = OldIntake(settings)
    load_nagasaki_themes(old)
    old.close()
    with sqlite3.connect(path) as connection:
        tables = [row[0] for row in connection.execute("SELECT name FROM sqlite_master")]
    assert "stored_events_chain" not in tables
    assert main_verify_problem(settings) is Problem.NO_CHAIN

    IntakeApplication(settings).close()  # the upgraded desk starts once
    report = verify(settings)
    assert report.intact and report.events_checked >= 27


def main_verify_problem(settings: IntakeSettings) -> Problem | None:
    report = verify(settings)
    return None if report.broken is None else report.broken.problem


# -- the chain anchored on the published links (shared.audit.verify.check_anchor) ----------


def stored_links(settings: IntakeSettings, ids: list[int]) -> dict[int, str]:
    history = StoredHistory("intake", settings)
    try:
        assert isinstance(history.recorder, ChainedRecorder)
        return history.recorder.links_for(ids)
    finally:
        history.close()


def verify_against(settings: IntakeSettings, published: dict[int, set[str | None]]) -> Verification:
    history = StoredHistory("intake", settings)
    try:
        return verify_store("intake", history.recorder, Published(links=published))
    finally:
        history.close()


def test_links_are_looked_up_by_notification_id_in_chunks(
    theme_store: tuple[IntakeSettings, StoreTables], monkeypatch: pytest.MonkeyPatch
) -> None:
    settings, tables = theme_store
    monkeypatch.setattr(recorders, "LOOKUP_CHUNK", 7)  # several queries for ~30 events
    ids = tables.ids()
    by_chain = {
        row[0]: bytes(row[1]).hex()
        for row in tables.sql(f"SELECT notification_id, link FROM {tables.chain}")
    }
    assert stored_links(settings, [*ids, ids[-1] + 1000]) == by_chain
    assert len(by_chain) == len(ids) >= 27
    assert stored_links(settings, []) == {}


def test_a_store_from_before_the_anchor_gets_the_lookup_index_when_it_starts(
    theme_store: tuple[IntakeSettings, StoreTables],
) -> None:
    settings, tables = theme_store
    index = f"{tables.chain.split('.')[-1]}_notification_id_idx"
    schema = f"{tables.chain.split('.')[0]}." if "." in tables.chain else ""

    def chain_indexes() -> set[str]:
        if tables.sqlite:
            rows = tables.sql("SELECT name FROM sqlite_master WHERE type = 'index'")
        else:
            rows = tables.sql(
                "SELECT indexname FROM pg_indexes WHERE schemaname = ?", schema.strip('".')
            )
        return {row[0] for row in rows}

    assert index in chain_indexes()
    tables.sql(f"DROP INDEX {schema}{index}")
    assert index not in chain_indexes()
    IntakeApplication(settings).close()  # the upgraded desk starts once
    assert index in chain_indexes()


def test_recomputing_every_later_link_hides_a_change_from_the_chain_but_not_from_kafka(
    theme_store: tuple[IntakeSettings, StoreTables],
) -> None:
    settings, tables = theme_store
    ids = tables.ids()
    published: dict[int, set[str | None]] = {
        nid: {link} for nid, link in stored_links(settings, ids).items()
    }
    before = verify_against(settings, published)
    assert before.intact and before.anchor is not None
    assert (before.anchor.anchored, before.anchor.not_anchored) == (len(ids), 0)
    assert before.anchor.last_anchored == ids[-1]

    target = ids[5]
    tables.rewrite(target, tables.event(target)[3].replace(b"title", b"titlf", 1))
    assert verify(settings).intact  # the chain alone cannot tell

    report = verify_against(settings, published)
    assert report.broken is not None and report.anchor is not None
    assert (report.broken.problem, report.broken.notification_id) == (Problem.REWRITTEN, target)
    assert report.anchor.rewritten == report.broken
    assert f"after event #{ids[4]}" in report.broken.explanation
    assert "rewritten after it was published" in report.broken.explanation
    assert report.as_json()["anchor"]["rewritten"]["notification_id"] == target


def test_events_published_without_a_link_are_not_anchored_and_not_failures(
    theme_store: tuple[IntakeSettings, StoreTables],
) -> None:
    settings, tables = theme_store
    ids = tables.ids()
    links = stored_links(settings, ids)
    published: dict[int, set[str | None]] = {
        nid: ({None} if nid in ids[:3] else {link}) for nid, link in links.items()
    }
    published[ids[3]].add(None)  # published before the anchor, republished with its link

    report = verify_against(settings, published)
    assert report.intact and report.anchor is not None
    assert (report.anchor.anchored, report.anchor.not_anchored) == (len(ids) - 3, 3)


def test_a_published_event_missing_from_the_store_or_a_stale_copy_is_named(
    theme_store: tuple[IntakeSettings, StoreTables],
) -> None:
    settings, tables = theme_store
    ids = tables.ids()
    links = stored_links(settings, ids)
    published: dict[int, set[str | None]] = {nid: {link} for nid, link in links.items()}

    missing: dict[int, set[str | None]] = {**published, ids[-1] + 1: {"0" * 64}}
    report = verify_against(settings, missing)
    assert report.broken is not None
    assert (report.broken.problem, report.broken.notification_id) == (
        Problem.REWRITTEN,
        ids[-1] + 1,
    )
    assert "no longer holds it" in report.broken.explanation

    # Two copies of one event: the first published before a rewrite, one republished after.
    stale: dict[int, set[str | None]] = {**published, ids[7]: {"f" * 64, links[ids[7]]}}
    report = verify_against(settings, stale)
    assert report.broken is not None and report.broken.notification_id == ids[7]
