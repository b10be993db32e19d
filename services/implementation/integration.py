"""Translate implementation's stored events into integration events on
`{prefix}.implementation.projects` (shared.contract.implementation)."""

from __future__ import annotations

from typing import Any

from services.implementation.domain import Project
from shared.contract import (
    AgreementConcluded,
    AgreementKind,
    ApplicantRecorded,
    BudgetEntry,
    CallPublished,
    CouncilVote,
    ExperimentStep,
    ExperimentStepDone,
    ImplementationEnded,
    ImplementationStarted,
    ImplementerSelected,
    IntegrationEvent,
    Involvement,
    Kpi,
    KpiDefined,
    KpiMeasured,
    LogicModel,
    LogicModelSet,
    MilestoneReached,
    ProjectClosed,
    SelectionRoute,
    Verdict,
    VerdictGiven,
    VerificationOverdue,
)
from shared.contract.envelope import envelope_translator

SERVICE = "implementation"


def to_integration_event(domain_event: Any) -> IntegrationEvent | None:
    """Most steps leave as they are; the verdict goes out with the KPIs it rests on and
    the project's closing with its verdict, so a reader needs no earlier event for them."""
    pid = domain_event.originator_id
    match domain_event:
        case Project.CallPublished():
            return CallPublished(
                proposal_id=pid,
                route=SelectionRoute(domain_event.route),
                opens_on=domain_event.opens_on,
                closes_on=domain_event.closes_on,
                announcement=domain_event.announcement,
                proposer_bonus_ratio=domain_event.proposer_bonus_ratio,
            )
        case Project.ApplicantRecorded():
            return ApplicantRecorded(
                proposal_id=pid,
                applicant=domain_event.applicant,
                applied_on=domain_event.applied_on,
            )
        case Project.ImplementerSelected():
            return ImplementerSelected(
                proposal_id=pid,
                route=SelectionRoute(domain_event.route),
                implementer=domain_event.implementer,
                reasons=domain_event.reasons,
                uniqueness_justification=domain_event.uniqueness_justification,
                selected_on=domain_event.selected_on,
            )
        case Project.AgreementConcluded():
            return AgreementConcluded(
                proposal_id=pid,
                kind=AgreementKind(domain_event.kind),
                parties=tuple(domain_event.parties),
                signed_on=domain_event.signed_on,
                term_from=domain_event.term_from,
                term_until=domain_event.term_until,
                fields=tuple(domain_event.fields),
                involvement=None
                if domain_event.involvement is None
                else Involvement(domain_event.involvement),
                council_vote=None
                if domain_event.council_vote is None
                else CouncilVote.model_validate(domain_event.council_vote),
                budget_entry=None
                if domain_event.budget_entry is None
                else BudgetEntry.model_validate(domain_event.budget_entry),
            )
        case Project.Started():
            return ImplementationStarted(
                proposal_id=pid,
                started_on=domain_event.started_on,
                experiment=domain_event.experiment,
                city_cost_share_yen=domain_event.city_cost_share_yen,
                cost_share_cap_yen=domain_event.cost_share_cap_yen,
            )
        case Project.MilestoneReached():
            return MilestoneReached(
                proposal_id=pid,
                milestone=domain_event.milestone,
                reached_on=domain_event.reached_on,
            )
        case Project.ExperimentStepDone():
            return ExperimentStepDone(
                proposal_id=pid,
                step=ExperimentStep(domain_event.step),
                done_on=domain_event.done_on,
                note=domain_event.note,
            )
        case Project.Ended():
            return ImplementationEnded(
                proposal_id=pid,
                ended_on=domain_event.ended_on,
                verification_due_on=domain_event.verification_due_on,
            )
        case Project.VerificationOverdue():
            return VerificationOverdue(
                proposal_id=pid,
                due_on=domain_event.due_on,
                department=domain_event.department,
            )
        case Project.LogicModelSet():
            return LogicModelSet(
                proposal_id=pid, logic_model=LogicModel.model_validate(domain_event.logic_model)
            )
        case Project.KpiDefined():
            return KpiDefined(
                proposal_id=pid,
                name=domain_event.name,
                unit=domain_event.unit,
                baseline=domain_event.baseline,
                target=domain_event.target,
            )
        case Project.KpiMeasured():
            return KpiMeasured(
                proposal_id=pid,
                name=domain_event.name,
                measured_on=domain_event.measured_on,
                value=domain_event.value,
            )
        case Project.VerdictGiven():
            return VerdictGiven(
                proposal_id=pid,
                verdict=Verdict(domain_event.verdict),
                reasons=domain_event.reasons,
                verified_on=domain_event.verified_on,
                kpis=tuple(Kpi.model_validate(kpi) for kpi in domain_event.kpis),
            )
        case Project.Closed():
            return ProjectClosed(
                proposal_id=pid,
                closed_on=domain_event.closed_on,
                verdict=Verdict(domain_event.verdict),
            )
        case Project.Withdrawn():
            # Intake's ProposalWithdrawn is the public word and every reader folds it
            # (shared.proposal: status 取り下げ): the project's end by withdrawal follows
            # from it alone, so implementation does not say it twice on its topic.
            return None
    return None  # the project's opening (decision published the adoption) and what was heard


to_envelope = envelope_translator(SERVICE, to_integration_event)
