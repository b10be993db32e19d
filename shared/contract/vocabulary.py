"""The desk's vocabulary, shared by every service (DOMAIN.md)."""

from __future__ import annotations

from enum import StrEnum


class Channel(StrEnum):
    """How a proposal comes to the desk (DOMAIN.md, "Proposal channels")."""

    THEME = "theme"  # テーマ型: answers a numbered challenge published by the city
    FREE = "free"  # フリー型: any subject the proposer finds
    DEMONSTRATION_EXPERIMENT = "demonstration_experiment"  # 実証実験
    PARTNERSHIP_AGREEMENT = "partnership_agreement"  # 連携協定
    # 事前相談: optional and lighter, where the city offers it. Aomori's flow begins with
    # 「事前相談 ※必須ではありません」 (000_4783c11d099f2101.txt); Sapporo's gate takes
    # 「相談・提案を一元的に」 (001_432515fecfa00518.txt). Recorded and routed like a
    # proposal, but it is a consultation, not a proposal.
    PRE_CONSULTATION = "pre_consultation"


class AgreementScope(StrEnum):
    """The two kinds of partnership agreement Aomori offers (000_4783c11d099f2101.txt)."""

    # 事業連携協定: 「特定の分野での連携事業の実施に当たって必要な事項を…締結するもの」
    SINGLE_FIELD = "single_field"
    # 包括連携協定: 「複数の分野での連携事業の実施に当たって必要な事項を…締結するもの」
    COMPREHENSIVE = "comprehensive"


class ProposerKind(StrEnum):
    COMPANY = "company"
    UNIVERSITY = "university"
    NPO = "npo"
    ASSOCIATION = "association"
    SOLE_PROPRIETOR = "sole_proprietor"
    # Accepted as input so that the desk can answer with the reason (Aomori: a private
    # individual who is not a sole proprietor may not propose).
    INDIVIDUAL = "individual"


class ScreeningReason(StrEnum):
    """Why the desk did not accept a proposal at screening (coded, plus free text)."""

    INELIGIBLE_PROPOSER = "ineligible_proposer"  # Aomori: individuals may not propose
    SALES_PITCH = "sales_pitch"  # 単なる営業 is not a proposal (Kitakyushu)
    OUT_OF_SCOPE = "out_of_scope"
    INCOMPLETE = "incomplete"
    NOT_NEUTRAL = "not_neutral"  # Sapporo: politically and religiously neutral
    ANTI_SOCIAL_FORCES = "anti_social_forces"  # Sapporo: 反社会的勢力 are excluded
    UNLAWFUL = "unlawful"
    DUPLICATE = "duplicate"


class ActorRole(StrEnum):
    """Who acted: recorded on every event for the auditor."""

    PROPOSER = "proposer"
    DESK = "desk"
    DEPARTMENT = "department"
    COUNCIL = "council"
    SYSTEM = "system"


SCREENING_REASON_LABELS: dict[ScreeningReason, tuple[str, str]] = {
    ScreeningReason.INELIGIBLE_PROPOSER: ("提案者の要件を満たしていない", "Proposer not eligible"),
    ScreeningReason.SALES_PITCH: ("単なる営業・宣伝である", "A plain sales pitch"),
    ScreeningReason.OUT_OF_SCOPE: ("制度の対象外である", "Out of scope"),
    ScreeningReason.INCOMPLETE: ("提案内容が不足している", "Incomplete"),
    ScreeningReason.NOT_NEUTRAL: (
        "政治的・宗教的な中立性に欠ける",
        "Not politically or religiously neutral",
    ),
    ScreeningReason.ANTI_SOCIAL_FORCES: ("反社会的勢力との関係", "Ties to anti-social forces"),
    ScreeningReason.UNLAWFUL: ("法令等に反する", "Against laws or by-laws"),
    ScreeningReason.DUPLICATE: ("同一内容の提案が既にある", "Duplicate of an earlier proposal"),
}


# The longest message of the dialogue (対話), either way: a letter, not a document.
MESSAGE_MAX_LENGTH = 4000
