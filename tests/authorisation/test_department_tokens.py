"""A department token that names no department may do nothing a department does: 403 on
the token (the header), never a guess at the department, in every service where a
department acts (shared.authorisation.department_named)."""

from __future__ import annotations

from pathlib import Path
from uuid import uuid4

import pytest

from tests.conftest import STAFF_TOKENS, bearer
from tests.edge.desk import serving

NAMELESS = "nagasaki-dept-nameless-" + "n" * 8
TOKENS = [*STAFF_TOKENS, {"token": NAMELESS, "role": "department", "municipality": "nagasaki"}]
NAGASAKI = "/api/v1/municipalities/nagasaki"


@pytest.mark.parametrize(
    ("service", "path", "body"),
    [
        ("routing", f"{NAGASAKI}/routings/{uuid4()}/take-on", None),
        ("decision", f"{NAGASAKI}/decisions/{uuid4()}/reject", {"reasons": []}),
    ],
)
async def test_a_department_token_naming_no_department_is_refused(
    service: str, path: str, body: dict[str, object] | None, tmp_path: Path
) -> None:
    async with serving(service, tmp_path, staff_tokens=TOKENS) as client:
        answer = await client.post(path, json=body, headers=bearer(NAMELESS))
    assert answer.status_code == 403
    assert answer.json()["detail"] == [
        {"loc": ["header", "Authorization"], "msg": "this department token names no department"}
    ]
