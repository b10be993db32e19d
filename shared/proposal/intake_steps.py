"""How intake's events move a proposal (DOMAIN.md lifecycle, steps 1–2)."""

from __future__ import annotations

from shared.contract.envelope import EventMetadata
from shared.contract.intake import (
    ProposalAccepted,
    ProposalRejected,
    ProposalStatusLinkReissued,
    ProposalSubmitted,
    ProposalSubmittedV1,
    ProposalWithdrawn,
    ProposerAnswered,
)
from shared.contract.vocabulary import SCREENING_REASON_LABELS
from shared.municipalities import today_in_japan
from shared.proposal.fold import (
    PROPOSAL_FOLD,
    DialogueMessage,
    ProposalState,
    require,
    step,
)
from shared.proposal.status import ProposalStatus


@PROPOSAL_FOLD.on(ProposalSubmitted)
def submitted(
    state: ProposalState | None, event: ProposalSubmitted, meta: EventMetadata
) -> ProposalState:
    if state is not None:
        return state  # a proposal is submitted once; a repeated submission changes nothing
    return ProposalState(
        proposal_id=event.proposal_id,
        municipality=event.municipality,
        receipt_number=event.receipt_number,
        fiscal_year=event.fiscal_year,
        received_on=event.received_on,
        channel=event.channel,
        theme_number=event.theme_number,
        theme_department=event.theme_department,
        proposer=event.proposer,
        title=event.title,
        field=event.field,
        summary=event.summary,
        content=event.content,
        status=ProposalStatus.RECEIVED,
        submitted_at=meta.time,
        updated_at=meta.time,
        events_applied=1,
        steps=(
            step(
                meta,
                event,
                f"提案を受け付けました（受付番号 {event.receipt_number}）",
                f"Proposal received (receipt number {event.receipt_number})",
            ),
        ),
    )


@PROPOSAL_FOLD.on(ProposalSubmittedV1)
def submitted_v1(
    state: ProposalState | None, event: ProposalSubmittedV1, meta: EventMetadata
) -> ProposalState:
    """Version 1, should one reach the fold without the registry's upcasting (loading a
    message or a stored event upcasts it first): the same step, with none of v2's fields."""
    return submitted(state, ProposalSubmitted.model_validate(event.model_dump()), meta)


@PROPOSAL_FOLD.on(ProposalAccepted)
def accepted(
    state: ProposalState | None, event: ProposalAccepted, meta: EventMetadata
) -> ProposalState:
    return require(state, meta).advanced(
        meta,
        step(meta, event, "窓口の受付審査を通過しました", "The desk accepted the proposal"),
        status=ProposalStatus.ACCEPTED,
        accepted_on=today_in_japan(meta.time),
    )


@PROPOSAL_FOLD.on(ProposalRejected)
def rejected(
    state: ProposalState | None, event: ProposalRejected, meta: EventMetadata
) -> ProposalState:
    reasons_ja = "、".join(SCREENING_REASON_LABELS[r][0] for r in event.reasons)
    reasons_en = "; ".join(SCREENING_REASON_LABELS[r][1] for r in event.reasons)
    return require(state, meta).advanced(
        meta,
        step(
            meta,
            event,
            f"受付できませんでした（理由: {reasons_ja}）{event.explanation}",
            f"Not accepted (reasons: {reasons_en}) {event.explanation}",
        ),
        status=ProposalStatus.REJECTED,
        screening_reasons=tuple(event.reasons),
        screening_explanation=event.explanation,
    )


@PROPOSAL_FOLD.on(ProposalStatusLinkReissued)
def status_link_reissued(
    state: ProposalState | None, event: ProposalStatusLinkReissued, meta: EventMetadata
) -> ProposalState:
    # The status does not change; every earlier link stops opening the proposal.
    return require(state, meta).advanced(
        meta,
        step(
            meta,
            event,
            "状況確認リンクを再発行しました（以前のリンクは使えません）",
            "A new status link was issued (earlier links no longer work)",
        ),
        status_link_generation=event.generation,
    )


@PROPOSAL_FOLD.on(ProposalWithdrawn)
def withdrawn(
    state: ProposalState | None, event: ProposalWithdrawn, meta: EventMetadata
) -> ProposalState:
    current = require(state, meta)
    # An adopted proposal's project ends with it (the implementation service hears the
    # same event): its phase says so, as the implementation's read model does.
    return current.advanced(
        meta,
        step(meta, event, "提案者が提案を取り下げました", "The proposer withdrew the proposal"),
        status=ProposalStatus.WITHDRAWN,
        project_phase=None if current.project_phase is None else "withdrawn",
    )


@PROPOSAL_FOLD.on(ProposerAnswered)
def proposer_answered(
    state: ProposalState | None, event: ProposerAnswered, meta: EventMetadata
) -> ProposalState:
    current = require(state, meta)
    message = DialogueMessage(
        message_id=event.message_id,
        at=meta.time,
        from_proposer=True,
        in_reply_to=event.in_reply_to,
        text=event.text,
    )
    return current.advanced(
        meta,
        step(
            meta, event, "提案者からのメッセージ", "Message from the proposer", for_proposer=False
        ),
        dialogue=(*current.dialogue, message),
    )
