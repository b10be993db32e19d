"""Who may call what: every staff endpoint of every service × role × own/other city.

The matrix is read against the apps' own routes: a staff route (one behind
`shared.staff_auth.staff_dependency`) that has no row here fails the test, so a new
endpoint is authorised on purpose, not by accident (DESIGN.md §8).

Each row gives, for the roles of `world.ROLES` (desk, own department, other department,
council, auditor) of the proposal's own city, what they get:
  A  let through: the endpoint does its work (2xx, or 409/422 when the state or the
     value does not allow it), never 401/403/404;
  F  403: the role may not do this at all;
  H  404: the proposal is, for this caller, not there (a department it was not routed
     to, the council before escalation), exactly as for one that does not exist.
Every staff of another city gets 403 on every endpoint of this city's path.
"""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI

from shared.openapi import _api_routes, answers_of
from tests.authorisation.world import (
    OTHER,
    OTHER_CITY_ROLES,
    OWN,
    ROLES,
    bearer,
    service_app,
    world,
)

M = "/api/v1/municipalities/{municipality}"
AUDIT = "/audit/read-models"

REASON = {"reason": "所管外のため"}
SOUNDING = {
    "subject": "通学路の見守りに関するサウンディング",
    "description": "見守りの担い手について民間の意見を聴きます。",
    "field": "教育",
    "department": "kyoiku",
    "questions": ["見守りの方法は？"],
    "opens_on": "2025-11-01",
    "closes_on": "2025-11-30",
}
CASE_TEXT = {"title": "通学路の安全点検", "summary": "学校と保護者が危険箇所を共有する。"}

# service → (method, path) → (expected per role, request body)
MATRIX: dict[str, dict[tuple[str, str], tuple[str, dict[str, Any] | None]]] = {
    "intake": {
        ("GET", f"{M}/desk/proposals"): ("AFFFA", None),
        ("GET", f"{M}/desk/proposals/{{proposal_id}}"): ("AFFFA", None),
        ("GET", f"{M}/desk/proposals/{{proposal_id}}/document"): ("AFFFA", None),
        ("POST", f"{M}/desk/proposals/{{proposal_id}}/screening"): (
            "AFFFF",
            {"decision": "accept"},
        ),
        ("POST", f"{M}/desk/proposals/{{proposal_id}}/status-link"): ("AFFFF", None),
        # A pre-consultation's outcome: the desk records it, the auditor reads it.
        ("GET", f"{M}/desk/proposals/{{proposal_id}}/consultation"): ("AFFFA", None),
        ("POST", f"{M}/desk/proposals/{{proposal_id}}/consultation/outcome"): (
            "AFFFF",
            {"outcome": "closed"},
        ),
        ("POST", f"{M}/themes"): (
            "AFFFF",
            {"number": 99, "title": "新しいテーマ", "field": "教育", "department": "kyoiku"},
        ),
        ("POST", f"{M}/themes/{{number}}/close"): ("AFFFF", None),
        # Any department asks for a theme; it reads its own requests, the desk all of them.
        ("POST", f"{M}/theme-requests"): ("FAAFF", {"title": "空き家の活用", "field": "住宅"}),
        ("GET", f"{M}/theme-requests"): ("AAAFA", None),
        ("POST", f"{M}/theme-requests/{{request_id}}/publish"): (
            "AFFFF",
            {"number": 98, "title": "通学路の見守り", "field": "教育", "department": "kyoiku"},
        ),
        ("POST", f"{M}/theme-requests/{{request_id}}/decline"): (
            "AFFFF",
            {"reason": "既存のテーマ5と重なるため"},
        ),
        # Soundings: the desk runs every one of its city, a department its own (kyoiku's
        # here); the auditor reads them; the desk alone turns one into a theme or a call.
        ("GET", f"{M}/staff/soundings"): ("AAAFA", None),
        ("POST", f"{M}/staff/soundings"): ("AAAFF", SOUNDING),
        ("GET", f"{M}/staff/soundings/{{sounding_id}}"): ("AAHFA", None),
        ("POST", f"{M}/staff/soundings/{{sounding_id}}/publish"): ("AAHFF", None),
        ("POST", f"{M}/staff/soundings/{{sounding_id}}/answers"): (
            "AAHFF",
            {"question": "夜間の利用は可能ですか", "answer": "22時まで可能です"},
        ),
        ("POST", f"{M}/staff/soundings/{{sounding_id}}/close"): ("AAHFF", None),
        ("POST", f"{M}/staff/soundings/{{sounding_id}}/summary"): ("AAHFF", {"summary": "概要"}),
        ("POST", f"{M}/staff/soundings/{{sounding_id}}/theme"): (
            "AFFFF",
            {"number": 97, "title": "通学路の見守り"},
        ),
        ("POST", f"{M}/staff/soundings/{{sounding_id}}/call"): (
            "AFFFF",
            {"call": "見守り事業の公募"},
        ),
        ("GET", f"{M}/proposals/{{proposal_id}}"): ("AAHHA", None),
        ("GET", f"{M}/proposals/{{proposal_id}}/document"): ("AAHHA", None),
        ("GET", f"{M}/proposals/{{proposal_id}}/history"): ("AFFFA", None),
        ("GET", AUDIT): ("AFFFA", None),
    },
    "routing": {
        ("GET", f"{M}/departments/{{department}}/inbox"): ("AAFFA", None),
        # The council reads a routing and its dialogue once escalated to it (test_sight).
        ("GET", f"{M}/routings/{{proposal_id}}"): ("AAHHA", None),
        ("POST", f"{M}/routings/{{proposal_id}}/take-on"): ("FAHFF", None),
        ("POST", f"{M}/routings/{{proposal_id}}/decline"): ("FAHFF", REASON),
        ("POST", f"{M}/routings/{{proposal_id}}/reassign"): (
            "AFFFF",
            {"departments": ["kyoiku"], "reason": "教育委員会の所管"},
        ),
        ("POST", f"{M}/routings/{{proposal_id}}/milestones"): ("AAHFF", {"milestone": "started"}),
        ("POST", f"{M}/routings/{{proposal_id}}/status-line"): (
            "AAHFF",
            {"ja": "教育委員会と協議中", "en": "In talks with the Board of Education"},
        ),
        ("GET", f"{M}/routings/{{proposal_id}}/dialogue"): ("AAHHA", None),
        ("POST", f"{M}/routings/{{proposal_id}}/notes"): ("AAHFF", {"text": "内部メモ"}),
        # Own department: 409 until it takes the proposal on (only then is the dialogue its).
        ("POST", f"{M}/routings/{{proposal_id}}/messages"): ("AAHFF", {"text": "ご質問です。"}),
        ("GET", f"{M}/dashboard"): ("AFFFA", None),
        ("GET", f"{M}/overdue"): ("AFFFA", None),
        ("GET", AUDIT): ("AFFFA", None),
    },
    "decision": {
        ("POST", f"{M}/fairness/assess"): ("AAAAF", {}),
        ("GET", f"{M}/council/inbox"): ("AFFAA", None),
        ("GET", f"{M}/decisions/{{proposal_id}}"): ("AAHHA", None),
        # The council is told (409) that it decides only what was escalated to it.
        ("POST", f"{M}/decisions/{{proposal_id}}/adopt"): ("FAHAF", {"inputs": {}}),
        ("POST", f"{M}/decisions/{{proposal_id}}/reject"): (
            "FAHAF",
            {"reasons": ["cost"], "explanation": "予算の見込みが立たない"},
        ),
        # Only a department answers early; its own was taken on already (409).
        ("POST", f"{M}/decisions/{{proposal_id}}/infeasible"): (
            "FAHFF",
            {"reasons": ["law_conflict"], "explanation": "条例により実施できない"},
        ),
        ("POST", f"{M}/decisions/{{proposal_id}}/escalate"): ("FAHAF", REASON),
        ("POST", f"{M}/decisions/{{proposal_id}}/incentive"): (
            "FAHAF",
            {"bonus_points": 1, "total_points": 100, "announced_in": "公告文"},
        ),
        ("GET", AUDIT): ("AFFFA", None),
    },
    # The department that runs the project acts; another department and the council
    # (which did not adopt it) find no project; the desk and the auditor read.
    "implementation": {
        ("GET", f"{M}/projects"): ("AAAAA", None),
        ("GET", f"{M}/projects/overdue-verifications"): ("AAAAA", None),
        ("GET", f"{M}/projects/{{proposal_id}}"): ("AAHHA", None),
        ("POST", f"{M}/projects/{{proposal_id}}/call"): (
            "FAHFF",
            {"opens_on": "2025-11-01", "closes_on": "2025-11-30", "announcement": "公告"},
        ),
        ("POST", f"{M}/projects/{{proposal_id}}/applicants"): (
            "FAHFF",
            {"applicant": "株式会社みなと観光", "applied_on": "2025-11-10"},
        ),
        ("POST", f"{M}/projects/{{proposal_id}}/selection"): (
            "FAHFF",
            {"implementer": "株式会社みなと観光", "reasons": "評価", "selected_on": "2025-12-01"},
        ),
        ("POST", f"{M}/projects/{{proposal_id}}/agreement"): (
            "FAHFF",
            {
                "kind": "memorandum",
                "parties": ["長崎市", "株式会社みなと観光"],
                "signed_on": "2025-11-01",
                "term_from": "2025-11-01",
                "term_until": "2026-03-31",
            },
        ),
        ("POST", f"{M}/projects/{{proposal_id}}/start"): ("FAHFF", {"started_on": "2025-11-02"}),
        ("POST", f"{M}/projects/{{proposal_id}}/milestones"): (
            "FAHFF",
            {"milestone": "稼働", "reached_on": "2025-11-10"},
        ),
        ("POST", f"{M}/projects/{{proposal_id}}/experiment-steps"): (
            "FAHFF",
            {"step": "site_coordination", "done_on": "2025-11-10"},
        ),
        ("POST", f"{M}/projects/{{proposal_id}}/end"): ("FAHFF", {"ended_on": "2026-03-31"}),
        ("PUT", f"{M}/projects/{{proposal_id}}/logic-model"): (
            "FAHFF",
            {part: ["・"] for part in ("inputs", "activities", "outputs", "outcomes", "impact")},
        ),
        ("POST", f"{M}/projects/{{proposal_id}}/kpis"): (
            "FAHFF",
            {"name": "件数", "unit": "件", "baseline": 1, "target": 2},
        ),
        ("POST", f"{M}/projects/{{proposal_id}}/measurements"): (
            "FAHFF",
            {"name": "件数", "measured_on": "2025-11-10", "value": 1},
        ),
        ("POST", f"{M}/projects/{{proposal_id}}/verdict"): (
            "FAHFF",
            {"verdict": "continue", "reasons": "理由", "verified_on": "2026-04-01"},
        ),
        ("POST", f"{M}/projects/{{proposal_id}}/close"): ("FAHFF", {"closed_on": "2026-04-01"}),
        ("GET", AUDIT): ("AFFFA", None),
    },
    "publication": {
        ("GET", f"{M}/desk/cases"): ("AFFFA", None),
        ("POST", f"{M}/desk/cases"): ("AFFFF", {"proposal_id": "{proposal_id}"}),
        ("PUT", f"{M}/desk/cases/{{case_id}}"): ("AFFFF", CASE_TEXT),
        ("POST", f"{M}/desk/cases/{{case_id}}/consultation"): ("AFFFF", None),
        ("POST", f"{M}/desk/cases/{{case_id}}/publication"): ("AFFFF", None),
        ("POST", f"{M}/desk/cases/{{case_id}}/correction"): (
            "AFFFF",
            {**CASE_TEXT, "note": "誤字の訂正"},
        ),
        ("POST", f"{M}/desk/cases/{{case_id}}/retraction"): ("AFFFF", REASON),
        ("GET", AUDIT): ("AFFFA", None),
    },
}

ROWS = [
    pytest.param(service, method, path, id=f"{service} {method} {path.removeprefix(M)}")
    for service, rows in MATRIX.items()
    for method, path in rows
]


def staff_routes(app: FastAPI) -> set[tuple[str, str]]:
    """Every (method, path) of the app behind staff authentication."""
    found = set()
    for route in _api_routes(app):
        if any(
            answer.status == 401 and "staff" in answer.description for answer in answers_of(route)
        ):
            found |= {(method, route.path_format) for method in route.methods}
    return found


@pytest.mark.parametrize("service", list(MATRIX))
def test_every_staff_endpoint_has_a_row(service: str) -> None:
    routes = staff_routes(service_app(service))
    assert routes == set(MATRIX[service]), (
        "staff endpoints without a row in the matrix (add one), or rows without an endpoint: "
        f"{sorted(routes ^ set(MATRIX[service]))}"
    )


def _body(body: dict[str, Any] | None, ids: dict[str, str]) -> dict[str, Any] | None:
    if body is None:
        return None
    return {k: v.format(**ids) if isinstance(v, str) and "{" in v else v for k, v in body.items()}


def _meets(expected: str, status: int) -> bool:
    if expected == "F":
        return status == 403
    if expected == "H":
        return status == 404
    return status not in (401, 403, 404) and status < 500


@pytest.mark.parametrize(("service", "method", "path"), ROWS)
async def test_the_matrix(service: str, method: str, path: str) -> None:
    expected, body = MATRIX[service][(method, path)]
    async with world(service) as running:
        url = running.path(path)
        json_body = _body(body, running.ids)
        # Refusals first: they change nothing, so each cell sees the same state; then
        # those let through (the desk last: its writes, e.g. a reassignment, change most).
        cells = sorted(zip(ROLES, expected, strict=True), key=lambda cell: cell[1] == "A")
        got = {}
        for role, _ in cells:
            answer = await running.client.request(
                method, url, json=json_body, headers=bearer(OWN, role)
            )
            got[role] = answer.status_code
        # Another city's staff, on this city's path: 403 whatever their role.
        for role in OTHER_CITY_ROLES:
            answer = await running.client.request(
                method, url, json=json_body, headers=bearer(OTHER, role)
            )
            got[f"{OTHER} {role}"] = answer.status_code
        # No token: 401.
        anonymous = await running.client.request(method, url, json=json_body)
    wanted = dict(zip(ROLES, expected, strict=True))
    wrong = {
        role: status
        for role, status in got.items()
        if role in wanted and not _meets(wanted[role], status)
    }
    assert wrong == {}, f"expected {wanted}, got {got}"
    if "{municipality}" in path:
        assert {r: s for r, s in got.items() if r.startswith(OTHER)} == {
            f"{OTHER} {role}": 403 for role in OTHER_CITY_ROLES
        }
    assert anonymous.status_code == 401
