"""Demo data from the Nagasaki register: its 27 themes (theme 25 closed, as in the seed)
and its 20 proposals."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any
from uuid import UUID

from services.intake.application import IntakeApplication
from services.intake.commands import ProposalSubmission, Screening, ThemeDraft
from shared.acting import Acting
from shared.contract.vocabulary import ActorRole
from shared.proposal import ProposalStatus

NAGASAKI_THEMES = Path(__file__).parent / "data" / "nagasaki_themes.json"


def load_nagasaki_themes(intake: IntakeApplication) -> int:
    """Publish the themes that are missing (safe to run on every start); return how many."""
    data = json.loads(NAGASAKI_THEMES.read_text(encoding="utf-8"))
    municipality = data["municipality"]
    acting = Acting.new(ActorRole.SYSTEM, municipality, "demo-data:nagasaki")
    added = 0
    for row in data["themes"]:
        if intake.find_theme(municipality, row["number"]) is not None:
            continue
        draft = ThemeDraft(
            number=row["number"],
            title=row["title"],
            field=row["field"],
            department=row["department"],
            background=row.get("background", ""),
            expected_outcome=row.get("expected_outcome", ""),
            opens_on=date.fromisoformat(data["opens_on"]),
        )
        intake.publish_theme(municipality, draft, acting)
        if row.get("closed"):
            intake.close_theme(municipality, row["number"], acting)
        added += 1
    return added


NAGASAKI_REGISTER = Path(__file__).parent / "data" / "nagasaki_register.json"
DEMO_PROPOSER = {
    "kind": "company",
    "contact_person": "デモ 担当",
    "email": "demo@example.jp",
}


def register_rows() -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = json.loads(NAGASAKI_REGISTER.read_text(encoding="utf-8"))[
        "proposals"
    ]
    return rows


def load_nagasaki_register(intake: IntakeApplication) -> list[UUID]:
    """Submit the seed's 20 proposals on their own dates and accept them at screening, as
    the desk did: the rest of their way (routing, dialogue, decision) is taken through
    the other services by `kyoso up` (kyoso/demo.py). Safe to run on every start."""
    acting = Acting.new(ActorRole.SYSTEM, "nagasaki", "demo-data:nagasaki-register")
    ids = []
    for number, row in enumerate(register_rows(), start=1):
        submission = ProposalSubmission.model_validate(
            {
                "channel": row["channel"],
                **({"theme_number": row["theme_number"]} if row["channel"] == "theme" else {}),
                "proposer": {**DEMO_PROPOSER, "organisation": f"提案事業者 {number:02d}"},
                "title": row["title"],
                "field": row["field"],
                "summary": row["summary"],
                "content": row["summary"],
                **({"agreement": row["agreement"]} if "agreement" in row else {}),
                # These came to Nagasaki's desk under its own terms, before this portal.
                "terms_consent": True,
            }
        )
        received = date.fromisoformat(row["received"])
        key = f"nagasaki-register-{number:02d}"
        # Loaded before (perhaps by an earlier version, without the channel's own fields):
        # kept as it was, not sent again under its key with a different body.
        earlier = intake.proposal_of_idempotency_key("nagasaki", key)
        proposal = (
            earlier
            or intake.submit(
                "nagasaki",
                submission,
                acting.as_role(ActorRole.PROPOSER),
                today=received,
                idempotency_key=key,
            ).proposal
        )
        if proposal.status is ProposalStatus.RECEIVED:
            intake.screen(proposal.id, Screening(decision="accept"), acting.as_role(ActorRole.DESK))
        ids.append(proposal.id)
    return ids
