"""The department directory of each municipality, and how a proposal finds its departments.

A department is scored by its fields (the proposal's field is one of them: 3 points) and
its keywords (1 point for each one found in the title, summary and content). Departments
at or above the municipality's threshold are candidates, the best one leads (複数所管:
the others co-own, Setagaya); none at all sends the proposal to the desk's triage queue.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from shared.contract import RoutingMethod
from shared.errors import InvalidValue
from shared.proposal import ProposalState

DATA_DIR = Path(__file__).parent / "data"
FIELD_POINTS = 3
MAX_DEPARTMENTS = 3
EMAIL = r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$"  # one plain address, no display name


class Department(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    code: str = Field(pattern=r"^[a-z0-9-]+$")
    name_ja: str
    name_en: str
    fields: tuple[str, ...]
    keywords: tuple[str, ...]
    # Where the department hears that a proposal landed in its inbox or went overdue
    # (issue 15: 「Staff get an e-mail when something lands in their inbox or goes
    # overdue」). None: the department is not e-mailed (its inbox still shows everything).
    notify_email: str | None = Field(None, pattern=EMAIL)


class Directory(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    municipality: str
    routing_days: int = Field(14, ge=1, le=365)
    dialogue_days: int = Field(90, ge=1, le=730)
    match_threshold: int = Field(3, ge=1)
    # The desk's own address: routings past their deadline, declines. None: not e-mailed.
    desk_notify_email: str | None = Field(None, pattern=EMAIL)
    departments: tuple[Department, ...]

    def department(self, code: str) -> Department | None:
        return next((d for d in self.departments if d.code == code), None)

    def notify_email(self, department: str | None) -> str | None:
        """The address that hears for a department, or for the desk (None)."""
        if department is None:
            return self.desk_notify_email
        found = self.department(department)
        return found.notify_email if found is not None else None

    def require_departments(self, codes: list[str]) -> None:
        """The desk reassigns only to departments of the municipality's directory."""
        unknown = [code for code in codes if self.department(code) is None]
        if unknown:
            raise InvalidValue(
                "departments", f"not in {self.municipality}'s directory: {', '.join(unknown)}"
            )

    def routing_due_on(self, today: date) -> date:
        """When the desk should have found the department(s). Kitakyushu STEP 2
        (seeds/003_6cefa70e5dc5551c.txt): 「提案受付と最適なパートナー(担当部署)への
        橋渡し 目安:1~2週間」."""
        return today + timedelta(days=self.routing_days)

    def dialogue_due_on(self, today: date) -> date:
        """When the dialogue a department takes on should have come to a view.
        Kitakyushu STEP 3: 「対話による価値の共創 目安:1~3ヶ月」."""
        return today + timedelta(days=self.dialogue_days)


@dataclass(frozen=True)
class Match:
    department: Department
    score: int
    field_matched: bool
    keywords: tuple[str, ...]

    def explain(self) -> str:
        parts = []
        if self.field_matched:
            parts.append("field")
        if self.keywords:
            parts.append("keywords " + "、".join(self.keywords))
        return f"{self.department.code} ({self.score}: {' + '.join(parts)})"


@cache
def directory(municipality: str) -> Directory:
    path = DATA_DIR / f"{municipality}.json"
    return Directory.model_validate(json.loads(path.read_text(encoding="utf-8")))


def known_municipalities() -> list[str]:
    return sorted(p.stem for p in DATA_DIR.glob("*.json"))


def matches(
    proposal: ProposalState, within: Directory, excluding: frozenset[str] = frozenset()
) -> list[Match]:
    """Departments that fit the proposal, best first; ties keep the directory's order."""
    text = f"{proposal.title}\n{proposal.summary}\n{proposal.content}".lower()
    found = []
    for department in within.departments:
        if department.code in excluding:
            continue
        field_matched = proposal.field in department.fields
        keywords = tuple(k for k in department.keywords if k.lower() in text)
        score = (FIELD_POINTS if field_matched else 0) + len(keywords)
        if score >= within.match_threshold:
            found.append(Match(department, score, field_matched, keywords))
    found.sort(key=lambda m: -m.score)  # stable: equal scores stay in directory order
    return found[:MAX_DEPARTMENTS]


@dataclass(frozen=True)
class Destination:
    """Where the desk sends a proposal: the lead first, or nobody (the triage queue)."""

    lead: str | None
    departments: tuple[str, ...]
    method: RoutingMethod
    reason: str


def destination(
    proposal: ProposalState, within: Directory, excluding: frozenset[str] = frozenset()
) -> Destination:
    """Where the proposal fits best, never back to a department that declined it.

    A theme's owner takes the proposals that answer its theme (intake records the owner
    on submission): "if the department is obvious, route directly" (DOMAIN.md, Sapporo). Otherwise
    the departments that match, best first; none at all goes to the desk's triage queue,
    and the desk stays responsible: 「たらい回しは絶対にしない」 (Kitakyushu)."""
    owner = proposal.theme_department
    if owner is not None and owner not in excluding and within.department(owner) is not None:
        return Destination(
            owner,
            (owner,),
            RoutingMethod.THEME_OWNER,
            f"theme {proposal.theme_number} is owned by {owner}",
        )
    found = matches(proposal, within, excluding=excluding)
    if found:
        return Destination(
            found[0].department.code,
            tuple(m.department.code for m in found),
            RoutingMethod.MATCH,
            "; ".join(m.explain() for m in found),
        )
    return Destination(
        None, (), RoutingMethod.TRIAGE, "no department fits well enough; the desk assigns it"
    )
