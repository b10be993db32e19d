"""`kyoso subscribe`: another city follows the public topic and keeps a local copy."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from aiokafka import AIOKafkaProducer
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from kyoso.subscribe import LocalCopy, follow
from shared.contract import (
    ActorRole,
    CaseCorrected,
    CasePublished,
    CaseRetracted,
    Envelope,
    EventMetadata,
    IntegrationEvent,
    PublicCase,
    stable_event_id,
    to_kafka,
)
from shared.contract.keys import public_key_text
from shared.contract.verifiability import signed_headers
from shared.event_keys import TrustedKeys
from shared.topics import ensure_topics
from tests.brokers import Broker
from tests.conftest import wait_until

pytestmark = pytest.mark.integration


def case(case_id: uuid.UUID, version: int, title: str) -> PublicCase:
    return PublicCase(
        case_id=case_id,
        municipality="nagasaki",
        municipality_name_ja="長崎市",
        municipality_name_en="Nagasaki City",
        version=version,
        title=title,
        summary="要約",
        field="まちづくり",
        channel="theme",
        theme_number=5,
        theme_title="都心部の回遊性向上について",
        partner="株式会社みなと観光",
        sections=[],
        received_on=date(2025, 8, 28),
        published_on=date(2025, 11, 1),
    )


async def send(
    bootstrap: str,
    topic: str,
    case_id: uuid.UUID,
    sequence: int,
    event: IntegrationEvent,
    signed_by: Ed25519PrivateKey | None = None,
) -> None:
    envelope = Envelope(
        event=event,
        meta=EventMetadata(
            event_id=stable_event_id("publication", str(case_id), sequence),
            service="publication",
            subject=str(case_id),
            time=datetime.now(UTC),
            municipality="nagasaki",
            actor_role=ActorRole.DESK,
            correlation_id="c",
            sequence=sequence,
            previous_sequence=sequence - 1,
        ),
    )
    message = to_kafka(envelope)
    headers = dict(message.headers)
    if signed_by is not None:
        headers = signed_headers(headers, message.value, signed_by)
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    try:
        await producer.send_and_wait(
            topic,
            message.value,
            key=message.key if isinstance(message.key, bytes) else None,
            headers=list(headers.items()),
        )
    finally:
        await producer.stop()


async def test_a_subscriber_keeps_the_newest_version_and_sees_retractions(
    broker: Broker, tmp_path: Path
) -> None:
    topic = f"t{uuid.uuid4().hex[:12]}.public.cases"
    await ensure_topics(broker.bootstrap_servers, [topic])
    kept, gone = uuid.uuid4(), uuid.uuid4()
    await send(
        broker.bootstrap_servers, topic, kept, 2, CasePublished(case=case(kept, 1, "トイレマップ"))
    )
    await send(
        broker.bootstrap_servers,
        topic,
        kept,
        3,
        CaseCorrected(case=case(kept, 2, "トイレマップ（訂正）"), note="誤字"),
    )
    await send(
        broker.bootstrap_servers, topic, kept, 2, CasePublished(case=case(kept, 1, "トイレマップ"))
    )  # a late copy
    await send(
        broker.bootstrap_servers, topic, gone, 2, CasePublished(case=case(gone, 1, "終了した事業"))
    )
    await send(
        broker.bootstrap_servers,
        topic,
        gone,
        3,
        CaseRetracted(case_id=gone, municipality="nagasaki", reason="事業終了"),
    )

    store = tmp_path / "cases.sqlite"
    stopping = asyncio.Event()
    following = asyncio.create_task(
        follow(
            broker.bootstrap_servers,
            topic,
            store,
            group=f"g-{uuid.uuid4().hex}",
            from_beginning=True,
            stopping=stopping,
            session_timeout_ms=2000,  # the embedded broker holds a join for half of it
        )
    )

    def copied() -> list[dict[str, object]]:
        copy = LocalCopy(store)
        try:
            cases = copy.cases()
        finally:
            copy.close()
        return cases if len(cases) == 2 and any(c["retracted"] for c in cases) else []

    cases = await wait_until(copied, timeout=30, what="the local copy")
    stopping.set()
    assert await following == 5
    by_id = {c["case_id"]: c for c in cases}
    assert by_id[str(kept)]["version"] == 2 and by_id[str(kept)]["title"] == "トイレマップ（訂正）"
    assert by_id[str(gone)]["retracted"] is True


async def test_from_now_skips_what_was_published_before(broker: Broker, tmp_path: Path) -> None:
    topic = f"t{uuid.uuid4().hex[:12]}.public.cases"
    await ensure_topics(broker.bootstrap_servers, [topic])
    old, new = uuid.uuid4(), uuid.uuid4()
    await send(
        broker.bootstrap_servers, topic, old, 2, CasePublished(case=case(old, 1, "以前の事例"))
    )
    store = tmp_path / "now.sqlite"
    stopping = asyncio.Event()
    following = asyncio.create_task(
        follow(
            broker.bootstrap_servers,
            topic,
            store,
            group=f"g-{uuid.uuid4().hex}",
            from_beginning=False,
            stopping=stopping,
            session_timeout_ms=2000,  # the embedded broker holds a join for half of it
        )
    )

    async def joined_and_sent() -> bool:
        # The subscriber takes its place at the end of the topic first; send until it sees one.
        await send(
            broker.bootstrap_servers, topic, new, 2, CasePublished(case=case(new, 1, "新しい事例"))
        )
        copy = LocalCopy(store)
        try:
            return any(c["case_id"] == str(new) for c in copy.cases())
        finally:
            copy.close()

    await wait_until(
        joined_and_sent, timeout=30, interval=0.5, what="a case published after joining"
    )
    stopping.set()
    await following
    copy = LocalCopy(store)
    try:
        assert [c["case_id"] for c in copy.cases()] == [str(new)]
    finally:
        copy.close()


async def test_with_the_desks_public_keys_only_what_the_desk_signed_is_kept(
    broker: Broker, tmp_path: Path
) -> None:
    """A city that gets the desk's public keys believes only cases the desk's publication
    service signed: a forged case, unsigned or signed by anyone else, is skipped."""
    publication, intruder = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    keys_file = tmp_path / "desk-keys.json"
    keys_file.write_text(
        json.dumps({"publication": [public_key_text(publication.public_key())]}),
        encoding="utf-8",
    )
    topic = f"t{uuid.uuid4().hex[:12]}.public.cases"
    await ensure_topics(broker.bootstrap_servers, [topic])
    real, unsigned, forged = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    bootstrap = broker.bootstrap_servers
    await send(bootstrap, topic, unsigned, 1, CasePublished(case=case(unsigned, 1, "偽の事例")))
    await send(bootstrap, topic, forged, 1, CasePublished(case=case(forged, 1, "偽")), intruder)
    await send(bootstrap, topic, real, 1, CasePublished(case=case(real, 1, "実例")), publication)

    store = tmp_path / "verified.sqlite"
    stopping = asyncio.Event()
    following = asyncio.create_task(
        follow(
            bootstrap,
            topic,
            store,
            group=f"g-{uuid.uuid4().hex}",
            from_beginning=True,
            stopping=stopping,
            session_timeout_ms=2000,
            trusted_keys=TrustedKeys.from_file(keys_file),
        )
    )

    def copied() -> list[dict[str, object]]:
        copy = LocalCopy(store)
        try:
            return copy.cases()
        finally:
            copy.close()

    cases = await wait_until(copied, timeout=30, what="the signed case in the local copy")
    stopping.set()
    assert await following == 1
    assert [c["case_id"] for c in cases] == [str(real)]
