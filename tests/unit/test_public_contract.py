"""The public contract other cities rely on: documented, versioned, and only public."""

from __future__ import annotations

from pathlib import Path

import yaml

from shared.contract import EVENT_REGISTRY, PublicCase
from shared.contract.schemas import SCHEMA_DIR

ROOT = Path(__file__).resolve().parents[2]
ASYNCAPI = yaml.safe_load((ROOT / "docs" / "asyncapi.yaml").read_text(encoding="utf-8"))


def test_the_asyncapi_document_describes_every_public_event_with_its_schema() -> None:
    public = {
        cls.cloudevent_type()
        for cls in EVENT_REGISTRY.all_events()
        if cls.event_type.startswith("public.")
    }
    messages = ASYNCAPI["components"]["messages"].values()
    assert {m["name"] for m in messages} == public
    for message in messages:
        schema = (ROOT / "docs" / message["payload"]["$ref"]).resolve()
        assert schema.parent == SCHEMA_DIR and schema.exists(), schema


def test_a_public_case_has_no_field_for_contact_details_or_protected_parts() -> None:
    fields = set(PublicCase.model_fields)
    assert not fields & {"email", "phone", "contact", "contact_person", "protected", "content"}
