"""The HTTP edge every service shares: limits on what a request may cost, errors that
never send a large input back, and the headers that keep browsers safe.

- A request body above KYOSO_HTTP_MAX_BODY_BYTES answers 413; the service stops reading
  at the limit (or at once, when Content-Length says so), so a huge body costs nothing.
- A 422 names the field and says what is wrong, in the common error shape, without the
  input FastAPI would otherwise echo (a 50 MB string came back whole).
- The anonymous endpoints (submission, the proposer's own pages) answer 429 with
  Retry-After once one client address exceeds KYOSO_RATE_LIMIT_PER_MINUTE (after a burst
  of KYOSO_RATE_LIMIT_BURST).
- Every response carries a Content-Security-Policy, nosniff, frame denial and
  `Referrer-Policy: no-referrer` (the status link carries the proposer's token); what a
  proposer or staff member sees is `Cache-Control: no-store`.
"""

from __future__ import annotations

import base64
import hashlib
import ipaddress
import math
import re
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any
from urllib.parse import parse_qs, urlsplit

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.pages import layout_inline_styles
from shared.settings import CommonSettings
from shared.web import error


def guard_the_edge(app: FastAPI, settings: CommonSettings) -> None:
    """Install the edge on a service's app (call before the request metrics, so that
    they count the 413s and 429s too)."""
    app.add_exception_handler(RequestValidationError, answer_validation_problems)
    app.add_exception_handler(Exception, answer_internal_error)
    app.add_middleware(BodyLimit, max_bytes=settings.http_max_body_bytes)
    app.add_middleware(
        RateLimits,
        buckets=TokenBuckets(settings.rate_limit_per_minute, settings.rate_limit_burst),
    )
    app.add_middleware(
        SecurityHeaders, docs_paths=_docs_paths(app), page_policy=page_policy(settings)
    )


# -- errors ---------------------------------------------------------------------------

LONGEST_MESSAGE = 300  # characters; a message is a sentence, never a copy of the input


async def answer_validation_problems(request: Request, problem: Exception) -> Response:
    """FastAPI's own 422, in the common shape: where and what, not the input itself."""
    assert isinstance(problem, RequestValidationError)
    detail = [_problem_of(item) for item in problem.errors()]
    return JSONResponse(status_code=422, content={"detail": detail})


def _problem_of(item: Any) -> dict[str, Any]:
    """Where, what, and the kind of problem (pydantic's `type`, with its numeric limits in
    `ctx`), so a client such as the portal can word it for its reader; never the input."""
    answer: dict[str, Any] = {
        "loc": list(item["loc"]),
        "msg": _shortened(str(item["msg"])),
        "type": str(item["type"]),
    }
    limits = {
        key: value
        for key, value in (item.get("ctx") or {}).items()
        if isinstance(value, int | float) and not isinstance(value, bool)
    }
    if limits:
        answer["ctx"] = limits
    return answer


async def answer_internal_error(request: Request, problem: Exception) -> Response:
    # Starlette's outermost layer answers an unhandled error, outside every middleware:
    # the same plain answer as before, with the headers every response carries.
    return PlainTextResponse(
        "Internal Server Error", status_code=500, headers=dict(_protections(PAGE_POLICY))
    )


def _shortened(message: str) -> str:
    return message if len(message) <= LONGEST_MESSAGE else message[:LONGEST_MESSAGE] + "…"


# -- request bodies -------------------------------------------------------------------


class BodyTooLarge(HTTPException):
    """Raised from `receive` once the body passes the limit. An HTTPException, so that
    FastAPI's body reading lets it through (it turns any other error into a 400) and it
    is answered like any other."""

    def __init__(self, max_bytes: int) -> None:
        super().__init__(413, detail=[{"loc": ["body"], "msg": _too_large(max_bytes)}])


def _too_large(max_bytes: int) -> str:
    return f"the request body is larger than {max_bytes} bytes"


# The routes that carry the one attached proposal document (a PDF up to 10 MB): intake's
# upload, and the portal's proposal form that posts it with the form's other fields. Only
# these read more than KYOSO_HTTP_MAX_BODY_BYTES; 12 MiB leaves room for the form, and
# lets the portal itself answer a document of 10-12 MB on the page, in the page's
# language (a larger body is refused here, unread).
DOCUMENT_ROUTES = re.compile(r"^(/api/v1/municipalities/[^/]+/documents|/[^/]+/propose/[^/]+)/?$")
DOCUMENT_BODY_BYTES = 12 * 1024 * 1024


def body_limit_of(scope: Scope, max_bytes: int) -> int:
    if scope["method"] == "POST" and DOCUMENT_ROUTES.match(scope["path"]):
        return max(max_bytes, DOCUMENT_BODY_BYTES)
    return max_bytes


class BodyLimit:
    """Counts the bytes of a request body as they arrive; nothing is buffered here."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = body_limit_of(scope, self.max_bytes)
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            await self._refuse(scope, receive, send, limit)  # without reading a byte of it
            return
        received = 0
        started = False

        async def receive_counting() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        async def send_noting_start(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive_counting, send_noting_start)
        except BodyTooLarge:
            # Reached only when something read the body outside FastAPI's handlers.
            if started:
                raise
            await self._refuse(scope, receive, send, limit)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        await error(413, "body", _too_large(limit))(scope, receive, send)


def _content_length(scope: Scope) -> int | None:
    try:
        return int(Headers(scope=scope)["content-length"])
    except (KeyError, ValueError):
        return None


# -- rate limits on the anonymous endpoints ------------------------------------------

# What anyone may call without an account, by the path's shape: the submission (intake's
# API, and the portal's proposal forms, which post to intake from the portal's own
# address), and the proposer's pages behind the status token (intake's, publication's
# and the portal's alike).
SUBMISSION = re.compile(
    r"^(/api/v1/municipalities/[^/]+/proposals(/check)?|/[^/]+/propose/[^/]+(/submission)?)/?$"
)
# The upload of a proposal document: anonymous too, counted on its own (an upload before
# each submission must not use up the submissions' allowance).
DOCUMENT_UPLOAD = re.compile(r"^/api/v1/municipalities/[^/]+/documents/?$")
PROPOSER_PATHS = ("/api/v1/proposer/", "/status/")
# The portal's form asking for a lost status link again (it posts to intake's
# /api/v1/proposer/status-links from the portal's own address).
LOST_LINK = re.compile(r"^/[^/]+/status-link/?$")


# A company's response to a sounding or its question about one (intake's API, and the
# portal's forms that post them), counted on their own.
SOUNDING_ANSWER = re.compile(
    r"^(/api/v1/municipalities/[^/]+/soundings/[^/]+/(responses(/check)?|questions)"
    r"|/[^/]+/soundings/[^/]+/(respond(/submission)?|question))/?$"
)

# The portal's staff consoles: their forms are signed-in staff's (a session cookie).
STAFF_PAGES = "/staff"
WRITES = ("POST", "PUT", "PATCH", "DELETE")


def _anonymous_endpoint(scope: Scope) -> str | None:
    path: str = scope["path"]
    if scope["method"] == "POST" and SOUNDING_ANSWER.match(path):
        return "sounding"
    if scope["method"] == "POST" and SUBMISSION.match(path):
        return "submission"
    if scope["method"] == "POST" and DOCUMENT_UPLOAD.match(path):
        return "document"
    if path.startswith(PROPOSER_PATHS) or (scope["method"] == "POST" and LOST_LINK.match(path)):
        return "proposer"
    # Any other write by someone who shows no staff token (a sounding's response, a form
    # of the portal's public pages, whatever anonymous endpoint comes next) is counted
    # too; outside the consoles, whose forms the staff's session carries.
    if (
        scope["method"] in WRITES
        and path != STAFF_PAGES
        and not path.startswith(STAFF_PAGES + "/")
        and "authorization" not in Headers(scope=scope)
    ):
        return "anonymous"
    return None


class TokenBuckets:
    """One token bucket per key: `burst` requests at once, then `per_minute` a minute.
    Held in the process, so each replica counts on its own (a limit per replica)."""

    MOST_CLIENTS = 100_000  # the least recently seen is forgotten past this (full again)

    def __init__(
        self, per_minute: float, burst: int, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.per_second = per_minute / 60
        self.burst = burst
        self.clock = clock
        self._buckets: OrderedDict[Hashable, tuple[float, float]] = OrderedDict()

    def take(self, key: Hashable) -> float:
        """0.0 when the request may go ahead (it takes a token), else the seconds to wait."""
        if self.per_second <= 0:
            return 0.0
        now = self.clock()
        tokens, since = self._buckets.pop(key, (float(self.burst), now))
        tokens = min(float(self.burst), tokens + (now - since) * self.per_second)
        wait = 0.0
        if tokens >= 1:
            tokens -= 1
        else:
            wait = (1 - tokens) / self.per_second
        self._buckets[key] = (tokens, now)
        if len(self._buckets) > self.MOST_CLIENTS:
            self._buckets.popitem(last=False)
        return wait


def client_key(address: str) -> str:
    """Who a request comes from. An IPv6 host usually holds a whole /64, so that is one
    client; an IPv4 address is itself."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network(f"{ip}/64", strict=False))
    return str(ip)


class RateLimits:
    def __init__(self, app: ASGIApp, buckets: TokenBuckets) -> None:
        self.app = app
        self.buckets = buckets

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        endpoint = _anonymous_endpoint(scope) if scope["type"] == "http" else None
        if endpoint is not None:
            # The address uvicorn saw, or the one a trusted proxy forwarded
            # (uvicorn's FORWARDED_ALLOW_IPS names the proxies it trusts).
            client = scope.get("client")
            wait = self.buckets.take((endpoint, client_key(client[0] if client else "")))
            if wait > 0:
                seconds = math.ceil(wait)
                unit = "second" if seconds == 1 else "seconds"
                refusal = error(
                    429,
                    "client",
                    f"too many requests from your address; try again in {seconds} {unit}",
                )
                refusal.headers["Retry-After"] = str(seconds)
                await refusal(scope, receive, send)
                return
        await self.app(scope, receive, send)


# -- headers on every response --------------------------------------------------------


def sha256_source(text: str) -> str:
    """A CSP source allowing exactly this inline <style> or <script> text."""
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


# The pages use the layout's one inline <style> block and the service's own stylesheets
# and images, and post their forms (the portal's) to their own service. Scripts only from
# the service's own files, never inline (the portal's live assessment fetches its own
# page), no font, nothing from elsewhere. Everything else is denied, framing included.
PAGE_POLICY = "; ".join(
    [
        "default-src 'none'",
        "style-src 'self' " + " ".join(sha256_source(s) for s in layout_inline_styles()),
        "script-src 'self'",
        "connect-src 'self'",
        "img-src 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "form-action 'self'",
    ]
)


def page_policy(settings: CommonSettings) -> str:
    """The pages' policy. A service whose staff sign in at an OpenID Connect provider
    (the portal) also lets its forms lead there: signing out posts a form whose answer
    sends the browser on to the provider's end-session endpoint (RP-initiated logout), and
    browsers hold form-action to every redirect of a form's submission."""
    issuer = str(getattr(settings, "oidc_issuer", "") or "")
    parts = urlsplit(issuer)
    if not (parts.scheme in ("http", "https") and parts.netloc):
        return PAGE_POLICY
    return PAGE_POLICY.replace(
        "form-action 'self'", f"form-action 'self' {parts.scheme}://{parts.netloc}"
    )


# /docs (Swagger UI) and /redoc load their code from the CDN FastAPI names and fetch the
# service's /openapi.json; their one inline start-up script is allowed by its hash,
# computed from the page as it is sent. Nothing else runs there, and no one frames them.
SWAGGER_CDN = "https://cdn.jsdelivr.net"
DOCS_POLICY = "; ".join(
    [
        "default-src 'none'",
        f"script-src {SWAGGER_CDN}{{inline_scripts}}",
        f"style-src {SWAGGER_CDN} https://fonts.googleapis.com 'unsafe-inline'",
        "font-src https://fonts.gstatic.com",
        "img-src 'self' data: https://fastapi.tiangolo.com https://cdn.redoc.ly",
        "connect-src 'self'",
        "worker-src blob:",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "form-action 'none'",
    ]
)
INLINE_SCRIPT = re.compile(rb"<script>(.*?)</script>", flags=re.S)


def _protections(policy: str) -> list[tuple[str, str]]:
    return [
        ("Content-Security-Policy", policy),
        ("X-Content-Type-Options", "nosniff"),
        ("X-Frame-Options", "DENY"),
        # The status link carries the proposer's token: no page tells another site.
        ("Referrer-Policy", "no-referrer"),
    ]


def _docs_paths(app: FastAPI) -> frozenset[str]:
    paths = (app.docs_url, app.swagger_ui_oauth2_redirect_url, app.redoc_url)
    return frozenset(p for p in paths if p)


def _private(scope: Scope) -> bool:
    """A proposer's or a staff member's request: what it answers is theirs alone."""
    if _anonymous_endpoint(scope) is not None:  # the receipt carries the status token too
        return True
    path: str = scope["path"]
    if path == STAFF_PAGES or path.startswith(STAFF_PAGES + "/"):
        return True  # the portal's consoles: signed-in staff's, by a session cookie
    headers = Headers(scope=scope)
    if "authorization" in headers or "x-status-token" in headers:
        return True
    return "token" in parse_qs(scope.get("query_string", b"").decode("latin-1"))


class SecurityHeaders:
    def __init__(
        self, app: ASGIApp, docs_paths: frozenset[str], page_policy: str = PAGE_POLICY
    ) -> None:
        self.app = app
        self.docs_paths = docs_paths
        self.page_policy = page_policy

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        private = _private(scope)
        if scope["path"] in self.docs_paths:
            await self.app(scope, receive, _DocsPage(send, private))
            return

        async def send_protected(message: Message) -> None:
            if message["type"] == "http.response.start":
                _protect(message, self.page_policy, private)
            await send(message)

        await self.app(scope, receive, send_protected)


def _protect(start: Message, policy: str, private: bool) -> None:
    headers = MutableHeaders(scope=start)
    for name, value in _protections(policy):
        headers[name] = value
    if private:
        headers["Cache-Control"] = "no-store"


class _DocsPage:
    """Holds a docs page (a few kB) until its end, to allow its inline scripts by hash."""

    def __init__(self, send: Send, private: bool) -> None:
        self.send = send
        self.private = private
        self.start: Message | None = None
        self.body: list[bytes] = []

    async def __call__(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.start = message
            return
        if message["type"] != "http.response.body" or self.start is None:
            await self.send(message)
            return
        self.body.append(message.get("body", b""))
        if message.get("more_body", False):
            return
        page = b"".join(self.body)
        scripts = "".join(" " + sha256_source(s.decode()) for s in INLINE_SCRIPT.findall(page))
        _protect(self.start, DOCS_POLICY.format(inline_scripts=scripts), self.private)
        await self.send(self.start)
        await self.send({"type": "http.response.body", "body": page})
