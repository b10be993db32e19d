"""What a service is, declared once (the idea of eShop's ServiceDefaults and of the
eventsourcing library's `System`): its settings, its application, what it publishes,
what it consumes (the application's handler table), its routers, its read models (the
application's `read_models()`), its timers.

`kyoso up`, `kyoso service`, `kyoso relay`, rebuild, verify, replay and the deploy checks
all read the registry of declarations (`services.registry`); the generic wiring in
`shared.service` turns a declaration into a running process.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Protocol
from uuid import UUID

from fastapi import APIRouter, FastAPI, Request

from shared.application import ServiceApplication
from shared.clock import Clock, utc_now
from shared.consumer import ConsumingApplication
from shared.contract import IntegrationEvent
from shared.contract.envelope import ToEnvelope, envelope_translator
from shared.contract.topics import Topic, dead_letters, published_by, topic_of
from shared.relay import Outgoing, Translator
from shared.settings import ENV_PREFIX, CommonSettings


@dataclass(frozen=True)
class Timer:
    """Work a service does on a schedule, in a worker thread (e.g. routing's deadlines)."""

    name: str
    every: Callable[[Any], float]  # the service's settings → seconds between runs
    run: Callable[[Any], object]  # the service's application → (ignored)


def _no_more_aggregates(proposal_id: UUID) -> Sequence[UUID]:
    return ()


class Worker(Protocol):
    """Something else a service runs beside its API until stopped (an outbox)."""

    async def run(self, stopping: asyncio.Event) -> None: ...


@dataclass(frozen=True, kw_only=True)
class ServiceDeclaration:
    name: str
    title: str  # the OpenAPI title, Japanese and English
    description: str
    settings: type[CommonSettings]
    port_setting: str  # the settings field holding the HTTP port
    # Constructed as application(settings, clock).
    application: type[ServiceApplication]
    # Which stored domain events leave the service, as which integration events; the
    # contract says on which topic each travels. None: it stays inside the service.
    publishes: Callable[[Any], IntegrationEvent | None]
    # Where a proposal's own events are kept in this service's store (for replay).
    proposal_aggregate: Callable[[UUID], UUID]
    # Any other aggregates of the store that keep events of the proposal (publication's
    # notices to the desk's services, beside the case), for replay too.
    more_proposal_aggregates: Callable[[UUID], Sequence[UUID]] = _no_more_aggregates
    routers: Sequence[APIRouter]
    timers: Sequence[Timer] = ()
    # Anything else the service keeps beside its application while it runs (intake's
    # submission queue, demo data); called in the lifespan, in a worker thread.
    on_start: Callable[[FastAPI, Any, Any], None] | None = None
    # Workers beside the API, built from (settings, application); None: not configured.
    workers: Sequence[Callable[[Any, Any], Worker | None]] = ()
    # How the service answers its own exceptions (the portal redirects to the staff
    # sign-in); the domain errors every service shares are answered in shared.web.
    exception_handlers: Mapping[type[Exception], Callable[[Request, Any], Any]] = field(
        default_factory=dict
    )

    # -- derived from the declaration and the contract --------------------------------

    @property
    def port_variable(self) -> str:
        return f"{ENV_PREFIX}{self.port_setting.upper()}"

    @property
    def default_port(self) -> int:
        default = self.settings.model_fields[self.port_setting].default
        assert isinstance(default, int)
        return default

    def port(self, settings: CommonSettings) -> int:
        port = getattr(settings, self.port_setting)
        assert isinstance(port, int)
        return port

    def published(self) -> list[Topic]:
        return published_by(self.name)

    def consumed(self) -> list[Topic]:
        """The topics of the event types the application's handler table names."""
        if issubclass(self.application, ConsumingApplication):
            return self.application.subscriptions()
        return []

    def open(self, settings: CommonSettings, clock: Clock = utc_now) -> ServiceApplication:
        """The service's application over its store, as the service itself opens it."""
        application: Any = self.application
        opened: ServiceApplication = application(settings, clock)
        return opened

    def dead_letters(self) -> Topic:
        return dead_letters(self.name)

    @cached_property
    def to_envelope(self) -> ToEnvelope:
        """A stored domain event as the envelope the service publishes (None: it stays
        inside); built once, since the relay calls it for every event."""
        return envelope_translator(self.name, self.publishes)

    def translator(self, settings: CommonSettings) -> Translator:
        def translate(domain_event: Any, notification_id: int) -> Outgoing | None:
            envelope = self.to_envelope(domain_event, notification_id)
            if envelope is None:
                return None
            return Outgoing(topic=topic_of(type(envelope.event)).name(settings), envelope=envelope)

        return translate
