"""Tamper evidence: edit, delete, swap and insert rows directly in the databases, and
`kyoso verify` names the first broken link (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import psycopg
import pytest
from eventsourcing.persistence import Tracking

from kyoso.cli import main
from services.intake.application import IntakeApplication
from services.intake.demo_data import load_nagasaki_themes
from services.intake.settings import IntakeSettings
from shared.audit.stores import StoredHistory
from shared.audit.verify import Problem, Verification, verify_store
from tests.conftest import POSTGRES


class StoreTables:
    """Direct access to intake's events and chain tables, as a person with database
    rights (and bad intentions) would have it."""

    def __init__(self, database_url: str) -> None:
        parts = urlsplit(database_url)
        self.sqlite = parts.scheme == "sqlite"
        if self.sqlite:
            self.connection: Any = sqlite3.connect(parts.path[1:], isolation_level=None)
            self.events, self.chain, self.id = "stored_events", "stored_events_chain", "rowid"
            self.mark = "?"
        else:
            schema = parse_qs(parts.query)["schema_prefix"][0] + "intake"
            self.connection = psycopg.connect(POSTGRES, autocommit=True)
            self.events = f'"{schema}".intake_events'
            self.chain = f'"{schema}".intake_events_chain'
            self.id, self.mark = "notification_id", "%s"

    def sql(self, statement: str, *params: Any) -> list[Any]:
        cursor = self.connection.execute(statement.replace("?", self.mark), params)
        return list(cursor.fetchall()) if cursor.description else []

    def event(self, notification_id: int) -> tuple[Any, int, str, bytes]:
        (row,) = self.sql(
            f"SELECT originator_id, originator_version, topic, state FROM {self.events} "
            f"WHERE {self.id} = ?",
            notification_id,
        )
        return row[0], row[1], row[2], bytes(row[3])

    def set_state(self, notification_id: int, state: bytes) -> None:
        self.sql(f"UPDATE {self.events} SET state = ? WHERE {self.id} = ?", state, notification_id)

    def ids(self) -> list[int]:
        return [row[0] for row in self.sql(f"SELECT {self.id} FROM {self.events} ORDER BY 1")]


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
