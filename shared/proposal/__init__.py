"""The one proposal fold: events → proposal state, used by every service and by audit replay."""

# Importing the step modules registers their handlers on PROPOSAL_FOLD.
from shared.proposal import (  # noqa: F401
    decision_steps,
    implementation_steps,
    intake_steps,
    publication_steps,
    routing_steps,
)
from shared.proposal.fold import (
    PROPOSAL_FOLD,
    DialogueMessage,
    ProposalFold,
    ProposalState,
    Step,
)
from shared.proposal.status import STATUS_LABELS, ProposalStatus

__all__ = [
    "PROPOSAL_FOLD",
    "STATUS_LABELS",
    "DialogueMessage",
    "ProposalFold",
    "ProposalState",
    "ProposalStatus",
    "Step",
]
