"""FastAPI dependencies of the publication service."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import Depends, Header, HTTPException, Query, Request

from services.publication.application import PublicationApplication
from shared.staff_auth import StaffDirectory, StaffToken, staff_dependency
from shared.status_tokens import StatusTokens


async def get_publication(request: Request) -> PublicationApplication:
    app: PublicationApplication = request.app.state.publication
    return app


def _staff_directory(request: Request) -> StaffDirectory:
    directory: StaffDirectory = request.app.state.staff
    return directory


Publication = Annotated[PublicationApplication, Depends(get_publication)]
DeskStaff = Annotated[StaffToken, Depends(staff_dependency(_staff_directory, "desk"))]


async def proposer_token(
    request: Request,
    proposal_id: UUID,
    token: Annotated[str | None, Query(description="Status token from the receipt")] = None,
    x_status_token: Annotated[str | None, Header(alias="X-Status-Token")] = None,
) -> UUID:
    """The proposal id, once the caller has shown the proposal's status token (the same
    token intake issued: both services share KYOSO_SECRET_KEY)."""
    tokens: StatusTokens = request.app.state.status_tokens
    presented = x_status_token or token
    if not presented:
        raise HTTPException(
            401,
            detail=[
                {"loc": ["query", "token"], "msg": "the status token from your receipt is required"}
            ],
        )
    if not tokens.verify(proposal_id, presented):
        raise HTTPException(
            404, detail=[{"loc": ["path", "proposal_id"], "msg": "no such proposal"}]
        )
    return proposal_id


ProposerAccess = Annotated[UUID, Depends(proposer_token)]
