"""The base of every integration event: a pydantic model with a type name and a version.

Integration events are what crosses service boundaries on Kafka. A service's own domain
events stay in its store; it translates them into these models when relaying. Changing an
event means adding a new version and an upcaster from the old one, never editing the old
model (DESIGN.md §4).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict

CLOUDEVENT_TYPE_PREFIX = "jp.kyoso."

Upcaster = Callable[[dict[str, Any]], dict[str, Any]]


class UnknownEventType(LookupError):
    """A message names an event type or version this contract does not know."""


class IntegrationEvent(BaseModel):
    """One fact, published by one service, that other services and cities may rely on."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    event_type: ClassVar[str]
    version: ClassVar[int]
    # Whether the event travels with the acting person's subject and name: internal
    # topics yes; the public topic other cities read names no one (public.py).
    names_the_actor: ClassVar[bool] = True

    _cloudevent_type: ClassVar[str]

    def __init_subclass__(cls, registry: EventRegistry | None = None, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        # Intermediate abstract bases declare no event_type of their own.
        if "event_type" in cls.__dict__:
            # Once per class: the fold names the type in every step it records.
            cls._cloudevent_type = f"{CLOUDEVENT_TYPE_PREFIX}{cls.event_type}.v{cls.version}"
            (registry or EVENT_REGISTRY).register(cls)

    @classmethod
    def cloudevent_type(cls) -> str:
        return cls._cloudevent_type

    @classmethod
    def schema_name(cls) -> str:
        return f"{cls.event_type}.v{cls.version}"

    @classmethod
    def dataschema(cls) -> str:
        return f"urn:kyoso:schema:{cls.schema_name()}"


class EventRegistry:
    """Every known (type, version) and the upcasters that lift old versions to the newest."""

    def __init__(self) -> None:
        self._by_type_version: dict[tuple[str, int], type[IntegrationEvent]] = {}
        self._upcasters: dict[tuple[str, int], Upcaster] = {}

    def register(self, cls: type[IntegrationEvent]) -> None:
        key = (cls.event_type, cls.version)
        existing = self._by_type_version.get(key)
        if existing is not None and existing.__qualname__ != cls.__qualname__:
            raise TypeError(f"event {cls.schema_name()} is declared twice: {existing} and {cls}")
        self._by_type_version[key] = cls

    def register_upcaster(self, event_type: str, from_version: int, upcaster: Upcaster) -> None:
        """Register how to turn version `from_version` data into version `from_version + 1`."""
        self._upcasters[(event_type, from_version)] = upcaster

    def upcasts(self, event_type: str, version: int) -> bool:
        """Whether `load` lifts data of this version to a newer one."""
        return (event_type, version + 1) in self._by_type_version and (
            event_type,
            version,
        ) in self._upcasters

    def all_events(self) -> list[type[IntegrationEvent]]:
        return sorted(self._by_type_version.values(), key=lambda c: (c.event_type, c.version))

    def parse_cloudevent_type(self, ce_type: str) -> tuple[str, int]:
        if not ce_type.startswith(CLOUDEVENT_TYPE_PREFIX) or ".v" not in ce_type:
            raise UnknownEventType(f"type '{ce_type}' is not a Kyoso Desk event type")
        name, _, version = ce_type[len(CLOUDEVENT_TYPE_PREFIX) :].rpartition(".v")
        if not version.isdigit():
            raise UnknownEventType(f"type '{ce_type}' has no numeric version")
        return name, int(version)

    def load(self, event_type: str, version: int, data: dict[str, Any]) -> IntegrationEvent:
        """Validate `data` as the given version, upcasting to the newest version we know."""
        if (event_type, version) not in self._by_type_version:
            raise UnknownEventType(f"unknown event type {event_type} version {version}")
        # An old version with no upcaster stays as it is.
        while self.upcasts(event_type, version):
            data = self._upcasters[(event_type, version)](data)
            version += 1
        return self._by_type_version[(event_type, version)].model_validate(data)


EVENT_REGISTRY = EventRegistry()
