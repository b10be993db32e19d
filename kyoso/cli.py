"""`kyoso`: the one command of Kyoso Desk.

kyoso up                 the whole desk on the embedded default
kyoso service NAME       one service, exactly as its container runs it
kyoso relay NAME         only a service's relay to Kafka (--republish: everything again)
kyoso broker             only the local Kafka-protocol broker
kyoso verify             prove that no stored event was changed, removed or reordered
                         (--against-kafka: nor rewritten after it was published)
kyoso replay PROPOSAL    a proposal's whole history (--as-of TIME, --json, --from-kafka)
kyoso export PROPOSAL    its record for a disclosure request, personal data withheld
kyoso rebuild NAME       a service's read models rebuilt from history (--against URL)
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from kyoso import audit, rebuild
from services.registry import PROCESSES, SERVICES
from shared.kafka_security import add_client_arguments, security_from_arguments
from shared.settings import ConfigError

AUDIT_COMMANDS = ("verify", "replay", "export")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="kyoso", description="Kyoso Desk 共創窓口")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    up = commands.add_parser("up", help="the whole desk on the embedded default")
    up.add_argument("--broker-port", type=int, default=9092, help="port of the local broker")
    up.add_argument("--no-demo-data", action="store_true", help="do not load Nagasaki's themes")

    service = commands.add_parser("service", help="run one service in the foreground")
    service.add_argument("name", choices=list(PROCESSES))

    relay = commands.add_parser("relay", help="run only a service's relay to Kafka")
    relay.add_argument("name", choices=list(SERVICES))
    relay.add_argument(
        "--republish",
        action="store_true",
        help="first publish the whole log again (e.g. to a new broker)",
    )

    subscribe = commands.add_parser(
        "subscribe", help="follow a desk's published cases and keep a local copy (for other cities)"
    )
    subscribe.add_argument("--bootstrap-servers", default="127.0.0.1:9092", help="the desk's Kafka")
    subscribe.add_argument("--topic", default="kyoso.public.cases")
    subscribe.add_argument("--store", type=Path, default=Path("cases.sqlite"), help="local copy")
    subscribe.add_argument(
        "--group", default="kyoso-subscriber", help="consumer group: where it resumes"
    )
    subscribe.add_argument("--municipality", help="only this municipality's cases")
    start = subscribe.add_mutually_exclusive_group()
    start.add_argument(
        "--from-beginning", action="store_true", help="every case ever published (default)"
    )
    start.add_argument("--from-now", action="store_true", help="only cases published from now on")
    add_client_arguments(subscribe)  # the desk's Kafka knows its subscribers (SASL, TLS)
    subscribe.add_argument(
        "--trusted-keys",
        type=Path,
        help="the desk's public keys (JSON from `python -m shared.event_keys`): keep only "
        "cases the desk signed",
    )

    audit.add_parsers(commands)
    rebuild.add_parser(commands)

    idp_staff = commands.add_parser(
        "local-idp-staff",
        help="make (once) and print the local provider's demo staff (compose's local-idp)",
    )
    idp_staff.add_argument("folder", type=Path, help="where the staff file is kept")

    broker = commands.add_parser("broker", help="run only the local broker")
    broker.add_argument("--port", type=int, default=9092)
    broker.add_argument("--host", default="127.0.0.1")

    args = parser.parse_args(argv)
    try:
        if args.command == "up":
            from kyoso.desk import bring_up

            return bring_up(broker_port=args.broker_port, demo_data=not args.no_demo_data)
        if args.command == "service":
            from shared.service import run

            run(PROCESSES[args.name])
            return 0
        if args.command == "relay":
            from shared.service import run_relay_only

            run_relay_only(SERVICES[args.name], args.republish)
            return 0
        if args.command == "subscribe":
            from kyoso.subscribe import run as subscribe_run

            return subscribe_run(
                args.bootstrap_servers,
                args.topic,
                args.store,
                args.group,
                from_beginning=not args.from_now,
                municipality=args.municipality,
                security=security_from_arguments(args),
                trusted_keys=args.trusted_keys,
            )
        if args.command in AUDIT_COMMANDS:
            return audit.run(args)
        if args.command == "rebuild":
            return rebuild.run(args)
        if args.command == "local-idp-staff":
            from kyoso.local_idp import kept_demo_staff, sign_in_table

            args.folder.mkdir(parents=True, exist_ok=True)
            path, people = kept_demo_staff(args.folder)
            print(f"{path}\n{sign_in_table(people)}")
            return 0
        if args.command == "broker":
            from kyoso.desk import run_broker

            return run_broker(args.host, args.port)
    except ConfigError as problem:
        print(f"kyoso: {problem}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    return 1


if __name__ == "__main__":
    sys.exit(main())
