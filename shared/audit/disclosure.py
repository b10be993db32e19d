"""A proposal's record for an information-disclosure request (情報公開請求).

The whole history and the state it folds into, with what the law keeps back withheld and
each withholding listed with its reason, so the disclosure officer can account for it:
- the name of a proposer who is a private person (a sole proprietor) is personal data;
- e-mail addresses and telephone numbers anywhere in free text are personal data;
- the contact person's details and the protected part (know-how) never left intake, so
  they are not in the record at all; the record says so.
The proposal's own text may touch the proposer's legitimate interests: the record names
those fields for consultation with the proposer before disclosure (DOMAIN.md).
"""

from __future__ import annotations

import re
from typing import Any

from shared.audit.history import ProposalHistory
from shared.contract.vocabulary import ProposerKind

WITHHELD = "［非開示 withheld］"
PERSONAL_KINDS = {ProposerKind.SOLE_PROPRIETOR.value, ProposerKind.INDIVIDUAL.value}
PERSONAL_NAME = (
    "個人情報（個人である提案者の氏名）",
    "personal data: the proposer is a private person",
)
CONTACT = ("個人情報（連絡先）", "personal data: contact details in free text")
E_MAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
PHONE = re.compile(r"(?<!\d)(\+81[-\s]?|0)\d{1,4}[-\s]?\d{1,4}[-\s]?\d{3,4}(?!\d)")
CONSULT_FIELDS = {"content", "summary"}  # the proposer's own words about its idea

NOT_IN_RECORD = [
    {
        "ja": "提案者の担当者氏名・メールアドレス・電話番号（受付サービスのみが保持）",
        "en": "the proposer's contact person, e-mail and phone (kept only by intake)",
    },
    {
        "ja": "提案者が保護を求めたノウハウ等（受付サービスのみが保持）",
        "en": "the part the proposer asked to protect: know-how (kept only by intake)",
    },
]


def disclosure_record(history: ProposalHistory) -> dict[str, Any]:
    replayed = history.as_json()
    personal_proposer = _proposer_is_a_person(replayed)
    withheld: list[dict[str, str]] = []
    consult: list[str] = []

    def clean(value: Any, path: str) -> Any:
        if isinstance(value, dict):
            cleaned = {}
            for key, inner in value.items():
                where = f"{path}.{key}"
                if personal_proposer and key in ("organisation", "partner"):
                    withheld.append(_withheld(where, PERSONAL_NAME))
                    cleaned[key] = WITHHELD
                    continue
                if key in CONSULT_FIELDS and isinstance(inner, str) and inner:
                    consult.append(where)
                cleaned[key] = clean(inner, where)
            return cleaned
        if isinstance(value, list):
            return [clean(inner, f"{path}[{index}]") for index, inner in enumerate(value)]
        if isinstance(value, str):
            masked = PHONE.sub(WITHHELD, E_MAIL.sub(WITHHELD, value))
            if masked != value:
                withheld.append(_withheld(path, CONTACT))
            return masked
        return value

    history_part = clean(replayed["history"], "history")
    state_part = clean(replayed["state"], "state")
    return {
        "record": "Kyoso Desk 開示用記録 disclosure record",
        "proposal_id": replayed["proposal_id"],
        "source": replayed["source"],
        "events": replayed["events"],
        "history": history_part,
        "state": state_part,
        "withheld": withheld,
        "not_in_record": NOT_IN_RECORD,
        "consult_proposer": {
            "ja": "提案者の正当な利益を害するおそれがないか、開示前に提案者へ意見照会する項目",
            "en": "fields to consult the proposer about before disclosure (legitimate interests)",
            "fields": consult,
        },
    }


def _proposer_is_a_person(replayed: dict[str, Any]) -> bool:
    state = replayed["state"] or {}
    proposer = state.get("proposer") or {}
    return proposer.get("kind") in PERSONAL_KINDS


def _withheld(path: str, reason: tuple[str, str]) -> dict[str, str]:
    return {"field": path, "reason_ja": reason[0], "reason_en": reason[1]}
