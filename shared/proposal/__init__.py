"""The one proposal fold: events → proposal state, used by every service and by audit replay."""

from shared.proposal.fold import PROPOSAL_FOLD, ProposalFold, ProposalState, Step
from shared.proposal.status import STATUS_LABELS, ProposalStatus

# Importing the step modules registers their handlers on PROPOSAL_FOLD.
from shared.proposal import intake_steps  # noqa: E402,F401,I001

__all__ = [
    "PROPOSAL_FOLD",
    "STATUS_LABELS",
    "ProposalFold",
    "ProposalState",
    "ProposalStatus",
    "Step",
]
