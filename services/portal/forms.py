"""The proposal form: its fields, the body intake takes, and intake's refusals turned into
messages beside the fields they concern.

The form asks exactly what intake's submission takes (services/intake/commands.py,
ProposalSubmission); intake alone says what is wrong. Its 422/409 answers name each
refused value by `loc` (e.g. ["body", "proposer", "email"]) and the kind of problem by
`type`; the portal only puts the catalogue's sentence for that kind beside that field.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from shared.contract.vocabulary import AgreementScope, Channel, ProposerKind
from shared.i18n import N_
from shared.municipalities import Municipality

# The channels intake takes (shared/contract/vocabulary.py), in the order the city's page
# offers them. Pre-consultation (事前相談) only where the city offers one (channels_of).
CHANNELS: tuple[Channel, ...] = (
    Channel.THEME,
    Channel.FREE,
    Channel.DEMONSTRATION_EXPERIMENT,
    Channel.PARTNERSHIP_AGREEMENT,
    Channel.PRE_CONSULTATION,
)


def channels_of(city: Municipality) -> tuple[Channel, ...]:
    """The channels this city's desk offers: every one, and a pre-consultation where its
    seed describes one (shared/data/municipalities.json, `pre_consultation`)."""
    if city.offers_pre_consultation:
        return CHANNELS
    return tuple(c for c in CHANNELS if c is not Channel.PRE_CONSULTATION)


CHANNEL_NAMES: dict[str, str] = {
    Channel.THEME: N_("Theme proposal"),
    Channel.FREE: N_("Free proposal"),
    Channel.DEMONSTRATION_EXPERIMENT: N_("Demonstration experiment"),
    Channel.PARTNERSHIP_AGREEMENT: N_("Partnership agreement"),
    Channel.PRE_CONSULTATION: N_("Pre-consultation"),
}
CHANNEL_DESCRIPTIONS: dict[str, str] = {
    Channel.THEME: N_(
        "Answer one of the challenges the city has published, while its call is open."
    ),
    Channel.FREE: N_("Propose a solution to a city problem you have found yourself."),
    Channel.DEMONSTRATION_EXPERIMENT: N_(
        "Run a trial in a limited area and period. The city offers the field, data, "
        "publicity and coordination; you run the trial, pay for it and report."
    ),
    Channel.PARTNERSHIP_AGREEMENT: N_(
        "Propose an agreement with the city: on one field (business agreement) or over "
        "several fields (comprehensive agreement)."
    ),
    Channel.PRE_CONSULTATION: N_(
        "Not required: talk with the desk before you propose. Fewer fields; a "
        "consultation is not listed in the public register."
    ),
}
# What the content should cover on each channel.
CONTENT_HINTS: dict[str, str] = {
    Channel.THEME: N_(
        "Describe how your proposal solves the theme's challenge, the roles of your "
        "organisation and of the city, and the costs."
    ),
    Channel.FREE: N_(
        "Describe the problem, your solution, the roles of your organisation and of the "
        "city, and the costs."
    ),
    Channel.DEMONSTRATION_EXPERIMENT: N_(
        "Describe what the experiment tests, how you run it and how you report its results."
    ),
    Channel.PARTNERSHIP_AGREEMENT: N_("Describe what each side would do under the agreement."),
    Channel.PRE_CONSULTATION: N_("Describe what you would like to consult the desk about."),
}
KIND_NAMES: dict[str, str] = {
    ProposerKind.COMPANY: N_("Company"),
    ProposerKind.UNIVERSITY: N_("University or research institute"),
    ProposerKind.NPO: N_("NPO"),
    ProposerKind.ASSOCIATION: N_("Association or other organisation"),
    ProposerKind.SOLE_PROPRIETOR: N_("Sole proprietor"),
    ProposerKind.INDIVIDUAL: N_("Private individual (not a sole proprietor)"),
}


@dataclass(frozen=True)
class FormField:
    name: str  # the path in intake's body, dotted: proposer.email
    label: str  # catalogue message id
    kind: str = "text"  # text, email, tel, textarea, select, radio, date, number
    required: bool = True
    max_length: int | None = None
    hint: str | None = None  # catalogue message id
    autocomplete: str | None = None
    rows: int = 0

    @property
    def id(self) -> str:
        return "field-" + self.name.replace(".", "-").replace("_", "-")


# A choice field's values and their labels (catalogue message ids).
SCOPE_NAMES: dict[str, str] = {
    AgreementScope.SINGLE_FIELD: N_("Business agreement on one field (事業連携協定)"),
    AgreementScope.COMPREHENSIVE: N_("Comprehensive agreement over several fields (包括連携協定)"),
}


THEME_FIELD = FormField("theme_number", N_("Theme"), kind="select")
FIELDS: tuple[FormField, ...] = (
    FormField(
        "proposer.organisation",
        N_("Organisation"),
        max_length=200,
        hint=N_("Company, university, NPO or association; a sole proprietor's trade name."),
        autocomplete="organization",
    ),
    FormField("proposer.kind", N_("Kind of proposer"), kind="radio"),
    FormField("proposer.contact_person", N_("Contact person"), max_length=200, autocomplete="name"),
    FormField("proposer.email", N_("E-mail address"), kind="email", autocomplete="email"),
    FormField(
        "proposer.phone",
        N_("Phone number"),
        kind="tel",
        required=False,
        hint=N_("Digits and hyphens, e.g. 095-822-8888."),
        autocomplete="tel",
    ),
    FormField("title", N_("Title of the proposal"), max_length=200),
    FormField(
        "field",
        N_("Field"),
        max_length=200,
        hint=N_("The policy field, e.g. welfare, urban development, DX."),
    ),
    FormField(
        "summary",
        N_("Summary for publication"),
        kind="textarea",
        max_length=400,
        rows=4,
        hint=N_(
            "Up to 400 characters. Once the desk takes the proposal on, this summary is "
            "listed in the public register."
        ),
    ),
    FormField("content", N_("Content of the proposal"), kind="textarea", max_length=20000, rows=12),
    FormField(
        "protected",
        N_("Know-how to protect"),
        kind="textarea",
        required=False,
        max_length=20000,
        rows=5,
        hint=N_(
            "Ideas, know-how or intellectual property you want kept confidential. The desk "
            "and the department read it; it is never published."
        ),
    ),
)


# A demonstration experiment's own fields: Aomori's 実証実験サポート
# (seeds/000_4783c11d099f2101.txt) — the city offers 「実証実験フィールドの提供・斡旋、行政
# データの提供、PR機会の提供、規制緩和の検討、市内活動拠点の提供」, the proposer bears 「実証
# 実験に係る費用負担」 though 「実費程度の予算措置をする場合があります」.
EXPERIMENT_FIELDS: tuple[FormField, ...] = (
    FormField(
        "experiment.area",
        N_("Place of the experiment"),
        max_length=200,
        hint=N_("Where the experiment runs: a facility, a district, a route."),
    ),
    FormField("experiment.starts_on", N_("First day of the experiment"), kind="date"),
    FormField(
        "experiment.ends_on",
        N_("Last day of the experiment"),
        kind="date",
        hint=N_("On or after the first day."),
    ),
    FormField(
        "experiment.city_support",
        N_("What you ask the city to provide"),
        kind="textarea",
        max_length=4000,
        rows=4,
        hint=N_(
            "For example a field for the experiment, administrative data, publicity, "
            "coordination with local people, or a base in the city."
        ),
    ),
    FormField(
        "experiment.cost_share_yen",
        N_("Share of the cost you ask the city to bear (yen)"),
        kind="number",
        hint=N_(
            "In yen, 0 if none. The proposer normally bears the cost of an experiment; the "
            "city may budget actual costs in some cases."
        ),
    ),
)
# A partnership agreement: Aomori's 事業連携協定 (「特定の分野」) or 包括連携協定 (「複数の分野」).
AGREEMENT_FIELDS: tuple[FormField, ...] = (
    FormField("agreement.scope", N_("Kind of agreement"), kind="radio"),
    FormField(
        "agreement.fields",
        N_("Fields the agreement covers"),
        kind="textarea",
        rows=3,
        hint=N_(
            "One field per line: one for a business agreement, two or more for a "
            "comprehensive agreement."
        ),
    ),
)
# The one attached proposal document (PDF, up to 10 MB); optional on every channel.
DOCUMENT_FIELD = FormField(
    "document",
    N_("Proposal document (PDF)"),
    kind="file",
    required=False,
    hint=N_("One PDF file of up to 10 MB. Only the desk and the departments concerned read it."),
)
# What the form carries of a document uploaded at the check step (kept to the submission).
DOCUMENT_KEPT = ("document.sha256", "document.name", "document.size")
# A pre-consultation is lighter (Aomori: 「事前相談 ※必須ではありません」): no summary for
# publication, since it is not listed, and no know-how section; it asks about a subject.
_NOT_IN_CONSULTATION = {"summary", "protected"}
_CONSULTATION_LABELS = {
    "title": N_("Subject of the consultation"),
    "content": N_("What you would like to consult about"),
}


def _as_consultation(field: FormField) -> FormField:
    label = _CONSULTATION_LABELS.get(field.name)
    return replace(field, label=label) if label else field


# A proposal that follows a pre-consultation names it (Aomori 000: 事前相談 → 提案書の提出):
# the desk then sees the two linked. Shown only where the city offers a consultation.
CONSULTATION_FIELD = FormField(
    "consultation_receipt_number",
    N_("Receipt number of your pre-consultation"),
    required=False,
    max_length=40,
    hint=N_("If you consulted the desk before proposing, its receipt number, e.g. AOM-2026-0001."),
)


def fields_of(channel: str) -> tuple[FormField, ...]:
    if channel == Channel.PRE_CONSULTATION:
        kept = (_as_consultation(f) for f in FIELDS if f.name not in _NOT_IN_CONSULTATION)
        return (*kept, DOCUMENT_FIELD)
    return (*_proposal_fields_of(channel), CONSULTATION_FIELD)


def _proposal_fields_of(channel: str) -> tuple[FormField, ...]:
    if channel == Channel.THEME:
        return (THEME_FIELD, *FIELDS, DOCUMENT_FIELD)
    if channel == Channel.DEMONSTRATION_EXPERIMENT:
        return (*FIELDS, *EXPERIMENT_FIELDS, DOCUMENT_FIELD)
    if channel == Channel.PARTNERSHIP_AGREEMENT:
        return (*FIELDS, *AGREEMENT_FIELDS, DOCUMENT_FIELD)
    return (*FIELDS, DOCUMENT_FIELD)


def shown_fields(channel: str, city: Municipality | None) -> tuple[FormField, ...]:
    """The fields the form shows in `city`: the consultation's receipt number only where
    the city offers a pre-consultation."""
    offers = city is not None and city.offers_pre_consultation
    return tuple(f for f in fields_of(channel) if offers or f is not CONSULTATION_FIELD)


def values_of(form: Mapping[str, Any], channel: str) -> dict[str, str]:
    """The form's values by field name, as typed (kept to show them again), and the
    reference of a document uploaded before."""
    values = {f.name: str(form.get(f.name, "")) for f in fields_of(channel) if f.kind != "file"}
    for name in DOCUMENT_KEPT:
        values[name] = str(form.get(name, ""))
    return values


def body_of(channel: str, values: Mapping[str, str]) -> dict[str, Any]:
    """The submission intake takes. Empty optional fields are left out; an empty required
    text is sent empty, and an empty date or number left out, so that intake names it."""
    body: dict[str, Any] = {"channel": channel}
    for field in fields_of(channel):
        if field.kind == "file":
            continue
        value = values.get(field.name, "").strip()
        if not value and (not field.required or field.kind in ("date", "number")):
            continue
        target = body
        *parents, leaf = field.name.split(".")
        for parent in parents:
            target = target.setdefault(parent, {})
        target[leaf] = _typed(field, value)
    if values.get("document.sha256"):
        body["document"] = {
            "sha256": values["document.sha256"],
            "name": values.get("document.name", ""),
        }
    return body


def _typed(field: FormField, value: str) -> Any:
    """The value as intake's body types it; a malformed one as typed, for intake to name."""
    if field.name == "theme_number":
        return int(value) if value.isdigit() else None
    if field.kind == "number":
        return int(value) if value.isdigit() else value
    if field.name == "agreement.fields":
        return [line.strip() for line in value.splitlines() if line.strip()]
    return value


@dataclass(frozen=True)
class FieldError:
    field: FormField | None  # None: intake's refusal names no field of the form
    message: str  # in the page's language


# Intake's kinds of refusal (pydantic's error types, and the domain's 409) → the sentence
# shown beside the field; %(label)s is the field's label, %(max)s a length limit.
MESSAGES: dict[str, str] = {
    "missing": N_("%(label)s is required."),
    "string_too_long": N_("%(label)s must be %(max)s characters or fewer."),
    "choose": N_("%(label)s: choose one."),
    "email": N_("Enter an e-mail address in the form name@example.jp."),
    "phone": N_("Enter the phone number in digits and hyphens, e.g. 095-822-8888."),
    "closed": N_("This theme is not taking proposals now. Choose an open theme."),
    "date": N_("Enter %(label)s as a date, e.g. 2026-04-01."),
    "yen": N_("Enter %(label)s in yen, as a whole number of 0 or more."),
    "period": N_("The last day of the experiment cannot be before its first day."),
    "agreement_fields": N_(
        "A business agreement covers one field; a comprehensive agreement two or more, "
        "each named once."
    ),
    "not_pdf": N_("The proposal document must be a PDF file."),
    "too_large": N_("The proposal document must be 10 MB or smaller."),
    "unknown_theme": N_("This theme does not exist. Choose one from the list."),
    "other": N_("%(label)s: check the value."),
    "refused": N_("The desk could not take this proposal: %(reason)s"),
}
_CHOICES = {"proposer.kind", "theme_number", "agreement.scope"}
_VALUE_ERROR_FIELD = re.compile(r"^(?:Value error, )?([a-z_.]+): ")


def errors_of(
    status_code: int, detail: list[dict[str, Any]], channel: str, gettext: Any
) -> list[FieldError]:
    """Intake's refusal as messages on the form's fields, in the form's order."""
    by_name = {f.name: f for f in fields_of(channel)}
    found: dict[str | None, FieldError] = {}
    for item in detail:
        name = _field_name(item)
        field = by_name.get(name) if name else None
        key = field.name if field else None
        if key in found:
            continue  # one message per field: the first problem intake names
        if field is None:
            reason = str(item.get("msg", ""))
            found[key] = FieldError(None, gettext(MESSAGES["refused"]) % {"reason": reason})
            continue
        kind = _kind(status_code, item, field)
        max_length = (item.get("ctx") or {}).get("max_length", field.max_length)
        message = gettext(MESSAGES[kind]) % {"label": gettext(field.label), "max": max_length}
        found[key] = FieldError(field, message)
    order = {f.name: i for i, f in enumerate(fields_of(channel))}
    return sorted(
        found.values(), key=lambda e: order.get(e.field.name, -1) if e.field else len(order)
    )


def _field_name(item: dict[str, Any]) -> str | None:
    loc = [str(part) for part in item.get("loc", [])]
    if loc[:1] != ["body"]:
        return None
    if len(loc) > 1:
        # An item of a list (agreement.fields.0) is the list's field on the form.
        return ".".join(part for part in loc[1:] if not part.isdigit())
    # A rule on several fields names its field at the start of the message.
    matched = _VALUE_ERROR_FIELD.match(str(item.get("msg", "")))
    return matched.group(1) if matched else None


# The general types of the domain's refusals (shared/errors.py); pydantic's refusals
# carry its own error types (missing, string_too_long, date_parsing …).
_DOMAIN_TYPES = frozenset({"", "invalid_value", "state_conflict"})


def _kind(status_code: int, item: dict[str, Any], field: FormField) -> str:
    kind = str(item.get("type", ""))
    by_the_domain = kind in _DOMAIN_TYPES
    if field.name == "theme_number":
        if status_code == 409:
            return "closed"
        # A malformed value is pydantic's; a number intake does not know is the domain's.
        return "unknown_theme" if by_the_domain else "choose"
    if field.name in _CHOICES:
        return "choose"
    if field.name == "document":
        return "too_large" if status_code == 413 else "not_pdf"
    if by_the_domain and field.name == "experiment.ends_on":
        return "period"  # the aggregate's rule on the period's order
    if field.name == "agreement.fields" and kind not in ("missing", "too_short"):
        return "agreement_fields"
    if kind in ("missing", "string_too_short", "too_short"):
        return "missing"
    if kind == "string_too_long":
        return "string_too_long"
    if field.kind == "email":
        return "email"
    if field.kind == "tel":
        return "phone"
    if field.kind == "date":
        return "date"
    if field.kind == "number":
        return "yen"
    return "other"
