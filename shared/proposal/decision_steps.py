"""How the decision service's events move a proposal (DOMAIN.md lifecycle, steps 5–6)."""

from __future__ import annotations

from shared.contract.decision import (
    REJECTION_REASON_LABELS,
    IncentiveRecorded,
    ProposalAdopted,
    ProposalEscalated,
    ProposalRejectedAfterReview,
    SelectionRoute,
)
from shared.contract.envelope import EventMetadata
from shared.proposal.fold import PROPOSAL_FOLD, ProposalState, require, step
from shared.proposal.status import ProposalStatus

ROUTE_LABELS: dict[SelectionRoute, tuple[str, str]] = {
    SelectionRoute.PROCUREMENT: (
        "予算化を経て、入札・プロポーザル等で事業者を選定します",
        "The implementer is chosen by procurement after budgeting",
    ),
    SelectionRoute.OPEN_CALL: (
        "公募により事業者を選定します",
        "The implementer is chosen by an open call",
    ),
    SelectionRoute.DIRECT_SELECTION: (
        "提案者を事業者として選定します（独自性）",
        "The proposer is selected directly (uniqueness)",
    ),
    SelectionRoute.PARTNERSHIP_WITHOUT_SELECTION: (
        "選定手続きを要しない連携として実施します",
        "Implemented as a partnership without a selection",
    ),
}


@PROPOSAL_FOLD.on(ProposalAdopted)
def adopted(
    state: ProposalState | None, event: ProposalAdopted, meta: EventMetadata
) -> ProposalState:
    ja, en = ROUTE_LABELS[event.assessment.route]
    return require(state, meta).advanced(
        meta,
        step(meta, event, f"実施が決まりました。{ja}", f"Adopted. {en}"),
        status=ProposalStatus.ADOPTED,
        decided_by=event.decided_by,
        selection_route=event.assessment.route.value,
    )


@PROPOSAL_FOLD.on(ProposalRejectedAfterReview)
def rejected(
    state: ProposalState | None, event: ProposalRejectedAfterReview, meta: EventMetadata
) -> ProposalState:
    ja = "、".join(REJECTION_REASON_LABELS[r][0] for r in event.reasons)
    en = ", ".join(REJECTION_REASON_LABELS[r][1] for r in event.reasons)
    # The proposer sees the reasons (Sapporo: その理由を提案者に説明します).
    return require(state, meta).advanced(
        meta,
        step(
            meta,
            event,
            f"実施しないこととなりました（{ja}）: {event.explanation}",
            f"Not implemented ({en}): {event.explanation}",
        ),
        status=ProposalStatus.REJECTED_AFTER_REVIEW,
        decided_by=event.decided_by,
        rejection_reasons=tuple(r.value for r in event.reasons),
        rejection_explanation=event.explanation,
    )


@PROPOSAL_FOLD.on(ProposalEscalated)
def escalated(
    state: ProposalState | None, event: ProposalEscalated, meta: EventMetadata
) -> ProposalState:
    return require(state, meta).advanced(
        meta,
        step(
            meta,
            event,
            "庁内の推進会議で検討しています",
            "The cross-department council is reviewing the proposal",
        ),
        status=ProposalStatus.ESCALATED,
        escalated_by=event.department,
    )


@PROPOSAL_FOLD.on(IncentiveRecorded)
def incentive(
    state: ProposalState | None, event: IncentiveRecorded, meta: EventMetadata
) -> ProposalState:
    return require(state, meta).advanced(
        meta,
        step(
            meta,
            event,
            f"提案者へのインセンティブ（加点 {event.bonus_points:g} 点）を記録しました",
            f"Incentive for the proposer recorded ({event.bonus_points:g} bonus points)",
        ),
        incentive_points=event.bonus_points,
    )
