"""The desk's Kafka ACLs, from the services' declarations (shared.kafka_acls)."""

from __future__ import annotations

import pytest

from services.registry import SERVICES
from shared.contract.topics import TOPICS
from shared.kafka_acls import (
    SUBSCRIBER,
    Acl,
    desk_acls,
    lines_of,
    parse_table,
    service_acls,
    table,
    user_of,
    with_prefix,
)
from shared.settings import CommonSettings

SETTINGS = CommonSettings(topic_prefix="city")


def allowed(acls: set[Acl], who: str, operation: str, kind: str = "topic") -> set[str]:
    return {
        acl.name
        for acl in acls
        if acl.principal == f"User:{who}"
        and acl.operation == operation
        and acl.resource_type == kind
    }


def test_routing_writes_its_own_topics_and_reads_what_it_consumes() -> None:
    acls = service_acls(SERVICES["routing"], "city")
    assert allowed(acls, "kyoso-routing", "Write") == {
        "city.routing.proposals",
        "city.routing.dead-letters",
    }
    assert allowed(acls, "kyoso-routing", "Create") == {
        "city.routing.proposals",
        "city.routing.dead-letters",
    }
    assert allowed(acls, "kyoso-routing", "Read") == {
        "city.routing.proposals",
        "city.intake.proposals",
        "city.decision.proposals",  # a rejection closes the routing
        "city.implementation.projects",  # an overdue verification: the department is mailed
    }
    assert allowed(acls, "kyoso-routing", "Read", "group") == {"city-routing"}
    assert allowed(acls, "kyoso-routing", "IdempotentWrite", "cluster") == {"kafka-cluster"}
    assert {acl.operation for acl in acls} == {
        "Read",
        "Write",
        "Create",
        "Describe",
        "IdempotentWrite",
    }  # no Delete, no Alter


@pytest.mark.parametrize("name", list(SERVICES))
def test_each_service_writes_exactly_its_declared_topics_and_reads_what_it_consumes(
    name: str,
) -> None:
    declaration = SERVICES[name]
    acls = desk_acls(SERVICES.values(), "city")
    own = {topic.name(SETTINGS) for topic in declaration.published()}
    dead_letters = declaration.dead_letters().name(SETTINGS)
    consumed = {topic.name(SETTINGS) for topic in declaration.consumed()}
    user = user_of(name)
    assert allowed(acls, user, "Write") == own | {dead_letters}
    assert allowed(acls, user, "Read") == own | consumed
    assert allowed(acls, user, "Describe") == own | consumed | {dead_letters}
    assert allowed(acls, user, "Read", "group") == {f"city-{name}"}  # its Faust app id


def test_no_topic_has_two_writers_and_every_read_topic_has_its_writer() -> None:
    acls = desk_acls(SERVICES.values(), "city")
    writers: dict[str, set[str]] = {}
    for acl in acls:
        if acl.operation == "Write":
            writers.setdefault(acl.name, set()).add(acl.principal)
    assert all(len(principals) == 1 for principals in writers.values()), writers
    read = {acl.name for acl in acls if acl.operation == "Read" and acl.resource_type == "topic"}
    assert read <= set(writers)
    assert {topic.name(SETTINGS) for topic in TOPICS} <= set(writers)
    for topic in TOPICS:
        assert writers[topic.name(SETTINGS)] == {f"User:{user_of(topic.owner)}"}


def test_another_city_reads_only_the_public_cases_with_groups_of_its_own() -> None:
    acls = {a for a in desk_acls(SERVICES.values(), "city") if a.principal == f"User:{SUBSCRIBER}"}
    assert acls == {
        Acl("User:kyoso-subscriber", "topic", "city.public.cases", "Read"),
        Acl("User:kyoso-subscriber", "topic", "city.public.cases", "Describe"),
        Acl("User:kyoso-subscriber", "group", "kyoso-subscriber", "Read", "prefixed"),
        Acl("User:kyoso-subscriber", "group", "kyoso-subscriber", "Describe", "prefixed"),
    }
    other = desk_acls(SERVICES.values(), "city", subscribers=["fukuoka"])
    assert allowed(other, "fukuoka", "Read") == {"city.public.cases"}
    assert not allowed(other, SUBSCRIBER, "Read")


def test_the_table_holds_exactly_the_acls_and_takes_the_deployments_prefix() -> None:
    acls = desk_acls(SERVICES.values(), "{prefix}")
    text = table(acls)
    lines = parse_table(text)
    assert set().union(*(line.acls() for line in lines)) == acls
    assert len(lines) == len(lines_of(acls)) == 4 * len(SERVICES) + 2
    concrete = with_prefix(lines, "city")
    assert set().union(*(line.acls() for line in concrete)) == desk_acls(SERVICES.values(), "city")


def test_each_line_is_one_kafka_acls_command() -> None:
    lines = lines_of(service_acls(SERVICES["routing"], "city"))
    commands = sorted(line.kafka_acls_arguments() for line in lines)
    assert [
        "--add",
        "--allow-principal",
        "User:kyoso-routing",
        "--operation",
        "Read",
        "--operation",
        "Describe",
        "--topic",
        "city.decision.proposals",
        "--topic",
        "city.implementation.projects",
        "--topic",
        "city.intake.proposals",
        "--group",
        "city-routing",
    ] in commands
    assert [
        "--add",
        "--allow-principal",
        "User:kyoso-routing",
        "--operation",
        "IdempotentWrite",
        "--cluster",
    ] in commands
    subscriber = lines_of(desk_acls([], "city"))
    assert subscriber[1].kafka_acls_arguments()[3:5] == ["--resource-pattern-type", "prefixed"]


def test_an_operation_a_resource_does_not_have_is_refused() -> None:
    with pytest.raises(ValueError, match="Write is no operation on a group"):
        Acl("User:kyoso-routing", "group", "city-routing", "Write")
    with pytest.raises(ValueError, match="line 1: unknown resource type 'user'"):
        parse_table("User:x literal Read user:y\n")
