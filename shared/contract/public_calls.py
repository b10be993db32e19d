"""The PUBLIC announcement of a call: when an adopted proposal's implementer is chosen by an
open call (公募) or a procurement, the call goes to other cities and to any company on
`{prefix}.public.cases`, as the cases do (docs/asyncapi.yaml), and on the portal's page of
open calls.

Sapporo 001: 「占用性が高い事業を実施する際の民間事業者の選定は、より公平性が求められ」 — a
call is fair only when every company can read it. Setagaya 004 §5(3): the proposer's bonus
is announced in the call (「公告文等に明示したうえで…総配点(加点部分を除く。)の10%を上限と
して合計への加点を行う可能性がある」), so it travels with it.

Only what a call announces: never the proposer's name, contact details or protected
know-how, nor the name of the staff member who published it.
"""

from __future__ import annotations

from datetime import date
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from shared.contract.base import IntegrationEvent


class PublicCall(BaseModel):
    """An open call or procurement for the implementer of an adopted proposal."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    call_id: UUID
    municipality: str
    municipality_name_ja: str
    municipality_name_en: str
    route: str = Field(description="open_call (公募) or procurement (調達)")
    title: str = Field(description="The subject of the project the call is for")
    field: str | None = Field(None, description="The field (分野), when known")
    announcement: str = Field(description="The call's text or where it is announced (公告文等)")
    opens_on: date
    closes_on: date = Field(description="The last day to apply")
    proposer_bonus_ratio: float | None = Field(
        None,
        description="The bonus the proposer whose idea the call is built on may receive, as "
        "a share of the total score, bonus excluded (Setagaya: at most 10 %); None: no bonus",
    )
    published_on: date


class PublicCallPublished(IntegrationEvent):
    """A call for the implementer of an adopted proposal was published."""

    names_the_actor = False  # no staff member's name leaves the city

    event_type = "public.call.published"
    version = 1

    call: PublicCall
