"""Generate the JSON Schema of every integration event into shared/contract/schemas/.

Run `python -m shared.contract.schemas` after changing an event; a test fails when the
files in the repository are out of date, so other cities can trust what is published.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import shared.contract  # noqa: F401  (registers every event)
from shared.contract.base import EVENT_REGISTRY, IntegrationEvent

SCHEMA_DIR = Path(__file__).parent / "schemas"


def schema_of(cls: type[IntegrationEvent]) -> dict[str, object]:
    schema = cls.model_json_schema()
    schema["$id"] = cls.dataschema()
    schema["title"] = cls.cloudevent_type()
    schema["description"] = (cls.__doc__ or "").strip() or cls.cloudevent_type()
    return schema


def rendered_schemas() -> dict[str, str]:
    """File name → exact file text for every registered event."""
    return {
        f"{cls.schema_name()}.json": json.dumps(schema_of(cls), ensure_ascii=False, indent=2) + "\n"
        for cls in EVENT_REGISTRY.all_events()
    }


def main() -> int:
    SCHEMA_DIR.mkdir(exist_ok=True)
    wanted = rendered_schemas()
    for stale in set(p.name for p in SCHEMA_DIR.glob("*.json")) - set(wanted):
        (SCHEMA_DIR / stale).unlink()
    for name, text in wanted.items():
        (SCHEMA_DIR / name).write_text(text, encoding="utf-8")
    print(f"wrote {len(wanted)} schemas to {SCHEMA_DIR}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
