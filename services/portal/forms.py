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
from dataclasses import dataclass
from typing import Any

from shared.contract.vocabulary import Channel, ProposerKind
from shared.i18n import N_

# The channels intake takes today (shared/contract/vocabulary.py), in the order the city's
# page offers them. Pre-consultation (事前相談) and sounding are not channels intake takes.
CHANNELS: tuple[Channel, ...] = (
    Channel.THEME,
    Channel.FREE,
    Channel.DEMONSTRATION_EXPERIMENT,
    Channel.PARTNERSHIP_AGREEMENT,
)
CHANNEL_NAMES: dict[str, str] = {
    Channel.THEME: N_("Theme proposal"),
    Channel.FREE: N_("Free proposal"),
    Channel.DEMONSTRATION_EXPERIMENT: N_("Demonstration experiment"),
    Channel.PARTNERSHIP_AGREEMENT: N_("Partnership agreement"),
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
}
# What the content should cover on each channel, until intake takes these as fields.
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
        "Describe the area and the period of the experiment, what you ask the city to "
        "provide (place, data, publicity, coordination), and any share of the cost you "
        "ask the city to bear."
    ),
    Channel.PARTNERSHIP_AGREEMENT: N_(
        "Say whether you propose a business agreement on one field or a comprehensive "
        "agreement over several fields, and what each side would do."
    ),
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
    kind: str = "text"  # text, email, tel, textarea, select, radio
    required: bool = True
    max_length: int | None = None
    hint: str | None = None  # catalogue message id
    autocomplete: str | None = None
    rows: int = 0

    @property
    def id(self) -> str:
        return "field-" + self.name.replace(".", "-").replace("_", "-")


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


def fields_of(channel: str) -> tuple[FormField, ...]:
    return (THEME_FIELD, *FIELDS) if channel == Channel.THEME else FIELDS


def values_of(form: Mapping[str, Any], channel: str) -> dict[str, str]:
    """The form's values by field name, as typed (kept to show them again)."""
    return {f.name: str(form.get(f.name, "")) for f in fields_of(channel)}


def body_of(channel: str, values: Mapping[str, str]) -> dict[str, Any]:
    """The submission intake takes. Empty optional fields are left out; an empty required
    field is sent empty, so that intake names it."""
    body: dict[str, Any] = {"channel": channel}
    for field in fields_of(channel):
        value = values.get(field.name, "").strip()
        if not value and not field.required:
            continue
        if field.name == "theme_number":
            body[field.name] = int(value) if value.isdigit() else None
            continue
        target = body
        *parents, leaf = field.name.split(".")
        for parent in parents:
            target = target.setdefault(parent, {})
        target[leaf] = value
    return body


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
    "unknown_theme": N_("This theme does not exist. Choose one from the list."),
    "other": N_("%(label)s: check the value."),
    "refused": N_("The desk could not take this proposal: %(reason)s"),
}
_CHOICES = {"proposer.kind", "theme_number"}
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
        return ".".join(loc[1:])
    # A rule on several fields names its field at the start of the message.
    matched = _VALUE_ERROR_FIELD.match(str(item.get("msg", "")))
    return matched.group(1) if matched else None


def _kind(status_code: int, item: dict[str, Any], field: FormField) -> str:
    kind = str(item.get("type", ""))
    if field.name == "theme_number":
        if status_code == 409:
            return "closed"
        # A malformed value is pydantic's (it has a type); a number intake does not know
        # is the domain's refusal (it has none).
        return "choose" if kind else "unknown_theme"
    if field.name in _CHOICES:
        return "choose"
    if kind in ("missing", "string_too_short"):
        return "missing"
    if kind == "string_too_long":
        return "string_too_long"
    if field.kind == "email":
        return "email"
    if field.kind == "tel":
        return "phone"
    return "other"
