"""Who is acting and why: stored on every domain event and carried onto Kafka."""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from uuid import uuid4

from shared.contract.envelope import EventMetadata
from shared.contract.vocabulary import ActorRole


@dataclass(frozen=True)
class Acting:
    role: ActorRole
    municipality: str
    correlation_id: str
    causation_id: str | None = None
    # The person (DESIGN.md §8 "Every event a person causes names the person"): the
    # identity provider's `sub` and display name; None for the system and the proposer.
    subject: str | None = None
    name: str | None = None

    @classmethod
    def new(
        cls,
        role: ActorRole,
        municipality: str,
        correlation_id: str | None = None,
        *,
        subject: str | None = None,
        name: str | None = None,
    ) -> Acting:
        return cls(
            role=role,
            municipality=municipality,
            correlation_id=correlation_id or str(uuid4()),
            subject=subject,
            name=name,
        )

    @classmethod
    def caused_by(cls, meta: EventMetadata) -> Acting:
        """The system acting on an event from another service: same correlation, and
        the event as the cause."""
        return cls(
            role=ActorRole.SYSTEM,
            municipality=meta.municipality,
            correlation_id=meta.correlation_id,
            causation_id=str(meta.event_id),
        )

    def as_role(self, role: ActorRole) -> Acting:
        return replace(self, role=role)

    def as_meta(self) -> dict[str, str | None]:
        meta = asdict(self)
        meta["role"] = self.role.value
        # Stored only when a person acts: the system's events keep the shape they had.
        for personal in ("subject", "name"):
            if meta[personal] is None:
                del meta[personal]
        return meta
