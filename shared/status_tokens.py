"""The proposer's secret status token: an HMAC of the proposal id under the desk's key.

Nothing needs storing: the same proposal always gets the same token (so a retried
submission answers with the same link), and a token proves knowledge of the key.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
from datetime import datetime, timedelta
from typing import Annotated, Protocol
from uuid import UUID

from fastapi import Depends, Header, HTTPException, Query, Request
from pydantic import Field, field_validator

from shared.settings import SECRET, CommonSettings, key_from_setting_or_file


class StatusTokens:
    def __init__(self, secret_key: bytes) -> None:
        if len(secret_key) < 16:
            raise ValueError("the status-token key must be at least 16 bytes")
        self._key = secret_key

    def issue(self, proposal_id: UUID, generation: int = 0) -> str:
        """The token of the proposal's `generation`-th link: the desk re-issuing the link
        moves to the next generation, and the earlier tokens stop verifying. The first
        link (generation 0) is the plain HMAC of the id, as every link issued before
        re-issuing existed."""
        message = proposal_id.bytes + (generation.to_bytes(4, "big") if generation else b"")
        digest = hmac.new(self._key, message, hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()

    def verify(self, proposal_id: UUID, token: str, generation: int = 0) -> bool:
        # As bytes: a token with characters outside ASCII is simply wrong, not an error.
        return hmac.compare_digest(self.issue(proposal_id, generation).encode(), token.encode())


class KnowsStatusLinks(Protocol):
    """A service that checks proposers' tokens knows each proposal's current link, and
    when the proposal closed."""

    def status_link_generation(self, proposal_id: UUID) -> int: ...

    def closed_since(self, proposal_id: UUID) -> datetime | None: ...


async def proposer_access(
    request: Request,
    proposal_id: UUID,
    token: Annotated[str | None, Query(description="Status token from the receipt")] = None,
    x_status_token: Annotated[str | None, Header(alias="X-Status-Token")] = None,
) -> UUID:
    """The proposal id, once the caller has shown the proposal's status token (intake
    issues it; every service holding the same KYOSO_SECRET_KEY can check it)."""
    tokens: StatusTokens = request.app.state.status_tokens
    application: KnowsStatusLinks = request.app.state.application
    presented = x_status_token or token
    if not presented:
        raise HTTPException(
            401,
            detail=[
                {"loc": ["query", "token"], "msg": "the status token from your receipt is required"}
            ],
        )
    try:
        generation = await asyncio.to_thread(application.status_link_generation, proposal_id)
    except LookupError:
        generation = 0  # an unknown proposal: the token cannot verify, same answer below
    if not tokens.verify(proposal_id, presented, generation):
        # Same answer as for an unknown proposal: a wrong token learns nothing.
        raise HTTPException(
            404, detail=[{"loc": ["path", "proposal_id"], "msg": "no such proposal"}]
        )
    settings: StatusTokenSettings = request.app.state.settings
    days = settings.status_link_days_after_close
    closed = await asyncio.to_thread(application.closed_since, proposal_id) if days else None
    now: datetime = request.app.state.clock()  # the service's clock (tests move it)
    if closed is not None and now - closed > timedelta(days=days):
        raise HTTPException(
            410,
            detail=[
                {
                    "loc": ["query", "token"],
                    "msg": f"this status link expired {days} days after the proposal closed; "
                    "the desk can send a new one",
                }
            ],
        )
    return proposal_id


ProposerAccess = Annotated[UUID, Depends(proposer_access)]


class StatusTokenSettings(CommonSettings):
    """The key of the proposers' status tokens; intake issues them, publication checks
    them when a proposer objects to a case, so both services get the same key."""

    secret_key: str = Field(
        "",
        json_schema_extra=SECRET,
        description="Key for proposers' status tokens (at least 32 characters). Empty: a "
        "key is generated once into KYOSO_DATA_DIR/secret-key (fine for one machine).",
    )
    status_link_days_after_close: int = Field(
        365,
        ge=0,
        le=3650,
        description="A proposer's status link stops working this many days after the "
        "proposal closed (rejected, withdrawn, not implemented) with no news since; 0: never.",
    )

    @field_validator("secret_key")
    @classmethod
    def long_enough(cls, value: str) -> str:
        if value and len(value) < 32:
            raise ValueError("must be at least 32 characters")
        return value

    def status_key(self) -> bytes:
        return key_from_setting_or_file(
            self.secret_key, self.data_dir, "secret-key", "KYOSO_SECRET_KEY"
        )
