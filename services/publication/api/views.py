"""Response models of the publication API."""

from __future__ import annotations

from datetime import date
from typing import Annotated
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from services.publication.domain import Case
from shared.proposal import ProposalState

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20000)]
Line = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=400)]


class RegisterRow(BaseModel):
    """One line of the public register, with Nagasaki's columns."""

    received_on: date
    channel: str
    theme_number: int | None
    theme_title: str | None
    title: str | None = Field(description="Free proposals only: theme proposals go by their theme")
    field: str
    summary: str
    status_ja: str
    status_en: str

    @classmethod
    def of(
        cls, state: ProposalState, status: tuple[str, str], theme_title: str | None
    ) -> RegisterRow:
        return cls(
            received_on=state.received_on,
            channel=state.channel.value,
            theme_number=state.theme_number,
            theme_title=theme_title,
            title=None if state.theme_number is not None else state.title,
            field=state.field,
            summary=state.summary,
            status_ja=status[0],
            status_en=status[1],
        )


class SectionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    heading: Line
    text: Text
    protected: bool = Field(False, description="True: kept inside, never published")


class CaseDraft(BaseModel):
    model_config = ConfigDict(extra="forbid")

    proposal_id: UUID
    title: Line | None = None
    summary: Text | None = None
    sections: list[SectionIn] = Field(default_factory=list, max_length=50)


class CaseRevision(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: Line
    summary: Text
    sections: list[SectionIn] = Field(default_factory=list, max_length=50)


class CaseCorrection(CaseRevision):
    note: Line


class Reason(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: Line


class DeskCaseView(BaseModel):
    """The whole case for the desk, protected sections included and marked."""

    case_id: UUID
    proposal_id: UUID
    stage: str
    title: str
    summary: str
    sections: list[SectionIn]
    objection_due_on: date | None
    objection: str | None
    consented: bool
    published_on: date | None
    public_version: int

    @classmethod
    def of(cls, case: Case) -> DeskCaseView:
        return cls(
            case_id=case.id,
            proposal_id=case.proposal_id,
            stage=case.stage,
            title=case.title,
            summary=case.summary,
            sections=[SectionIn.model_validate(s) for s in case.sections],
            objection_due_on=case.objection_due_on,
            objection=case.objection,
            consented=case.consented,
            published_on=case.published_on,
            public_version=case.public_version,
        )


class ProposerCaseView(BaseModel):
    """What the proposer is consulted on: the case exactly as it would be published."""

    stage: str
    title: str
    summary: str
    sections: list[SectionIn]
    objection_due_on: date | None
    objection: str | None
    consented: bool

    @classmethod
    def of(cls, case: Case) -> ProposerCaseView:
        return cls(
            stage=case.stage,
            title=case.title,
            summary=case.summary,
            sections=[SectionIn.model_validate(s) for s in case.sections if not s.get("protected")],
            objection_due_on=case.objection_due_on,
            objection=case.objection,
            consented=case.consented,
        )
