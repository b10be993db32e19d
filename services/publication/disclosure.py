"""What of a case goes public, and how long the proposer may object first: the rules of
disclosure, as a domain service of the publication workflow.

Setagaya 004: 「保護すべき情報以外は広く公開し、新たな取組みの形成に活かす」. Aomori 000:
「特定の個人を識別することができる情報等を除き、原則開示」; 「提案者の正当な利益を害するおそれが
ある情報等の意見を伺います」 — hence the proposer's consultation, for a period the seeds do
not name (data/disclosure.json).
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from functools import cache
from pathlib import Path
from typing import Any
from uuid import UUID

from services.publication.domain import Section
from shared.contract import CallPublished, ProposerKind, PublicCall, Verdict
from shared.contract.implementation import VERDICT_LABELS
from shared.municipalities import municipalities
from shared.proposal import ProposalState

DISCLOSURE = Path(__file__).parent / "data" / "disclosure.json"
SOLE_PROPRIETOR = "個人事業主（氏名は非公開） / Sole proprietor (name withheld)"


@cache
def objection_days(municipality: str) -> int:
    days: dict[str, int] = json.loads(DISCLOSURE.read_text(encoding="utf-8"))["objection_days"]
    return days.get(municipality, 14)


def objection_due_on(municipality: str, consulted_on: date) -> date:
    """The last day the proposer may object to a case it is consulted on."""
    return consulted_on + timedelta(days=objection_days(municipality))


def disclosed_case(
    case_id: UUID,
    state: ProposalState,
    theme_title: str | None,
    title: str,
    summary: str,
    sections: list[Section],
    version: int,
    published_on: date,
) -> dict[str, Any]:
    """The public form of a case: the one place where protection is applied.

    Protected sections are left out; the proposer's organisation is named unless it is a
    sole proprietor, whose name is personal data. Contact details and the proposal's
    protected part never reach this service at all (intake keeps them)."""
    city = municipalities()[state.municipality]
    partner = (
        SOLE_PROPRIETOR
        if state.proposer.kind is ProposerKind.SOLE_PROPRIETOR
        else state.proposer.organisation
    )
    return {
        "case_id": str(case_id),
        "municipality": state.municipality,
        "municipality_name_ja": city.name_ja,
        "municipality_name_en": city.name_en,
        "version": version,
        "title": title,
        "summary": summary,
        "field": state.field,
        "channel": state.channel.value,
        "theme_number": state.theme_number,
        "theme_title": theme_title,
        "partner": partner,
        "sections": [
            {"heading": s["heading"], "text": s["text"]} for s in sections if not s.get("protected")
        ],
        "received_on": state.received_on.isoformat(),
        "published_on": published_on.isoformat(),
        "outcome": outcome(state),
    }


def outcome(state: ProposalState) -> dict[str, Any] | None:
    """The effect verification's result, once there is a verdict (Sapporo 001: 「事業の
    実施結果を官民連携の事例として発信していきます」): the verdict, its reasons and the KPIs
    with their measured values. None before; a case published earlier carries it from
    its next correction."""
    if state.verdict is None or state.verified_on is None:
        return None
    ja, en = VERDICT_LABELS[Verdict(state.verdict)]
    return {
        "verdict": state.verdict,
        "verdict_ja": ja,
        "verdict_en": en,
        "reasons": state.verdict_reasons or "",
        "verified_on": state.verified_on.isoformat(),
        "kpis": [kpi.model_dump(mode="json") for kpi in state.kpis],
    }


def public_call(
    call_id: UUID,
    municipality: str,
    call: CallPublished,
    state: ProposalState | None,
    published_on: date,
) -> dict[str, Any]:
    """The public form of a call for the implementer: what the department announced (its
    period, text and the proposer's bonus), under the project's title and field as the
    register shows them. Never the proposer's name: the call is open to every company
    alike (Sapporo 001), and the bonus is announced without saying whose idea it was.
    Before the proposal itself is heard (topics are read independently), the call goes
    out under its announcement alone."""
    city = municipalities()[municipality]
    return PublicCall(
        call_id=call_id,
        municipality=municipality,
        municipality_name_ja=city.name_ja,
        municipality_name_en=city.name_en,
        route=call.route.value,
        title=call.announcement if state is None else state.title,
        field=None if state is None else state.field,
        announcement=call.announcement,
        opens_on=call.opens_on,
        closes_on=call.closes_on,
        proposer_bonus_ratio=call.proposer_bonus_ratio,
        published_on=published_on,
    ).model_dump(mode="json")
