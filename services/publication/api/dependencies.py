"""FastAPI dependencies of the publication service."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from services.publication.application import PublicationApplication

# Re-exported: the routers import every dependency from here.
from shared.staff_auth import DeskStaff
from shared.status_tokens import ProposerAccess


async def get_publication(request: Request) -> PublicationApplication:
    app: PublicationApplication = request.app.state.application
    return app


Publication = Annotated[PublicationApplication, Depends(get_publication)]

__all__ = ["DeskStaff", "ProposerAccess", "Publication"]
