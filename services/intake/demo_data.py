"""Demo data from the Nagasaki register: its 27 themes, theme 25 closed as in the seed."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from services.intake.application import IntakeApplication
from services.intake.commands import ThemeDraft
from shared.acting import Acting
from shared.contract.vocabulary import ActorRole

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
            opens_on=date.fromisoformat(data["opens_on"]),
        )
        intake.publish_theme(municipality, draft, acting)
        if row.get("closed"):
            intake.close_theme(municipality, row["number"], acting)
        added += 1
    return added
