"""The services the portal shows and acts through, over their HTTP APIs.

The portal decides nothing: intake receives proposals and answers their status, routing
knows the departments, publication keeps the register and the cases. Each call below is
one of their public or proposer endpoints; what they answer is read into the small models
of services.portal.views (unknown fields ignored, so a service may add some).

The HTTP client is made when the portal starts (see `client_lifespan`); a test gives the
app `state.backend_mounts` (base URL → transport) to reach in-process services.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import AsyncIterator, Mapping
from typing import Any, TypeVar
from uuid import UUID

import httpx
from fastapi import APIRouter, FastAPI
from pydantic import BaseModel, TypeAdapter

from services.portal.settings import PortalSettings
from services.portal.views import (
    Department,
    Document,
    ProposerCase,
    ProposerStatus,
    PublicCase,
    Receipt,
    RegisterRow,
    Theme,
)
from shared.paging import MOST_LINES, TOTAL_HEADER

M = TypeVar("M", bound=BaseModel)


class ServiceUnavailable(Exception):
    """A service did not answer, or answered with a server error: the page says so."""

    def __init__(self, service: str, problem: str) -> None:
        super().__init__(f"{service}: {problem}")
        self.service = service


class Refused(Exception):
    """A service refused the request (4xx): its status and the `detail` it gave."""

    def __init__(self, status_code: int, detail: list[dict[str, Any]]) -> None:
        super().__init__(f"{status_code}: {detail}")
        self.status_code = status_code
        self.detail = detail


class TokenRejected(Exception):
    """A service answered 401: the signed-in person's token expired or was revoked; the
    console asks them to sign in again."""


class Backends:
    def __init__(self, client: httpx.AsyncClient, settings: PortalSettings) -> None:
        self._client = client
        self._base = {
            "intake": settings.intake_url.rstrip("/"),
            "routing": settings.routing_url.rstrip("/"),
            "publication": settings.publication_url.rstrip("/"),
            "decision": settings.decision_url.rstrip("/"),
            "implementation": settings.implementation_url.rstrip("/"),
        }

    # -- intake -------------------------------------------------------------------------

    async def themes(self, city: str) -> list[Theme]:
        return await self._list(Theme, "intake", f"/api/v1/municipalities/{city}/themes")

    async def theme(self, city: str, number: int) -> Theme | None:
        return await self._one(Theme, "intake", f"/api/v1/municipalities/{city}/themes/{number}")

    async def check_proposal(self, city: str, body: dict[str, Any]) -> None:
        """What intake would refuse in this proposal, without submitting it (Refused)."""
        await self._call(
            "POST", "intake", f"/api/v1/municipalities/{city}/proposals/check", json=body
        )

    async def upload_document(self, city: str, name: str, content: bytes) -> Document:
        """Intake checks the PDF and keeps it; the answer names it by its SHA-256."""
        answer = await self._call(
            "POST",
            "intake",
            f"/api/v1/municipalities/{city}/documents",
            files={"document": (name, content, "application/pdf")},
        )
        return Document.model_validate(answer.json())

    async def submit_proposal(
        self, city: str, body: dict[str, Any], idempotency_key: str
    ) -> Receipt:
        # The key makes a repeated send (a double click, a reload) return the same receipt.
        answer = await self._call(
            "POST",
            "intake",
            f"/api/v1/municipalities/{city}/proposals",
            json=body,
            headers={"Idempotency-Key": idempotency_key},
        )
        return Receipt.model_validate(answer.json())

    async def my_proposal(self, proposal_id: UUID, token: str) -> ProposerStatus | None:
        if not STATUS_TOKEN.fullmatch(token):
            return None  # a wrong token, as the service would answer (_status_token)
        return await self._one(
            ProposerStatus,
            "intake",
            f"/api/v1/proposer/proposals/{proposal_id}",
            headers=_status_token(token),
        )

    async def withdraw(self, proposal_id: UUID, token: str, reason: str | None) -> None:
        await self._call(
            "POST",
            "intake",
            f"/api/v1/proposer/proposals/{proposal_id}/withdrawal",
            json={"reason": reason},
            headers=_status_token(token),
        )

    async def answer(
        self, proposal_id: UUID, token: str, text: str, in_reply_to: UUID | None
    ) -> None:
        """The proposer's answer in the dialogue (Refused names the field intake refused)."""
        await self._call(
            "POST",
            "intake",
            f"/api/v1/proposer/proposals/{proposal_id}/messages",
            json={"text": text, "in_reply_to": None if in_reply_to is None else str(in_reply_to)},
            headers=_status_token(token),
        )

    async def resend_status_link(self, city: str, email: str) -> None:
        """Ask intake to send the status link again to the proposal's own address; intake
        answers the same whether or not the address is known."""
        await self._call(
            "POST",
            "intake",
            "/api/v1/proposer/status-links",
            json={"municipality": city, "email": email},
        )

    # -- routing --------------------------------------------------------------------------

    async def departments(self, city: str) -> dict[str, Department]:
        found = await self._list(
            Department, "routing", f"/api/v1/municipalities/{city}/departments"
        )
        return {department.code: department for department in found}

    # -- publication ------------------------------------------------------------------------

    async def register(self, city: str) -> list[RegisterRow]:
        return await self._list(
            RegisterRow, "publication", f"/api/v1/municipalities/{city}/register"
        )

    async def cases(self, city: str) -> list[PublicCase]:
        return await self._list(PublicCase, "publication", f"/api/v1/municipalities/{city}/cases")

    async def case(self, city: str, case_id: UUID) -> PublicCase | None:
        return await self._one(
            PublicCase, "publication", f"/api/v1/municipalities/{city}/cases/{case_id}"
        )

    async def my_case(self, proposal_id: UUID, token: str) -> ProposerCase | None:
        if not STATUS_TOKEN.fullmatch(token):
            return None  # a wrong token, as the service would answer (_status_token)
        return await self._one(
            ProposerCase,
            "publication",
            f"/api/v1/proposer/proposals/{proposal_id}/case",
            headers=_status_token(token),
        )

    async def consent_to_case(self, proposal_id: UUID, token: str) -> None:
        await self._call(
            "POST",
            "publication",
            f"/api/v1/proposer/proposals/{proposal_id}/case/consent",
            headers=_status_token(token),
        )

    async def object_to_case(self, proposal_id: UUID, token: str, reason: str) -> None:
        await self._call(
            "POST",
            "publication",
            f"/api/v1/proposer/proposals/{proposal_id}/case/objection",
            json={"reason": reason},
            headers=_status_token(token),
        )

    def as_staff(self, access_token: str) -> StaffCalls:
        """The services' staff endpoints, called with the signed-in person's token."""
        return StaffCalls(self, access_token)

    # -- the calls ------------------------------------------------------------------------

    async def _list(self, model: type[M], service: str, path: str) -> list[M]:
        lines = await self._every_line(service, path)
        return TypeAdapter(list[model]).validate_python(lines)  # type: ignore[valid-type]

    async def _every_line(
        self, service: str, path: str, headers: dict[str, str] | None = None
    ) -> list[Any]:
        """A list the service answers a page at a time (shared/paging.py), whole: pages of
        MOST_LINES until the X-Total-Count lines are in, so each answer stays bounded."""
        lines: list[Any] = []
        while True:
            answer = await self._call(
                "GET",
                service,
                path,
                headers=headers,
                params={"limit": MOST_LINES, "offset": len(lines)},
            )
            page: list[Any] = answer.json()
            lines.extend(page)
            if not page or len(lines) >= int(answer.headers.get(TOTAL_HEADER, len(lines))):
                return lines

    async def _one(
        self, model: type[M], service: str, path: str, headers: dict[str, str] | None = None
    ) -> M | None:
        """The resource, or None when the service answers 404 (also for a wrong token:
        the services answer both alike)."""
        try:
            answer = await self._call("GET", service, path, headers=headers)
        except Refused as refused:
            if refused.status_code == 404:
                return None
            raise
        return model.model_validate(answer.json())

    async def _call(
        self,
        method: str,
        service: str,
        path: str,
        *,
        json: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
        params: Mapping[str, str | int | list[str]] | None = None,
        files: dict[str, tuple[str, bytes, str]] | None = None,
    ) -> httpx.Response:
        try:
            answer = await self._client.request(
                method,
                f"{self._base[service]}{path}",
                json=json,
                headers=headers,
                params=params,
                files=files,
            )
        except httpx.HTTPError as problem:
            raise ServiceUnavailable(service, type(problem).__name__) from problem
        if answer.status_code >= 500:
            raise ServiceUnavailable(service, f"HTTP {answer.status_code}")
        if answer.status_code == 401 and headers and "Authorization" in headers:
            raise TokenRejected(service)
        if answer.status_code >= 400:
            raise Refused(answer.status_code, _detail(answer))
        return answer


JsonObject = dict[str, Any]


class StaffCalls:
    """The staff endpoints of the services, each call with `Authorization: Bearer`
    and the signed-in person's token: the services decide who may do what (the portal
    only leaves out of a page what a role never does). Answers are the services' JSON,
    read by the console templates as they are."""

    def __init__(self, backends: Backends, access_token: str) -> None:
        self._backends = backends
        self._headers = {"Authorization": f"Bearer {access_token}"}

    # -- intake: the desk's inbox, screening, themes ----------------------------------------

    async def desk_inbox(
        self,
        city: str,
        filters: dict[str, str],
        *,
        limit: int,
        offset: int,
        among: list[str] | None = None,
    ) -> tuple[list[JsonObject], int]:
        """`filters`: intake's (status, channel, theme_number, field, q); blank ones left out.
        `among`: only these proposals (e.g. the overdue ones routing names)."""
        params: dict[str, str | int | list[str]] = {k: v for k, v in filters.items() if v}
        params.update(limit=limit, offset=offset)
        if among is not None:
            params["proposal_id"] = among
        return await self._page("intake", f"{_city(city)}/desk/proposals", params)

    async def proposal(self, city: str, proposal_id: UUID) -> JsonObject:
        """The whole proposal, for the staff intake lets see it (404 for anyone else)."""
        return await self._get("intake", f"{_city(city)}/proposals/{proposal_id}")

    async def history(self, city: str, proposal_id: UUID) -> list[JsonObject]:
        """The proposal's whole history across the services, as intake heard it."""
        answer = await self._backends._call(
            "GET", "intake", f"{_city(city)}/proposals/{proposal_id}/history", headers=self._headers
        )
        found: list[JsonObject] = answer.json()
        return found

    async def screen(self, city: str, proposal_id: UUID, body: JsonObject) -> JsonObject:
        path = f"{_city(city)}/desk/proposals/{proposal_id}/screening"
        return await self._post("intake", path, body)

    async def themes(self, city: str) -> list[JsonObject]:
        return await self._every("intake", f"{_city(city)}/themes")

    async def publish_theme(self, city: str, body: JsonObject) -> JsonObject:
        return await self._post("intake", f"{_city(city)}/themes", body)

    async def close_theme(self, city: str, number: int) -> JsonObject:
        return await self._post("intake", f"{_city(city)}/themes/{number}/close", None)

    async def theme_requests(self, city: str) -> list[JsonObject]:
        """The city's theme requests (the desk), or the department's own (a department)."""
        return await self._every("intake", f"{_city(city)}/theme-requests")

    async def request_theme(self, city: str, body: JsonObject) -> JsonObject:
        return await self._post("intake", f"{_city(city)}/theme-requests", body)

    async def publish_requested_theme(
        self, city: str, request_id: str, body: JsonObject
    ) -> JsonObject:
        path = f"{_city(city)}/theme-requests/{request_id}/publish"
        return await self._post("intake", path, body)

    async def decline_theme_request(
        self, city: str, request_id: str, body: JsonObject
    ) -> JsonObject:
        path = f"{_city(city)}/theme-requests/{request_id}/decline"
        return await self._post("intake", path, body)

    # -- routing: where a proposal is, the departments' work, the dashboard -----------------

    async def routing(self, city: str, proposal_id: UUID) -> JsonObject | None:
        """The proposal's routing, or None while routing has not heard of it."""
        return await self._maybe("routing", f"{_city(city)}/routings/{proposal_id}")

    async def reassign(self, city: str, proposal_id: UUID, body: JsonObject) -> JsonObject:
        return await self._post("routing", f"{_city(city)}/routings/{proposal_id}/reassign", body)

    async def take_on(self, city: str, proposal_id: UUID) -> JsonObject:
        return await self._post("routing", f"{_city(city)}/routings/{proposal_id}/take-on", None)

    async def decline(self, city: str, proposal_id: UUID, body: JsonObject) -> JsonObject:
        return await self._post("routing", f"{_city(city)}/routings/{proposal_id}/decline", body)

    async def milestone(self, city: str, proposal_id: UUID, body: JsonObject) -> JsonObject:
        path = f"{_city(city)}/routings/{proposal_id}/milestones"
        return await self._post("routing", path, body)

    async def status_line(self, city: str, proposal_id: UUID, body: JsonObject) -> JsonObject:
        path = f"{_city(city)}/routings/{proposal_id}/status-line"
        return await self._post("routing", path, body)

    async def dialogue(self, city: str, proposal_id: UUID) -> JsonObject:
        """The dialogue log: notes, messages to the proposer and the proposer's answers."""
        return await self._get("routing", f"{_city(city)}/routings/{proposal_id}/dialogue")

    async def write_note(self, city: str, proposal_id: UUID, body: JsonObject) -> JsonObject:
        """An internal note: staff only, never shown to the proposer."""
        return await self._post("routing", f"{_city(city)}/routings/{proposal_id}/notes", body)

    async def message_proposer(self, city: str, proposal_id: UUID, body: JsonObject) -> JsonObject:
        """A message the proposer reads on the status page (and by e-mail)."""
        path = f"{_city(city)}/routings/{proposal_id}/messages"
        return await self._post("routing", path, body)

    async def department_inbox(
        self, city: str, department: str, *, limit: int, offset: int
    ) -> tuple[list[JsonObject], int]:
        path = f"{_city(city)}/departments/{department}/inbox"
        return await self._page("routing", path, {"limit": limit, "offset": offset})

    async def dashboard(self, city: str) -> JsonObject:
        return await self._get("routing", f"{_city(city)}/dashboard")

    async def overdue(self, city: str) -> list[JsonObject]:
        """The open routings a deadline has passed for, as routing knows them (at most
        MOST_LINES: more than that would be a desk to reorganise, not to filter)."""
        lines, _ = await self._page("routing", f"{_city(city)}/overdue", {"limit": MOST_LINES})
        return lines

    # -- decision: the assessment, the decision, the council --------------------------------

    async def decision(self, city: str, proposal_id: UUID) -> JsonObject | None:
        """The proposal's decision record, or None while decision has not heard of it."""
        return await self._maybe("decision", f"{_city(city)}/decisions/{proposal_id}")

    async def assess(self, city: str, inputs: JsonObject) -> JsonObject:
        return await self._post("decision", f"{_city(city)}/fairness/assess", inputs)

    async def decide(self, city: str, proposal_id: UUID, how: str, body: JsonObject) -> JsonObject:
        """`how`: adopt, reject or escalate."""
        return await self._post("decision", f"{_city(city)}/decisions/{proposal_id}/{how}", body)

    async def council_inbox(self, city: str) -> list[JsonObject]:
        return await self._every("decision", f"{_city(city)}/council/inbox")

    # -- publication: the case workflow ------------------------------------------------------

    async def cases(self, city: str) -> list[JsonObject]:
        return await self._every("publication", f"{_city(city)}/desk/cases")

    async def draft_case(self, city: str, body: JsonObject) -> JsonObject:
        return await self._post("publication", f"{_city(city)}/desk/cases", body)

    async def revise_case(self, city: str, case_id: UUID, body: JsonObject) -> JsonObject:
        """A draft changed (the proposer is consulted again on it)."""
        answer = await self._backends._call(
            "PUT",
            "publication",
            f"{_city(city)}/desk/cases/{case_id}",
            json=body,
            headers=self._headers,
        )
        found: JsonObject = answer.json()
        return found

    async def case_step(
        self, city: str, case_id: UUID, step: str, body: JsonObject | None
    ) -> JsonObject:
        """`step`: consultation, publication, correction (a published case's new version)
        or retraction."""
        return await self._post("publication", f"{_city(city)}/desk/cases/{case_id}/{step}", body)

    # -- implementation: the projects after adoption ------------------------------------------

    async def projects(self, city: str) -> list[JsonObject]:
        """The projects this person sees (a department its own), overdue verifications first."""
        return await self._list("implementation", f"{_city(city)}/projects")

    async def overdue_verifications(self, city: str) -> list[JsonObject]:
        return await self._list("implementation", f"{_city(city)}/projects/overdue-verifications")

    async def project(self, city: str, proposal_id: UUID) -> JsonObject | None:
        """The adopted proposal's project, or None where there is none for this person."""
        return await self._maybe("implementation", f"{_city(city)}/projects/{proposal_id}")

    async def project_step(
        self, city: str, proposal_id: UUID, step: str, body: JsonObject, *, method: str = "POST"
    ) -> JsonObject:
        """One step of the project (`step`: call, applicants, selection, agreement, start,
        milestones, experiment-steps, end, logic-model (PUT), kpis, measurements, verdict,
        close); implementation refuses what the project's route and state do not allow."""
        answer = await self._backends._call(
            method,
            "implementation",
            f"{_city(city)}/projects/{proposal_id}/{step}",
            json=body,
            headers=self._headers,
        )
        found: JsonObject = answer.json()
        return found

    # -- the calls ----------------------------------------------------------------------------

    async def _list(self, service: str, path: str) -> list[JsonObject]:
        """A whole list the service answers a page at a time."""
        return await self._every(service, path)

    async def _get(self, service: str, path: str) -> JsonObject:
        answer = await self._backends._call("GET", service, path, headers=self._headers)
        found: JsonObject = answer.json()
        return found

    async def _maybe(self, service: str, path: str) -> JsonObject | None:
        try:
            return await self._get(service, path)
        except Refused as refused:
            if refused.status_code == 404:
                return None
            raise

    async def _every(self, service: str, path: str) -> list[JsonObject]:
        return await self._backends._every_line(service, path, self._headers)

    async def _page(
        self, service: str, path: str, params: Mapping[str, str | int | list[str]]
    ) -> tuple[list[JsonObject], int]:
        answer = await self._backends._call(
            "GET", service, path, headers=self._headers, params=params
        )
        lines: list[JsonObject] = answer.json()
        return lines, int(answer.headers.get(TOTAL_HEADER, len(lines)))

    async def _post(self, service: str, path: str, body: JsonObject | None) -> JsonObject:
        answer = await self._backends._call("POST", service, path, json=body, headers=self._headers)
        found: JsonObject = answer.json()
        return found


def _city(city: str) -> str:
    return f"/api/v1/municipalities/{city}"


# What intake issues: Base64url of an HMAC-SHA256, unpadded (shared/status_tokens.py).
STATUS_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,128}")
NO_SUCH_PROPOSAL = [{"loc": ["path", "proposal_id"], "msg": "no such proposal"}]


def _status_token(token: str) -> dict[str, str]:
    """The header that shows the proposer's token. A token no desk could have issued (one
    outside ASCII from a typed or mangled link cannot even be sent in a header) is a wrong
    token: the services' answer to any wrong token, 404, without asking them."""
    if not STATUS_TOKEN.fullmatch(token):
        raise Refused(404, NO_SUCH_PROPOSAL)
    # In a header, not the query: the token stays out of the services' access logs.
    return {"X-Status-Token": token}


def _detail(answer: httpx.Response) -> list[dict[str, Any]]:
    try:
        body = answer.json()
    except ValueError:
        return []
    detail = body.get("detail") if isinstance(body, dict) else None
    if isinstance(detail, list):
        return [item for item in detail if isinstance(item, dict)]
    return [{"loc": [], "msg": str(detail)}] if detail else []


def client_lifespan() -> APIRouter:
    """A router whose lifespan opens the portal's HTTP client and closes it at the end."""

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        settings: PortalSettings = app.state.settings
        mounts: dict[str, httpx.AsyncBaseTransport] | None = getattr(
            app.state, "backend_mounts", None
        )
        async with httpx.AsyncClient(
            mounts=mounts, timeout=settings.portal_backend_timeout_seconds
        ) as client:
            app.state.backends = Backends(client, settings)
            yield

    return APIRouter(lifespan=lifespan)
