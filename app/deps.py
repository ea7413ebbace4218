"""Dependencies shared by every router: settings, the request's unit of work, today's legal date.

Those that do no I/O are ``async def``: FastAPI then runs them on the event loop instead of handing each to a worker
thread and back (a thread hop per dependency per request, measurable under load; issue #9). The unit of work is
``async`` too and sends only its end to a thread (:func:`get_session`)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import date
from typing import Annotated

from anyio import CancelScope
from fastapi import Depends, Header, Request
from fastapi.concurrency import run_in_threadpool
from sqlalchemy.orm import Session

from app import clock
from app.db import begin_unit, end_unit
from app.errors import ApiError
from app.idempotency import SESSION_SCOPE_KEY
from app.inputs import plain_int
from app.settings import Settings


async def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def _ended(end: Callable[..., None], *args: object, **kwargs: object) -> None:
    """Run ``end`` (a commit, rollback or flush) on a worker thread, shielded from cancellation: a unit of work is
    always ended, its connection (and SQLite's write lock) always given back."""
    with CancelScope(shield=True):
        await run_in_threadpool(end, *args, **kwargs)


async def get_session(request: Request) -> AsyncIterator[Session]:
    """One transaction per request: committed before the response is sent (``scope="function"``), rolled back on
    any error. A GET reads without queueing for SQLite's write lock.

    ``async`` although committing is I/O: opening a session does none, so only the end of the unit of work goes to a
    worker thread (a ``def`` generator would cost a thread hop more per request, for its start)."""
    borrowed: Session | None = request.scope.get(SESSION_SCOPE_KEY)
    if borrowed is not None:
        # A POST with an Idempotency-Key: ``app.idempotency`` owns this unit of work and commits it together with
        # the stored response. Flushing here lets commit-time errors reach the normal error handlers.
        try:
            yield borrowed
            await _ended(borrowed.flush)
        except BaseException:
            await _ended(borrowed.rollback)
            raise
        return
    session = begin_unit(request.app.state.session_factory, read_only=request.method in ("GET", "HEAD"))
    try:
        yield session
    except BaseException:
        await _ended(end_unit, session, commit=False)
        raise
    await _ended(end_unit, session, commit=True)


async def get_today(settings: Annotated[Settings, Depends(get_settings)]) -> date:
    return clock.today(settings.tz)


async def get_if_match(
    if_match: Annotated[
        str | None, Header(description='The `ETag` of the version you acted on, e.g. `"3"`; stale → 412')
    ] = None,
) -> int | None:
    """The version the client last saw (optimistic concurrency); None when absent or ``*``."""
    if if_match is None or if_match.strip() == "*":
        return None
    version = plain_int(if_match.strip().removeprefix("W/").strip('"'), 18)
    if version is None:
        raise ApiError(412, "precondition_failed", 'If-Match 应为之前响应中的 ETag，例如 "3"。')
    return version


SessionDep = Annotated[Session, Depends(get_session, scope="function")]
SettingsDep = Annotated[Settings, Depends(get_settings)]
TodayDep = Annotated[date, Depends(get_today)]
IfMatchDep = Annotated[int | None, Depends(get_if_match)]


def client_address(request: Request) -> str:
    """The caller's address as the server saw it. Behind a reverse proxy, start uvicorn with ``--proxy-headers`` and
    ``--forwarded-allow-ips`` so that this is the browser's address, not the proxy's."""
    return request.client.host if request.client else "unknown"
