"""Reading the deployment files the way Docker Compose, Docker and Kustomize read them.

No Docker engine or cluster runs here (DESIGN.md §5), so the tests read the files
themselves: compose's `${VAR:-default}` interpolation and YAML merge keys, the Dockerfile's
final stage, `.dockerignore`, and a Kustomize base with its generated ConfigMaps and
Secrets. Only what our files use is implemented, and anything else fails loudly.
"""

from __future__ import annotations

import fnmatch
import os
import re
import shlex
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from fastapi import FastAPI
from pydantic_settings import BaseSettings
from starlette.routing import Match

from services.registry import FRONTS, PROCESSES, SERVICES
from shared.kafka_security import KafkaClientSettings
from shared.settings import ENV_PREFIX, CommonSettings

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "docker-compose.yml"
ENV_EXAMPLE = ROOT / ".env.example"
DOCKERFILE = ROOT / "Dockerfile"
DOCKERIGNORE = ROOT / ".dockerignore"
DEPLOY = ROOT / "deploy"
BASE = DEPLOY / "base"
OVERLAY = DEPLOY / "overlays" / "example-city"

# Which settings class each service reads, from the services' declarations: a service in
# the compose file or the manifests that is not declared fails the tests, naming it.
SERVICE_SETTINGS: dict[str, type[CommonSettings]] = {
    name: declaration.settings for name, declaration in PROCESSES.items()
}


# Whose Kafka passwords an operator sets (KAFKA_<WHO>_PASSWORD in .env and the Secret):
# the admin's, each service's, and the subscribing cities' user's.
KAFKA_PASSWORD_OWNERS = ("ADMIN", *(name.upper() for name in SERVICES), "SUBSCRIBER")


def variable(field_name: str) -> str:
    return f"{ENV_PREFIX}{field_name.upper()}"


# What only a service that publishes or consumes events uses: its signing key, the keys it
# trusts, the size limit of records on the bus.
BUS_TRUST_SETTINGS = ("signing_key", "trusted_keys", "kafka_max_record_bytes")


def variables_read_by(service: str) -> set[str]:
    """The variables a service's container must be given: every setting it reads, except,
    for a front that keeps no events (the portal), the Kafka login it never uses (a
    password is not handed to a process that has no use for it)."""
    reads = setting_variables(SERVICE_SETTINGS[service])
    if service in FRONTS:
        reads -= setting_variables(KafkaClientSettings)
        reads -= {variable(name) for name in BUS_TRUST_SETTINGS}
    return reads


def setting_variables(settings: type[BaseSettings]) -> set[str]:
    """The environment variables a settings class reads, from its pydantic fields."""
    return {variable(name) for name in settings.model_fields}


def port_variable(service: str) -> str:
    return PROCESSES[service].port_variable


def default_port(service: str) -> int:
    return PROCESSES[service].default_port


def service_topics(service: str, settings: CommonSettings) -> set[str]:
    """The topics a service uses, from its declaration: published, consumed, dead letters."""
    declaration = PROCESSES[service]
    if not declaration.published() and not declaration.consumed():
        return set()  # a service that keeps no events (the portal) has no topics at all
    topics = [*declaration.published(), *declaration.consumed(), declaration.dead_letters()]
    return {topic.name(settings) for topic in topics}


def answers_get(app: FastAPI, path: str) -> bool:
    """Whether the app has a GET route for `path` (Starlette's own matching)."""
    scope = {
        "type": "http",
        "method": "GET",
        "path": path,
        "root_path": "",
        "path_params": {},
        "headers": [],
        "query_string": b"",
    }
    return any(route.matches(scope)[0] is Match.FULL for route in app.routes)


# -- Docker Compose --------------------------------------------------------------------------

_INTERPOLATION = re.compile(
    r"\$(?:(?P<escaped>\$)"
    r"|\{(?P<braced>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?])(?P<arg>[^}]*))?\}"
    r"|(?P<bare>[A-Za-z_][A-Za-z0-9_]*))"
)


class MissingVariable(LookupError):
    pass


@dataclass(frozen=True)
class Interpolation:
    name: str
    op: str | None  # None, "-", ":-", "?", ":?"
    arg: str

    @property
    def required(self) -> bool:
        return self.op in ("?", ":?")

    @property
    def default(self) -> str | None:
        return self.arg if self.op in ("-", ":-") else None


def interpolations(text: str) -> list[Interpolation]:
    found = []
    for match in _INTERPOLATION.finditer(text):
        if match["escaped"]:
            continue
        found.append(
            Interpolation(match["braced"] or match["bare"], match["op"], match["arg"] or "")
        )
    return found


def interpolate(text: str, env: Mapping[str, str]) -> str:
    """Compose's interpolation: $VAR, ${VAR}, ${VAR:-default}, ${VAR-default},
    ${VAR:?error}, ${VAR?error} and $$ for a literal $."""

    def replace(match: re.Match[str]) -> str:
        if match["escaped"]:
            return "$"
        name = match["braced"] or match["bare"]
        op, arg = match["op"], match["arg"] or ""
        value = env.get(name)
        unset_or_empty = value is None or value == ""
        if op == ":-":
            return arg if unset_or_empty else str(value)
        if op == "-":
            return arg if value is None else value
        if op == ":?" and unset_or_empty:
            raise MissingVariable(f"{name}: {arg}")
        if op == "?" and value is None:
            raise MissingVariable(f"{name}: {arg}")
        return value or ""

    return _INTERPOLATION.sub(replace, text)


def _interpolate_all(node: Any, env: Mapping[str, str]) -> Any:
    if isinstance(node, str):
        return interpolate(node, env)
    if isinstance(node, list):
        return [_interpolate_all(item, env) for item in node]
    if isinstance(node, dict):
        return {key: _interpolate_all(value, env) for key, value in node.items()}
    return node


def compose_text() -> str:
    return COMPOSE_FILE.read_text(encoding="utf-8")


def load_compose(env: Mapping[str, str]) -> dict[str, Any]:
    """The compose file as `docker compose config` sees it with `env` as its .env."""
    document = yaml.safe_load(compose_text())  # YAML merge keys (<<) resolved here
    assert isinstance(document, dict)
    resolved = _interpolate_all(document, env)
    assert isinstance(resolved, dict)
    return resolved


def raw_compose() -> dict[str, Any]:
    """The compose file without interpolation (to read the `${…}` expressions)."""
    document = yaml.safe_load(compose_text())
    assert isinstance(document, dict)
    return document


def service_environment(service: Mapping[str, Any]) -> dict[str, str]:
    """A compose service's environment as the container gets it (mapping or list form)."""
    raw = service.get("environment") or {}
    pairs = dict(item.split("=", 1) for item in raw) if isinstance(raw, list) else dict(raw)
    environment = {}
    for key, value in pairs.items():
        # Compose accepts strings and numbers; a YAML boolean is an error there.
        assert not isinstance(value, bool), f"{key}: quote the boolean, compose rejects it"
        environment[str(key)] = "" if value is None else str(value)
    return environment


def desk_services(compose: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """The compose services that run the Kyoso Desk image (built from our Dockerfile; the
    optional local provider is built from tools/local-idp's)."""
    return {name: spec for name, spec in compose["services"].items() if spec.get("build") == "."}


def read_dotenv(path: Path, *, commented: bool = False) -> dict[str, str]:
    """KEY=VALUE lines of a compose .env file (quotes removed). With `commented`, also the
    `# KEY=VALUE` lines that document an optional variable and its default."""
    pattern = re.compile(r"^(#\s*)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$")
    values: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        match = pattern.match(line.strip())
        if not match or (match[1] and not commented):
            continue
        value = match[3].strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        values.setdefault(match[2], value)
    return values


def volume_sources(service: Mapping[str, Any]) -> dict[str, str]:
    """Container path → host path (relative to the compose file) of a service's bind mounts."""
    mounts = {}
    for volume in service.get("volumes", []):
        source, target, *_ = str(volume).split(":")
        if source.startswith((".", "/")):
            mounts[target] = source
    return mounts


# -- the apache/kafka image ------------------------------------------------------------------

# Variables the image hands to the JVM or its scripts rather than to the broker
# (kafka.docker.KafkaDockerWrapper, Constants.ExcludeServerPropsEnv in Kafka 3.9).
KAFKA_IMAGE_NOT_PROPERTIES = {
    "KAFKA_VERSION",
    "KAFKA_HEAP_OPTS",
    "KAFKA_LOG4J_OPTS",
    "KAFKA_OPTS",
    "KAFKA_JMX_OPTS",
    "KAFKA_JVM_PERFORMANCE_OPTS",
    "KAFKA_GC_LOG_OPTS",
    "KAFKA_LOG4J_ROOT_LOGLEVEL",
    "KAFKA_LOG4J_LOGGERS",
    "KAFKA_TOOLS_LOG4J_LOGLEVEL",
    "KAFKA_JMX_HOSTNAME",
}


def kafka_server_properties(environment: Mapping[str, str]) -> dict[str, str]:
    """The broker settings the apache/kafka image makes of a container's KAFKA_*
    variables (KafkaDockerWrapper.getServerConfigsFromEnv): the prefix dropped, lower
    case, `_` → `.`, `___` → `-`, `__` → `_`."""
    properties = {}
    for key, value in environment.items():
        if not key.startswith("KAFKA_") or key in KAFKA_IMAGE_NOT_PROPERTIES:
            continue
        name = key.replace("KAFKA_", "").lower().replace("_", ".")
        properties[name.replace("...", "-").replace("..", "_")] = value
    return properties


def listeners(value: str) -> dict[str, tuple[str, int]]:
    """`NAME://host:port,…` → name → (host, port); an empty host is every interface."""
    parsed = {}
    for listener in value.split(","):
        name, _, address = listener.partition("://")
        host, _, port = address.rpartition(":")
        parsed[name] = (host, int(port))
    return parsed


# -- Dockerfile and .dockerignore ------------------------------------------------------------


@dataclass
class Stage:
    base: str
    name: str | None
    instructions: list[tuple[str, str]] = field(default_factory=list)

    def all(self, instruction: str) -> list[str]:
        return [arg for name, arg in self.instructions if name == instruction]

    def last(self, instruction: str) -> str | None:
        found = self.all(instruction)
        return found[-1] if found else None

    def env(self) -> dict[str, str]:
        values: dict[str, str] = {}
        for arg in self.all("ENV"):
            for word in shlex.split(arg):
                key, _, value = word.partition("=")
                values[key] = value
        return values


def dockerfile_stages() -> list[Stage]:
    text = DOCKERFILE.read_text(encoding="utf-8")
    logical = re.sub(r"\\\n", " ", text)  # line continuations
    args: dict[str, str] = {}
    stages: list[Stage] = []
    for line in logical.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        instruction, _, rest = line.partition(" ")
        instruction, rest = instruction.upper(), rest.strip()
        if instruction == "ARG" and not stages:
            key, _, value = rest.partition("=")
            args[key] = value
        elif instruction == "FROM":
            words = rest.split()
            base = re.sub(r"\$\{(\w+)\}", lambda m: args[m[1]], words[0])
            name = words[2] if len(words) == 3 and words[1].upper() == "AS" else None
            stages.append(Stage(base, name))
        else:
            stages[-1].instructions.append((instruction, rest))
    return stages


def exec_form(arg: str) -> list[str]:
    """An instruction's JSON ("exec") form, e.g. CMD ["service", "intake"]."""
    value = yaml.safe_load(arg)  # JSON is YAML
    assert isinstance(value, list) and all(isinstance(v, str) for v in value), arg
    return value


def dockerignore_rules() -> list[tuple[bool, str]]:
    rules = []
    for line in DOCKERIGNORE.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        negated = line.startswith("!")
        rules.append((negated, line.lstrip("!").strip("/")))
    return rules


def ignored(path: str, rules: list[tuple[bool, str]]) -> bool:
    """Whether Docker leaves `path` (relative to the context) out of the build context: the
    last rule matching the path or one of its folders decides."""
    parts = path.split("/")
    candidates = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    excluded = False
    for negated, pattern in rules:
        if any(
            fnmatch.fnmatchcase(candidate, pattern)
            or (pattern.startswith("**/") and fnmatch.fnmatchcase(candidate, pattern[3:]))
            for candidate in candidates
        ):
            excluded = not negated
    return excluded


def context_files() -> Iterator[str]:
    """Every file Docker would send as the build context (repository root minus .dockerignore)."""
    rules = dockerignore_rules()
    reincluded = [pattern for negated, pattern in rules if negated]
    for folder, subfolders, files in os.walk(ROOT):
        base = Path(folder).relative_to(ROOT).as_posix()
        prefix = "" if base == "." else f"{base}/"
        # Skip excluded folders (.venv, .git, …) unless a ! rule reaches inside them.
        subfolders[:] = sorted(
            name
            for name in subfolders
            if not ignored(prefix + name, rules)
            or any(pattern.startswith(prefix + name + "/") for pattern in reincluded)
        )
        for name in sorted(files):
            if not ignored(prefix + name, rules):
                yield prefix + name


# -- Kustomize -------------------------------------------------------------------------------


def read_kustomize_env(path: Path) -> dict[str, str]:
    """A Kustomize `envs:` file: KEY=VALUE per line, the value taken literally."""
    values = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        key, separator, value = line.partition("=")
        assert separator, f"{path.name}: not KEY=VALUE: {line!r}"
        values[key.strip()] = value
    return values


@dataclass
class Kustomization:
    """A Kustomize directory read the way `kubectl kustomize` reads it (for our files)."""

    folder: Path
    resources: list[dict[str, Any]]
    config_maps: dict[str, dict[str, str]]
    secrets: dict[str, dict[str, str]]
    # Generator data as files: ConfigMap name → key → the file it came from.
    config_map_files: dict[str, dict[str, Path]]
    images: dict[str, dict[str, str]]

    def find(self, kind: str, name: str) -> dict[str, Any]:
        for resource in self.resources:
            if resource["kind"] == kind and resource["metadata"]["name"] == name:
                return resource
        raise AssertionError(f"no {kind} {name} in {self.folder}")

    def of_kind(self, kind: str) -> list[dict[str, Any]]:
        return [r for r in self.resources if r["kind"] == kind]


def kustomization(folder: Path) -> Kustomization:
    spec = yaml.safe_load((folder / "kustomization.yaml").read_text(encoding="utf-8"))
    resources: list[dict[str, Any]] = []
    config_maps: dict[str, dict[str, str]] = {}
    secrets: dict[str, dict[str, str]] = {}
    config_map_files: dict[str, dict[str, Path]] = {}
    images: dict[str, dict[str, str]] = {}
    for entry in spec.get("resources", []):
        path = (folder / entry).resolve()
        if path.is_dir():
            inner = kustomization(path)
            resources += inner.resources
            config_maps.update(inner.config_maps)
            secrets.update(inner.secrets)
            config_map_files.update(inner.config_map_files)
            images.update(inner.images)
        else:
            resources += [doc for doc in yaml.safe_load_all(path.read_text("utf-8")) if doc]
    for kind, generated in (("configMapGenerator", config_maps), ("secretGenerator", secrets)):
        for generator in spec.get(kind, []):
            data: dict[str, str] = {}
            for env_file in generator.get("envs", []):
                data.update(read_kustomize_env(folder / env_file))
            for literal in generator.get("literals", []):
                key, _, value = literal.partition("=")
                data[key] = value
            files = {Path(f).name: folder / f for f in generator.get("files", [])}
            for key, path in files.items():
                data[key] = path.read_text(encoding="utf-8")
            behavior = generator.get("behavior", "create")
            name = generator["name"]
            if behavior == "merge":
                assert name in generated, f"{folder}: merges into a missing {name}"
                generated[name] = {**generated[name], **data}
            else:
                assert (name in generated) == (behavior == "replace"), f"{folder}: {name}"
                generated[name] = data
            if kind == "configMapGenerator":
                config_map_files[name] = {**config_map_files.get(name, {}), **files}
    for image in spec.get("images", []):
        images[image["name"]] = {**images.get(image["name"], {}), **image}
    return Kustomization(folder, resources, config_maps, secrets, config_map_files, images)


def pod_spec(workload: Mapping[str, Any]) -> dict[str, Any]:
    spec = workload["spec"]["template"]["spec"]
    assert isinstance(spec, dict)
    return spec


def container(workload: Mapping[str, Any], name: str) -> dict[str, Any]:
    spec = pod_spec(workload)
    for candidate in [*spec.get("initContainers", []), *spec["containers"]]:
        if candidate["name"] == name:
            assert isinstance(candidate, dict)
            return candidate
    raise AssertionError(f"no container {name} in {workload['metadata']['name']}")


def container_environment(
    spec: Mapping[str, Any],
    config_maps: Mapping[str, Mapping[str, str]],
    secrets: Mapping[str, Mapping[str, str]],
) -> dict[str, str]:
    """A container's environment as the kubelet builds it: envFrom, then env in order,
    with $(VAR) references to earlier variables expanded."""
    environment: dict[str, str] = {}
    for source in spec.get("envFrom", []):
        if "configMapRef" in source:
            environment.update(config_maps[source["configMapRef"]["name"]])
        else:
            environment.update(secrets[source["secretRef"]["name"]])
    for entry in spec.get("env", []):
        if "value" in entry:
            value = re.sub(
                r"\$\((\w+)\)", lambda m: environment.get(m[1], m[0]), str(entry["value"])
            )
        elif "configMapKeyRef" in entry["valueFrom"]:
            ref = entry["valueFrom"]["configMapKeyRef"]
            value = config_maps[ref["name"]][ref["key"]]
        else:
            ref = entry["valueFrom"]["secretKeyRef"]
            value = secrets[ref["name"]][ref["key"]]
        environment[entry["name"]] = value
    return environment


def image_command(spec: Mapping[str, Any]) -> list[str]:
    """What a container runs: `command` replaces the image's ENTRYPOINT, `args` its CMD."""
    final = dockerfile_stages()[-1]
    entrypoint, cmd = final.last("ENTRYPOINT"), final.last("CMD")
    assert entrypoint is not None and cmd is not None
    if "command" in spec:
        return [*spec["command"], *spec.get("args", [])]
    return [*exec_form(entrypoint), *spec.get("args", exec_form(cmd))]


def referenced_keys(spec: Mapping[str, Any], kind: str) -> list[tuple[str, str]]:
    """(object name, key) of every configMapKeyRef or secretKeyRef of a container."""
    return [
        (entry["valueFrom"][kind]["name"], entry["valueFrom"][kind]["key"])
        for entry in spec.get("env", [])
        if kind in entry.get("valueFrom", {})
    ]


def mounted_files(
    workload: Mapping[str, Any], spec: Mapping[str, Any], kustomize: Kustomization
) -> dict[str, Path]:
    """Container path → source file, for files a container gets from generated ConfigMaps."""
    volumes = {v["name"]: v for v in pod_spec(workload).get("volumes", [])}
    files = {}
    for mount in spec.get("volumeMounts", []):
        volume = volumes[mount["name"]]
        if "configMap" in volume:
            for key, path in kustomize.config_map_files[volume["configMap"]["name"]].items():
                files[f"{mount['mountPath'].rstrip('/')}/{key}"] = path
    return files
