"""How the implementation service's events move an adopted proposal (DOMAIN.md lifecycle,
steps 6–7): the status stays 事業調整中 / adopted (Nagasaki's register keeps its three
statuses), and `project_phase` says where the project stands."""

from __future__ import annotations

from shared.contract.decision import AgreementKind
from shared.contract.envelope import EventMetadata
from shared.contract.implementation import (
    EXPERIMENT_STEP_LABELS,
    VERDICT_LABELS,
    AgreementConcluded,
    ApplicantRecorded,
    CallPublished,
    ExperimentStepDone,
    ImplementationEnded,
    ImplementationStarted,
    ImplementerSelected,
    KpiDefined,
    KpiMeasured,
    LogicModelSet,
    MilestoneReached,
    ProjectClosed,
    VerdictGiven,
    VerificationOverdue,
)
from shared.proposal.fold import PROPOSAL_FOLD, ProposalState, require, step

AGREEMENT_LABELS: dict[AgreementKind, tuple[str, str]] = {
    AgreementKind.BUSINESS_AGREEMENT: ("事業連携協定", "business agreement"),
    AgreementKind.COMPREHENSIVE_AGREEMENT: ("包括連携協定", "comprehensive agreement"),
    AgreementKind.MEMORANDUM: ("覚書", "memorandum"),
    AgreementKind.CONTRACT: ("契約", "contract"),
}

# The project's phase as the proposer, the case and the consoles show it.
PHASE_LABELS: dict[str, tuple[str, str]] = {
    "selection": ("事業者の選定中", "Selecting the implementer"),
    "agreement": ("協定・契約の準備中", "Preparing the agreement"),
    "implementation_pending": ("協定・契約を締結しました", "Agreement concluded"),
    "implementation": ("事業を実施中", "Being implemented"),
    "verification": ("効果検証中", "Effects being verified"),
    "verified": ("効果検証済み", "Effects verified"),
    "closed": ("事業終了", "Closed"),
    "withdrawn": ("取り下げにより終了", "Ended: withdrawn by the proposer"),
}


@PROPOSAL_FOLD.on(CallPublished)
def call_published(
    state: ProposalState | None, event: CallPublished, meta: EventMetadata
) -> ProposalState:
    bonus = (
        ""
        if event.proposer_bonus_ratio is None
        else f"（提案者への加点 上限{event.proposer_bonus_ratio:.0%}）"
    )
    bonus_en = (
        ""
        if event.proposer_bonus_ratio is None
        else f" (proposer's bonus up to {event.proposer_bonus_ratio:.0%})"
    )
    return require(state, meta).advanced(
        meta,
        step(
            meta,
            event,
            f"事業者の募集を公告しました（{event.opens_on}〜{event.closes_on}）{bonus}",
            f"The call for the implementer is published ({event.opens_on} to "
            f"{event.closes_on}){bonus_en}",
        ),
        project_phase="selection",
    )


@PROPOSAL_FOLD.on(ApplicantRecorded)
def applicant(
    state: ProposalState | None, event: ApplicantRecorded, meta: EventMetadata
) -> ProposalState:
    # Who applied is not the proposer's to read while the selection runs.
    return require(state, meta).advanced(
        meta,
        step(
            meta, event, "応募を受け付けました", "An application was received", for_proposer=False
        ),
    )


@PROPOSAL_FOLD.on(ImplementerSelected)
def selected(
    state: ProposalState | None, event: ImplementerSelected, meta: EventMetadata
) -> ProposalState:
    return require(state, meta).advanced(
        meta,
        step(
            meta,
            event,
            f"事業者を選定しました: {event.implementer}",
            f"The implementer is selected: {event.implementer}",
        ),
        project_phase="agreement",
        implementer=event.implementer,
    )


@PROPOSAL_FOLD.on(AgreementConcluded)
def agreement(
    state: ProposalState | None, event: AgreementConcluded, meta: EventMetadata
) -> ProposalState:
    ja, en = AGREEMENT_LABELS[event.kind]
    return require(state, meta).advanced(
        meta,
        step(meta, event, f"{ja}を締結しました（{event.signed_on}）", f"The {en} is signed"),
        project_phase="implementation_pending",
    )


@PROPOSAL_FOLD.on(ImplementationStarted)
def started(
    state: ProposalState | None, event: ImplementationStarted, meta: EventMetadata
) -> ProposalState:
    return require(state, meta).advanced(
        meta,
        step(
            meta, event, f"事業を開始しました（{event.started_on}）", "The implementation started"
        ),
        project_phase="implementation",
    )


@PROPOSAL_FOLD.on(MilestoneReached)
def milestone(
    state: ProposalState | None, event: MilestoneReached, meta: EventMetadata
) -> ProposalState:
    return require(state, meta).advanced(
        meta,
        step(meta, event, f"到達: {event.milestone}", f"Milestone reached: {event.milestone}"),
    )


@PROPOSAL_FOLD.on(ExperimentStepDone)
def experiment_step(
    state: ProposalState | None, event: ExperimentStepDone, meta: EventMetadata
) -> ProposalState:
    ja, en = EXPERIMENT_STEP_LABELS[event.step]
    return require(state, meta).advanced(
        meta, step(meta, event, f"実証実験: {ja}", f"Demonstration experiment: {en}")
    )


@PROPOSAL_FOLD.on(ImplementationEnded)
def ended(
    state: ProposalState | None, event: ImplementationEnded, meta: EventMetadata
) -> ProposalState:
    return require(state, meta).advanced(
        meta,
        step(
            meta,
            event,
            f"事業を終了しました。{event.verification_due_on}までに効果検証を行います",
            f"The implementation ended; effects are verified by {event.verification_due_on}",
        ),
        project_phase="verification",
    )


@PROPOSAL_FOLD.on(VerificationOverdue)
def verification_overdue(
    state: ProposalState | None, event: VerificationOverdue, meta: EventMetadata
) -> ProposalState:
    # Like routing's deadlines: the staff's to see, not the proposer's.
    return require(state, meta).advanced(
        meta,
        step(
            meta,
            event,
            f"期限超過（効果検証、期限 {event.due_on}）",
            f"Overdue (effect verification, due {event.due_on})",
            for_proposer=False,
        ),
    )


@PROPOSAL_FOLD.on(LogicModelSet)
def logic_model(
    state: ProposalState | None, event: LogicModelSet, meta: EventMetadata
) -> ProposalState:
    return require(state, meta).advanced(
        meta, step(meta, event, "ロジックモデルを作成しました", "The logic model is set")
    )


@PROPOSAL_FOLD.on(KpiDefined)
def kpi_defined(
    state: ProposalState | None, event: KpiDefined, meta: EventMetadata
) -> ProposalState:
    return require(state, meta).advanced(
        meta,
        step(
            meta,
            event,
            f"評価指標: {event.name}（{event.baseline:g}→{event.target:g} {event.unit}）",
            f"KPI: {event.name} ({event.baseline:g} to {event.target:g} {event.unit})",
        ),
    )


@PROPOSAL_FOLD.on(KpiMeasured)
def kpi_measured(
    state: ProposalState | None, event: KpiMeasured, meta: EventMetadata
) -> ProposalState:
    return require(state, meta).advanced(
        meta,
        step(
            meta,
            event,
            f"測定: {event.name} = {event.value:g}（{event.measured_on}）",
            f"Measured: {event.name} = {event.value:g} ({event.measured_on})",
        ),
    )


@PROPOSAL_FOLD.on(VerdictGiven)
def verdict(state: ProposalState | None, event: VerdictGiven, meta: EventMetadata) -> ProposalState:
    ja, en = VERDICT_LABELS[event.verdict]
    return require(state, meta).advanced(
        meta,
        step(
            meta,
            event,
            f"効果検証の結論: {ja}（{event.reasons}）",
            f"The verification's verdict: {en} ({event.reasons})",
        ),
        project_phase="verified",
        verdict=event.verdict.value,
        verdict_reasons=event.reasons,
        verified_on=event.verified_on,
        kpis=event.kpis,
    )


@PROPOSAL_FOLD.on(ProjectClosed)
def closed(state: ProposalState | None, event: ProjectClosed, meta: EventMetadata) -> ProposalState:
    return require(state, meta).advanced(
        meta,
        step(meta, event, "事業を終了しました（効果検証済み）", "The project is closed (verified)"),
        project_phase="closed",
    )
