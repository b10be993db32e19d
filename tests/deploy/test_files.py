"""The container files agree with the code: docker-compose.yml, the Dockerfile, .env.example,
.dockerignore and the Kubernetes manifests in deploy/.

Every expectation is derived from the code (settings fields, the CLI's services, the app's
routes, the topic functions), so a change on either side that the other misses fails here.
"""

from __future__ import annotations

import re
import secrets
import shutil
import subprocess
import tomllib
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml
from fastapi import FastAPI
from pydantic import TypeAdapter

from services.intake.settings import IntakeSettings
from services.registry import FRONTS, PROCESSES
from shared.service import create_app
from shared.settings import CommonSettings
from tests.deploy import manifests as m

# Values that containers set on purpose to something else than the code's default.
CONTAINER_VALUES = {
    "KYOSO_DATABASE_URL": "PostgreSQL instead of SQLite files",
    "KYOSO_KAFKA_BOOTSTRAP_SERVERS": "the Kafka service instead of the local broker",
    "KYOSO_HTTP_HOST": "listen on the container's network, not only its loopback",
    "KYOSO_DATA_DIR": "a folder the image's non-root user owns",
    "KYOSO_PUBLIC_BASE_URL": "the code derives it from KYOSO_HTTP_HOST, 0.0.0.0 in containers",
    "KYOSO_PUBLICATION_BASE_URL": "the code derives it from KYOSO_HTTP_HOST, 0.0.0.0 in containers",
    "KYOSO_PORTAL_PUBLIC_BASE_URL": "the code derives it from KYOSO_HTTP_HOST, 0.0.0.0 in containers",
    "KYOSO_INTAKE_URL": "the intake service by its name on the containers' network",
    "KYOSO_ROUTING_URL": "the routing service by its name on the containers' network",
    "KYOSO_DECISION_URL": "the decision service by its name on the containers' network",
    "KYOSO_PUBLICATION_URL": "the publication service by its name on the containers' network",
    "KYOSO_IMPLEMENTATION_URL": "the implementation service by its name on the containers' network",
    "KYOSO_SECRET_KEY": "a secret: no default",
    "KYOSO_SIGNING_KEY": "compose: empty, each service makes its key in the shared keys volume",
    "KYOSO_TRUSTED_KEYS": "the desk's own public keys: no default",
    "KYOSO_STAFF_TOKENS": "transition only: a JSON list, off ([]) unless set",
    "KYOSO_OIDC_ISSUER": "the city's identity provider: no default",
    "KYOSO_PORTAL_OIDC_CLIENT_SECRET": "a secret: no default",
    "KYOSO_METRICS_TOKEN": "a secret: no default (compose publishes every service's port)",
    "KYOSO_KAFKA_SECURITY_PROTOCOL": "the bundled Kafka asks every client to log in",
    "KYOSO_KAFKA_SASL_USERNAME": "each service's own Kafka user",
    "KYOSO_KAFKA_SASL_PASSWORD": "a secret: no default",
}
# The compose services that run once and exit: Kafka's users, topics and ACLs, and the
# optional local provider's demo staff (profile local-idp).
ONE_SHOTS = frozenset({"kafka-init", "local-idp-staff"})
# What an operator's .env must hold before `docker compose up` (the file's `:?` variables).
REQUIRED = {
    "POSTGRES_PASSWORD": "pw" + secrets.token_hex(8),
    "KYOSO_SECRET_KEY": secrets.token_urlsafe(32),
    "KYOSO_OIDC_ISSUER": "https://id.example-city.jp/realms/staff",
    "KYOSO_PORTAL_OIDC_CLIENT_SECRET": secrets.token_urlsafe(32),
    "KYOSO_METRICS_TOKEN": secrets.token_urlsafe(24),
    **{f"KAFKA_{who}_PASSWORD": secrets.token_hex(12) for who in m.KAFKA_PASSWORD_OWNERS},
}


@pytest.fixture(scope="module")
def apps(tmp_path_factory: pytest.TempPathFactory) -> dict[str, FastAPI]:
    """Each service's FastAPI app (not started), to look up its routes."""
    built = {}
    for name, settings_class in m.SERVICE_SETTINGS.items():
        values: dict[str, Any] = {"data_dir": tmp_path_factory.mktemp(name)}
        if "secret_key" in settings_class.model_fields:
            values["secret_key"] = secrets.token_urlsafe(32)
        built[name] = create_app(PROCESSES[name], settings_class(**values))
    return built


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return m.load_compose(REQUIRED)


def code_default(settings: type[CommonSettings], name: str) -> Any:
    return settings.model_fields[name].get_default(call_default_factory=True)


def as_setting(settings: type[CommonSettings], name: str, text: str) -> Any:
    """`text` as the settings class reads it from the environment (pydantic's lax mode)."""
    annotation = settings.model_fields[name].annotation
    assert annotation is not None
    return TypeAdapter(annotation).validate_python(text)


def field_name(variable: str) -> str:
    return variable.removeprefix("KYOSO_").lower()


def url_port_and_path(text: str) -> tuple[int, str]:
    urls = re.findall(r"https?://[^\s'\"]+", text)
    assert len(urls) == 1, f"expected one URL in {text!r}"
    parts = urlsplit(urls[0])
    assert parts.hostname == "127.0.0.1" and parts.port is not None, urls[0]
    return parts.port, parts.path


def all_topics(prefix: str) -> set[str]:
    settings = CommonSettings(topic_prefix=prefix)
    return set().union(*(m.service_topics(name, settings) for name in m.SERVICE_SETTINGS))


# -- docker-compose.yml ----------------------------------------------------------------------


def test_compose_runs_every_service_the_cli_has_and_no_other(compose: dict[str, Any]) -> None:
    desk = m.desk_services(compose)
    assert set(desk) == set(PROCESSES), "compose and `kyoso service NAME` differ"
    for name, service in desk.items():
        assert service["command"] == ["service", name], name
        assert name in m.SERVICE_SETTINGS, f"tests/deploy/manifests.py: add {name}'s settings"
    for name, service in compose["services"].items():
        for needed in service.get("depends_on", {}):
            assert needed in compose["services"], f"{name} depends on a missing {needed}"


def test_compose_sets_only_variables_the_service_reads(compose: dict[str, Any]) -> None:
    common = m.raw_compose()["x-kyoso-settings"]
    unknown = set(common) - m.setting_variables(CommonSettings)
    assert not unknown, f"x-kyoso-settings sets what not every service reads: {unknown}"
    for name, service in m.desk_services(compose).items():
        set_here = {k for k in m.service_environment(service) if k.startswith("KYOSO_")}
        unknown = set_here - m.setting_variables(m.SERVICE_SETTINGS[name])
        assert not unknown, f"{name} is given variables it does not read: {sorted(unknown)}"


def test_compose_gives_every_setting_with_the_codes_default(compose: dict[str, Any]) -> None:
    # With an .env that only holds the required secrets, every other value is the default
    # written in the compose file; it must be the code's, or a deliberate container value.
    for service, spec in m.desk_services(compose).items():
        settings = m.SERVICE_SETTINGS[service]
        environment = m.service_environment(spec)
        missing = m.variables_read_by(service) - set(environment)
        assert not missing, f"compose leaves {sorted(missing)} out of {service}"
        for variable, value in environment.items():
            if variable in CONTAINER_VALUES or variable == m.port_variable(service):
                continue
            name = field_name(variable)
            assert as_setting(settings, name, value) == code_default(settings, name), (
                f"{service}: {variable}: compose's default {value!r} is not the code's"
            )


def test_an_operator_sets_each_kyoso_setting_by_its_own_name() -> None:
    # KYOSO_LOG_LEVEL in .env reaches the containers as KYOSO_LOG_LEVEL, and so on.
    raw = m.raw_compose()
    for service in m.desk_services(raw).values():
        environment = {**raw["x-kyoso-settings"], **service["environment"]}
        for variable, value in environment.items():
            used = {i.name for i in m.interpolations(str(value)) if i.name.startswith("KYOSO_")}
            assert used <= {variable}, f"{variable} is taken from {used}"


def test_every_compose_variable_is_documented_in_env_example_and_readme() -> None:
    used = {i.name: i for i in m.interpolations(m.compose_text())}
    active = m.read_dotenv(m.ENV_EXAMPLE)
    documented = m.read_dotenv(m.ENV_EXAMPLE, commented=True)
    assert set(documented) == set(used), "compose's variables and .env.example differ"
    containers = readme_containers_section()
    for name, interpolation in used.items():
        assert f"`{name}`" in containers, f"README's Containers section lacks {name}"
        if interpolation.required:
            assert name in active and active[name] == "", f".env.example: `{name}=` to fill in"
        else:
            assert documented[name] == interpolation.default, (
                f".env.example documents {name}={documented[name]}, "
                f"compose's default is {interpolation.default}"
            )


def test_compose_stops_naming_each_missing_secret() -> None:
    for name in REQUIRED:
        without = {k: v for k, v in REQUIRED.items() if k != name}
        with pytest.raises(m.MissingVariable, match=f"{name}: set {name} in .env"):
            m.load_compose(without)


def test_compose_ports_and_healthchecks_match_the_code(
    compose: dict[str, Any], apps: dict[str, FastAPI]
) -> None:
    for name, service in m.desk_services(compose).items():
        port = m.default_port(name)
        assert int(m.service_environment(service)[m.port_variable(name)]) == port, name
        assert [str(p).rsplit(":", 1)[1] for p in service["ports"]] == [str(port)], name
        test = service["healthcheck"]["test"]
        assert test[:3] == ["CMD", "python", "-c"], name
        assert url_port_and_path(test[3]) == (port, "/readyz"), name
        assert m.answers_get(apps[name], "/readyz"), name


def test_kafka_init_creates_exactly_the_topics_the_code_uses() -> None:
    for prefix in (None, "city-a"):
        env = {**REQUIRED, **({"KYOSO_TOPIC_PREFIX": prefix} if prefix else {})}
        compose = m.load_compose(env)
        init = m.service_environment(compose["services"]["kafka-init"])
        created = {f"{init['TOPIC_PREFIX']}.{name}" for name in init["TOPICS"].split()}
        for service in m.desk_services(compose).values():
            used_prefix = m.service_environment(service)["KYOSO_TOPIC_PREFIX"]
            assert used_prefix == (prefix or code_default(CommonSettings, "topic_prefix"))
            assert used_prefix == init["TOPIC_PREFIX"]
        assert created == all_topics(init["TOPIC_PREFIX"])


def test_compose_wiring_health_restarts_and_volumes(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert services["kafka-init"]["depends_on"] == {"kafka": {"condition": "service_healthy"}}
    mounted = m.volume_sources(services["kafka-init"])
    assert services["kafka-init"]["command"] == ["/bin/sh", "/kyoso/kafka-init.sh"]
    assert mounted == {
        "/kyoso/kafka-init.sh": "./deploy/base/kafka-init.sh",
        m.service_environment(services["kafka-init"])["ACLS"]: "./deploy/base/kafka-acls.txt",
    }
    assert all((m.ROOT / source).is_file() for source in mounted.values())
    for name, service in m.desk_services(compose).items():
        if name in FRONTS:
            # It keeps no events: it waits for the services it calls, not for the stores.
            assert service["depends_on"], name
            for needed, condition in service["depends_on"].items():
                assert needed in PROCESSES and condition == {"condition": "service_healthy"}
            continue
        assert service["depends_on"] == {
            "postgres": {"condition": "service_healthy"},
            "kafka-init": {"condition": "service_completed_successfully"},
        }, name
    for name, service in services.items():
        if name in ONE_SHOTS:
            assert service["restart"] == "no"
            continue
        assert service["restart"] == "unless-stopped", name
        assert service["healthcheck"]["test"], name
    for name in ("kafka", "postgres"):
        for volume in services[name]["volumes"]:
            assert volume.split(":")[0] in compose["volumes"], f"{name}: {volume} not declared"


def test_compose_services_reach_postgres_and_kafka_as_configured(
    compose: dict[str, Any],
) -> None:
    postgres = m.service_environment(compose["services"]["postgres"])
    kafka = m.service_environment(compose["services"]["kafka"])
    for name, service in m.desk_services(compose).items():
        environment = m.service_environment(service)
        if name in FRONTS:
            assert environment["KYOSO_DATABASE_URL"] == "memory:", name  # no password
            continue
        url = urlsplit(environment["KYOSO_DATABASE_URL"])
        assert (url.hostname, url.port, url.path) == (
            "postgres",
            5432,
            f"/{postgres['POSTGRES_DB']}",
        )
        assert (url.username, url.password) == (
            postgres["POSTGRES_USER"],
            REQUIRED["POSTGRES_PASSWORD"],
        ), name
        # The services reach the broker at the address it advertises, on a listener that
        # speaks their security protocol.
        host, port = environment["KYOSO_KAFKA_BOOTSTRAP_SERVERS"].split(":")
        advertised = m.listeners(kafka["KAFKA_ADVERTISED_LISTENERS"])
        listener = next(n for n, address in advertised.items() if address == (host, int(port)))
        protocols = dict(
            p.split(":") for p in kafka["KAFKA_LISTENER_SECURITY_PROTOCOL_MAP"].split(",")
        )
        assert protocols[listener] == environment["KYOSO_KAFKA_SECURITY_PROTOCOL"], name
    assert kafka["KAFKA_AUTO_CREATE_TOPICS_ENABLE"] == "false"  # topics only from kafka-init


# -- Dockerfile and .dockerignore ------------------------------------------------------------


def test_dockerfile_is_multi_stage_slim_and_runs_as_a_non_root_user() -> None:
    stages = m.dockerfile_stages()
    assert len(stages) >= 2
    final = stages[-1]
    assert final.base == "python:3.11-slim" and stages[0].base == "python:3.11-slim"
    assert any(arg.startswith("--from=builder ") for arg in final.all("COPY"))
    assert any("pip install ." in run for run in stages[0].all("RUN"))
    user = final.last("USER")
    assert user is not None and user.split(":")[0] not in ("root", "0")
    assert any("libpq5" in run for run in final.all("RUN")), "psycopg needs libpq at run time"


def test_the_image_runs_kyoso_service_intake_by_default() -> None:
    final = m.dockerfile_stages()[-1]
    entrypoint, command = final.last("ENTRYPOINT"), final.last("CMD")
    assert entrypoint is not None and command is not None
    assert m.exec_form(entrypoint) + m.exec_form(command) == ["kyoso", "service", "intake"]
    project = tomllib.loads((m.ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert project["project"]["scripts"]["kyoso"] == "kyoso.cli:main"


def test_the_images_settings_port_and_healthcheck_match_the_code(
    apps: dict[str, FastAPI],
) -> None:
    final = m.dockerfile_stages()[-1]
    env = final.env()
    kyoso = {k for k in env if k.startswith("KYOSO_")}
    assert kyoso <= m.setting_variables(CommonSettings), kyoso
    assert env["KYOSO_HTTP_HOST"] == "0.0.0.0"
    exposed = {int(port) for arg in final.all("EXPOSE") for port in arg.split()}
    assert exposed == {m.default_port(name) for name in m.SERVICE_SETTINGS}
    healthcheck = final.last("HEALTHCHECK")
    assert healthcheck is not None and "CMD " in healthcheck
    command = m.exec_form(healthcheck.split("CMD ", 1)[1])
    assert command[:2] == ["python", "-c"] and "HEALTHCHECK_URL" in command[2]
    port, path = url_port_and_path(env["HEALTHCHECK_URL"])
    assert port == m.default_port("intake") and m.answers_get(apps["intake"], path)


def test_the_build_context_holds_the_project_and_no_secrets_or_stores() -> None:
    sent = set(m.context_files())
    copied = {
        source
        for arg in m.dockerfile_stages()[0].all("COPY")
        for source in arg.split()[:-1]  # the last word is the destination
    }
    needed = {"pyproject.toml", "README.md"}
    for folder in ("kyoso", "shared", "services"):
        needed |= {
            p.relative_to(m.ROOT).as_posix()
            for p in (m.ROOT / folder).rglob("*")
            if p.is_file() and "__pycache__" not in p.parts
        }
    assert needed <= sent, f"left out of the image: {sorted(needed - sent)[:5]}"
    assert copied == {"pyproject.toml", "README.md", "kyoso", "shared", "services"}
    rules = m.dockerignore_rules()
    for secret in (".env", "data/intake.sqlite", "deploy/overlays/x/secrets.env", ".venv/x"):
        assert m.ignored(secret, rules), secret
    assert not m.ignored(".env.example", rules)


# -- Kubernetes (deploy/) --------------------------------------------------------------------


@pytest.fixture(scope="module")
def base() -> m.Kustomization:
    return m.kustomization(m.BASE)


@pytest.fixture(scope="module")
def overlay(tmp_path_factory: pytest.TempPathFactory) -> m.Kustomization:
    """The example overlay, with its secrets.env made from secrets.env.example."""
    copy = tmp_path_factory.mktemp("deploy") / "deploy"
    shutil.copytree(m.DEPLOY, copy)
    folder = copy / m.OVERLAY.relative_to(m.DEPLOY)
    shutil.copy(folder / "secrets.env.example", folder / "secrets.env")
    return m.kustomization(folder)


def desk_deployments(kustomize: m.Kustomization) -> dict[str, dict[str, Any]]:
    return {
        d["metadata"]["name"]: d
        for d in kustomize.of_kind("Deployment")
        if any(c["image"] == "kyoso-desk" for c in m.pod_spec(d)["containers"])
    }


def test_the_kustomization_is_whole(base: m.Kustomization) -> None:
    kinds = sorted((r["kind"], r["metadata"]["name"]) for r in base.resources)
    services = sorted(PROCESSES)
    assert kinds == sorted(
        [
            *[("Deployment", name) for name in services],
            *[("Service", name) for name in services],
            ("Job", "kyoso-kafka-init"),
            ("Namespace", "kyoso"),
            ("Service", "kafka"),
            ("Service", "postgres"),
            ("StatefulSet", "kafka"),
            ("StatefulSet", "postgres"),
        ]
    )
    assert set(base.config_maps) == {"kyoso-settings", "kyoso-scripts"}
    assert set(base.secrets) == {"kyoso-secrets"}


def test_deployments_run_every_service_the_cli_has_and_no_other(base: m.Kustomization) -> None:
    deployments = desk_deployments(base)
    assert set(deployments) == set(PROCESSES), "deploy/ and `kyoso service NAME` differ"
    for name, deployment in deployments.items():
        assert m.image_command(m.container(deployment, name)) == ["kyoso", "service", name]
        assert name in m.SERVICE_SETTINGS, f"tests/deploy/manifests.py: add {name}'s settings"


@pytest.mark.parametrize("which", ["base", "overlay"])
def test_manifests_give_each_service_every_setting_and_nothing_else(
    which: str, request: pytest.FixtureRequest
) -> None:
    kustomize: m.Kustomization = request.getfixturevalue(which)
    for name, deployment in desk_deployments(kustomize).items():
        spec = m.container(deployment, name)
        for kind, generated in (
            ("configMapKeyRef", kustomize.config_maps),
            ("secretKeyRef", kustomize.secrets),
        ):
            for object_name, key in m.referenced_keys(spec, kind):
                assert key in generated[object_name], f"{name}: {object_name} lacks {key}"
        environment = m.container_environment(spec, kustomize.config_maps, kustomize.secrets)
        given = {k for k in environment if k.startswith("KYOSO_")}
        reads = m.variables_read_by(name)
        assert given <= reads, f"{name} is given variables it does not read: {given - reads}"
        assert reads <= given, f"{name} is not given {sorted(reads - given)}"


def test_settings_env_holds_real_settings_that_some_container_uses(
    base: m.Kustomization,
) -> None:
    settings = base.config_maps["kyoso-settings"]
    used = {
        key
        for workload in base.resources
        if "template" in workload.get("spec", {})
        for spec in [
            *m.pod_spec(workload).get("initContainers", []),
            *m.pod_spec(workload)["containers"],
        ]
        for object_name, key in m.referenced_keys(spec, "configMapKeyRef")
        if object_name == "kyoso-settings"
    }
    assert set(settings) == used, f"unused: {set(settings) - used}"
    for variable, value in settings.items():
        if not variable.startswith("KYOSO_"):
            continue
        readers = [s for s in m.SERVICE_SETTINGS.values() if variable in m.setting_variables(s)]
        assert readers, f"settings.env: {variable} is no service's setting"
        if variable in CONTAINER_VALUES:
            continue
        name = field_name(variable)
        assert as_setting(readers[0], name, value) == code_default(readers[0], name), (
            f"settings.env: {variable}={value} is not the code's default"
        )


def test_ports_and_probes_match_the_code(base: m.Kustomization, apps: dict[str, FastAPI]) -> None:
    for name, deployment in desk_deployments(base).items():
        spec = m.container(deployment, name)
        environment = m.container_environment(spec, base.config_maps, base.secrets)
        port = m.default_port(name)
        assert int(environment[m.port_variable(name)]) == port, name
        assert spec["ports"] == [{"name": "http", "containerPort": port}], name
        service = base.find("Service", name)
        assert service["spec"]["ports"][0]["targetPort"] == "http"
        assert service["spec"]["selector"] == deployment["spec"]["template"]["metadata"]["labels"]
        probes = {
            kind: spec[kind]["httpGet"]
            for kind in ("startupProbe", "readinessProbe", "livenessProbe")
        }
        assert probes["readinessProbe"]["path"] == "/readyz", name
        assert probes["livenessProbe"]["path"] == "/healthz", name
        for kind, probe in probes.items():
            assert probe["port"] == "http", (name, kind)
            assert m.answers_get(apps[name], probe["path"]), f"{name} {kind}: {probe['path']}"


def test_the_kafka_init_job_and_each_wait_use_exactly_the_codes_topics(
    base: m.Kustomization,
) -> None:
    prefix = base.config_maps["kyoso-settings"]["KYOSO_TOPIC_PREFIX"]
    job = base.find("Job", "kyoso-kafka-init")
    create = m.container(job, "kafka-init")
    job_env = m.container_environment(create, base.config_maps, base.secrets)
    assert job_env["TOPIC_PREFIX"] == prefix
    assert {f"{prefix}.{t}" for t in job_env["TOPICS"].split()} == all_topics(prefix)
    mounted = m.mounted_files(job, create, base)
    assert mounted[create["command"][1]] == m.BASE / "kafka-init.sh"
    assert mounted[job_env["ACLS"]] == m.BASE / "kafka-acls.txt"
    for name, deployment in desk_deployments(base).items():
        if name in FRONTS:  # no topics to wait for
            assert not m.pod_spec(deployment).get("initContainers"), name
            continue
        wait = m.container(deployment, "wait-for-topics")
        wait_env = m.container_environment(wait, base.config_maps, base.secrets)
        assert wait_env["KYOSO_TOPIC_PREFIX"] == prefix
        waits_for = {f"{prefix}.{t}" for t in wait_env["TOPICS"].split()}
        assert waits_for == m.service_topics(name, CommonSettings(topic_prefix=prefix)), name
        assert m.image_command(wait)[0] == "python"
        script = m.mounted_files(deployment, wait, base)[wait["command"][1]]
        assert script == m.BASE / "wait-for-topics.py"
        # The job, the wait and the service read the prefix and the servers from the same keys.
        main = m.container(deployment, name)
        for variable in ("KYOSO_TOPIC_PREFIX", "KYOSO_KAFKA_BOOTSTRAP_SERVERS"):
            ref = ("kyoso-settings", variable)
            assert ref in m.referenced_keys(main, "configMapKeyRef"), (name, variable)
            assert ref in m.referenced_keys(wait, "configMapKeyRef"), (name, variable)
            assert ref in m.referenced_keys(create, "configMapKeyRef"), variable


def test_pods_run_as_the_images_non_root_user(base: m.Kustomization) -> None:
    user = m.dockerfile_stages()[-1].last("USER")
    assert user is not None
    uid = int(user.split(":")[0])
    for name, deployment in desk_deployments(base).items():
        security = m.pod_spec(deployment)["securityContext"]
        assert security["runAsNonRoot"] is True and security["runAsUser"] == uid, name
        assert m.pod_spec(deployment)["enableServiceLinks"] is False, name
    # The apache/kafka image turns KAFKA_* variables into settings and refuses KAFKA_PORT,
    # which a Service named kafka would inject.
    assert m.pod_spec(base.find("StatefulSet", "kafka"))["enableServiceLinks"] is False


@pytest.mark.parametrize(
    "secrets_file", [m.BASE / "secrets.example.env", m.OVERLAY / "secrets.env.example"]
)
def test_the_secrets_template_matches_the_postgres_it_talks_to(
    base: m.Kustomization, secrets_file: Path
) -> None:
    values = m.read_kustomize_env(secrets_file)
    assert set(values) == set(base.secrets["kyoso-secrets"])
    postgres = m.container(base.find("StatefulSet", "postgres"), "postgres")
    postgres_env = m.container_environment(postgres, base.config_maps, base.secrets)
    url = urlsplit(values["KYOSO_DATABASE_URL"])
    service = base.find("Service", "postgres")
    assert url.hostname == service["metadata"]["name"]
    assert url.port == service["spec"]["ports"][0]["port"]
    assert (url.username, url.path) == (
        postgres_env["POSTGRES_USER"],
        f"/{postgres_env['POSTGRES_DB']}",
    )
    if secrets_file.name == "secrets.example.env":
        assert url.password == values["POSTGRES_PASSWORD"]
        with pytest.raises(ValueError, match="at least 32 characters"):
            IntakeSettings(secret_key=values["KYOSO_SECRET_KEY"])  # the example fails closed
        # /metrics of the public portal must not stay open because the example was kept.
        with pytest.raises(ValueError, match="at least 16 characters"):
            IntakeSettings(metrics_token=values["KYOSO_METRICS_TOKEN"])


def test_the_overlay_only_changes_settings_the_base_has(base: m.Kustomization) -> None:
    overlay_settings = m.read_kustomize_env(m.OVERLAY / "settings.env")
    unknown = set(overlay_settings) - set(base.config_maps["kyoso-settings"])
    assert not unknown, f"overlay settings.env: unknown {unknown} (a typo?)"


def test_kubectl_kustomize_renders_the_base_and_the_overlay(tmp_path: Path) -> None:
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        pytest.skip("kubectl is not installed here")
    copy = tmp_path / "deploy"
    shutil.copytree(m.DEPLOY, copy)
    overlay = copy / m.OVERLAY.relative_to(m.DEPLOY)
    shutil.copy(overlay / "secrets.env.example", overlay / "secrets.env")
    for folder, image in (
        (copy / "base", "kyoso-desk:latest"),
        (overlay, "registry.example.jp/kyoso/kyoso-desk:0.1.0"),
    ):
        rendered = subprocess.run(
            [kubectl, "kustomize", str(folder)], capture_output=True, text=True, timeout=60
        )
        assert rendered.returncode == 0, rendered.stderr
        documents = [d for d in yaml.safe_load_all(rendered.stdout) if d]
        names = {(d["kind"], d["metadata"]["name"]) for d in documents}
        assert all(
            d["metadata"].get("namespace") == "kyoso" for d in documents if d["kind"] != "Namespace"
        )
        deployment = next(d for d in documents if d["kind"] == "Deployment")
        spec = m.pod_spec(deployment)
        assert [c["image"] for c in spec["containers"]] == [image]
        for c in [*spec["initContainers"], *spec["containers"]]:
            for kind, object_kind in (("configMapKeyRef", "ConfigMap"), ("secretKeyRef", "Secret")):
                for object_name, _ in m.referenced_keys(c, kind):
                    assert (object_kind, object_name) in names, object_name  # hashed names
    overlay_settings = next(
        d
        for d in documents
        if d["kind"] == "ConfigMap" and d["metadata"]["name"].startswith("kyoso-settings")
    )
    assert overlay_settings["data"]["KYOSO_PUBLIC_BASE_URL"] == "https://kyoso.city.example.jp"


# -- README ----------------------------------------------------------------------------------


def readme_containers_section() -> str:
    readme = (m.ROOT / "README.md").read_text(encoding="utf-8")
    assert "\n## Containers\n" in readme, "README lacks its Containers section"
    section = readme.split("\n## Containers\n", 1)[1]
    assert "\n## " not in section, "the Containers section is the README's last"
    return section


def test_the_readme_explains_how_to_run_the_containers() -> None:
    section = readme_containers_section()
    for needed in ("docker compose up", ".env.example", "deploy/", "kubectl apply -k"):
        assert needed in section, needed
