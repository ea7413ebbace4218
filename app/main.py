"""The application factory. Nothing is built at import: settings, engine and sessions come from ``create_app``."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from app import errors
from app.agency.router import router as agency_router
from app.audit.router import router as audit_router
from app.auth.dependencies import carried_credential, identified
from app.auth.router import router as auth_router
from app.auth.router import tokens_router
from app.case.router import router as case_router
from app.concurrency import RequestSlots
from app.db import make_engine, make_session_factory
from app.document.router import router as document_router
from app.health import router as health_router
from app.holiday.router import router as calendar_router
from app.idempotency import IdempotencyMiddleware
from app.meta.router import router as meta_router
from app.middleware import (
    BodyLimitMiddleware,
    CleanUrlMiddleware,
    CorsMiddleware,
    RequestIdMiddleware,
    SecurityHeadersMiddleware,
)
from app.overdue.router import router as overdue_router
from app.report.router import router as report_router
from app.settings import Settings
from app.user.router import account_router
from app.user.router import router as user_router
from app.web import router as web
from app.webhook.router import router as webhook_router

API_PREFIX = "/api/v1"
API_ROUTERS = (
    case_router,
    calendar_router,
    meta_router,
    agency_router,
    auth_router,
    tokens_router,
    user_router,
    audit_router,
    overdue_router,
    webhook_router,
    report_router,
    document_router,
    account_router,
)
"""The features' routers, each with ``route_class=UnitRoute`` (``app.deps``)."""

DESCRIPTION = """
Case tracker for government information-disclosure applications (政府信息公开申请) under the Regulations on Open
Government Information (国务院令第711号).

* Every endpoint except `/healthz`, `/readyz` and `/api/v1/auth/login` needs `Authorization: Bearer <token>`
  (systems) or the session cookie from `POST /api/v1/auth/login` plus `X-CSRF-Token` on writes (people).
* Errors are RFC 9457 `application/problem+json` with a stable `code` and a `detail` a clerk can act on.
* Legal dates are days in the agency's time zone (`Asia/Shanghai`); deadlines count Chinese working days.
"""


def serve_database(app: FastAPI, settings: Settings) -> None:
    """The settings the app's requests read and the database they use (engine and sessions)."""
    app.state.settings = settings
    app.state.engine = make_engine(settings)
    app.state.session_factory = make_session_factory(app.state.engine, settings.keyring)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # What exists once the app has started (modules, routes, schemas, the engine: ~200,000 objects) lives as long
        # as the process. Frozen, the cyclic garbage collector stops scanning it: a full collection otherwise stopped
        # every request of the process for ~130 ms (issue #9). Freezing is a list splice (µs); no collection first:
        # a started app holds next to no garbage (33 unreachable objects), and one would cost ~130 ms per start.
        # Process-wide: one app per process (tests that start two at once unfreeze the first's objects early).
        gc.freeze()
        try:
            yield
        finally:
            gc.unfreeze()
            app.state.engine.dispose()

    app = FastAPI(
        title="gongkai 公开",
        version="1.0.0",
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,  # served from the package's own copies by app.web.apidocs (no CDN)
        redoc_url=None,
    )
    serve_database(app, settings)
    errors.install(app)
    app.add_middleware(
        IdempotencyMiddleware, prefix=API_PREFIX + "/", identified=identified, credential=carried_credential
    )
    # A request takes one of the process's slots only once its body is read (and within its limit): a client that
    # trickles its body (eight of them, say) holds a connection and a coroutine, never a slot others wait for.
    app.add_middleware(RequestSlots, slots=settings.db_pool_size, timeout=settings.busy_timeout)
    app.add_middleware(
        BodyLimitMiddleware, max_bytes=settings.max_body_bytes, upload_max_bytes=settings.max_file_bytes + 64 * 1024
    )
    app.add_middleware(CleanUrlMiddleware)

    app.add_middleware(RequestIdMiddleware)
    app.add_middleware(
        CorsMiddleware,
        allow_origins=settings.cors_origin_list,
        allow_methods=["GET", "POST", "PUT", "DELETE"],
        allow_headers=["Authorization", "Content-Type", "Idempotency-Key", "If-Match", "X-CSRF-Token", "X-Request-ID"],
        expose_headers=["ETag", "Location", "Idempotent-Replayed", "X-Request-ID"],
    )
    app.add_middleware(SecurityHeadersMiddleware, hsts=settings.secure_cookies)

    @app.get("/healthz", tags=["health"])
    def healthz() -> dict[str, str]:
        """Liveness: no authentication, no database."""
        return {"status": "ok"}

    app.include_router(health_router)
    # Each feature's router straight under the application, not under one ``/api/v1`` router: FastAPI matches a
    # request level by level and again when it hands it down, so a level less is measurably less per request.
    for router in API_ROUTERS:
        app.include_router(router, prefix=API_PREFIX)
    web.install(app)
    return app
