"""The broker loses its data while the whole desk runs (DESIGN.md §2, §5).

1,000 proposals are submitted and screened in; at about 70 % the broker loses everything:
the embedded broker is killed and an empty one takes its place, Apache Kafka has the
desk's topics deleted, or Apache Kafka is killed -9 and restarted on its own data. No
service is restarted by hand. In the end every proposal is in every read model, routed
exactly once, and /readyz told the truth throughout: it said why while the desk could not
publish or consume, and came back by itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiokafka.admin import AIOKafkaAdminClient

from services.intake.settings import IntakeSettings
from shared.proposal import ProposalState
from tests.apache_kafka import ApacheKafka
from tests.brokers import APACHE_KAFKA, TANSU, apache_kafka_lane, new_broker
from tests.conftest import wait_until
from tests.factories import free_proposal_body
from tests.kafka import read_topic
from tests.routing_load import (
    assert_each_routed_once,
    submit_and_accept,
)
from tests.whole_desk import EVERY_SERVICE, NAGASAKI, every_line, running_desk

pytestmark = pytest.mark.integration

LOSS_AT = 0.7  # of the proposals: the loss comes at about 70 %


@dataclass
class Readiness:
    """Every /readyz answer of every service, polled all through the test."""

    answers: list[tuple[float, str, int, str]] = field(default_factory=list)

    def since(self, moment: float) -> list[tuple[float, str, int, str]]:
        return [answer for answer in self.answers if answer[0] >= moment]


async def watch_readiness(
    clients: dict[str, httpx.AsyncClient], readiness: Readiness, stopping: asyncio.Event
) -> None:
    loop = asyncio.get_running_loop()
    while not stopping.is_set():
        for name, client in clients.items():
            answer = await client.get("/readyz")
            reason = "" if answer.status_code == 200 else answer.json().get("reason", "")
            readiness.answers.append((loop.time(), name, answer.status_code, reason))
        await asyncio.sleep(0.05)


async def delete_topics(bootstrap_servers: str, prefix: str) -> list[str]:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers)
    await admin.start()
    try:
        doomed = [t for t in await admin.list_topics() if t.startswith(f"{prefix}.")]
        await admin.delete_topics(doomed)
        return doomed
    finally:
        await admin.close()


# The wipe (1,000 proposals, on each broker) and a crash of Apache Kafka itself, which
# keeps its data: a lighter load suffices to show nothing is lost or doubled there.
SCENARIOS = [
    pytest.param(TANSU, "replaced by an empty broker", 1_000, id="tansu-replaced-empty"),
    pytest.param(APACHE_KAFKA, "topics deleted", 1_000, id="apache-kafka-topics-deleted"),
    pytest.param(
        APACHE_KAFKA, "killed -9 and restarted on its data", 400, id="apache-kafka-kill-9"
    ),
]


def scenarios() -> list[Any]:
    runs, _ = apache_kafka_lane()
    return [s for s in SCENARIOS if runs or s.values[0] == TANSU]


@pytest.mark.parametrize(("kind", "loss", "proposals"), scenarios())
async def test_a_broker_that_loses_its_data_mid_run_is_refilled_and_nothing_is_lost_or_doubled(
    kind: str,
    loss: str,
    proposals: int,
    tmp_path: Path,
    make_settings: Callable[..., IntakeSettings],
) -> None:
    broker = new_broker(kind, tmp_path / "broker").start()
    readiness = Readiness()
    stack = contextlib.ExitStack()
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    try:
        async with running_desk(
            EVERY_SERVICE,
            tmp_path,
            broker,
            f"sqlite:///{tmp_path / 'intake.sqlite'}",
            make_settings,
        ) as desk:
            heard_by_decision = desk.application("decision").proposal_state
            routing_board = desk.application("routing").board
            clients = desk.clients

            async def all_ready() -> bool:
                answers = [await c.get("/readyz") for c in clients.values()]
                return all(a.status_code == 200 for a in answers)

            await wait_until(all_ready, timeout=60, what="the whole desk to be ready")
            watching = asyncio.create_task(watch_readiness(clients, readiness, stopping))
            stack.callback(watching.cancel)
            submitted: list[str] = []
            submitting = asyncio.create_task(
                submit_and_accept(desk.intake, proposals, submitted, _numbered_proposal)
            )
            await wait_until(
                lambda: len(submitted) >= LOSS_AT * proposals or submitting.done(),
                timeout=300,
                what=f"{LOSS_AT:.0%} of the proposals accepted",
            )
            lost_at = loop.time()
            if loss == "replaced by an empty broker":
                broker.stop()
                outage = await _readiness_while_away(readiness, lost_at)
                broker = new_broker(kind, tmp_path / "empty-broker", broker.port).start()
            elif loss == "topics deleted":
                assert await delete_topics(broker.bootstrap_servers, desk.prefix)
                outage = []
            else:
                assert isinstance(broker, ApacheKafka)
                broker.kill()
                outage = await _readiness_while_away(readiness, lost_at)
                broker.start()
            await submitting
            assert len(submitted) == proposals

            # Every proposal routed once, heard by decision, listed in the register.
            missing = Missing()
            unheard: list[Any] = []

            async def everywhere() -> bool:
                nonlocal missing, unheard
                missing = await _missing_anywhere(clients, routing_board, submitted)
                unheard = await asyncio.to_thread(
                    _not_heard_by_decision, heard_by_decision, submitted
                )
                return not missing and not unheard

            try:
                await wait_until(everywhere, timeout=180, interval=1.0, what="every read model")
            except AssertionError as late:
                raise AssertionError(
                    f"{late}: {missing}; decision did not hear {len(unheard)} proposals whole"
                ) from None
            await wait_until(all_ready, timeout=60, what="the desk to be ready again")
            stopping.set()
            await watching

            # Readiness said why while it could not work, and came back by itself.
            assert all(status == 503 and reason for _, _, status, reason in outage), outage
            after = readiness.since(lost_at)
            not_ready = {name for _, name, status, _ in after if status == 503}
            assert "intake" in not_ready, "intake's relay never said it lost the broker"
            last = {name: status for _, name, status, _ in after}
            assert last == dict.fromkeys(EVERY_SERVICE, 200)

            records = await read_topic(
                broker.bootstrap_servers,
                desk.topic("routing", "proposals"),
                lambda r: len({dict(x.headers)["ce_subject"] for x in r}) >= proposals,
                timeout=60,
            )
            assert_each_routed_once(records, submitted)
            register = await every_line(desk.publication, f"{NAGASAKI}/register")
            titles = Counter(row["title"] for row in register)
            assert titles == Counter(f"損失試験 {n:04d}" for n in range(proposals))
    finally:
        stack.close()
        broker.stop()


async def _readiness_while_away(
    readiness: Readiness, lost_at: float, away: float = 4.0, noticed_within: float = 2.5
) -> list[tuple[float, str, int, str]]:
    """The broker stays away for `away` seconds; what /readyz said from the moment every
    service should have noticed (they look every second; a batch the broker has not taken
    for 2 s counts) until the broker came back."""
    await asyncio.sleep(away)  # the outage itself, not a wait for a condition
    return [a for a in readiness.since(lost_at + noticed_within) if a[0] <= lost_at + away]


@dataclass
class Missing:
    """What each read model still lacks (empty when nothing does)."""

    by_model: dict[str, list[str]] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return any(self.by_model.values())

    def __str__(self) -> str:
        return ", ".join(f"{m}: {len(ids)} missing" for m, ids in self.by_model.items())


async def _missing_anywhere(
    clients: dict[str, httpx.AsyncClient], routing_board: Any, ids: list[str]
) -> Missing:
    """Listed in the public register; on routing's board, routed once (its first hop)."""
    # The register comes a page at a time (issue 18): read every page.
    register = await every_line(clients["publication"], f"{NAGASAKI}/register")
    listed = {row["title"] for row in register}
    board = await asyncio.to_thread(routing_board.snapshot)
    first_hops = {row["proposal_id"] for row in board["routings"] if row["hop"] == 1}
    return Missing(
        {
            "register": [p for n, p in enumerate(ids) if f"損失試験 {n:04d}" not in listed],
            "routing": [p for p in ids if p not in first_hops],
        }
    )


def _not_heard_by_decision(
    heard_by_decision: Callable[[uuid.UUID], ProposalState | None], ids: list[str]
) -> list[str]:
    """Decision keeps no read model of undecided proposals: what it heard, folded."""
    missing = []
    for pid in ids:
        heard = heard_by_decision(uuid.UUID(pid))
        if heard is None or heard.accepted_on is None or heard.routing_hops != 1:
            what = f"{heard.status}, {heard.routing_hops} hops" if heard else "nothing"
            missing.append(f"{pid}: {what}")
    return missing


def _numbered_proposal(number: int) -> dict[str, Any]:
    return free_proposal_body(title=f"損失試験 {number:04d}")
