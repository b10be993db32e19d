"""What every service's HTTP surface shares: health, readiness, metrics and error shape.

Errors always answer `{"detail": [{"loc": [...], "msg": "..."}]}`, the shape FastAPI uses
for its own 422s, so a client reads every 4xx the same way.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, Counter, Histogram, generate_latest

REQUESTS = Counter("kyoso_http_requests_total", "HTTP requests", ["service", "method", "status"])
LATENCY = Histogram("kyoso_http_request_seconds", "HTTP request latency", ["service"])

ReadinessCheck = Callable[[], Awaitable[str | None]]  # None when ready, else the reason


def error(status_code: int, field: str | list[str], message: str) -> JSONResponse:
    loc = field if isinstance(field, list) else [field]
    return JSONResponse(status_code=status_code, content={"detail": [{"loc": loc, "msg": message}]})


def health_router(readiness: ReadinessCheck) -> APIRouter:
    router = APIRouter(tags=["operations"])

    @router.get("/healthz", summary="Liveness: the process answers")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @router.get("/readyz", summary="Readiness: the store and the broker can be used")
    async def readyz() -> JSONResponse:
        problem = await readiness()
        if problem is not None:
            return JSONResponse(status_code=503, content={"status": "unavailable", "reason": problem})
        return JSONResponse(content={"status": "ready"})

    @router.get("/metrics", summary="Prometheus metrics", include_in_schema=False)
    async def metrics() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    return router


def add_request_metrics(app: FastAPI, service: str) -> None:
    @app.middleware("http")
    async def measure(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        started = time.perf_counter()
        response = await call_next(request)
        LATENCY.labels(service).observe(time.perf_counter() - started)
        REQUESTS.labels(service, request.method, str(response.status_code)).inc()
        return response
