"""What the services answer, as the portal reads it: only the fields its pages show.

These mirror the services' response models (intake's ThemeView, SubmissionReceipt and
ProposerView; routing's DepartmentView; publication's RegisterRow and ProposerCaseView;
the public contract's PublicCase) without importing the services' packages, so the
portal depends on their HTTP APIs and nothing else. Unknown fields are ignored.
"""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

from pydantic import BaseModel, ConfigDict

from shared.municipalities import fiscal_year
from shared.proposal import ProposalStatus


class Answer(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class Bilingual(Answer):
    """A text the service gives in both languages (its own wording, not the portal's)."""

    ja: str
    en: str

    def in_(self, language: str) -> str:
        return self.en if language == "en" else self.ja


class Theme(Answer):
    number: int
    title: str
    field: str
    department: str
    opens_on: date | None
    closes_on: date | None
    open: bool
    background: str = ""  # 背景
    expected_outcome: str = ""  # 期待する成果


class Document(Answer):
    """Intake's reference to a proposal document it keeps."""

    sha256: str
    name: str
    size: int


class Department(Answer):
    code: str
    name_ja: str
    name_en: str

    def name(self, language: str) -> str:
        return self.name_en if language == "en" else self.name_ja


class Reason(Bilingual):
    code: str


class Step(Bilingual):
    at: datetime


class Receipt(Answer):
    proposal_id: UUID
    receipt_number: str
    status: ProposalStatus
    status_ja: str
    status_en: str
    status_token: str
    reasons: list[Reason]

    def status_text(self, language: str) -> str:
        return self.status_en if language == "en" else self.status_ja


class Message(Answer):
    """A message of the dialogue: from the department (or the desk) to the proposer, or
    the proposer's answer."""

    message_id: UUID
    at: datetime
    from_proposer: bool
    department: str | None
    text: str


class ProposerStatus(Answer):
    proposal_id: UUID
    municipality: str = ""
    receipt_number: str
    title: str
    submitted_at: datetime
    status: ProposalStatus
    status_ja: str
    status_en: str
    reasons: list[Reason]
    explanation: str | None
    steps: list[Step]
    messages: list[Message] = []
    may_answer: bool = False  # intake's word: it has the last one on an answer too
    # Intake's word too: not once the proposal has ended, nor once the project's agreement
    # is signed (services.intake.domain.withdrawal_refused); the page offers only that.
    may_withdraw: bool = False
    # After adoption, where the project stands, in intake's (the fold's) words for the
    # proposer; the status itself stays 事業調整中 as Nagasaki's register has it.
    project_phase_ja: str | None = None
    project_phase_en: str | None = None

    def status_text(self, language: str) -> str:
        return self.status_en if language == "en" else self.status_ja

    def project_phase_text(self, language: str) -> str | None:
        return self.project_phase_en if language == "en" else self.project_phase_ja

    @property
    def last_message_to_proposer(self) -> Message | None:
        """The department's latest message, which an answer replies to."""
        return next((m for m in reversed(self.messages) if not m.from_proposer), None)


class RegisterRow(Answer):
    received_on: date
    channel: str
    theme_number: int | None
    theme_title: str | None
    title: str | None
    field: str
    summary: str
    status_ja: str
    status_en: str

    @property
    def fiscal_year(self) -> int:
        return fiscal_year(self.received_on)

    def status_text(self, language: str) -> str:
        return self.status_en if language == "en" else self.status_ja


class CaseSection(Answer):
    heading: str
    text: str


class PublicCase(Answer):
    case_id: UUID
    municipality: str
    version: int
    title: str
    summary: str
    field: str
    channel: str
    theme_number: int | None = None
    theme_title: str | None = None
    partner: str
    sections: list[CaseSection]
    received_on: date
    published_on: date


class PublicCall(Answer):
    """A call for the implementer of an adopted proposal (the public contract's
    PublicCall): open call or procurement, its period and the proposer's bonus."""

    call_id: UUID
    route: str
    title: str
    field: str | None = None
    announcement: str
    opens_on: date
    closes_on: date
    proposer_bonus_ratio: float | None = None

    @property
    def bonus_percent(self) -> str | None:
        """The proposer's bonus as the call announces it, e.g. "10%"."""
        return None if self.proposer_bonus_ratio is None else f"{self.proposer_bonus_ratio:.0%}"


class ProposerCase(Answer):
    """The case as it would be published, on which the proposer is consulted."""

    stage: str
    title: str
    summary: str
    sections: list[CaseSection]
    objection_due_on: date | None
    objection: str | None
    consented: bool

    @property
    def awaits_answer(self) -> bool:
        # Publication refuses consent or objection outside the consultation; the page
        # offers them only while the proposer is being consulted and has not answered.
        return self.stage == "consulting" and not self.consented and self.objection is None
