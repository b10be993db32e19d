"""Response models of the publication API."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from pydantic import BaseModel, Field

from services.publication.commands import SectionIn
from services.publication.domain import Case
from services.publication.read_models import RegisterLine


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
    def of(cls, line: RegisterLine) -> RegisterRow:
        state = line.state
        return cls(
            received_on=state.received_on,
            channel=state.channel.value,
            theme_number=state.theme_number,
            theme_title=line.theme_title,
            title=None if state.theme_number is not None else state.title,
            field=state.field,
            summary=state.summary,
            status_ja=line.status[0],
            status_en=line.status[1],
        )


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
