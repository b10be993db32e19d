"""The municipalities a desk serves, from shared/data/municipalities.json."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta, timezone
from functools import cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, TypeAdapter

DATA_FILE = Path(__file__).parent / "data" / "municipalities.json"

# Japan has no daylight saving time; a fixed offset needs no tz database.
JST = timezone(timedelta(hours=9), "JST")


class Municipality(BaseModel):
    model_config = ConfigDict(frozen=True)

    code: str
    name_ja: str
    name_en: str
    receipt_prefix: str
    desk_ja: str
    desk_en: str
    seed: str
    # The version of the desk's terms for this city (the portal shows it; intake records
    # it with every proposal's consent). Change it whenever the terms change.
    terms_version: str = "2026-11-28"
    # The seed's words where the city offers a pre-consultation (事前相談), else None: Aomori
    # 「事前相談 ※必須ではありません」 (000), Sapporo's gate 「相談・提案を一元的に受け付ける」
    # (001), Kitakyushu's platform 「提案や相談を一元的に受け付ける窓口」 (003). Nagasaki and
    # Setagaya describe no consultation before proposing.
    pre_consultation: str | None = None

    @property
    def offers_pre_consultation(self) -> bool:
        return self.pre_consultation is not None


@cache
def municipalities() -> dict[str, Municipality]:
    loaded = TypeAdapter(list[Municipality]).validate_python(
        json.loads(DATA_FILE.read_text(encoding="utf-8"))
    )
    return {m.code: m for m in loaded}


def fiscal_year(day: date) -> int:
    """Japanese fiscal year: April to March (DOMAIN.md, "Calendar"; Kitakyushu 003:
    「4月から翌年3月までの『会計年度』」)."""
    return day.year if day.month >= 4 else day.year - 1


def today_in_japan(now: datetime | None = None) -> date:
    return (now or datetime.now(UTC)).astimezone(JST).date()
