"""The decision form, shared by the department's and the council's consoles: adopt with
the fairness inputs (decision assesses them: the route, its trace), reject with coded
reasons, or (a department) escalate to the council.

The form works without a script: its "assess" button posts the inputs, the page comes
back with decision's assessment beside them and the inputs kept; "adopt" posts the same
inputs to the decision itself. The portal computes nothing: decision's /fairness/assess
and /adopt apply the city's thresholds (services/decision/fairness.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from services.portal.pages import Page
from shared.contract.decision import (
    REJECTION_REASON_LABELS,
    AgreementKind,
    RejectionReason,
    UniquenessEvidence,
)
from shared.i18n import N_

NUMBERS: dict[str, str] = {
    "initial_cost_yen": N_("City money to start (yen)"),
    "recurring_cost_yen_per_year": N_("City money every year after, e.g. upkeep (yen)"),
    "occupancy_days": N_("Temporal occupancy of public resources (days)"),
    "occupancy_area_m2": N_("Physical occupancy: area (m²)"),
    "occupancy_quantity": N_("Physical occupancy: quantity (e.g. facilities)"),
}
EVIDENCE_NAMES: dict[str, str] = {
    UniquenessEvidence.PATENT: N_("Patent"),
    UniquenessEvidence.COPYRIGHT: N_("Copyright"),
    UniquenessEvidence.SPECIAL_TECHNOLOGY: N_("Special technology"),
    UniquenessEvidence.SPECIALIST_EXPERTISE: N_("Specialist expertise"),
}
PROVIDERS: dict[str, str] = {
    "": N_("Not established"),
    "false": N_("Clearly nobody else can do it"),
    "true": N_("Others could do it too"),
}
AGREEMENT_NAMES: dict[str, str] = {
    AgreementKind.BUSINESS_AGREEMENT: N_("Business agreement (one field)"),
    AgreementKind.COMPREHENSIVE_AGREEMENT: N_("Comprehensive agreement (several fields)"),
    AgreementKind.MEMORANDUM: N_("Memorandum"),
    AgreementKind.CONTRACT: N_("Contract (the city pays)"),
}
ROUTE_NAMES: dict[str, str] = {
    "procurement": N_("Procurement after budgeting (competitive bidding or proposal competition)"),
    "open_call": N_("Open call (公募)"),
    "direct_selection": N_("Direct selection of the proposer"),
    "partnership_without_selection": N_("Partnership without selection"),
}
LABELS: dict[str, str] = {
    **{f"inputs.{name}": label for name, label in NUMBERS.items()},
    "inputs.uniqueness_evidence": N_("Uniqueness"),
    "inputs.other_capable_providers": N_("Other capable providers"),
    "agreement": N_("Agreement"),
    "note": N_("Note"),
    "reasons": N_("Reasons"),
    "explanation": N_("Explanation for the proposer"),
    "reason": N_("Reason for escalating"),
}
CHOICES = frozenset(
    {"inputs.uniqueness_evidence", "inputs.other_capable_providers", "agreement", "reasons"}
)


def rejection_reasons(page: Page) -> list[tuple[str, str]]:
    index = 1 if page.language == "en" else 0
    return [(reason.value, REJECTION_REASON_LABELS[reason][index]) for reason in RejectionReason]


def values_of(form: Mapping[str, Any], evidence: list[str], reasons: list[str]) -> dict[str, Any]:
    """What the form holds, as it is shown again."""
    values: dict[str, Any] = {name: str(form.get(name, "")).strip() for name in NUMBERS}
    values.update(
        uniqueness_evidence=evidence,
        other_capable_providers=str(form.get("other_capable_providers", "")),
        agreement=str(form.get("agreement", "")),
        note=str(form.get("note", "")).strip(),
        reasons=reasons,
        explanation=str(form.get("explanation", "")).strip(),
        reason=str(form.get("reason", "")).strip(),
    )
    return values


def inputs_of(values: Mapping[str, Any]) -> dict[str, Any]:
    """The fairness inputs as decision takes them; a blank number is not stated (0)."""
    inputs: dict[str, Any] = {name: values[name] for name in NUMBERS if values[name]}
    if values["uniqueness_evidence"]:
        inputs["uniqueness_evidence"] = values["uniqueness_evidence"]
    providers = values["other_capable_providers"]
    if providers in ("true", "false"):
        inputs["other_capable_providers"] = providers == "true"
    return inputs


def adoption_of(values: Mapping[str, Any]) -> dict[str, Any]:
    body: dict[str, Any] = {"inputs": inputs_of(values)}
    if values["agreement"]:
        body["agreement"] = values["agreement"]
    if values["note"]:
        body["note"] = values["note"]
    return body


def prefixed(errors: dict[str, str]) -> dict[str, str]:
    """Errors of /fairness/assess (whose body is the inputs) named as in /adopt's."""
    return {(f"inputs.{k}" if k else k): v for k, v in errors.items()}


def assess_labels() -> dict[str, str]:
    return {k.removeprefix("inputs."): v for k, v in LABELS.items() if k.startswith("inputs.")}
