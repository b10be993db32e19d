"""The auditor's commands: `kyoso verify`, `kyoso replay`, `kyoso export`.

They read the services' stores (KYOSO_DATABASE_URL or KYOSO_DATA_DIR, as the services
themselves are configured) or, for replay and `verify --against-kafka`, the topics on
Kafka; they never write.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any
from uuid import UUID

from aiokafka.errors import KafkaConnectionError

from services.registry import SERVICES
from shared.audit.anchor import Published, PublishedByService, read_published_links
from shared.audit.stores import StoredHistory
from shared.audit.verify import AnchorCheck, Problem, Verification, verify_store
from shared.settings import CommonSettings, ConfigError, load_settings


def add_parsers(commands: Any) -> None:
    verify = commands.add_parser(
        "verify", help="prove that no stored event was changed, removed or reordered"
    )
    verify.add_argument(
        "services", nargs="*", metavar="SERVICE", help=f"default: all ({', '.join(SERVICES)})"
    )
    verify.add_argument("--json", action="store_true", help="machine-readable report")
    verify.add_argument(
        "--against-kafka",
        action="store_true",
        help="also compare the chain links published on the topics (KYOSO_KAFKA_BOOTSTRAP_"
        "SERVERS, KYOSO_TOPIC_PREFIX) with the stores: catches a history rewritten, links "
        "and all, after it was published",
    )

    replay = commands.add_parser(
        "replay", help="a proposal's whole history across every service, in causal order"
    )
    replay.add_argument("proposal", help="proposal id or receipt number (e.g. NGS-2025-0001)")
    replay.add_argument(
        "--as-of", help="the state at this moment (ISO 8601, e.g. 2025-11-01T09:00+09:00)"
    )
    replay.add_argument("--json", action="store_true", help="machine-readable history")
    replay.add_argument(
        "--from-kafka",
        action="store_true",
        help="read the published topics (KYOSO_KAFKA_BOOTSTRAP_SERVERS, KYOSO_TOPIC_PREFIX) "
        "instead of the stores: for a city that holds only the topics",
    )

    export = commands.add_parser(
        "export", help="a proposal's record for a disclosure request, personal data withheld"
    )
    export.add_argument("proposal", help="proposal id or receipt number")
    export.add_argument("--output", type=Path, help="file to write (default: standard output)")


def run(args: argparse.Namespace) -> int:
    settings = load_settings(CommonSettings)
    if args.command == "verify":
        services = args.services or list(SERVICES)
        for service in services:
            if service not in SERVICES:
                raise ConfigError(f"service: '{service}' is not one of {', '.join(SERVICES)}")
        _require_one_store_per_service(settings, services)
        published = None
        if args.against_kafka:
            try:
                published = asyncio.run(_published_links(settings, services))
            except KafkaConnectionError:
                return _unreachable_broker(settings)
        return _verify(settings, services, published, as_json=args.json)
    from kyoso.histories import ProposalNotFound, history_from_kafka, history_from_stores

    proposal = parse_proposal(args.proposal)
    try:
        if args.command == "replay" and args.from_kafka:
            try:
                history = asyncio.run(history_from_kafka(proposal, settings))
            except KafkaConnectionError:
                return _unreachable_broker(settings)
        else:
            _require_one_store_per_service(settings, list(SERVICES))
            history = history_from_stores(proposal, settings)
    except ProposalNotFound as missing:
        return fail(str(missing))
    if args.command == "replay":
        as_of = parse_moment(args.as_of, "--as-of") if args.as_of else None
        if args.json:
            print(json.dumps(history.as_json(as_of), ensure_ascii=False, indent=2))
        else:
            print(history.as_text(as_of))
        return 0
    from shared.audit.disclosure import disclosure_record

    record = json.dumps(disclosure_record(history), ensure_ascii=False, indent=2)
    if args.output:
        args.output.write_text(record + "\n", encoding="utf-8")
        print(f"kyoso: wrote the disclosure record of {args.proposal} to {args.output}")
    else:
        print(record)
    return 0


def _require_one_store_per_service(settings: CommonSettings, services: Sequence[str]) -> None:
    """A sqlite: URL names one service's file; the audit reads each service's own."""
    if settings.database_url.startswith("sqlite:") and len(services) > 1:
        raise ConfigError(
            "KYOSO_DATABASE_URL: a sqlite URL names one service's store; to read every "
            "service, unset it and set KYOSO_DATA_DIR to the folder holding "
            "intake.sqlite, routing.sqlite, decision.sqlite, implementation.sqlite and "
            "publication.sqlite"
        )


async def _published_links(settings: CommonSettings, services: Sequence[str]) -> PublishedByService:
    """What the services' relays published, read off their topics (the same topics each
    relay is built with; unknown names are left to StoredHistory to refuse)."""
    topics = {
        service: [topic.name(settings) for topic in SERVICES[service].published()]
        for service in services
    }
    return await read_published_links(settings.kafka_bootstrap_servers, topics, security=settings)


def _verify(
    settings: CommonSettings,
    services: list[str],
    published: PublishedByService | None,
    *,
    as_json: bool,
) -> int:
    reports: list[Verification] = []
    for service in services:
        history = StoredHistory(service, settings)
        try:
            on_kafka = None if published is None else published.get(service, Published())
            reports.append(verify_store(service, history.recorder, on_kafka))
        finally:
            history.close()
    if as_json:
        print(json.dumps([report.as_json() for report in reports], ensure_ascii=False, indent=2))
    else:
        for report in reports:
            print(_verification_line(report))
    return 0 if all(report.intact for report in reports) else 1


def _verification_line(report: Verification) -> str:
    line = _chain_line(report)
    return line if report.anchor is None else f"{line}\n{_anchor_line(report.anchor)}"


def _chain_line(report: Verification) -> str:
    if report.broken is None:
        head = report.head.hex()[:16] if report.head else "-"
        return (
            f"{report.service:<12} 改ざんなし intact   {report.events_checked:>9,} events  "
            f"head {head}"
        )
    where = []
    if report.broken.position is not None:
        where.append(f"link {report.broken.position}")
    if report.broken.notification_id is not None:
        where.append(f"event #{report.broken.notification_id}")
    checked = (
        f"the chain itself holds over {report.events_checked:,} events"
        if report.broken.problem is Problem.REWRITTEN
        else f"{report.events_checked:,} events intact before it"
    )
    return (
        f"{report.service:<12} 改ざん検出 BROKEN   {report.broken.problem.value}"
        f" at {', '.join(where) or 'the chain'}: {report.broken.explanation} ({checked})"
    )


def _anchor_line(anchor: AnchorCheck) -> str:
    upto = f" up to event #{anchor.last_anchored}" if anchor.last_anchored else ""
    verdict = (
        f"first differs at event #{anchor.rewritten.notification_id}"
        if anchor.rewritten is not None
        else "all match the store"
    )
    line = (
        f"{'':<12} Kafka 照合   {anchor.anchored:,} published links{upto}: {verdict}; "
        f"{anchor.not_anchored:,} published without a link (before the anchor)"
    )
    if anchor.unreadable:
        line += (
            f"\n{'':<12} 読めない記録 unreadable on its topics: {len(anchor.unreadable):,} "
            f"(not desk events, they anchor nothing; first: {anchor.unreadable[0]})"
        )
    return line


def parse_moment(text: str, field: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ConfigError(f"{field}: '{text}' is not an ISO 8601 time") from None
    if moment.tzinfo is None:
        raise ConfigError(f"{field}: '{text}' needs a time zone, e.g. +09:00")
    return moment


def parse_proposal(text: str) -> UUID | str:
    try:
        return UUID(text)
    except ValueError:
        return text  # a receipt number, resolved by the history


def _unreachable_broker(settings: CommonSettings) -> int:
    return fail(
        "KYOSO_KAFKA_BOOTSTRAP_SERVERS: cannot reach a broker at "
        f"{settings.kafka_bootstrap_servers}"
    )


def fail(message: str) -> int:
    print(f"kyoso: {message}", file=sys.stderr)
    return 2
