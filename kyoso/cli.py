"""`kyoso`: the one command of Kyoso Desk.

kyoso up                 the whole desk on the embedded default
kyoso service NAME       one service, exactly as its container runs it
kyoso relay NAME         only a service's relay to Kafka (--republish: everything again)
kyoso broker             only the local Kafka-protocol broker
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from importlib import import_module

from shared.settings import ConfigError


def _service(name: str) -> Callable[[], None]:
    def run() -> None:
        import_module(f"services.{name}.main").run()

    return run


def _relay(name: str) -> Callable[[bool], None]:
    def run(republish: bool) -> None:
        import_module(f"services.{name}.main").run_relay_only(republish)

    return run


# Each service's `main` module has run() and run_relay_only(); later issues add theirs.
NAMES = ("intake", "routing")
SERVICES: dict[str, Callable[[], None]] = {name: _service(name) for name in NAMES}
RELAYS: dict[str, Callable[[bool], None]] = {name: _relay(name) for name in NAMES}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="kyoso", description="Kyoso Desk 共創窓口")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    up = commands.add_parser("up", help="the whole desk on the embedded default")
    up.add_argument("--broker-port", type=int, default=9092, help="port of the local broker")
    up.add_argument("--no-demo-data", action="store_true", help="do not load Nagasaki's themes")

    service = commands.add_parser("service", help="run one service in the foreground")
    service.add_argument("name", choices=sorted(SERVICES))

    relay = commands.add_parser("relay", help="run only a service's relay to Kafka")
    relay.add_argument("name", choices=sorted(RELAYS))
    relay.add_argument(
        "--republish",
        action="store_true",
        help="first publish the whole log again (e.g. to a new broker)",
    )

    broker = commands.add_parser("broker", help="run only the local broker")
    broker.add_argument("--port", type=int, default=9092)
    broker.add_argument("--host", default="127.0.0.1")

    args = parser.parse_args(argv)
    try:
        if args.command == "up":
            from kyoso.desk import bring_up

            return bring_up(broker_port=args.broker_port, demo_data=not args.no_demo_data)
        if args.command == "service":
            SERVICES[args.name]()
            return 0
        if args.command == "relay":
            RELAYS[args.name](args.republish)
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
