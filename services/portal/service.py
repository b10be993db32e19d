"""The public portal, declared: the desks' pages for the public and for proposers
(ポータル). It keeps no events; it calls intake, routing and publication over HTTP."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import FastAPI, Request, Response
from fastapi.responses import RedirectResponse

from services.portal.api import (
    audit_console,
    council_console,
    department_console,
    desk_console,
    projects_console,
    proposer,
    proposing,
    public,
    staff_sign_in,
)
from services.portal.application import SERVICE, PortalApplication
from services.portal.backends import client_lifespan
from services.portal.settings import PortalSettings
from services.portal.staff_session import SignInRequired, StaffSessions
from shared.csrf import CsrfTokens
from shared.declaration import ServiceDeclaration


def _publishes_nothing(domain_event: Any) -> None:
    return None


def _no_proposal_aggregate(proposal_id: UUID) -> UUID:
    # The portal's store never holds a proposal's events (it holds none at all).
    return proposal_id


def _on_start(app: FastAPI, settings: PortalSettings, portal: PortalApplication) -> None:
    app.state.csrf = CsrfTokens(settings.csrf_key())
    app.state.staff_sessions = StaffSessions(settings.session_key())
    app.state.staff_verifier = staff_sign_in.verifier_for(settings)


def _to_the_sign_in(request: Request, required: SignInRequired) -> Response:
    # A console page asked for by someone not (or no longer) signed in: sign in, then back.
    return RedirectResponse(required.sign_in_url, status_code=303)


PORTAL = ServiceDeclaration(
    name=SERVICE,
    title="Kyoso Desk — portal 共創窓口 ポータル",
    description="提案の窓口、テーマ、提案受付状況、事例。The public portal of the desks.",
    settings=PortalSettings,
    port_setting="portal_port",
    application=PortalApplication,
    publishes=_publishes_nothing,
    proposal_aggregate=_no_proposal_aggregate,
    # The proposer's and the proposing pages come before the public ones, whose
    # `/{city}/…` addresses would otherwise also match `/status/…`.
    routers=[
        client_lifespan(),
        staff_sign_in.router,  # /staff/… before the public `/{city}/…` addresses
        # The staff consoles' addresses all start /staff/ too.
        projects_console.router,  # /staff/{role}/projects…
        desk_console.router,
        department_console.router,
        council_console.router,
        audit_console.router,
        proposer.router,
        proposing.router,
        public.router,
    ],
    on_start=_on_start,
    exception_handlers={SignInRequired: _to_the_sign_in},
)
