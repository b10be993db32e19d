"""Events the implementation service publishes: what follows an adoption, per adopted
proposal — the implementer's selection by the route the fairness assessment gave, the
agreement or contract (with the council's vote when city money or a by-law needs one),
the implementation with its milestones and, for a demonstration experiment, Aomori's
steps, and the effect verification with its logic model, KPIs and verdict.

Seeds: Kitakyushu 003 STEP 5–6, Sapporo 001 「事業の検証」, Setagaya 004 §4–6, Aomori 000
(実証実験のフロー)."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from shared.contract.base import IntegrationEvent
from shared.contract.decision import AgreementKind, BudgetEntry, Involvement, SelectionRoute


class ExperimentStep(StrEnum):
    """Aomori 000's demonstration experiment, in order: 土地・施設管理者との調整 /
    地元関係者との調整 → 使用許可申請等 → 地域への周知 → 実証実験の実施・立ち合い → 報告書受領."""

    SITE_COORDINATION = "site_coordination"
    PERMITS = "permits"
    AREA_NOTICE = "area_notice"
    RUN_WITH_CITY = "run_with_city"
    REPORT_RECEIVED = "report_received"


EXPERIMENT_STEP_LABELS: dict[ExperimentStep, tuple[str, str]] = {
    ExperimentStep.SITE_COORDINATION: (
        "土地・施設管理者、地元関係者との調整",
        "Coordination with land and facility owners and the area",
    ),
    ExperimentStep.PERMITS: ("使用許可申請等", "Permits"),
    ExperimentStep.AREA_NOTICE: ("地域への周知", "Notice to the area"),
    ExperimentStep.RUN_WITH_CITY: ("実証実験の実施・立ち合い", "The run, with the city present"),
    ExperimentStep.REPORT_RECEIVED: ("報告書受領", "The report received"),
}


class CouncilMatter(StrEnum):
    """Why the council votes (Kitakyushu 003: ※予算や条例の改正が必要な場合は、市議会での議決を経ます)."""

    BUDGET = "budget"  # 予算
    BYLAW = "bylaw"  # 条例の改正


class Verdict(StrEnum):
    """What the verification concludes (Kitakyushu 003 STEP 6: 事業の改善、本格実施、
    そして他分野や他地域への展開)."""

    CONTINUE = "continue"  # 継続 (with improvements)
    SCALE_UP = "scale_up"  # 本格実施
    END = "end"  # 終了
    SPREAD = "spread"  # 他地域への展開 (横展開)


VERDICT_LABELS: dict[Verdict, tuple[str, str]] = {
    Verdict.CONTINUE: ("継続", "Continue"),
    Verdict.SCALE_UP: ("本格実施", "Scale up"),
    Verdict.END: ("終了", "End"),
    Verdict.SPREAD: ("他地域への展開", "Spread to other cities"),
}


class CouncilVote(BaseModel):
    """The council's vote on the project's budget or by-law, and the sitting it was in."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    matters: tuple[CouncilMatter, ...] = Field(min_length=1)
    voted_on: date
    sitting_ja: str = Field(description="The regular sitting (定例会) the vote belongs to")
    sitting_en: str


class LogicModel(BaseModel):
    """Kitakyushu 003 ア) ロジックモデルの作成: 事業の因果関係を可視化する."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    inputs: tuple[str, ...] = Field(min_length=1)
    activities: tuple[str, ...] = Field(min_length=1)
    outputs: tuple[str, ...] = Field(min_length=1)
    outcomes: tuple[str, ...] = Field(min_length=1)
    impact: tuple[str, ...] = Field(min_length=1)


class Measurement(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    measured_on: date
    value: float


class Kpi(BaseModel):
    """Kitakyushu 003 イ) 評価指標(KPI)の設定: 測定可能な評価指標."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(min_length=1)
    unit: str = Field(min_length=1)
    baseline: float
    target: float
    measurements: tuple[Measurement, ...] = ()


class CallPublished(IntegrationEvent):
    """The open call or procurement for the implementer is published, with its period and,
    where the city has an incentive scheme, the proposer's bonus announced in it."""

    event_type = "implementation.call.published"
    version = 1

    proposal_id: UUID
    route: SelectionRoute
    opens_on: date
    closes_on: date
    announcement: str = Field(min_length=1)
    proposer_bonus_ratio: float | None = Field(
        None, description="The proposer's bonus as a share of the total score, bonus excluded"
    )


class ApplicantRecorded(IntegrationEvent):
    """A company, university or NPO applied to the call, within its period."""

    event_type = "implementation.applicant.recorded"
    version = 1

    proposal_id: UUID
    applicant: str = Field(min_length=1)
    applied_on: date


class ImplementerSelected(IntegrationEvent):
    """Who implements, and why; a direct selection carries its uniqueness justification."""

    event_type = "implementation.implementer.selected"
    version = 1

    proposal_id: UUID
    route: SelectionRoute
    implementer: str = Field(min_length=1)
    reasons: str = Field(min_length=1)
    uniqueness_justification: str | None = None
    selected_on: date


class AgreementConcluded(IntegrationEvent):
    """The agreement, memorandum or contract, with the council's vote where one is needed."""

    event_type = "implementation.agreement.concluded"
    version = 1

    proposal_id: UUID
    kind: AgreementKind
    parties: tuple[str, ...] = Field(min_length=2)
    signed_on: date
    term_from: date
    term_until: date
    fields: tuple[str, ...] = ()
    involvement: Involvement | None = None
    council_vote: CouncilVote | None = None
    budget_entry: BudgetEntry | None = Field(None, description="Kept from the decision")


class ImplementationStarted(IntegrationEvent):
    """The implementation started; for an experiment, with the city's cost share and the
    cap in force that day (Setagaya 004: 令和8年度から100万円を上限)."""

    event_type = "implementation.started"
    version = 1

    proposal_id: UUID
    started_on: date
    experiment: bool
    city_cost_share_yen: int = Field(0, ge=0)
    cost_share_cap_yen: int | None = Field(None, description="The city's cap in force then")


class MilestoneReached(IntegrationEvent):
    """A milestone of the implementation reached."""

    event_type = "implementation.milestone.reached"
    version = 1

    proposal_id: UUID
    milestone: str = Field(min_length=1)
    reached_on: date


class ExperimentStepDone(IntegrationEvent):
    """One of Aomori's experiment steps done, in their order."""

    event_type = "implementation.experiment_step.done"
    version = 1

    proposal_id: UUID
    step: ExperimentStep
    done_on: date
    note: str | None = None


class ImplementationEnded(IntegrationEvent):
    """The implementation ended; its effect verification is due by `verification_due_on`."""

    event_type = "implementation.ended"
    version = 1

    proposal_id: UUID
    ended_on: date
    verification_due_on: date


class VerificationOverdue(IntegrationEvent):
    """The effect verification was not done by its due date: raised once, like routing's
    deadlines (Sapporo 001: 「事業を実施後、必ず…効果検証を行います」)."""

    event_type = "implementation.verification.overdue"
    version = 1

    proposal_id: UUID
    due_on: date
    department: str | None = Field(description="The department that runs the project")


class LogicModelSet(IntegrationEvent):
    """The logic model: inputs, activities, outputs, outcomes, impact (Kitakyushu 003)."""

    event_type = "implementation.logic_model.set"
    version = 1

    proposal_id: UUID
    logic_model: LogicModel


class KpiDefined(IntegrationEvent):
    """A KPI with its unit, baseline and target (Kitakyushu 003: 測定可能な評価指標)."""

    event_type = "implementation.kpi.defined"
    version = 1

    proposal_id: UUID
    name: str = Field(min_length=1)
    unit: str = Field(min_length=1)
    baseline: float
    target: float


class KpiMeasured(IntegrationEvent):
    """A KPI's value measured on a day."""

    event_type = "implementation.kpi.measured"
    version = 1

    proposal_id: UUID
    name: str = Field(min_length=1)
    measured_on: date
    value: float


class VerdictGiven(IntegrationEvent):
    """The effect verification's verdict, with its reasons and the KPIs it rests on."""

    event_type = "implementation.verdict.given"
    version = 1

    proposal_id: UUID
    verdict: Verdict
    reasons: str = Field(min_length=1)
    verified_on: date
    kpis: tuple[Kpi, ...] = Field(min_length=1)


class ProjectClosed(IntegrationEvent):
    """Closed once verified (Sapporo 001: 必ず…効果検証を行います)."""

    event_type = "implementation.project.closed"
    version = 1

    proposal_id: UUID
    closed_on: date
    verdict: Verdict
