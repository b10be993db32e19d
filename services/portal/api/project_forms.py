"""The forms of a project after adoption (implementation's steps), as data: each step's
fields, how a filled-in form becomes the body implementation takes, and which steps a
project's page offers.

Which forms a page shows follows the project implementation answers (its route, phase and
experiment steps): the page offers the steps that can come next and leaves out the rest.
Implementation still decides every step (a date before the call closes, a cost share
above the city's cap, a verdict without measured values are its refusals, shown beside
the field they name)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from services.portal.api.decision_form import AGREEMENT_NAMES, ROUTE_NAMES
from services.portal.pages import Page
from shared.contract import ExperimentStep
from shared.contract.implementation import EXPERIMENT_STEP_LABELS, VERDICT_LABELS
from shared.i18n import N_

__all__ = ["AGREEMENT_NAMES", "ROUTE_NAMES"]

PHASE_NAMES: dict[str, str] = {
    "selection": N_("Selecting the implementer"),
    "agreement": N_("Preparing the agreement"),
    "implementation_pending": N_("Agreement concluded; implementation not started"),
    "implementation": N_("Being implemented"),
    "verification": N_("Effects being verified"),
    "verified": N_("Effects verified"),
    "closed": N_("Closed"),
    "withdrawn": N_("Ended: withdrawn by the proposer"),
}
INVOLVEMENT_NAMES: dict[str, str] = {
    "organiser": N_("Organiser (主催)"),
    "co_organiser": N_("Co-organiser (共催)"),
    "cooperation": N_("Cooperation (協力)"),
    "sponsorship": N_("Sponsorship (協賛)"),
    "patronage": N_("Patronage (後援)"),
}
MATTER_NAMES: dict[str, str] = {
    "budget": N_("Budget"),
    "bylaw": N_("By-law change"),
}
CALLED_ROUTES = ("open_call", "procurement")
LOGIC_MODEL = ("inputs", "activities", "outputs", "outcomes", "impact")


@dataclass(frozen=True)
class Field:
    """One field of a step's form. `kind`: date, text, textarea, lines (one item a line,
    sent as a list), number, select, check (a yes), checks (several chosen)."""

    name: str  # as implementation's body names it (dotted when nested)
    label: str
    kind: str = "text"
    required: bool = True
    hint: str = ""
    choices: str = ""  # the name of the choices the page gives (see `choices_of`)


@dataclass(frozen=True)
class Step:
    key: str  # implementation's path segment, and the portal's
    title: str
    button: str
    fields: tuple[Field, ...]
    method: str = "POST"
    done: str = ""  # the notice after Post/Redirect/Get


STEPS: dict[str, Step] = {
    step.key: step
    for step in (
        Step(
            "call",
            N_("Publish the call"),
            N_("Publish the call"),
            (
                Field("opens_on", N_("Call opens on"), "date"),
                Field("closes_on", N_("Call closes on"), "date"),
                Field("announcement", N_("Announcement (公告文)"), "textarea"),
                Field(
                    "proposer_bonus_ratio",
                    N_("Proposer's bonus (share of the total score)"),
                    "number",
                    required=False,
                    hint=N_("e.g. 0.1 for a tenth; only where the city has an incentive scheme."),
                ),
            ),
            done=N_("The call is published."),
        ),
        Step(
            "applicants",
            N_("Record an applicant"),
            N_("Record the applicant"),
            (
                Field("applicant", N_("Applicant")),
                Field("applied_on", N_("Applied on"), "date"),
            ),
            done=N_("The applicant is recorded."),
        ),
        Step(
            "selection",
            N_("Select the implementer"),
            N_("Select the implementer"),
            (
                Field("implementer", N_("Implementer")),
                Field("reasons", N_("Reasons for the selection"), "textarea"),
                Field("selected_on", N_("Selected on"), "date"),
                Field(
                    "uniqueness_justification",
                    N_("Uniqueness that justifies the direct selection"),
                    "textarea",
                    hint=N_("Patents, copyrights, special technology, no other capable provider."),
                ),
            ),
            done=N_("The implementer is selected."),
        ),
        Step(
            "agreement",
            N_("Conclude the agreement or contract"),
            N_("Record the agreement"),
            (
                Field("kind", N_("Kind of agreement"), "select", choices="kinds"),
                Field("parties", N_("Parties"), "lines", hint=N_("One party a line.")),
                Field("signed_on", N_("Signed on"), "date"),
                Field("term_from", N_("Term from"), "date"),
                Field("term_until", N_("Term until"), "date"),
                Field(
                    "fields",
                    N_("Fields"),
                    "lines",
                    required=False,
                    hint=N_("One field a line; several for a comprehensive agreement."),
                ),
                Field(
                    "involvement",
                    N_("The city's involvement in an event"),
                    "select",
                    required=False,
                    choices="involvements",
                ),
                Field(
                    "council_vote.matters",
                    N_("Council vote on"),
                    "checks",
                    required=False,
                    hint=N_("When the project needs city money or a by-law change."),
                    choices="matters",
                ),
                Field("council_vote.voted_on", N_("Council voted on"), "date", required=False),
            ),
            done=N_("The agreement is recorded."),
        ),
        Step(
            "start",
            N_("Start the implementation"),
            N_("Record the start"),
            (
                Field("started_on", N_("Started on"), "date"),
                Field(
                    "city_cost_share_yen",
                    N_("The city's cost share (yen)"),
                    "number",
                    required=False,
                    hint=N_("A demonstration experiment only, within the city's cap on that day."),
                ),
            ),
            done=N_("The implementation started."),
        ),
        Step(
            "milestones",
            N_("A milestone reached"),
            N_("Record the milestone"),
            (
                Field("milestone", N_("Milestone")),
                Field("reached_on", N_("Reached on"), "date"),
            ),
            done=N_("The milestone is recorded."),
        ),
        Step(
            "experiment-steps",
            N_("The experiment's next step"),
            N_("Record the step as done"),
            (
                Field("done_on", N_("Done on"), "date"),
                Field("city_present", N_("The city was present at the run"), "check"),
                Field("note", N_("Note"), "textarea", required=False),
            ),
            done=N_("The experiment step is recorded."),
        ),
        Step(
            "end",
            N_("End the implementation"),
            N_("Record the end"),
            (
                Field("ended_on", N_("Ended on"), "date"),
                Field(
                    "verification_due_on",
                    N_("Verification due on"),
                    "date",
                    required=False,
                    hint=N_("Blank: the city's verification period after the end."),
                ),
            ),
            done=N_("The implementation ended; the effect verification is due."),
        ),
        Step(
            "logic-model",
            N_("Logic model"),
            N_("Save the logic model"),
            (
                Field("inputs", N_("Inputs"), "lines", hint=N_("One item a line.")),
                Field("activities", N_("Activities"), "lines"),
                Field("outputs", N_("Outputs"), "lines"),
                Field("outcomes", N_("Outcomes"), "lines"),
                Field("impact", N_("Impact"), "lines"),
            ),
            method="PUT",
            done=N_("The logic model is saved."),
        ),
        Step(
            "kpis",
            N_("Define a KPI"),
            N_("Define the KPI"),
            (
                Field("name", N_("KPI")),
                Field("unit", N_("Unit"), hint=N_("Percent, people, cases, yen …")),
                Field("baseline", N_("Baseline"), "number"),
                Field("target", N_("Target"), "number"),
            ),
            done=N_("The KPI is defined."),
        ),
        Step(
            "measurements",
            N_("A KPI's measured value"),
            N_("Record the measured value"),
            (
                Field("name", N_("KPI"), "select", choices="kpis"),
                Field("measured_on", N_("Measured on"), "date"),
                Field("value", N_("Measured value"), "number"),
            ),
            done=N_("The measured value is recorded."),
        ),
        Step(
            "verdict",
            N_("The verification's verdict"),
            N_("Give the verdict"),
            (
                Field("verdict", N_("Verdict"), "select", choices="verdicts"),
                Field("reasons", N_("Reasons for the verdict"), "textarea"),
                Field("verified_on", N_("Verified on"), "date"),
            ),
            done=N_("The verdict is given."),
        ),
        Step(
            "close",
            N_("Close the project"),
            N_("Close the project"),
            (Field("closed_on", N_("Closed on"), "date"),),
            done=N_("The project is closed."),
        ),
    )
}


def bilingual(labels: Mapping[Any, tuple[str, str]], page: Page) -> list[tuple[str, str]]:
    index = 1 if page.language == "en" else 0
    return [(str(code), names[index]) for code, names in labels.items()]


def choices_of(page: Page, project: Mapping[str, Any]) -> dict[str, list[tuple[str, str]]]:
    """The choices of the select and checks fields, in the page's language."""
    gettext = page.gettext
    return {
        "kinds": [(code, gettext(name)) for code, name in AGREEMENT_NAMES.items()],
        "involvements": [(code, gettext(name)) for code, name in INVOLVEMENT_NAMES.items()],
        "matters": [(code, gettext(name)) for code, name in MATTER_NAMES.items()],
        "verdicts": bilingual(VERDICT_LABELS, page),
        "kpis": [(kpi["name"], f"{kpi['name']} ({kpi['unit']})") for kpi in project["kpis"]],
    }


def step_names(page: Page) -> dict[str, str]:
    return dict(bilingual(EXPERIMENT_STEP_LABELS, page))


def verdict_names(page: Page) -> dict[str, str]:
    return dict(bilingual(VERDICT_LABELS, page))


def next_experiment_step(project: Mapping[str, Any]) -> str | None:
    """Aomori's steps go in their order: the first one not done yet."""
    if project.get("experiment") is None:
        return None
    done = project.get("experiment_steps") or {}
    return next((step.value for step in ExperimentStep if step.value not in done), None)


def offered(project: Mapping[str, Any]) -> list[str]:
    """The steps the project's page offers its department now, in the order they come."""
    phase = project["phase"]
    route = project["route"]
    experiment = project.get("experiment") is not None
    if phase == "selection":
        if route in CALLED_ROUTES:
            return ["applicants", "selection"] if project.get("call") else ["call"]
        return ["selection"]
    if phase == "agreement":
        return ["agreement"]
    if phase == "implementation_pending":
        return ["start"]
    verification = ["logic-model", "kpis"] + (["measurements"] if project["kpis"] else [])
    if phase == "implementation":
        running = ["milestones"]
        if experiment and next_experiment_step(project):
            return ["experiment-steps", *running, *verification]
        return [*running, "end", *verification]
    if phase == "verification":
        return [*verification, "verdict"]
    if phase == "verified":
        return ["close"]
    return []


def fields_of(step: Step, project: Mapping[str, Any]) -> tuple[Field, ...]:
    """The step's fields this project's form shows: the uniqueness justification on a
    direct selection only, the cost share on an experiment only, the city's presence on
    the experiment's run only."""
    route = project["route"]
    shown = []
    for field in step.fields:
        if field.name == "uniqueness_justification" and route != "direct_selection":
            continue
        if field.name == "city_cost_share_yen" and project.get("experiment") is None:
            continue
        if field.name == "city_present" and next_experiment_step(project) != "run_with_city":
            continue
        shown.append(field)
    return tuple(shown)


def values_of(step: Step, form: Any) -> dict[str, Any]:
    """What the form holds, as it is shown again."""
    values: dict[str, Any] = {}
    for field in step.fields:
        if field.kind == "checks":
            values[field.name] = [str(v) for v in form.getlist(field.name)]
        else:
            values[field.name] = str(form.get(field.name, "")).strip()
    return values


def body_of(step: Step, values: Mapping[str, Any], project: Mapping[str, Any]) -> dict[str, Any]:
    """The body implementation takes: a blank optional field left out, lines as a list,
    the council's vote only when something of it is given."""
    body: dict[str, Any] = {}
    for field in fields_of(step, project):
        value = values.get(field.name)
        if field.kind == "check":
            body[field.name] = value == "yes"
            continue
        if field.kind == "lines":
            items = [line.strip() for line in str(value or "").splitlines() if line.strip()]
            if items or field.required:
                body[field.name] = items
            continue
        if not value:
            continue  # left out: implementation names a required one as missing
        body[field.name] = value
    if step.key == "experiment-steps":
        body["step"] = next_experiment_step(project)
    vote = {
        name.removeprefix("council_vote."): body.pop(name)
        for name in ("council_vote.matters", "council_vote.voted_on")
        if name in body
    }
    if vote:
        body["council_vote"] = vote
    return body


def logic_model_values(project: Mapping[str, Any]) -> dict[str, str]:
    """The logic model as its form shows it to be changed: one item a line."""
    model = project.get("logic_model") or {}
    return {part: "\n".join(model.get(part, [])) for part in LOGIC_MODEL}
