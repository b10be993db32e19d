"""Nagasaki's real register of 20 proposals (seed 002), as test and demo data."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

REGISTER = (
    Path(__file__).resolve().parents[1] / "services" / "intake" / "data" / "nagasaki_register.json"
)
THEMES = (
    Path(__file__).resolve().parents[1] / "services" / "intake" / "data" / "nagasaki_themes.json"
)


def register() -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = json.loads(REGISTER.read_text(encoding="utf-8"))["proposals"]
    return rows


def themes() -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = json.loads(THEMES.read_text(encoding="utf-8"))["themes"]
    return rows
