"""The soundings (サウンディング型市場調査) as the portal reads and sends them: intake's public
and staff endpoints, and the small models of what the public pages show (without
importing intake's package, like services.portal.views)."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from pydantic import TypeAdapter

from services.portal.backends import Backends, JsonObject, Refused, StaffCalls
from services.portal.views import Answer


class PublishedAnswer(Answer):
    question_id: UUID
    question: str
    answer: str


class Sounding(Answer):
    sounding_id: UUID
    department: str
    field: str
    subject: str
    description: str
    questions: list[str]
    opens_on: date
    closes_on: date
    open: bool
    state: str
    status_ja: str
    status_en: str
    qa: list[PublishedAnswer]
    responses: int | None = None
    summary: str | None = None
    theme_number: int | None = None
    call: str | None = None

    def status_text(self, language: str) -> str:
        return self.status_en if language == "en" else self.status_ja


class SoundingReceipt(Answer):
    response_id: UUID
    sounding_id: UUID
    subject: str
    organisation: str
    responded_on: date


def _path(city: str, rest: str = "") -> str:
    return f"/api/v1/municipalities/{city}/soundings{rest}"


async def public_soundings(backends: Backends, city: str) -> list[Sounding]:
    lines = await backends._every_line("intake", _path(city))
    return TypeAdapter(list[Sounding]).validate_python(lines)


async def public_sounding(backends: Backends, city: str, sounding_id: UUID) -> Sounding | None:
    try:
        answer = await backends._call("GET", "intake", _path(city, f"/{sounding_id}"))
    except Refused as refused:
        if refused.status_code == 404:
            return None
        raise
    return Sounding.model_validate(answer.json())


async def check_response(
    backends: Backends, city: str, sounding_id: UUID, body: dict[str, Any]
) -> None:
    """What intake would refuse in this response, keeping nothing (Refused)."""
    await backends._call(
        "POST", "intake", _path(city, f"/{sounding_id}/responses/check"), json=body
    )


async def respond(
    backends: Backends, city: str, sounding_id: UUID, body: dict[str, Any]
) -> SoundingReceipt:
    answer = await backends._call(
        "POST", "intake", _path(city, f"/{sounding_id}/responses"), json=body
    )
    return SoundingReceipt.model_validate(answer.json())


async def ask(backends: Backends, city: str, sounding_id: UUID, body: dict[str, Any]) -> None:
    await backends._call("POST", "intake", _path(city, f"/{sounding_id}/questions"), json=body)


# -- staff --------------------------------------------------------------------------------


def _staff(city: str, rest: str = "") -> str:
    return f"/api/v1/municipalities/{city}/staff/soundings{rest}"


async def staff_soundings(calls: StaffCalls, city: str) -> list[JsonObject]:
    found: list[JsonObject] = await calls._backends._every_line(
        "intake", _staff(city), headers=calls._headers
    )
    return found


async def staff_sounding(calls: StaffCalls, city: str, sounding_id: str) -> JsonObject | None:
    return await calls._maybe("intake", _staff(city, f"/{sounding_id}"))


async def staff_post(
    calls: StaffCalls, city: str, rest: str, body: JsonObject | None = None
) -> JsonObject:
    """One of the staff steps: `rest` is "" (draft) or "/{id}/publish", "/{id}/answers",
    "/{id}/close", "/{id}/summary", "/{id}/theme", "/{id}/call"."""
    return await calls._post("intake", _staff(city, rest), body)
