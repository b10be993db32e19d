"""Implementation's refusals of a project's step, in the reader's words.

Each rule of a project (services.implementation.domain) refuses with a stable `type` and
the values its sentence names (`ctx`: dates, caps, names). This table words each type for
the reader, Japanese first; a type not listed keeps implementation's own sentence. Values
that are codes (a route, a step, a verdict) are shown by their names."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from services.portal.api import project_forms
from services.portal.pages import Page
from shared.i18n import N_

WORDING: dict[str, str] = {
    "withdrawn": N_(
        "The proposer withdrew the proposal: the project ended by withdrawal and no further "
        "step is taken."
    ),
    "project_closed": N_("The project is closed: no further step is taken."),
    # 1. selection
    "route_has_no_call": N_(
        "The fairness assessment chose %(route)s: the implementer is not chosen by a call."
    ),
    "call_published": N_("The call is already published."),
    "call_closes_before_opening": N_("The call must close after it opens (%(opens_on)s)."),
    "procurement_before_budget": N_(
        "The procurement opens once the money is in the budget: from %(available_on)s "
        "(FY%(fiscal_year)s)."
    ),
    "no_incentive_scheme": N_(
        "The city has no incentive scheme for proposers: leave the bonus empty."
    ),
    "bonus_above_cap": N_(
        "%(ratio)s is above the city's cap of %(cap)s of the total score (bonus excluded)."
    ),
    "no_call_yet": N_("No call is published: nobody can apply yet."),
    "implementer_selected": N_("%(implementer)s is already selected as the implementer."),
    "applied_outside_call": N_(
        "%(applied_on)s is outside the call's period (%(opens_on)s – %(closes_on)s)."
    ),
    "already_applied": N_("%(applicant)s has already applied."),
    "no_selection_on_route": N_(
        "The fairness assessment chose a partnership without selection: go straight to "
        "the agreement."
    ),
    "selection_without_reasons": N_("Give the reasons for the selection."),
    "uniqueness_missing": N_(
        "A direct selection needs the uniqueness that justifies it (patents, copyrights, "
        "special technology, no other capable provider)."
    ),
    "not_direct_selection": N_(
        "The fairness assessment chose %(route)s: the implementer is chosen among the "
        "call's applicants, not directly."
    ),
    "call_first": N_("Publish the call first (%(route)s)."),
    "selected_before_call_closes": N_(
        "The selection comes once the call has closed (%(closes_on)s)."
    ),
    "not_an_applicant": N_(
        "%(implementer)s did not apply to the call (applicants: %(applicants)s)."
    ),
    # 2. the agreement or contract
    "agreement_concluded": N_("The agreement is already concluded."),
    "select_first": N_("Select the implementer first (%(route)s)."),
    "too_few_parties": N_("An agreement has at least two different parties."),
    "implementer_not_a_party": N_(
        "The selected implementer %(implementer)s is missing from the parties."
    ),
    "term_ends_before_start": N_("The term must end after it starts (%(term_from)s)."),
    "comprehensive_needs_fields": N_(
        "A comprehensive agreement (包括連携協定) covers several fields: give two or more."
    ),
    "one_field_only": N_(
        "Only a comprehensive agreement (包括連携協定) covers several fields: give one."
    ),
    "business_agreement_field": N_("A business agreement (事業連携協定) names its field."),
    "council_vote_needed": N_(
        "The project needs city money: the council's vote on the budget comes first."
    ),
    "budget_matter_needed": N_(
        "The project needs city money: the council's vote must include the budget."
    ),
    "council_not_sitting": N_(
        "The council does not sit in month %(month)s (sittings: %(sittings)s)."
    ),
    "vote_before_budget_request": N_(
        "%(voted_on)s is before the budget request is due (%(request_by)s): the earliest "
        "budget is FY%(fiscal_year)s."
    ),
    "signed_before_vote": N_("The signing comes on or after the council's vote (%(voted_on)s)."),
    # 3. implementation
    "agreement_first": N_("Conclude the agreement or contract first."),
    "already_started": N_("The project started on %(started_on)s."),
    "started_before_signing": N_("The start comes on or after the signing (%(signed_on)s)."),
    "no_cost_sharing": N_(
        "The city has no cost sharing in force on %(on)s: the city's share must be 0."
    ),
    "cost_share_above_cap": N_("%(amount)s is above the city's cap of %(cap)s on %(on)s."),
    "cost_share_not_experiment": N_("A cost share belongs to a demonstration experiment only."),
    "not_started": N_("The implementation has not started."),
    "already_ended": N_("The implementation ended on %(ended_on)s."),
    "before_start": N_("%(day)s is before the start of the implementation (%(started_on)s)."),
    "not_an_experiment": N_("The project is not a demonstration experiment."),
    "step_done": N_("This step is already done: %(step)s."),
    "step_out_of_order": N_("%(step)s comes after %(missing)s."),
    "city_not_present": N_("The experiment runs with the city present."),
    "report_not_received": N_(
        "An experiment ends when its report is received: record the report first."
    ),
    "verification_due_before_end": N_(
        "The verification is due after the end of the implementation (%(ended_on)s)."
    ),
    # 4. effect verification
    "verdict_given": N_("The verdict is given (%(verdict)s): the verification is final."),
    "kpi_without_name": N_("A KPI needs a name."),
    "kpi_without_unit": N_("KPI %(kpi)s needs a unit (%%, 人, 件, 円 …)."),
    "kpi_defined": N_("KPI %(kpi)s is already defined."),
    "target_equals_baseline": N_("The target of %(kpi)s equals its baseline."),
    "no_such_kpi": N_("No KPI %(kpi)s is defined (defined: %(defined)s)."),
    "not_ended": N_("The implementation has not ended: the verdict comes after its end."),
    "verified_before_end": N_(
        "The verification comes on or after the end of the implementation (%(ended_on)s)."
    ),
    "logic_model_first": N_("Set the logic model first."),
    "kpis_first": N_("A verdict rests on KPIs: define at least one."),
    "kpis_unmeasured": N_("A verdict needs measured values: none yet for %(kpis)s."),
    "verdict_without_reasons": N_("Give the reasons for the verdict."),
    "verification_first": N_("The effect verification comes first: give the verdict, then close."),
}


def worded(item: Mapping[str, Any], page: Page) -> str | None:
    """The refusal in the reader's words, naming its values; None for a type not listed."""
    kind = str(item.get("type", ""))
    if kind not in WORDING:
        return None
    gettext = page.gettext
    names = {
        "route": {code: gettext(name) for code, name in project_forms.ROUTE_NAMES.items()},
        "step": project_forms.step_names(page),
        "verdict": project_forms.verdict_names(page),
    }
    values = {
        name: names.get(name, {}).get(value, value) if value else gettext(N_("none"))
        for name, value in ((str(k), str(v)) for k, v in (item.get("ctx") or {}).items())
    }
    # Lists the service joins with ", " read in the reader's way (「、」 in Japanese).
    comma = "、" if page.language == "ja" else ", "
    if "missing" in values:
        values["missing"] = comma.join(
            names["step"].get(step.strip(), step.strip()) for step in values["missing"].split(",")
        )
    for listed in ("sittings", "applicants", "defined", "kpis"):
        if listed in values:
            values[listed] = values[listed].replace(", ", comma)
    try:
        return gettext(WORDING[kind]) % values
    except (KeyError, ValueError, TypeError):
        # A value the service did not send: its own sentence rather than a broken one.
        return None
