"""The proposal form's side of intake's answers: the body it sends, and each kind of
refusal intake gives turned into the Japanese sentence shown beside its field."""

from __future__ import annotations

from typing import Any

import pytest

from services.portal.forms import body_of, errors_of, fields_of
from services.portal.pages import CATALOGUES

JA = CATALOGUES.gettext("ja")


def test_the_body_is_intakes_submission_with_empty_optional_fields_left_out() -> None:
    values = {f.name: "" for f in fields_of("theme")} | {
        "theme_number": "5",
        "proposer.organisation": " 株式会社みなと観光 ",
        "proposer.kind": "company",
        "title": "トイレマップ",
    }
    assert body_of("theme", values) == {
        "channel": "theme",
        "theme_number": 5,
        "proposer": {
            "organisation": "株式会社みなと観光",
            "kind": "company",
            "contact_person": "",
            "email": "",
        },
        "title": "トイレマップ",
        "field": "",
        "summary": "",
        "content": "",
    }
    assert "theme_number" not in body_of("free", values)


@pytest.mark.parametrize(
    ("status", "item", "field_id", "message"),
    [
        (
            422,
            {"type": "string_too_short", "loc": ["body", "title"], "msg": "…"},
            "field-title",
            "提案題名を入力してください。",
        ),
        (
            422,
            {"type": "missing", "loc": ["body", "proposer", "kind"], "msg": "Field required"},
            "field-proposer-kind",
            "提案者の種別を選んでください。",
        ),
        (
            422,
            {
                "type": "string_too_long",
                "loc": ["body", "summary"],
                "msg": "…",
                "ctx": {"max_length": 400},
            },
            "field-summary",
            "提案概要（公表用）は400文字以内で入力してください。",
        ),
        (
            422,
            {"type": "string_pattern_mismatch", "loc": ["body", "proposer", "phone"], "msg": "…"},
            "field-proposer-phone",
            "電話番号は半角数字とハイフンで入力してください（例: 095-822-8888）。",
        ),
        (
            422,
            {"type": "value_error", "loc": ["body"], "msg": "Value error, theme_number: required"},
            "field-theme-number",
            "テーマを選んでください。",
        ),
        (
            422,
            {"loc": ["body", "theme_number"], "msg": "theme 99 does not exist in nagasaki"},
            "field-theme-number",
            "このテーマはありません。一覧から選んでください。",
        ),
        (
            409,
            {"loc": ["body", "theme_number"], "msg": "the call for theme 25 is closed"},
            "field-theme-number",
            "このテーマは現在募集していません。募集中のテーマを選んでください。",
        ),
    ],
)
def test_each_refusal_is_said_in_japanese_beside_its_field(
    status: int, item: dict[str, Any], field_id: str, message: str
) -> None:
    (error,) = errors_of(status, [item], "theme", JA)
    assert error.field is not None and error.field.id == field_id
    assert error.message == message


def test_errors_come_in_the_forms_order_one_per_field_and_unplaced_ones_last() -> None:
    errors = errors_of(
        422,
        [
            {"type": "missing", "loc": ["body", "content"], "msg": "…"},
            {"type": "string_too_short", "loc": ["body", "content"], "msg": "…"},
            {"loc": ["header", "Idempotency-Key"], "msg": "this key was already used"},
            {"type": "missing", "loc": ["body", "proposer", "organisation"], "msg": "…"},
        ],
        "free",
        JA,
    )
    assert [e.field.name if e.field else None for e in errors] == [
        "proposer.organisation",
        "content",
        None,
    ]
    assert errors[-1].message == "この提案を受け付けられませんでした: this key was already used"
