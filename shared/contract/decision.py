"""Events the decision service publishes: the department's (or the council's) decision.

A rejection always carries coded reasons and an explanation, and the proposer sees them
(Aomori, Sapporo, Kitakyushu: 実施できない場合は理由を説明). An adoption carries the
fairness assessment — inputs, route and the trace of the rules that fired — so an
auditor can replay it (DOMAIN.md, "Fairness rules").
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, StrictBool

from shared.contract.base import IntegrationEvent


class RejectionReason(StrEnum):
    """Why a department does not implement a proposal (coded, plus free text)."""

    LAW_CONFLICT = "law_conflict"  # 法令・条例等に抵触する
    OVERLAP_WITH_EXISTING = "overlap_with_existing"  # 既存事業と重複する
    NO_PUBLIC_BENEFIT = "no_public_benefit"  # 公益性が認められない
    COST = "cost"  # 費用対効果・財政負担
    SALES_PITCH = "sales_pitch"  # 単なる営業 (Kitakyushu)
    OTHER = "other"  # the explanation says it all


REJECTION_REASON_LABELS: dict[RejectionReason, tuple[str, str]] = {
    RejectionReason.LAW_CONFLICT: ("法令・条例等に抵触する", "Conflicts with laws or by-laws"),
    RejectionReason.OVERLAP_WITH_EXISTING: (
        "既存事業と重複する",
        "Overlaps with an existing project",
    ),
    RejectionReason.NO_PUBLIC_BENEFIT: ("公益性が認められない", "No public benefit"),
    RejectionReason.COST: ("費用負担・費用対効果", "Cost"),
    RejectionReason.SALES_PITCH: ("単なる営業・宣伝である", "A plain sales pitch"),
    RejectionReason.OTHER: ("その他", "Other"),
}


class SelectionRoute(StrEnum):
    """How the implementer is chosen (Sapporo 001, Kitakyushu 003 STEP 4)."""

    PROCUREMENT = "procurement"  # 財政負担あり: 予算化を経て競争入札・プロポーザル
    OPEN_CALL = "open_call"  # 財政負担なし・占用性が高い: 公募
    DIRECT_SELECTION = "direct_selection"  # 独自性・独創性: 公募によらず提案者を選定
    PARTNERSHIP_WITHOUT_SELECTION = "partnership_without_selection"  # 選定を要しない連携


class UniquenessEvidence(StrEnum):
    """Sapporo 001: 特許権、著作権、特殊な技術…、専門的な知識・技術等."""

    PATENT = "patent"
    COPYRIGHT = "copyright"
    SPECIAL_TECHNOLOGY = "special_technology"
    SPECIALIST_EXPERTISE = "specialist_expertise"


class AgreementKind(StrEnum):
    """What is signed after the decision (Setagaya 004 §5 (4)(5); Kitakyushu 003 STEP 5)."""

    BUSINESS_AGREEMENT = "business_agreement"  # 事業連携協定: one field
    COMPREHENSIVE_AGREEMENT = "comprehensive_agreement"  # 包括連携協定: several fields
    MEMORANDUM = "memorandum"  # 覚書
    CONTRACT = "contract"  # 契約 (when the city pays)


class Involvement(StrEnum):
    """The city's part in an event (Setagaya 004 §6: 主催, 共催, 協力, 協賛, 後援)."""

    ORGANISER = "organiser"  # 主催
    CO_ORGANISER = "co_organiser"  # 共催
    COOPERATION = "cooperation"  # 協力
    SPONSORSHIP = "sponsorship"  # 協賛
    PATRONAGE = "patronage"  # 後援


class AssessmentInputs(BaseModel):
    """What the department states about an adopted proposal; the assessment's only input
    besides the municipality's thresholds."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    initial_cost_yen: int = Field(0, ge=0, description="City money to start (0: none)")
    recurring_cost_yen_per_year: int = Field(
        0, ge=0, description="City money every year after, e.g. upkeep (Sapporo: counts too)"
    )
    occupancy_days: int = Field(0, ge=0, description="Temporal occupancy: how long (days)")
    occupancy_area_m2: float = Field(0, ge=0, description="Physical occupancy: area (m²)")
    occupancy_quantity: int = Field(0, ge=0, description="Physical occupancy: e.g. facilities")
    uniqueness_evidence: tuple[UniquenessEvidence, ...] = Field(
        (), description="Patents, copyrights, special technology, expertise"
    )
    # Strict: a department states true or false (or nothing), never 0, 1 or "yes".
    other_capable_providers: StrictBool | None = Field(
        None, description="False: clearly nobody else can do it; None: not established"
    )


class RuleFired(BaseModel):
    """One rule that was evaluated, with what it found."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    rule: str
    outcome: bool
    because: str
    source: str = Field(description="The seed file the rule comes from")


class Assessment(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    municipality: str
    thresholds_version: str
    inputs: AssessmentInputs
    route: SelectionRoute
    trace: tuple[RuleFired, ...]


class BudgetEntry(BaseModel):
    """The earliest budget city money can enter (Kitakyushu 003: requests by October)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    fiscal_year: int = Field(description="The fiscal year (April–March) the money is for")
    kind: str = Field(description="initial: 当初予算")
    request_by: date = Field(description="Budget requests are due by this day")
    available_from: date
    because: str


class Experiment(BaseModel):
    """A demonstration experiment (実証実験): who does what, and the city's cost share."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    city_cost_share_yen: int = Field(0, ge=0)
    city_roles: tuple[str, ...] = Field(min_length=1)
    proposer_roles: tuple[str, ...] = Field(min_length=1)


class ProposalAdopted(IntegrationEvent):
    """Adopted (実施): the assessment says how the implementer is chosen."""

    event_type = "decision.proposal.adopted"
    version = 1

    proposal_id: UUID
    decided_by: str = Field(description="The department, or 'council'")
    assessment: Assessment
    agreement: AgreementKind | None = None
    involvement: Involvement | None = None
    experiment: Experiment | None = None
    budget_entry: BudgetEntry | None = Field(
        None, description="Only when the decision needs city money"
    )
    note: str | None = None


class ProposalRejectedAfterReview(IntegrationEvent):
    """Not implemented, with at least one coded reason and an explanation."""

    event_type = "decision.proposal.rejected"
    version = 1

    proposal_id: UUID
    decided_by: str
    reasons: tuple[RejectionReason, ...] = Field(min_length=1)
    explanation: str = Field(min_length=1)


class ProposalEscalated(IntegrationEvent):
    """The department could not settle it: the cross-department council decides."""

    event_type = "decision.proposal.escalated"
    version = 1

    proposal_id: UUID
    department: str
    reason: str = Field(min_length=1)


class IncentiveRecorded(IntegrationEvent):
    """Setagaya 004 §5(3): bonus points for the proposer in a call built on its idea."""

    event_type = "decision.incentive.recorded"
    version = 1

    proposal_id: UUID
    bonus_points: float = Field(gt=0)
    total_points: float = Field(gt=0, description="The call's total score, bonus excluded")
    cap_points: float
    announced_in: str = Field(min_length=1, description="Where the call announces it")
