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
from collections.abc import AsyncIterator
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


class Backends:
    def __init__(self, client: httpx.AsyncClient, settings: PortalSettings) -> None:
        self._client = client
        self._base = {
            "intake": settings.intake_url.rstrip("/"),
            "routing": settings.routing_url.rstrip("/"),
            "publication": settings.publication_url.rstrip("/"),
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

    # -- the calls ------------------------------------------------------------------------

    async def _list(self, model: type[M], service: str, path: str) -> list[M]:
        answer = await self._call("GET", service, path)
        return TypeAdapter(list[model]).validate_python(answer.json())  # type: ignore[valid-type]

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
        files: dict[str, tuple[str, bytes, str]] | None = None,
    ) -> httpx.Response:
        try:
            answer = await self._client.request(
                method, f"{self._base[service]}{path}", json=json, headers=headers, files=files
            )
        except httpx.HTTPError as problem:
            raise ServiceUnavailable(service, type(problem).__name__) from problem
        if answer.status_code >= 500:
            raise ServiceUnavailable(service, f"HTTP {answer.status_code}")
        if answer.status_code >= 400:
            raise Refused(answer.status_code, _detail(answer))
        return answer


def _status_token(token: str) -> dict[str, str]:
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
