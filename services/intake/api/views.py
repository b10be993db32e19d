"""What the API answers: response models built from aggregates and the proposal fold."""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

from pydantic import BaseModel, Field

from services.intake.domain import Proposal, Theme, ThemeRequest
from shared.contract.decision import REJECTION_REASON_LABELS, RejectionReason
from shared.contract.intake import AgreementPlan, DocumentReference, ExperimentPlan
from shared.contract.vocabulary import SCREENING_REASON_LABELS, ScreeningReason
from shared.proposal import STATUS_LABELS, ProposalState, ProposalStatus
from shared.proposal.implementation_steps import PHASE_LABELS


class ThemeView(BaseModel):
    number: int
    title: str
    field: str
    department: str
    opens_on: date | None
    closes_on: date | None
    open: bool
    status_ja: str
    status_en: str
    background: str = ""  # 背景
    expected_outcome: str = ""  # 期待する成果

    @classmethod
    def of(cls, theme: Theme, today: date) -> ThemeView:
        is_open = theme.is_open_on(today)
        return cls(
            number=theme.number,
            title=theme.title,
            field=theme.field,
            department=theme.department,
            background=theme.background,
            expected_outcome=theme.expected_outcome,
            opens_on=theme.opens_on,
            closes_on=theme.closes_on,
            open=is_open,
            status_ja="募集中" if is_open else "募集期間終了",
            status_en="open" if is_open else "call closed",
        )


class ThemeRequestView(BaseModel):
    """A department's theme request and the desk's answer: the theme published from it,
    or why not."""

    request_id: UUID
    department: str
    title: str
    description: str
    background: str
    expected_outcome: str
    field: str
    opens_on: date | None
    closes_on: date | None
    requested_at: datetime
    state: str = Field(description="open, published or declined")
    theme_number: int | None
    decline_reason: str | None

    @classmethod
    def of(cls, request: ThemeRequest) -> ThemeRequestView:
        return cls(
            request_id=request.id,
            department=request.department,
            title=request.title,
            description=request.description,
            background=request.background,
            expected_outcome=request.expected_outcome,
            field=request.field,
            opens_on=request.opens_on,
            closes_on=request.closes_on,
            requested_at=request.created_on,
            state=request.state,
            theme_number=request.theme_number,
            decline_reason=request.decline_reason,
        )


class Reason(BaseModel):
    """A coded reason a proposal was not taken further, in the proposer's words: by the
    desk's screening, or after review by the department or the council."""

    code: str
    ja: str
    en: str

    @classmethod
    def of(cls, code: ScreeningReason | str) -> Reason:
        reason = ScreeningReason(code)
        ja, en = SCREENING_REASON_LABELS[reason]
        return cls(code=reason, ja=ja, en=en)

    @classmethod
    def after_review(cls, code: RejectionReason | str) -> Reason:
        reason = RejectionReason(code)
        ja, en = REJECTION_REASON_LABELS[reason]
        return cls(code=reason, ja=ja, en=en)


class StatusText(BaseModel):
    status: ProposalStatus
    status_ja: str
    status_en: str

    @staticmethod
    def labels(status: ProposalStatus) -> dict[str, object]:
        ja, en = STATUS_LABELS[status]
        return {"status": status, "status_ja": ja, "status_en": en}


class SubmissionReceipt(StatusText):
    """The answer to a submission: the receipt and the private link to follow it."""

    proposal_id: UUID
    receipt_number: str
    status_token: str
    status_url: str
    reasons: list[Reason]

    @classmethod
    def of(cls, proposal: Proposal, *, status_token: str, status_url: str) -> SubmissionReceipt:
        return cls(
            **StatusText.labels(proposal.status),
            proposal_id=proposal.id,
            receipt_number=proposal.receipt_number,
            status_token=status_token,
            status_url=status_url,
            reasons=[Reason.of(r) for r in proposal.screening_reasons],
        )


class StepView(BaseModel):
    at: datetime
    ja: str
    en: str


class MessageView(BaseModel):
    """A message of the dialogue: from the department (`department`, None: the desk) to
    the proposer, or the proposer's own (`from_proposer`)."""

    message_id: UUID
    at: datetime
    from_proposer: bool
    department: str | None
    in_reply_to: UUID | None
    text: str


class ProposerView(StatusText):
    """What the proposer sees behind the private status link."""

    proposal_id: UUID
    municipality: str
    receipt_number: str
    title: str
    submitted_at: datetime
    reasons: list[Reason]
    explanation: str | None
    steps: list[StepView]
    messages: list[MessageView] = Field(description="The dialogue, oldest first")
    may_answer: bool = Field(description="Whether the proposer may write in the dialogue now")
    project_phase: str | None = Field(
        None,
        description="After adoption, where the project stands (selection, agreement, "
        "implementation, verification …); the status stays 事業調整中 / adopted",
    )
    project_phase_ja: str | None = None
    project_phase_en: str | None = None

    @classmethod
    def of_state(cls, state: ProposalState) -> ProposerView:
        labels = StatusText.labels(state.status)
        if state.status_line_ja and state.status_line_en and not state.status.is_closed:
            # The line the desk or the department wrote, e.g. 「教育委員会と協議中」.
            labels.update(status_ja=state.status_line_ja, status_en=state.status_line_en)
        return cls(
            **labels,
            proposal_id=state.proposal_id,
            municipality=state.municipality,
            receipt_number=state.receipt_number,
            title=state.title,
            submitted_at=state.submitted_at,
            # Every rejection tells its reasons: Sapporo 「その理由を提案者に説明します」.
            reasons=[Reason.of(r) for r in state.screening_reasons]
            + [Reason.after_review(r) for r in state.rejection_reasons],
            explanation=state.screening_explanation or state.rejection_explanation,
            steps=[StepView(at=s.at, ja=s.ja, en=s.en) for s in state.steps if s.for_proposer],
            messages=[MessageView(**m.model_dump()) for m in state.dialogue],
            may_answer=not state.status.is_closed
            and any(not m.from_proposer for m in state.dialogue),
            **_phase(state.project_phase),
        )


def _phase(phase: str | None) -> dict[str, str | None]:
    """The project's phase in the proposer's words (shared.proposal.implementation_steps)."""
    ja, en = PHASE_LABELS.get(phase, (None, None)) if phase else (None, None)
    return {"project_phase": phase, "project_phase_ja": ja, "project_phase_en": en}


class Contact(BaseModel):
    contact_person: str
    email: str
    phone: str | None


class DeskProposalLine(StatusText):
    """One line of the desk's inbox."""

    proposal_id: UUID
    receipt_number: str
    title: str
    organisation: str
    channel: str
    theme_number: int | None

    @staticmethod
    def line_of(proposal: Proposal) -> dict[str, object]:
        return {
            **StatusText.labels(proposal.status),
            "proposal_id": proposal.id,
            "receipt_number": proposal.receipt_number,
            "title": proposal.title,
            "organisation": proposal.organisation,
            "channel": proposal.channel,
            "theme_number": proposal.theme_number,
        }

    @classmethod
    def of(cls, proposal: Proposal) -> DeskProposalLine:
        return cls(**cls.line_of(proposal))


class TermsConsent(BaseModel):
    """The terms the proposer consented to: their version, and the day (in Japan)."""

    version: str
    consented_on: date


class DeskProposalView(DeskProposalLine):
    """The whole proposal, for the desk of its own municipality."""

    municipality: str
    proposer_kind: str
    contact: Contact
    field: str
    summary: str
    content: str
    protected: str | None
    reasons: list[Reason]
    explanation: str | None
    experiment: ExperimentPlan | None = None
    agreement: AgreementPlan | None = None
    document: DocumentReference | None = None
    terms_consent: TermsConsent | None = None

    @classmethod
    def of(cls, proposal: Proposal) -> DeskProposalView:
        return cls(
            **cls.line_of(proposal),
            municipality=proposal.municipality,
            proposer_kind=proposal.proposer_kind,
            contact=Contact.model_validate(proposal.contact),
            field=proposal.field,
            summary=proposal.summary,
            content=proposal.content,
            protected=proposal.protected_part,
            reasons=[Reason.of(r) for r in proposal.screening_reasons],
            explanation=proposal.screening_explanation,
            experiment=proposal.experiment,
            agreement=proposal.agreement,
            document=proposal.document,
            terms_consent=proposal.terms_consent,
        )


class StatusLinkAnswer(BaseModel):
    ja: str = "この市への提案にこのメールアドレスが使われていれば、状況確認リンクをそのアドレスに送りました。"
    en: str = (
        "If a proposal to this municipality was sent with this address, its status link "
        "has been sent to it."
    )
