"""The desk's Kafka ACLs, derived from the services' declarations (issue 18: "each service
may write only its own topics and read only the topics it consumes; another city's
subscriber may read only the public topic").

Each service logs in as `User:kyoso-<service>` (shared.kafka_security) and is allowed:

- Read and Describe on the topics it reads: those it consumes, and those it publishes,
  which its relay reads back to reconcile them with its store (DESIGN.md §2); and on its
  consumer group `{prefix}-{service}` (the Faust app id, shared.streams.faust_app);
- Write, Create and Describe on its own topics: what it publishes and its dead letters.
  Create lets it recreate one of them that a broker lost (DESIGN.md §2).
  It never creates another service's topic: in Compose and Kubernetes the init job creates
  every topic before any service starts, and a consumer that finds a topic missing waits
  for its owner to recreate it;
- IdempotentWrite on the cluster: the relay's producer is idempotent.

Nothing else: no Delete (a service never deletes a topic on Apache Kafka; only the
embedded broker, which has no ACLs, can leave a topic that must be recreated empty), no
Alter, nothing on another service's topics. A subscribing city logs in as
`User:kyoso-subscriber` (or a user of its own, `--subscriber`) and may Read and Describe
the public topic and the consumer groups whose names start with its user name
(`kyoso subscribe --group`, `kyoso-subscriber` by default). The init job's admin is the
broker's super user and needs no ACL.

`deploy/base/kafka-acls.txt` is this module's table for every service in the registry;
`deploy/base/kafka-init.sh` adds one `kafka-acls.sh --add` per line, and tests/deploy
checks the file against the declarations. After a change to what a service publishes or
consumes, write it again:

    python -m shared.kafka_acls > deploy/base/kafka-acls.txt

and, for a city's own cluster, `python -m shared.kafka_acls --commands --prefix kyoso
--bootstrap-server … --command-config admin.properties` prints the commands themselves.
"""

from __future__ import annotations

import argparse
import shlex
import sys
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from shared.declaration import ServiceDeclaration

ResourceType = Literal["topic", "group", "cluster"]
Pattern = Literal["literal", "prefixed"]
# The table's words for them.
RESOURCE_TYPES: dict[str, ResourceType] = {"topic": "topic", "group": "group", "cluster": "cluster"}
PATTERNS: dict[str, Pattern] = {"literal": "literal", "prefixed": "prefixed"}

USER_PREFIX = "kyoso-"
SUBSCRIBER = "kyoso-subscriber"
CLUSTER = "kafka-cluster"  # the one name of Kafka's cluster resource
# The topic prefix, written into the table as is: kafka-init.sh puts KYOSO_TOPIC_PREFIX there.
PREFIX_PLACEHOLDER = "{prefix}"

# What kafka-acls.sh accepts on each resource type, spelled as it spells them (it takes
# IDEMPOTENT_WRITE for no operation at all; Kafka's ACL documentation).
OPERATIONS: dict[ResourceType, frozenset[str]] = {
    "topic": frozenset(
        {"Read", "Write", "Create", "Delete", "Alter", "Describe", "DescribeConfigs"}
    ),
    "group": frozenset({"Read", "Describe", "Delete"}),
    "cluster": frozenset(
        {"Create", "Alter", "Describe", "ClusterAction", "IdempotentWrite", "AlterConfigs"}
    ),
}
# The order operations are written in (Kafka's own order of them).
_OPERATION_ORDER = ("Read", "Write", "Create", "Delete", "Alter", "Describe", "IdempotentWrite")


@dataclass(frozen=True, order=True)
class Acl:
    """One permission: `principal` may `operation` on a resource (allowed from any host)."""

    principal: str  # User:kyoso-intake
    resource_type: ResourceType
    name: str  # a topic's or group's name (or its prefix); CLUSTER for the cluster
    operation: str
    pattern: Pattern = "literal"

    def __post_init__(self) -> None:
        if self.operation not in OPERATIONS[self.resource_type]:
            raise ValueError(f"{self.operation} is no operation on a {self.resource_type}")


def user_of(service: str) -> str:
    """The Kafka user a service logs in as (KYOSO_KAFKA_SASL_USERNAME)."""
    return f"{USER_PREFIX}{service}"


def principal(user: str) -> str:
    return f"User:{user}"


def consumer_group(service: str, prefix: str) -> str:
    """The consumer group of a service's instances: its Faust app id."""
    return f"{prefix}-{service}"


def service_acls(declaration: ServiceDeclaration, prefix: str) -> set[Acl]:
    """What one service may do, from its declaration."""
    names = _Prefix(prefix)
    who = principal(user_of(declaration.name))
    published = [topic.name(names) for topic in declaration.published()]
    # What it reads: its consumer the topics it consumes, its relay what it published.
    read = [*published, *(topic.name(names) for topic in declaration.consumed())]
    # What it writes: its relay its topics, its consumer its dead letters.
    written = [*published, declaration.dead_letters().name(names)]
    acls = {Acl(who, "topic", name, op) for name in read for op in ("Read", "Describe")}
    acls |= {
        Acl(who, "topic", name, op) for name in written for op in ("Write", "Create", "Describe")
    }
    group = consumer_group(declaration.name, prefix)
    acls |= {Acl(who, "group", group, op) for op in ("Read", "Describe")}
    acls.add(Acl(who, "cluster", CLUSTER, "IdempotentWrite"))
    return acls


@dataclass(frozen=True)
class _Prefix:
    """A deployment's topic prefix, as the contract's topics take it (`Topic.name`)."""

    topic_prefix: str


def subscriber_acls(prefix: str, user: str = SUBSCRIBER) -> set[Acl]:
    """What another city's subscriber may do: read the public cases, with groups of its own."""
    who = principal(user)
    public = f"{prefix}.public.cases"
    acls = {Acl(who, "topic", public, op) for op in ("Read", "Describe")}
    acls |= {Acl(who, "group", user, op, "prefixed") for op in ("Read", "Describe")}
    return acls


def desk_acls(
    declarations: Iterable[ServiceDeclaration],
    prefix: str,
    subscribers: Sequence[str] = (SUBSCRIBER,),
) -> set[Acl]:
    acls: set[Acl] = set()
    for declaration in declarations:
        acls |= service_acls(declaration, prefix)
    for user in subscribers:
        acls |= subscriber_acls(prefix, user)
    return acls


# -- as lines of kafka-acls.sh ---------------------------------------------------------------


@dataclass(frozen=True)
class AclLine:
    """What one `kafka-acls.sh --add` grants: every operation on every resource listed."""

    principal: str
    pattern: Pattern
    operations: tuple[str, ...]
    resources: tuple[tuple[ResourceType, str], ...]

    def acls(self) -> set[Acl]:
        return {
            Acl(self.principal, kind, name, operation, self.pattern)
            for kind, name in self.resources
            for operation in self.operations
        }

    def text(self) -> str:
        resources = " ".join(f"{kind}:{name}" for kind, name in self.resources)
        return f"{self.principal} {self.pattern} {','.join(self.operations)} {resources}"

    def kafka_acls_arguments(self) -> list[str]:
        """The arguments of `kafka-acls.sh --add` for this line (without the connection)."""
        arguments = ["--add", "--allow-principal", self.principal]
        if self.pattern != "literal":
            arguments += ["--resource-pattern-type", self.pattern]
        for operation in self.operations:
            arguments += ["--operation", operation]
        for kind, name in self.resources:
            arguments += ["--cluster"] if kind == "cluster" else [f"--{kind}", name]
        return arguments


def _ordered(operations: Iterable[str]) -> tuple[str, ...]:
    return tuple(sorted(operations, key=_OPERATION_ORDER.index))


def lines_of(acls: Iterable[Acl]) -> list[AclLine]:
    """The fewest lines that grant exactly these ACLs: per principal and pattern, the
    resources that get the same operations share a line (each kafka-acls.sh run starts a
    JVM, so the init job is quicker with fewer)."""
    operations: dict[tuple[str, Pattern, ResourceType, str], set[str]] = defaultdict(set)
    principals: list[str] = []
    for acl in sorted(acls):
        operations[(acl.principal, acl.pattern, acl.resource_type, acl.name)].add(acl.operation)
        if acl.principal not in principals:
            principals.append(acl.principal)
    grouped: dict[tuple[str, Pattern, tuple[str, ...]], list[tuple[ResourceType, str]]] = (
        defaultdict(list)
    )
    kinds: tuple[ResourceType, ...] = ("topic", "group", "cluster")
    for (who, pattern, kind, name), granted in sorted(
        operations.items(), key=lambda item: (item[0][0], item[0][1], kinds.index(item[0][2]))
    ):
        grouped[(who, pattern, _ordered(granted))].append((kind, name))
    return [
        AclLine(who, pattern, ops, tuple(resources))
        for (who, pattern, ops), resources in grouped.items()
    ]


TABLE_HEADER = """\
# Kyoso Desk's Kafka ACLs: who may do what on which topic and consumer group. Written by
# `python -m shared.kafka_acls` from the services' declarations (services/*/service.py);
# tests/deploy checks that it still matches them. deploy/base/kafka-init.sh runs one
# `kafka-acls.sh --add` per line, with {prefix} replaced by KYOSO_TOPIC_PREFIX.
#
# principal pattern operations resources (type:name)
"""


def table(acls: Iterable[Acl]) -> str:
    return TABLE_HEADER + "".join(f"{line.text()}\n" for line in lines_of(acls))


def parse_table(text: str) -> list[AclLine]:
    """The lines of a table as `table` writes it (comments and blank lines skipped)."""
    lines = []
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip() or raw.lstrip().startswith("#"):
            continue
        who, pattern, operations, *resources = raw.split()
        if pattern not in PATTERNS or not resources:
            raise ValueError(f"line {number}: not `principal pattern operations resources`")
        parsed: list[tuple[ResourceType, str]] = []
        for resource in resources:
            kind, _, name = resource.partition(":")
            if kind not in RESOURCE_TYPES:
                raise ValueError(f"line {number}: unknown resource type {kind!r}")
            parsed.append((RESOURCE_TYPES[kind], name))
        line = AclLine(who, PATTERNS[pattern], tuple(operations.split(",")), tuple(parsed))
        line.acls()  # each operation must exist on each resource
        lines.append(line)
    return lines


def with_prefix(lines: Iterable[AclLine], prefix: str) -> list[AclLine]:
    """The table's lines for a deployment's topic prefix (what kafka-init.sh does)."""
    return [
        AclLine(
            line.principal,
            line.pattern,
            line.operations,
            tuple(
                (kind, name.replace(PREFIX_PLACEHOLDER, prefix)) for kind, name in line.resources
            ),
        )
        for line in lines
    ]


def main(argv: Sequence[str] | None = None) -> int:
    from services.registry import SERVICES  # the registry imports every service

    parser = argparse.ArgumentParser(
        prog="python -m shared.kafka_acls",
        description="The desk's Kafka ACLs from the services' declarations: the table "
        "deploy/base/kafka-acls.txt holds, or the kafka-acls.sh commands for a cluster.",
    )
    parser.add_argument(
        "--prefix",
        default=PREFIX_PLACEHOLDER,
        help="KYOSO_TOPIC_PREFIX (default: the placeholder kafka-init.sh replaces)",
    )
    parser.add_argument(
        "--subscriber",
        action="append",
        help=f"a subscribing city's Kafka user (repeatable; default {SUBSCRIBER})",
    )
    parser.add_argument("--commands", action="store_true", help="print kafka-acls.sh commands")
    parser.add_argument("--bootstrap-server", default="kafka:9092")
    parser.add_argument(
        "--command-config", default="admin.properties", help="the admin's client properties"
    )
    args = parser.parse_args(argv)
    acls = desk_acls(SERVICES.values(), args.prefix, args.subscriber or (SUBSCRIBER,))
    if not args.commands:
        sys.stdout.write(table(acls))
        return 0
    for line in lines_of(acls):
        command = [
            "kafka-acls.sh",
            "--bootstrap-server",
            args.bootstrap_server,
            "--command-config",
            args.command_config,
            *line.kafka_acls_arguments(),
        ]
        print(shlex.join(command))
    return 0


if __name__ == "__main__":
    sys.exit(main())
