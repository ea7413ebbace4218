"""HTTP limits and headers that apply to every response: request body size, clean URLs, security headers."""

from __future__ import annotations

import re
import uuid

from starlette.datastructures import Headers, MutableHeaders
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app import context
from app.errors import problem, refusal
from app.inputs import human_size, plain_int, url_is_clean

DOCS_PATHS = ("/docs", "/redoc")
API_CSP = "default-src 'none'; frame-ancestors 'none'"
DOCS_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "font-src 'self' data:; connect-src 'self'; worker-src 'self' blob:; frame-ancestors 'none'"
)
"""Swagger UI and ReDoc from this server's copies (``app.web.apidocs``); both inject inline styles."""


def replaying(body: bytes, receive: Receive) -> Receive:
    """A ``receive`` that hands the already-read body to the application, then defers to the real one."""
    delivered = False

    async def receive_again() -> Message:
        nonlocal delivered
        if not delivered:
            delivered = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return receive_again


class CleanUrlMiddleware:
    """Refuse a path or query string holding control characters (``%00`` included) with 400, before any route sees
    it: PostgreSQL cannot even compare text with a NUL, and SQLite would store it (the same answer on both)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            raw_path = scope.get("raw_path") or scope["path"].encode()
            query = scope.get("query_string", b"")
            if not url_is_clean(raw_path.decode("latin-1") + "?" + query.decode("latin-1")):
                detail = "地址中含有控制字符（如 %00），请检查链接。"
                await refusal(Request(scope), 400, "control_character", detail)(scope, receive, send)
                return
        await self.app(scope, receive, send)


class BodyLimitMiddleware:
    """Refuse request bodies over ``max_bytes`` with 413, whether announced by ``Content-Length`` or streamed. File
    uploads (``multipart/form-data``) may reach ``upload_max_bytes``; their routes check each file's own limit."""

    def __init__(self, app: ASGIApp, max_bytes: int, upload_max_bytes: int | None = None) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.upload_max_bytes = max(upload_max_bytes or max_bytes, max_bytes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        upload = headers.get("content-type", "").lower().startswith("multipart/form-data")
        limit = self.upload_max_bytes if upload else self.max_bytes
        await self._limited(scope, receive, send, limit, headers.get("content-length"))

    async def _limited(self, scope: Scope, receive: Receive, send: Send, limit: int, length: str | None) -> None:
        declared = plain_int(length, 18) if length is not None else None
        too_large = declared is not None and declared > limit
        chunks: list[bytes] = []
        size = 0
        more = not too_large
        while more:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunks.append(message.get("body", b""))
            size += len(chunks[-1])
            more = message.get("more_body", False) and size <= limit
            too_large = size > limit
        if too_large:
            detail = f"请求内容过大：最多 {human_size(limit)}。"
            await refusal(Request(scope), 413, "payload_too_large", detail)(scope, receive, send)
            return
        await self.app(scope, replaying(b"".join(chunks), receive), send)


REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")
"""A caller's ``X-Request-ID`` that is kept: a UUID, a trace id. Anything else (markup, quotes, spaces, overlong) is
replaced by a new id, so that what the audit trail and the log record as a request's id is never a caller's text."""


class RequestIdMiddleware:
    """Every request gets an id (the caller's ``X-Request-ID`` if it is a plain id, or a new one): in
    ``request.state.request_id``, in ``app.context`` for the audit trail and the log, and in the response's
    ``X-Request-ID``. Plain ASGI, not ``BaseHTTPMiddleware``, which would run the rest of the application in a task
    of its own per request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = Headers(scope=scope).get("x-request-id")
        rid = given if given is not None and REQUEST_ID.fullmatch(given) else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = rid

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message)["X-Request-ID"] = rid
            await send(message)

        reset = context.request_id.set(rid)
        try:
            await self.app(scope, receive, send_with_id)
        finally:
            context.request_id.reset(reset)


class SecurityHeadersMiddleware:
    """The headers every response carries. A response that sets its own Content-Security-Policy keeps it."""

    def __init__(self, app: ASGIApp, *, hsts: bool) -> None:
        self.app = app
        self.hsts = hsts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("X-Content-Type-Options", "nosniff")
                headers.setdefault("X-Frame-Options", "DENY")
                headers.setdefault("Referrer-Policy", "no-referrer")
                headers.setdefault("Content-Security-Policy", DOCS_CSP if path.startswith(DOCS_PATHS) else API_CSP)
                if self.hsts:
                    headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
                if path.startswith("/api/"):
                    headers["Cache-Control"] = "no-store"
            await send(message)

        await self.app(scope, receive, send_with_headers)


class CorsMiddleware(CORSMiddleware):
    """Starlette's CORS, but a refused preflight is problem+json in Chinese (Starlette answers ``400 text/plain
    Disallowed CORS origin``); the allowed ones and every other request are Starlette's."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = Headers(scope=scope) if scope["type"] == "http" else Headers()
        if (
            scope["type"] == "http"
            and scope["method"] == "OPTIONS"
            and "origin" in headers
            and "access-control-request-method" in headers
            and (answer := self.preflight_response(request_headers=headers)).status_code == 400
        ):
            kept = {k: v for k, v in answer.headers.items() if k.lower().startswith(("access-control-", "vary"))}
            detail = (
                "跨域请求被拒绝：发起请求的网页来源（Origin）、请求方法或请求头不在本服务允许之列"
                "（允许的来源由 GONGKAI_CORS_ORIGINS 配置）。"
            )
            await problem(Request(scope), 400, "cors_refused", detail, headers=kept)(scope, receive, send)
            return
        await super().__call__(scope, receive, send)
