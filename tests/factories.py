"""Test data: proposals as a proposer would send them, Nagasaki-flavoured."""

from __future__ import annotations

from typing import Any


def proposal_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "channel": "theme",
        "theme_number": 5,
        "proposer": {
            "organisation": "株式会社みなと観光",
            "kind": "company",
            "contact_person": "出島 花子",
            "email": "hanako@minato-kanko.example.jp",
            "phone": "095-000-0000",
        },
        "title": "トイレマップで都心部の回遊性を高める",
        "field": "まちづくり",
        "summary": "トイレに特化したマップを作成し、観光客等のトイレの不安を解消する提案。",
        "content": "観光客が安心してまちなかを回遊できるよう、公衆トイレの位置と設備をまとめた地図を作る。",
        "protected": "協力店舗の一覧と交渉ノウハウ",
    }
    body.update(overrides)
    return body


def free_proposal_body(**overrides: Any) -> dict[str, Any]:
    body = proposal_body(
        channel="free",
        theme_number=None,
        title="通学路安全点検支援システム",
        field="教育",
        summary="通学路の安全点検を効率化するWebシステムの提案。",
    )
    body.pop("theme_number")
    body.update(overrides)
    return body
