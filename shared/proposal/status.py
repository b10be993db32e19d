"""Where a proposal stands, in the words the proposer reads (Japanese first, English second)."""

from __future__ import annotations

from enum import StrEnum


class ProposalStatus(StrEnum):
    RECEIVED = "received"  # 1. Received: acknowledged with a receipt number
    ACCEPTED = "accepted"  # 2. Screened in: the desk takes the proposal on
    REJECTED = "rejected"  # 2. Screened out, with reasons
    WITHDRAWN = "withdrawn"  # the proposer withdrew
    ROUTED = "routed"  # 3. with the department(s), waiting for one to take it on
    IN_DIALOGUE = "in_dialogue"  # 4. a department took it on: dialogue (対話)
    ESCALATED = "escalated"  # 5. the department asked the council (官民連携推進本部会議)
    ADOPTED = "adopted"  # 5. decided: implemented; the implementer is chosen fairly
    REJECTED_AFTER_REVIEW = "rejected_after_review"  # 5. decided: not implemented, reasons

    @property
    def is_closed(self) -> bool:
        return self in (
            ProposalStatus.REJECTED,
            ProposalStatus.WITHDRAWN,
            ProposalStatus.REJECTED_AFTER_REVIEW,
        )


STATUS_LABELS: dict[ProposalStatus, tuple[str, str]] = {
    ProposalStatus.RECEIVED: ("受付済み（内容を確認しています）", "Received (being checked)"),
    ProposalStatus.ACCEPTED: (
        "受付審査完了（担当部署を調整しています）",
        "Accepted by the desk (finding the department)",
    ),
    ProposalStatus.REJECTED: (
        "受付できませんでした（理由をご確認ください）",
        "Not accepted (see the reasons)",
    ),
    ProposalStatus.WITHDRAWN: ("取り下げられました", "Withdrawn"),
    ProposalStatus.ROUTED: ("担当部署で確認しています", "With the department for review"),
    ProposalStatus.IN_DIALOGUE: ("担当部署と対話中です", "In dialogue with the department"),
    ProposalStatus.ESCALATED: (
        "庁内の推進会議で検討しています",
        "Under review by the cross-department council",
    ),
    ProposalStatus.ADOPTED: ("実施が決まりました", "Adopted for implementation"),
    ProposalStatus.REJECTED_AFTER_REVIEW: (
        "検討の結果、実施しないこととなりました（理由をご確認ください）",
        "Not implemented after review (see the reasons)",
    ),
}
