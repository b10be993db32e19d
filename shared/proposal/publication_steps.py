"""How publication's word to the desk's services moves a proposal: its case is put to the
proposer before it is published."""

from __future__ import annotations

from shared.contract.envelope import EventMetadata
from shared.contract.publication import CaseConsultationStarted
from shared.proposal.fold import PROPOSAL_FOLD, ProposalState, require, step


@PROPOSAL_FOLD.on(CaseConsultationStarted)
def consultation_started(
    state: ProposalState | None, event: CaseConsultationStarted, meta: EventMetadata
) -> ProposalState:
    # Aomori 000: 「提案者の正当な利益を害するおそれがある情報等の意見を伺います」. Only a
    # step: the case and its consultation are publication's to tell (the proposer reads
    # them there), and publication does not hear its own events.
    due = event.objection_due_on.isoformat()
    return require(state, meta).advanced(
        meta,
        step(
            meta,
            event,
            f"公表予定の事例について、ご意見を伺っています（{due}まで）",
            f"The desk asks your view on the case to be published (until {due})",
        ),
    )
