"""Events publication tells the other services of the desk (not other cities: the
public contract is shared/contract/public.py).

The proposer is consulted before a case is published (Aomori 000: 「提案者の正当な利益を
害するおそれがある情報等の意見を伺います」); publication knows the case but not the
proposer's address, which never leaves intake (DESIGN.md §7), so intake hears the
consultation and mails the proposer the link to read the case and answer.
"""

from __future__ import annotations

from datetime import date
from uuid import UUID

from pydantic import Field

from shared.contract.base import IntegrationEvent


class CaseConsultationStarted(IntegrationEvent):
    """The desk put the case prepared from a proposal to its proposer: they may read it
    as it would be published, consent, or object until `objection_due_on`."""

    event_type = "publication.case.consultation_started"
    version = 1

    proposal_id: UUID
    case_id: UUID
    objection_due_on: date = Field(description="The last day the proposer may object")
