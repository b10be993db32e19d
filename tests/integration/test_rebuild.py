"""Read models rebuilt from history equal the live ones, with the real broker and stores.

The live read models are caught up again and again (something keeps asking for them)
while proposals travel intake → routing → decision → publication, then every one is
rebuilt afresh from position 0, and `kyoso rebuild NAME --against URL` compares each
running service over HTTP. A live read model that missed an event must be named.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import uvicorn
from fastapi import FastAPI

from kyoso import rebuild as rebuild_command
from services.intake.settings import IntakeSettings
from services.routing.domain import Routing
from shared.broker import free_port
from shared.projection import Snapshot
from shared.rebuild import ReadModelsReport, differences, live_report, rebuilt_report
from tests.brokers import Broker
from tests.conftest import NAGASAKI_DEPARTMENT, NAGASAKI_DESK, bearer, wait_until
from tests.factories import proposal_body
from tests.whole_desk import (
    EVERY_SERVICE,
    NAGASAKI,
    Desk,
    adopted_proposal,
    publish_case,
    running_desk,
)

pytestmark = pytest.mark.integration


@contextlib.asynccontextmanager
async def listening(app: FastAPI) -> AsyncIterator[str]:
    """The already running app on a real loopback port, for `kyoso rebuild --against`
    (its lifespan stays with the test's `serving`)."""
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, lifespan="off", log_level="warning")
    )
    task = asyncio.create_task(server.serve())
    try:
        await wait_until(lambda: server.started, what="the HTTP server to listen")
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


@dataclass
class Reader:
    """Keeps asking every service for its live read models, as staff and dashboards do,
    so they are caught up in many small steps while the events arrive."""

    desk: Desk
    positions: dict[str, set[int]] = field(default_factory=dict)

    async def run(self, stopping: asyncio.Event) -> None:
        while not stopping.is_set():
            for name, client in self.desk.clients.items():
                response = await client.get("/audit/read-models", headers=bearer(NAGASAKI_DESK))
                assert response.status_code == 200, response.text
                report = ReadModelsReport.model_validate_json(response.content)
                assert report.service == name
                for model in report.read_models:
                    self.positions.setdefault(f"{name}.{model.name}", set()).add(model.position)
            with contextlib.suppress(TimeoutError):  # a pace, not a wait for a condition
                await asyncio.wait_for(stopping.wait(), 0.02)

    @contextlib.asynccontextmanager
    async def reading(self) -> AsyncIterator[None]:
        stopping = asyncio.Event()
        task = asyncio.create_task(self.run(stopping))
        try:
            yield
        finally:
            stopping.set()
            await task


def listed(register: Snapshot) -> dict[str, tuple[str, ...]]:
    """Each proposal the register heard of, with its status in the public register."""
    return {
        row["proposal_id"]: tuple(row["register_status"] or ()) for row in register["proposals"]
    }


def routing_stages(board: Snapshot) -> dict[str, str]:
    return {row["proposal_id"]: row["stage"] for row in board["routings"]}


def kyoso_rebuild(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="kyoso")
    rebuild_command.add_parser(parser.add_subparsers(dest="command", required=True))
    return rebuild_command.run(parser.parse_args(["rebuild", *argv]))


def use_stores_of(desk: Desk, name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Point KYOSO_ variables at a service's store, as an operator running the command."""
    monkeypatch.setenv("KYOSO_DATA_DIR", str(desk.settings[name].data_dir))
    monkeypatch.setenv("KYOSO_DATABASE_URL", desk.settings[name].database_url)


async def escalated_proposal(desk: Desk) -> str:
    """Accepted, routed to the theme's owner, taken on, and escalated to the council."""
    pid = await desk.submit_and_accept(proposal_body(title="まちなかベンチで回遊性を高める"))
    await desk.take_on(pid)

    async def escalated() -> bool:
        response = await desk.decision.post(
            f"{NAGASAKI}/decisions/{pid}/escalate",
            json={"reason": "複数部局にまたがる"},
            headers=bearer(NAGASAKI_DEPARTMENT),
        )
        return response.status_code == 200

    await wait_until(escalated, what="decision to hear the dialogue and escalate")
    return pid


async def test_read_models_rebuilt_from_history_equal_the_live_ones(
    tmp_path: Path,
    broker: Broker,
    database_url: str,
    make_settings: Callable[..., IntakeSettings],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    async with running_desk(EVERY_SERVICE, tmp_path, broker, database_url, make_settings) as desk:
        reader = Reader(desk)

        def live_snapshot(service: str) -> Snapshot:
            (model,) = desk.read_models(service).values()
            return model.snapshot()

        async with reader.reading():
            receipt = await adopted_proposal(desk, proposal_body())
            adopted = receipt["proposal_id"]
            case_id = await publish_case(desk, receipt)
            escalated = await escalated_proposal(desk)
            waiting = await desk.submit_and_accept(proposal_body(theme_number=11))
            screened_out = proposal_body()
            screened_out["proposer"]["kind"] = "individual"  # answered at intake, not routed
            answered = await desk.intake.post(f"{NAGASAKI}/proposals", json=screened_out)
            screened = answered.json()["proposal_id"]

            # Not a trivial equality: what the public, departments and the desk see.
            under_review = ("提案内容検討中", "Proposal under review")
            register = {
                adopted: ("事業調整中", "Project being arranged"),
                escalated: under_review,
                waiting: under_review,
                screened: (),  # heard of, but answered privately: not listed
            }
            stages = {adopted: "in_dialogue", escalated: "in_dialogue", waiting: "waiting"}
            await wait_until(
                lambda: (
                    listed(live_snapshot("publication")) == register
                    and routing_stages(live_snapshot("routing")) == stages
                ),
                what="publication and routing to hear of every proposal",
            )

        for name in ("routing", "decision", "publication"):
            (model,) = desk.read_models(name)
            assert len(reader.positions[f"{name}.{model}"]) > 2, (
                f"the live {name} {model} was not caught up step by step while events arrived"
            )

        snapshots = {}
        for name in EVERY_SERVICE:
            for model, live in desk.read_models(name).items():
                position, seen = live.observe()
                rebuilt = live.rebuilt_from_history(position)
                assert rebuilt is not live and rebuilt.position == position > 0
                assert rebuilt.snapshot(position) == seen, f"{name} {model} differs"
                assert rebuilt.digest(position) == live.digest(position)
                snapshots[model] = seen

        assert listed(snapshots["register"]) == register
        assert [row["case_id"] for row in snapshots["register"]["cases"]] == [case_id]
        assert [row["proposal_id"] for row in snapshots["council_inbox"]["waiting"]] == [escalated]
        assert routing_stages(snapshots["board"]) == stages
        assert sorted(row["status"] for row in snapshots["catalogue"]["proposals"]) == [
            "accepted",
            "accepted",
            "accepted",
            "rejected",
        ]

        # The operator's check: each running service over HTTP against a rebuild that a
        # fresh application opens from the service's settings.
        for name in EVERY_SERVICE:
            use_stores_of(desk, name, monkeypatch)
            async with listening(desk.apps[name]) as url:
                status = await asyncio.to_thread(
                    kyoso_rebuild, name, "--against", url, "--token", NAGASAKI_DESK
                )
            out = capsys.readouterr()
            assert status == 0, out.err
            assert "= live" in out.out and "DIFFERS" not in out.out


async def test_a_live_read_model_that_missed_an_event_is_named(
    tmp_path: Path,
    broker: Broker,
    make_settings: Callable[..., IntakeSettings],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    database_url = f"sqlite:///{tmp_path / 'intake.sqlite'}"
    async with running_desk(
        ("intake", "routing"), tmp_path, broker, database_url, make_settings
    ) as desk:
        routing = desk.routing
        application = desk.application("routing")
        board = application.board
        # A fault in the incremental path: the running board drops departments' take-ons.
        take_in = board.apply
        monkeypatch.setattr(
            board,
            "apply",
            lambda event: None if isinstance(event, Routing.TakenOn) else take_in(event),
        )

        no_token = await routing.get("/audit/read-models")
        assert no_token.status_code == 401
        department = await routing.get("/audit/read-models", headers=bearer(NAGASAKI_DEPARTMENT))
        assert department.status_code == 403

        pid = await desk.submit_and_accept(proposal_body())

        def compared() -> list[str]:
            live = live_report("routing", application)
            rebuilt = rebuilt_report("routing", application, live.positions())
            return [difference.read_model for difference in differences(rebuilt, live)]

        await wait_until(lambda: board.lines("nagasaki"), what="routing to route the proposal")
        assert compared() == []  # nothing missed yet: equal

        await desk.take_on(pid)  # routed to the theme's owner, who takes it on

        assert compared() == ["board"]

        use_stores_of(desk, "routing", monkeypatch)
        async with listening(desk.apps["routing"]) as url:
            status = await asyncio.to_thread(
                kyoso_rebuild, "routing", "--against", url, "--token", NAGASAKI_DESK
            )
            out = capsys.readouterr()
            assert status == 1
            assert "routing board differs" in out.err and "DIFFERS from live" in out.out
            assert (
                await asyncio.to_thread(
                    kyoso_rebuild, "routing", "--against", url, "--token", "x" * 20
                )
                == 2
            )
            assert "unknown staff token" in capsys.readouterr().err

        use_stores_of(desk, "intake", monkeypatch)  # intake's catalogue missed nothing
        async with listening(desk.apps["intake"]) as url:
            status = await asyncio.to_thread(
                kyoso_rebuild, "intake", "--against", url, "--token", NAGASAKI_DESK, "--json"
            )
        out = capsys.readouterr()
        assert status == 0, out.err
        result = json.loads(out.out)
        assert result["differences"] == []
        assert result["rebuilt"]["read_models"][0]["counts"] == {
            "proposals": 1,
            "themes": 27,
            "theme_requests": 0,
        }
