"""Which department a proposal reaches: Nagasaki's directory against Nagasaki's register."""

from __future__ import annotations

from datetime import UTC, date, datetime
from uuid import uuid4

import pytest

from services.routing.directory import directory, known_municipalities, matches
from shared.contract import Channel, ProposerKind, PublicProposer
from shared.proposal import ProposalState, ProposalStatus
from tests.seed_register import register, themes

pytestmark = pytest.mark.unit  # no broker, database or server (tests/unit_level.py)

NAGASAKI = directory("nagasaki")


def state(title: str, field: str, summary: str, content: str = "") -> ProposalState:
    now = datetime(2025, 8, 1, tzinfo=UTC)
    return ProposalState(
        proposal_id=uuid4(),
        municipality="nagasaki",
        receipt_number="NGS-2025-0001",
        fiscal_year=2025,
        received_on=date(2025, 8, 1),
        channel=Channel.FREE,
        theme_number=None,
        proposer=PublicProposer(organisation="x", kind=ProposerKind.COMPANY),
        title=title,
        field=field,
        summary=summary,
        content=content,
        status=ProposalStatus.ACCEPTED,
        submitted_at=now,
        updated_at=now,
    )


def test_the_directory_covers_every_field_of_the_seeds_themes_and_proposals() -> None:
    covered = {f for d in NAGASAKI.departments for f in d.fields}
    wanted = {t["field"] for t in themes()} | {p["field"] for p in register()}
    assert wanted - covered == set()


def test_every_theme_owner_is_in_the_directory() -> None:
    codes = {d.code for d in NAGASAKI.departments}
    assert {t["department"] for t in themes()} <= codes


@pytest.mark.parametrize(
    ("title", "lead"),
    [
        ("「通学路安全点検支援システム」のご案内", "kyoiku"),
        ("「インバウンド対策」のご提案", "bunka-kanko"),
        ("長崎市との連携に係る提案", "kikaku"),
        ("公園利活用事業におけるご提案", "machizukuri"),
        ("お子さま向け生成AI起業家合宿", "dx"),
        ("立体作品のデジタルアーカイブ化の提案", "bunka-kanko"),
    ],
)
def test_the_seeds_free_proposals_reach_a_fitting_lead(title: str, lead: str) -> None:
    row = next(p for p in register() if p["title"] == title)
    found = matches(state(row["title"], row["field"], row["summary"]), NAGASAKI)
    assert found and found[0].department.code == lead


def test_several_fitting_departments_share_it_with_one_lead() -> None:
    found = matches(
        state("VR防災", "防災", "火災予防と避難訓練に使う体験型VR防災コンテンツ"), NAGASAKI
    )
    codes = [m.department.code for m in found]
    assert len(codes) >= 2 and set(codes[:2]) == {"shobo", "bosai"}


def test_nothing_fitting_well_enough_means_triage() -> None:
    assert matches(state("宇宙エレベーター", "宇宙", "軌道上の施設の提案"), NAGASAKI) == []


def test_a_department_that_declined_is_not_chosen_again() -> None:
    proposal = state("「インバウンド対策」のご提案", "観光", "インバウンド客向けのポスター")
    found = matches(proposal, NAGASAKI, excluding=frozenset({"bunka-kanko"}))
    assert "bunka-kanko" not in [m.department.code for m in found]


def test_every_municipality_with_a_desk_has_a_directory() -> None:
    assert known_municipalities() == ["aomori", "kitakyushu", "nagasaki", "sapporo", "setagaya"]
