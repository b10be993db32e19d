"""A department token that names no department may do nothing a department does: 403 on
the token (the header), never a guess at the department, in every service where a
department acts (shared.authorisation.department_named). Such a token comes from the
provider (a person without the department claim): static entries naming no department
stop start-up (tests/edge/test_configuration.py)."""

from __future__ import annotations

from pathlib import Path
from uuid import uuid4

import pytest

from shared.staff_auth import StaffDirectory, StaffToken
from tests.conftest import bearer
from tests.edge.desk import client_of, running, service_app

NAMELESS = "nagasaki-dept-nameless-" + "n" * 8
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
    app = service_app(service, tmp_path)
    # As the provider's token of a department officer without the department claim.
    nameless = StaffToken(token=NAMELESS, role="department", municipality="nagasaki")
    app.state.staff = StaffDirectory([*app.state.settings.staff_tokens, nameless])
    async with running(app), client_of(app) as client:
        answer = await client.post(path, json=body, headers=bearer(NAMELESS))
    assert answer.status_code == 403
    assert answer.json()["detail"] == [
        {"loc": ["header", "Authorization"], "msg": "this department token names no department"}
    ]
