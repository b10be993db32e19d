"""How routing's events move a proposal (DOMAIN.md lifecycle, steps 3–4)."""

from __future__ import annotations

from shared.contract.envelope import EventMetadata
from shared.contract.routing import (
    DeadlinePassed,
    DialogueMilestoneReached,
    DialogueMilestoneReachedV1,
    MessageToProposer,
    ProposalDeclined,
    ProposalRouted,
    ProposalTakenOn,
    StatusLineSet,
)
from shared.proposal.fold import (
    PROPOSAL_FOLD,
    DialogueMessage,
    ProposalState,
    require,
    step,
)
from shared.proposal.status import ProposalStatus

MILESTONE_LABELS = {
    "started": ("対話を開始しました", "Dialogue started"),
    "confidentiality_agreed": ("秘密保持の範囲を合意しました", "Confidentiality scope agreed"),
    "skeleton_agreed": ("事業の骨格を合意しました", "Skeleton of the project agreed"),
    "feasibility_reviewed": ("実現可能性を確認しました", "Feasibility reviewed"),
    "kpis_reviewed": ("KPIを確認しました", "KPIs reviewed"),
}


@PROPOSAL_FOLD.on(ProposalRouted)
def routed(
    state: ProposalState | None, event: ProposalRouted, meta: EventMetadata
) -> ProposalState:
    current = require(state, meta)
    to_desk = event.lead_department is None
    return current.advanced(
        meta,
        step(
            meta,
            event,
            "窓口で担当部署を調整しています" if to_desk else "担当部署に引き継ぎました",
            "The desk is finding the department" if to_desk else "Passed to the department",
        ),
        status=ProposalStatus.ACCEPTED if to_desk else ProposalStatus.ROUTED,
        lead_department=event.lead_department,
        departments=tuple(event.departments),
        routing_hops=event.hop,
    )


@PROPOSAL_FOLD.on(ProposalTakenOn)
def taken_on(
    state: ProposalState | None, event: ProposalTakenOn, meta: EventMetadata
) -> ProposalState:
    return require(state, meta).advanced(
        meta,
        step(meta, event, "担当部署が検討を始めました", "The department took the proposal on"),
        status=ProposalStatus.IN_DIALOGUE,
        lead_department=event.department,
    )


@PROPOSAL_FOLD.on(ProposalDeclined)
def declined(
    state: ProposalState | None, event: ProposalDeclined, meta: EventMetadata
) -> ProposalState:
    current = require(state, meta)
    # Internal: the proposer sees the desk looking for the right department, not the
    # department that said no; the auditor sees both.
    return current.advanced(
        meta,
        step(
            meta,
            event,
            f"{event.department} が辞退: {event.reason}",
            f"{event.department} declined: {event.reason}",
            for_proposer=False,
        ),
        declined_by=(*current.declined_by, event.department),
    )


@PROPOSAL_FOLD.on(DialogueMilestoneReached)
def milestone(
    state: ProposalState | None, event: DialogueMilestoneReached, meta: EventMetadata
) -> ProposalState:
    current = require(state, meta)
    ja, en = MILESTONE_LABELS[event.milestone.value]
    scope = event.confidentiality_scope
    if scope:
        # The proposer agreed to it: their status page says what stays confidential.
        ja, en = f"{ja}（範囲: {scope}）", f"{en} (scope: {scope})"
    return current.advanced(
        meta,
        step(meta, event, ja, en),
        milestones=(*current.milestones, event.milestone.value),
        confidentiality_scope=scope or current.confidentiality_scope,
    )


@PROPOSAL_FOLD.on(DialogueMilestoneReachedV1)
def milestone_v1(
    state: ProposalState | None, event: DialogueMilestoneReachedV1, meta: EventMetadata
) -> ProposalState:
    """Version 1, should one reach the fold without the registry's upcasting: the same
    step, with no scope."""
    return milestone(state, DialogueMilestoneReached.model_validate(event.model_dump()), meta)


@PROPOSAL_FOLD.on(StatusLineSet)
def status_line(
    state: ProposalState | None, event: StatusLineSet, meta: EventMetadata
) -> ProposalState:
    return require(state, meta).advanced(
        meta,
        step(meta, event, event.ja, event.en),
        status_line_ja=event.ja,
        status_line_en=event.en,
    )


@PROPOSAL_FOLD.on(DeadlinePassed)
def overdue(
    state: ProposalState | None, event: DeadlinePassed, meta: EventMetadata
) -> ProposalState:
    current = require(state, meta)
    return current.advanced(
        meta,
        step(
            meta,
            event,
            f"期限超過（{event.deadline.value}、期限 {event.due_on}）",
            f"Overdue ({event.deadline.value}, due {event.due_on})",
            for_proposer=False,
        ),
        overdue=(*current.overdue, event.deadline.value),
    )


@PROPOSAL_FOLD.on(MessageToProposer)
def message_to_proposer(
    state: ProposalState | None, event: MessageToProposer, meta: EventMetadata
) -> ProposalState:
    current = require(state, meta)
    message = DialogueMessage(
        message_id=event.message_id,
        at=meta.time,
        from_proposer=False,
        department=event.department,
        text=event.text,
    )
    # The proposer reads the message itself in the dialogue, not as a step of the history;
    # the auditor sees the step.
    return current.advanced(
        meta,
        step(
            meta,
            event,
            f"{event.department or '窓口'} から提案者へのメッセージ",
            f"Message to the proposer from {event.department or 'the desk'}",
            for_proposer=False,
        ),
        dialogue=(*current.dialogue, message),
    )
