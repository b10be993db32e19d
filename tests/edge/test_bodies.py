"""Finding 3 (a, b): a request body above the configured size is refused with 413 before
the service reads it whole, and a 422 never sends a large input back."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest

from services.registry import PROCESSES, SERVICES
from tests.conftest import NAGASAKI_DEPARTMENT, NAGASAKI_DESK, bearer
from tests.edge.desk import serving
from tests.factories import free_proposal_body

MIB = 1024 * 1024
NAGASAKI = "/api/v1/municipalities/nagasaki"

# One endpoint of each service that takes a body, and who may call it.
ENDPOINT_TAKING_A_BODY: dict[str, tuple[str, dict[str, str]]] = {
    "intake": (f"{NAGASAKI}/proposals", {}),
    "routing": (f"{NAGASAKI}/routings/{uuid4()}/status-line", bearer(NAGASAKI_DESK)),
    "decision": (f"{NAGASAKI}/fairness/assess", bearer(NAGASAKI_DESK)),
    "implementation": (f"{NAGASAKI}/projects/{uuid4()}/selection", bearer(NAGASAKI_DEPARTMENT)),
    "publication": (f"{NAGASAKI}/desk/cases", bearer(NAGASAKI_DESK)),
    "portal": ("/nagasaki/status-link", {}),  # a form anyone may post
}

# For each service a body under the size limit that is wrong, with a long value in it.
LONG = "長" * 200_000  # 600 KB of UTF-8
WRONG_BODY: dict[str, dict[str, Any]] = {
    "intake": free_proposal_body(title=LONG),
    "routing": {"ja": LONG, "en": "status"},
    "decision": {"note": LONG},
    "implementation": {"implementer": "株式会社", "reasons": LONG, "selected_on": "2026-04-01"},
    "publication": {"proposal_id": str(uuid4()), "title": LONG},
}


def assert_common_error_shape(detail: list[dict[str, Any]]) -> None:
    assert detail, "at least one problem is named"
    for problem in detail:
        # Where, what and its kind, with numeric limits at most: never the input itself.
        assert {"loc", "msg"} <= set(problem) <= {"loc", "msg", "type", "ctx"}
        assert isinstance(problem["loc"], list) and isinstance(problem["msg"], str)
        assert all(isinstance(v, int | float) for v in problem.get("ctx", {}).values())


async def test_only_the_document_upload_reads_up_to_12_mib(tmp_path: Path) -> None:
    """The one route that takes the proposal document (a PDF up to 10 MB) reads beyond
    KYOSO_HTTP_MAX_BODY_BYTES; every other route keeps the limit."""
    pdf = b"%PDF-1.7\n" + b"0" * (3 * MIB)
    async with serving("intake", tmp_path) as client:
        uploaded = await client.post(
            f"{NAGASAKI}/documents", files={"document": ("p.pdf", pdf, "application/pdf")}
        )
        elsewhere = await client.post(
            f"{NAGASAKI}/proposals", json=free_proposal_body(content="内" * MIB)
        )
        huge = await client.post(
            f"{NAGASAKI}/documents",
            files={"document": ("p.pdf", pdf + b"0" * (10 * MIB), "application/pdf")},
        )
    assert uploaded.status_code == 201, uploaded.text
    assert elsewhere.status_code == 413
    assert huge.status_code == 413
    assert huge.json()["detail"][0]["msg"] == "the request body is larger than 12582912 bytes"


@pytest.mark.parametrize("service", list(PROCESSES))  # the services and the portal
async def test_a_body_declared_larger_than_the_limit_is_refused_with_413(
    service: str, tmp_path: Path
) -> None:
    path, headers = ENDPOINT_TAKING_A_BODY[service]
    async with serving(service, tmp_path) as client:
        response = await client.post(
            path,
            content=b"{" + b" " * MIB + b"}",
            headers={**headers, "Content-Type": "application/json"},
        )
    assert response.status_code == 413
    assert response.json() == {
        "detail": [{"loc": ["body"], "msg": "the request body is larger than 1048576 bytes"}]
    }


async def test_a_streamed_body_is_refused_once_it_passes_the_limit_without_being_read_whole(
    tmp_path: Path,
) -> None:
    chunk = b" " * (64 * 1024)
    sent = 0

    async def fifty_megabytes() -> AsyncIterator[bytes]:
        nonlocal sent
        yield b"{"
        for _ in range(50 * MIB // len(chunk)):
            sent += len(chunk)
            yield chunk
        yield b"}"

    async with serving("intake", tmp_path) as client:
        response = await client.post(
            f"{NAGASAKI}/proposals",
            content=fifty_megabytes(),
            headers={"Content-Type": "application/json"},
        )
    assert response.status_code == 413
    assert response.json()["detail"][0]["loc"] == ["body"]
    assert sent <= MIB + len(chunk), f"the service read {sent} bytes of a body it refused"


async def test_a_configured_limit_is_the_one_applied(tmp_path: Path) -> None:
    async with serving("intake", tmp_path, http_max_body_bytes=4096) as client:
        small = await client.post(f"{NAGASAKI}/proposals", json=free_proposal_body())
        large = await client.post(
            f"{NAGASAKI}/proposals", json=free_proposal_body(content="内容" * 1000)
        )
    assert small.status_code == 201
    assert large.status_code == 413
    assert large.json()["detail"][0]["msg"] == "the request body is larger than 4096 bytes"


@pytest.mark.parametrize("service", list(SERVICES))
async def test_a_422_names_the_field_without_sending_the_input_back(
    service: str, tmp_path: Path
) -> None:
    path, headers = ENDPOINT_TAKING_A_BODY[service]
    async with serving(service, tmp_path) as client:
        response = await client.post(path, json=WRONG_BODY[service], headers=headers)
    assert response.status_code == 422
    assert len(response.content) < 4_000, f"{len(response.content)} bytes came back"
    assert "長長長" not in response.text
    assert_common_error_shape(response.json()["detail"])
    assert all(p["loc"][0] == "body" for p in response.json()["detail"])


async def test_a_422_still_says_what_is_wrong_where(tmp_path: Path) -> None:
    async with serving("intake", tmp_path) as client:
        response = await client.post(
            f"{NAGASAKI}/proposals", json=free_proposal_body(title="題" * 201)
        )
    assert response.status_code == 422
    assert response.json() == {
        "detail": [
            {
                "loc": ["body", "title"],
                "msg": "String should have at most 200 characters",
                "type": "string_too_long",  # the portal words it for its reader
                "ctx": {"max_length": 200},
            }
        ]
    }
