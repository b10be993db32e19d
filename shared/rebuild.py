"""Rebuilding a service's read models from its history, and comparing them with live ones.

Every read model is a function of the service's notification log, so the inbox, board or
register a running service answers from must equal one built afresh from position 0.
Municipal IT checks that with `kyoso rebuild NAME --against URL`: the running service
reports its read models (`GET /audit/read-models`: position, row counts and digest, no
content), and the same read models are rebuilt from the store up to the positions the
service reported, so events recorded in the meantime cannot make a false difference.

A desk asks for its own city: the live report then covers only the rows of that
municipality (DESIGN.md §8), and the rebuild is compared for the same municipality.
The positions stay those of the whole log (they are where the comparison stops, and
tell how many events the service holds, not what any of them says).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict, Field

from shared.declaration import ServiceDeclaration
from shared.projection import CatchingUpProjection, Snapshot, digest_of, row_counts
from shared.settings import CommonSettings, load_settings


class WithReadModels(Protocol):
    """A service's application, as far as its read models are concerned."""

    def read_models(self) -> dict[str, CatchingUpProjection]: ...

    def close(self) -> None: ...


class ReadModelSummary(BaseModel):
    """One read model, told without its content: safe to show to anyone holding a token."""

    model_config = ConfigDict(frozen=True)

    name: str
    position: int = Field(description="Notification id of the last stored event taken in.")
    counts: dict[str, int] = Field(description="Rows in each of the read model's tables.")
    digest: str = Field(description="SHA-256 of the read model's canonical JSON snapshot.")

    @classmethod
    def of(
        cls,
        name: str,
        projection: CatchingUpProjection,
        until: int | None = None,
        municipality: str | None = None,
    ) -> ReadModelSummary:
        position, snapshot = projection.observe(until)
        if municipality is not None:
            snapshot = of_municipality(snapshot, municipality)
        return cls(
            name=name, position=position, counts=row_counts(snapshot), digest=digest_of(snapshot)
        )

    def describe(self) -> str:
        counts = ", ".join(f"{table} {count}" for table, count in self.counts.items())
        return f"{counts or 'no tables'} at position {self.position}"


class ReadModelsReport(BaseModel):
    """A service's read models: live (`GET /audit/read-models`) or rebuilt from history."""

    model_config = ConfigDict(frozen=True)

    service: str
    municipality: str | None = Field(
        default=None, description="The city the rows are of (None: every city's)."
    )
    read_models: list[ReadModelSummary]

    def positions(self) -> dict[str, int]:
        return {summary.name: summary.position for summary in self.read_models}


@dataclass(frozen=True)
class Difference:
    read_model: str
    explanation: str


def of_municipality(snapshot: Snapshot, municipality: str) -> Snapshot:
    """The rows of one municipality: a row names it, or the proposal state it holds does.
    A row naming no municipality is no city's, and left out."""
    return {
        table: [row for row in rows if _municipality_of(row) == municipality]
        for table, rows in snapshot.items()
    }


def _municipality_of(row: Mapping[str, Any]) -> object:
    if "municipality" in row:
        return row["municipality"]
    state = row.get("state")
    return state.get("municipality") if isinstance(state, Mapping) else None


def live_report(
    service: str, application: WithReadModels, municipality: str | None = None
) -> ReadModelsReport:
    """The read models a running service answers from, each caught up to the log's end
    (of `municipality` only, when one is given)."""
    return ReadModelsReport(
        service=service,
        municipality=municipality,
        read_models=[
            ReadModelSummary.of(name, projection, municipality=municipality)
            for name, projection in sorted(application.read_models().items())
        ],
    )


def rebuilt_report(
    service: str,
    application: WithReadModels,
    until: Mapping[str, int] | None = None,
    municipality: str | None = None,
) -> ReadModelsReport:
    """Each read model built afresh from position 0, to `until[name]` (else to the end)."""
    summaries = []
    for name, projection in sorted(application.read_models().items()):
        stop = None if until is None else until.get(name)
        summaries.append(
            ReadModelSummary.of(name, projection.rebuilt_from_history(stop), stop, municipality)
        )
    return ReadModelsReport(service=service, municipality=municipality, read_models=summaries)


def rebuild_service(
    declaration: ServiceDeclaration,
    until: Mapping[str, int] | None = None,
    *,
    municipality: str | None = None,
    **overrides: Any,
) -> ReadModelsReport:
    """Open the service's store from its settings (KYOSO_ variables, as the service itself
    reads them) and rebuild its read models; it only reads, so it is safe beside the
    running service."""
    settings: CommonSettings = load_settings(declaration.settings, **overrides)
    application: Any = declaration.open(settings)
    try:
        return rebuilt_report(declaration.name, application, until, municipality)
    finally:
        application.close()


def differences(rebuilt: ReadModelsReport, live: ReadModelsReport) -> list[Difference]:
    """The read models whose content differs between the rebuild and the live service."""
    found = []
    live_by_name = {summary.name: summary for summary in live.read_models}
    rebuilt_by_name = {summary.name: summary for summary in rebuilt.read_models}
    for name in sorted(live_by_name.keys() | rebuilt_by_name.keys()):
        mine, theirs = rebuilt_by_name.get(name), live_by_name.get(name)
        if mine is None:
            found.append(Difference(name, "the live service has it, the rebuild has not"))
        elif theirs is None:
            found.append(Difference(name, "the rebuild has it, the live service has not"))
        elif mine.digest != theirs.digest:
            found.append(
                Difference(
                    name,
                    f"live: {theirs.describe()}; rebuilt from history: {mine.describe()}",
                )
            )
    return found
