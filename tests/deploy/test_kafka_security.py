"""The deployments' Kafka knows every client (issue 18): docker-compose.yml and deploy/
run the broker with logins and ACLs, make one user per service, give each service its
own, and apply the ACLs the services' declarations call for (shared.kafka_acls).

Every expectation comes from the code: the registry's services, the ACLs computed from
their declarations, the settings the services read.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from services.registry import SERVICES
from shared.kafka_acls import (
    SUBSCRIBER,
    desk_acls,
    parse_table,
    principal,
    table,
    user_of,
    with_prefix,
)
from tests.deploy import manifests as m
from tests.deploy.test_files import REQUIRED

ACL_TABLE = m.BASE / "kafka-acls.txt"
ADMIN = "kyoso-admin"


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return m.load_compose(REQUIRED)


@pytest.fixture(scope="module")
def base() -> m.Kustomization:
    return m.kustomization(m.BASE)


def scram_users(value: str) -> dict[str, str]:
    """SCRAM_USERS as kafka-init.sh reads it: `user=password` separated by spaces."""
    return dict(entry.split("=", 1) for entry in value.split())


def k8s_env(kustomize: m.Kustomization, kind: str, name: str, container: str) -> dict[str, str]:
    spec = m.container(kustomize.find(kind, name), container)
    return m.container_environment(spec, kustomize.config_maps, kustomize.secrets)


def test_the_acl_table_is_what_the_declarations_give() -> None:
    lines = parse_table(ACL_TABLE.read_text(encoding="utf-8"))
    held = set().union(*(line.acls() for line in lines))
    wanted = desk_acls(SERVICES.values(), "{prefix}")
    assert held == wanted, (
        "deploy/base/kafka-acls.txt is out of date: "
        "python -m shared.kafka_acls > deploy/base/kafka-acls.txt"
    )
    assert ACL_TABLE.read_text(encoding="utf-8") == table(wanted)


def test_compose_and_kubernetes_apply_that_table_for_their_prefix(
    compose: dict[str, Any], base: m.Kustomization
) -> None:
    init = m.service_environment(compose["services"]["kafka-init"])
    assert m.ROOT / m.volume_sources(compose["services"]["kafka-init"])[init["ACLS"]] == ACL_TABLE
    job = base.find("Job", "kyoso-kafka-init")
    job_env = k8s_env(base, "Job", "kyoso-kafka-init", "kafka-init")
    assert m.mounted_files(job, m.container(job, "kafka-init"), base)[job_env["ACLS"]] == ACL_TABLE
    lines = parse_table(ACL_TABLE.read_text(encoding="utf-8"))
    for prefix in (init["TOPIC_PREFIX"], job_env["TOPIC_PREFIX"], "city-a"):
        concrete = set().union(*(line.acls() for line in with_prefix(lines, prefix)))
        assert concrete == desk_acls(SERVICES.values(), prefix)


def logins_match_users(
    services: Mapping[str, Mapping[str, str]],
    users: Mapping[str, str],
    where: str,
    *,
    distinct: bool = True,
) -> None:
    """Each service logs in as its own user with the password its user was made with, and
    the users are exactly the principals the ACLs name."""
    for name, environment in services.items():
        assert environment["KYOSO_KAFKA_SECURITY_PROTOCOL"].startswith("SASL_"), (where, name)
        assert environment["KYOSO_KAFKA_SASL_MECHANISM"] == "SCRAM-SHA-512", (where, name)
        assert environment["KYOSO_KAFKA_SASL_USERNAME"] == user_of(name), (where, name)
        assert environment["KYOSO_KAFKA_SASL_PASSWORD"] == users[user_of(name)], (where, name)
    passwords = [users[user_of(name)] for name in services]
    assert not distinct or len(set(passwords)) == len(passwords), f"{where}: a shared password"
    principals = {acl.principal for acl in desk_acls(SERVICES.values(), "p")}
    assert {principal(user) for user in users} == principals, where
    assert SUBSCRIBER in users


def test_compose_gives_each_service_its_own_kafka_user(compose: dict[str, Any]) -> None:
    users = scram_users(m.service_environment(compose["services"]["kafka-init"])["SCRAM_USERS"])
    services = {
        name: m.service_environment(spec)
        for name, spec in m.desk_services(compose).items()
        if name in SERVICES  # the portal keeps no events and never logs in to Kafka
    }
    assert set(services) == set(SERVICES)
    logins_match_users(services, users, "docker-compose.yml")


@pytest.mark.parametrize("which", ["base", "overlay"])
def test_kubernetes_gives_each_service_and_its_wait_its_own_kafka_user(
    which: str, request: pytest.FixtureRequest
) -> None:
    kustomize: m.Kustomization = request.getfixturevalue(which)
    users = scram_users(k8s_env(kustomize, "Job", "kyoso-kafka-init", "kafka-init")["SCRAM_USERS"])
    for container in ("wait-for-topics", None):
        services = {
            name: k8s_env(kustomize, "Deployment", name, container or name) for name in SERVICES
        }
        # The base's example passwords are one placeholder, which kafka-init refuses.
        where = f"deploy/ {which} {container or 'service'}"
        logins_match_users(services, users, where, distinct=which == "overlay")


@pytest.fixture(scope="module")
def overlay(tmp_path_factory: pytest.TempPathFactory) -> m.Kustomization:
    """The example overlay, its secrets.env filled in as the template asks."""
    copy = tmp_path_factory.mktemp("deploy") / "deploy"
    shutil.copytree(m.DEPLOY, copy)
    folder = copy / m.OVERLAY.relative_to(m.DEPLOY)
    template = m.read_kustomize_env(folder / "secrets.env.example")
    filled = {k: v or REQUIRED.get(k, "x") for k, v in template.items()}
    (folder / "secrets.env").write_text(
        "".join(f"{k}={v}\n" for k, v in filled.items()), encoding="utf-8"
    )
    return m.kustomization(folder)


def broker_checks(properties: Mapping[str, str], admin_password: str, where: str) -> None:
    """The broker asks every client who it is and refuses what no ACL allows."""
    protocols = dict(p.split(":") for p in properties["listener.security.protocol.map"].split(","))
    assert all(protocol.startswith("SASL_") for protocol in protocols.values()), where
    bound = m.listeners(properties["listeners"])
    assert set(bound) == set(protocols), where
    controller = properties["controller.listener.names"]
    assert bound[controller][0] == "localhost", f"{where}: the controller listens only inside"
    assert properties["authorizer.class.name"] == (
        "org.apache.kafka.metadata.authorizer.StandardAuthorizer"
    ), where
    assert properties["allow.everyone.if.no.acl.found"] == "false", where
    assert properties["super.users"] == f"User:{ADMIN}", where
    for listener in bound:
        mechanisms = properties[f"listener.name.{listener.lower()}.sasl.enabled.mechanisms"]
        if listener != controller:
            assert "SCRAM-SHA-512" in mechanisms.split(","), (where, listener)
        if "PLAIN" in mechanisms.split(","):
            # Only the admin can log in with PLAIN: the JAAS line names it alone.
            jaas = properties[f"listener.name.{listener.lower()}.plain.sasl.jaas.config"]
            assert jaas == (
                "org.apache.kafka.common.security.plain.PlainLoginModule required "
                f'username="{ADMIN}" password="{admin_password}" '
                f'user_{ADMIN}="{admin_password}";'
            ), (where, listener)


def test_composes_kafka_refuses_whoever_no_acl_allows(compose: dict[str, Any]) -> None:
    kafka = m.service_environment(compose["services"]["kafka"])
    init = m.service_environment(compose["services"]["kafka-init"])
    assert (init["ADMIN_USERNAME"], init["ADMIN_SASL_MECHANISM"]) == (ADMIN, "PLAIN")
    assert init["ADMIN_PASSWORD"] == REQUIRED["KAFKA_ADMIN_PASSWORD"]
    broker_checks(m.kafka_server_properties(kafka), init["ADMIN_PASSWORD"], "docker-compose.yml")
    # kafka-init and the services log in on the listener their address reaches.
    advertised = m.listeners(kafka["KAFKA_ADVERTISED_LISTENERS"])
    host, port = init["BOOTSTRAP_SERVERS"].split(":")
    listener = next(n for n, address in advertised.items() if address == (host, int(port)))
    assert "PLAIN" in kafka[f"KAFKA_LISTENER_NAME_{listener}_SASL_ENABLED_MECHANISMS"]
    # The health check logs in as the admin with the broker's own JAAS line.
    check = compose["services"]["kafka"]["healthcheck"]["test"][1]
    assert f"${listener.join(['KAFKA_LISTENER_NAME_', '_PLAIN_SASL_JAAS_CONFIG'])}" in check


def test_kubernetes_kafka_refuses_whoever_no_acl_allows(base: m.Kustomization) -> None:
    kafka = k8s_env(base, "StatefulSet", "kafka", "kafka")
    job = k8s_env(base, "Job", "kyoso-kafka-init", "kafka-init")
    assert (job["ADMIN_USERNAME"], job["ADMIN_SASL_MECHANISM"]) == (ADMIN, "PLAIN")
    password = base.secrets["kyoso-secrets"]["KAFKA_ADMIN_PASSWORD"]
    assert job["ADMIN_PASSWORD"] == kafka["ADMIN_PASSWORD"] == password
    assert (
        job["SECURITY_PROTOCOL"]
        == base.config_maps["kyoso-settings"]["KYOSO_KAFKA_SECURITY_PROTOCOL"]
    )
    broker_checks(m.kafka_server_properties(kafka), password, "deploy/base/kafka.yaml")


def test_every_secret_and_setting_a_workload_names_exists(base: m.Kustomization) -> None:
    for workload in base.resources:
        if "template" not in workload.get("spec", {}):
            continue
        spec = m.pod_spec(workload)
        for container in [*spec.get("initContainers", []), *spec["containers"]]:
            for kind, generated in (
                ("configMapKeyRef", base.config_maps),
                ("secretKeyRef", base.secrets),
            ):
                for object_name, key in m.referenced_keys(container, kind):
                    assert key in generated[object_name], (workload["metadata"]["name"], key)
    for who in m.KAFKA_PASSWORD_OWNERS:
        assert f"KAFKA_{who}_PASSWORD" in base.secrets["kyoso-secrets"]


def test_the_example_secrets_fail_closed(base: m.Kustomization, tmp_path: Path) -> None:
    """The base's example Kafka passwords are refused before kafka-init talks to Kafka."""
    environment = {
        **k8s_env(base, "Job", "kyoso-kafka-init", "kafka-init"),
        "PATH": os.environ["PATH"],
        "KAFKA_BIN": str(tmp_path),  # no tools: it must stop before it needs them
    }
    done = subprocess.run(
        ["/bin/sh", str(m.BASE / "kafka-init.sh")],
        env=environment,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 1
    assert done.stderr == "kafka-init: the password of kyoso-admin is shorter than 16 characters\n"
