"""The local desk's staff accounts (`kyoso up`): every role in every city it serves."""

from __future__ import annotations

import json
from pathlib import Path

from kyoso.desk import _dev_staff_tokens
from services.routing.directory import directory, known_municipalities
from shared.staff_auth import StaffToken


def test_every_city_has_its_desk_departments_council_and_auditor(tmp_path: Path) -> None:
    tokens = [StaffToken.model_validate(t) for t in json.loads(_dev_staff_tokens(tmp_path))]
    assert (tokens[0].role, tokens[0].municipality) == ("desk", "nagasaki")
    for city in known_municipalities():
        mine = [t for t in tokens if t.municipality == city]
        assert sorted(t.role for t in mine if t.role != "department") == [
            "auditor",
            "council",
            "desk",
        ], city
        assert {t.department for t in mine if t.role == "department"} == {
            d.code for d in directory(city).departments
        }, city
    assert len({t.token for t in tokens}) == len(tokens)


def test_an_older_file_keeps_its_tokens_and_gains_the_missing_accounts(tmp_path: Path) -> None:
    older = [
        {"token": "kept-nagasaki-desk-token", "role": "desk", "municipality": "nagasaki"},
        {
            "token": "kept-nagasaki-kyoiku-token",
            "role": "department",
            "municipality": "nagasaki",
            "department": "kyoiku",
        },
    ]
    (tmp_path / "dev-staff-tokens.json").write_text(json.dumps(older), encoding="utf-8")
    tokens = json.loads(_dev_staff_tokens(tmp_path))
    assert tokens[:2] == older
    councils = [t for t in tokens if t["role"] == "council"]
    assert {t["municipality"] for t in councils} == set(known_municipalities())
    assert json.loads(_dev_staff_tokens(tmp_path)) == tokens  # nothing new the second time
