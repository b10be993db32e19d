"""What every service's HTTP surface shares: health, readiness, metrics and error shape.

Errors always answer `{"detail": [{"loc": [...], "msg": "...", "type": "..."}]}`, the
shape FastAPI uses for its own 422s, so a client reads every 4xx the same way; the
domain's refusals name their `type` (shared.errors), which a client may word itself.
"""

from __future__ import annotations

import hmac
import time
from collections.abc import Awaitable, Callable

from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, Counter, Histogram, generate_latest
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.errors import DomainError, InvalidValue, NotFound, NotYetHeard, StateConflict

REQUESTS = Counter("kyoso_http_requests_total", "HTTP requests", ["service", "method", "status"])
LATENCY = Histogram("kyoso_http_request_seconds", "HTTP request latency", ["service"])

ReadinessCheck = Callable[[], Awaitable[str | None]]  # None when ready, else the reason


def error(
    status_code: int,
    field: str | list[str],
    message: str,
    kind: str | None = None,
    values: dict[str, str] | None = None,
) -> JSONResponse:
    loc = field if isinstance(field, list) else [field]
    item: dict[str, object] = {"loc": loc, "msg": message}
    if kind is not None:
        item["type"] = kind
    if values:
        item["ctx"] = values
    return JSONResponse(status_code=status_code, content={"detail": [item]})


# The one place a domain refusal becomes an HTTP status.
STATUS_OF_DOMAIN_ERROR: dict[type[DomainError], int] = {InvalidValue: 422, StateConflict: 409}


def answer_domain_errors(app: FastAPI) -> None:
    """Answer the domain's refusals in the common error shape."""

    @app.exception_handler(NotFound)
    async def not_found(request: Request, problem: NotFound) -> JSONResponse:
        return error(404, problem.loc, str(problem), problem.code)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, problem: StarletteHTTPException) -> JSONResponse:
        # The framework's own refusals (a body that is not UTF-8: 400) carry a plain
        # string; ours already carry the common shape.
        detail: object = problem.detail
        if isinstance(detail, str):
            detail = [{"loc": ["body"] if problem.status_code == 400 else [], "msg": detail}]
        return JSONResponse(
            status_code=problem.status_code,
            content={"detail": detail},
            headers=getattr(problem, "headers", None),
        )

    @app.exception_handler(DomainError)
    async def refused(request: Request, problem: DomainError) -> JSONResponse:
        kinds = type(problem).__mro__
        status = next(
            (STATUS_OF_DOMAIN_ERROR[k] for k in kinds if k in STATUS_OF_DOMAIN_ERROR), 400
        )
        answer = error(status, problem.loc, problem.reason, problem.code, problem.values)
        if isinstance(problem, NotYetHeard):
            answer.headers["Retry-After"] = str(problem.retry_after_seconds)
        return answer


def health_router(readiness: ReadinessCheck) -> APIRouter:
    router = APIRouter(tags=["operations"])

    @router.get("/healthz", summary="Liveness: the process answers")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @router.get("/readyz", summary="Readiness: the store and the broker can be used")
    async def readyz() -> JSONResponse:
        problem = await readiness()
        if problem is not None:
            return JSONResponse(
                status_code=503, content={"status": "unavailable", "reason": problem}
            )
        return JSONResponse(content={"status": "ready"})

    @router.get("/metrics", summary="Prometheus metrics", include_in_schema=False)
    async def metrics(request: Request) -> Response:
        # Open unless KYOSO_METRICS_TOKEN is set: then only Prometheus, with the token.
        expected: str = getattr(request.app.state.settings, "metrics_token", "")
        if expected and not _bearer_is(request, expected):
            return JSONResponse(
                status_code=401,
                content={
                    "detail": [
                        {"loc": ["header", "Authorization"], "msg": "the metrics token is required"}
                    ]
                },
                headers={"WWW-Authenticate": "Bearer"},
            )
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    return router


def _bearer_is(request: Request, expected: str) -> bool:
    scheme, _, presented = request.headers.get("authorization", "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(
        presented.strip().encode(), expected.encode()
    )


def add_request_metrics(app: FastAPI, service: str) -> None:
    """Count requests and time them; a plain ASGI middleware, cheap on the hot path."""
    app.add_middleware(RequestMetrics, service=service)


class RequestMetrics:
    def __init__(self, app: ASGIApp, service: str) -> None:
        self.app = app
        self.latency = LATENCY.labels(service)
        self.service = service

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = "500"

        async def send_and_note_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = str(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_and_note_status)
        finally:
            self.latency.observe(time.perf_counter() - started)
            REQUESTS.labels(self.service, scope["method"], status).inc()
