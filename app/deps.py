"""Dependencies shared by every router: settings, the request's unit of work, today's legal date; and the route
class of the API's routers and the web pages, which serves each request's database work in one worker thread.

A request's blocking work — identifying its caller (one read), the endpoint, the commit — runs in one hop to a worker
thread and back (:class:`UnitRoute`): FastAPI would otherwise hand a ``def`` dependency, a ``def`` endpoint, the
validation of its answer and the end of the unit of work to a worker thread each, four hops a request, each about as
much CPU as the endpoint's own work on a small request (issue #9). Dependencies that do no I/O are ``async def`` and
run on the event loop; one that must do I/O may return a :class:`Deferred` (``@deferring``), which the route resolves
in that thread where nothing but the endpoint would see it, and which is resolved at once everywhere else
(:func:`defer`). The answer is validated in the thread before the commit: an invalid answer rolls back its effect.
"""

from __future__ import annotations

import functools
import inspect
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Callable, Coroutine
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import date
from typing import Annotated, Any

from anyio import CancelScope
from fastapi import Depends, Header, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.dependencies.models import Dependant
from fastapi.exceptions import ResponseValidationError
from fastapi.routing import APIRoute
from sqlalchemy.orm import Session, sessionmaker

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


@dataclass
class Unit:
    """The request's unit of work: its session and whether ``app.idempotency`` lent it (and commits it itself)."""

    session: Session
    borrowed: bool
    ended: bool = False
    deferred: list[Deferred] = field(default_factory=list)
    """What the request's dependencies deferred to its worker thread (:func:`defer`), not yet resolved."""

    def end(self) -> None:
        """Commit and give the connection back; a borrowed unit is only flushed, so that commit-time errors reach
        the normal error handlers while the idempotency middleware commits it with the stored answer."""
        if self.borrowed:
            self.session.flush()
        else:
            end_unit(self.session, commit=True)
        self.ended = True

    def abandon(self) -> None:
        """Roll back and give the connection back (a borrowed unit: only roll back; the middleware closes it)."""
        if self.borrowed:
            self.session.rollback()
        else:
            end_unit(self.session, commit=False)
        self.ended = True


_unit: ContextVar[Unit | None] = ContextVar("gongkai_unit", default=None)
"""The unit of the request being served, for :class:`UnitRoute`'s worker thread (which runs in a copy of the
request's context)."""


async def get_session(request: Request) -> AsyncIterator[Session]:
    """One transaction per request: committed before the response is sent, by the endpoint's worker thread under
    :class:`UnitRoute` (else here, ``scope="function"``), rolled back on any error. A GET reads without queueing for
    SQLite's write lock.

    ``async`` although committing is I/O: opening a session does none, and the commit is the worker thread's."""
    borrowed: Session | None = request.scope.get(SESSION_SCOPE_KEY)
    read_only = request.method in ("GET", "HEAD")
    session = borrowed if borrowed is not None else begin_unit(request.app.state.session_factory, read_only=read_only)
    unit = Unit(session, borrowed=borrowed is not None, deferred=request.scope.get(DEFERRED_KEY, []))
    reset = _unit.set(unit)
    try:
        yield unit.session
    except BaseException:
        if not unit.ended:
            await _ended(unit.abandon)
        raise
    finally:
        _unit.reset(reset)
    if not unit.ended:
        await _ended(unit.end)


class Deferred(ABC):
    """What a dependency returns in place of a value that takes I/O to find (the caller's identity): resolved in the
    request's worker thread, with the request's session, before the endpoint runs (:class:`UnitRoute`)."""

    @abstractmethod
    def resolve(self, session: Session) -> object: ...


DEFERRED_KEY = "gongkai.deferred"
"""In the scope of a request whose :class:`UnitRoute` resolves deferred values in its worker thread: the list of
what its dependencies deferred (:func:`defer`) and the thread has not resolved yet."""


def deferring(dependency: Callable[..., Any]) -> Callable[..., Any]:
    """Mark ``dependency`` as one that may return a :class:`Deferred` (``current_principal``): a :class:`UnitRoute`
    lets it defer only where the deferred value reaches nothing but the endpoint (see :func:`_defers_safely`)."""
    dependency.__gongkai_deferring__ = True  # type: ignore[attr-defined]
    return dependency


def defer(request: Request, value: Deferred) -> bool:
    """Whether ``value`` will be resolved in the request's worker thread before the endpoint runs; if so it is
    registered with the request (``DEFERRED_KEY``). If not (a route that is not a :class:`UnitRoute`, an ``async``
    endpoint, the value needed by another dependency), the caller must resolve it now."""
    waiting: list[Deferred] | None = request.scope.get(DEFERRED_KEY)
    if waiting is None:
        return False
    waiting.append(value)
    return True


def _defers_safely(dependant: Dependant) -> bool:
    """Whether every deferring dependency of the endpoint is the endpoint's own (a parameter, or in its route's
    ``dependencies``), so that nothing but the endpoint, served after they are resolved, ever sees a deferred value."""

    def below(d: Dependant) -> bool:
        return any(getattr(s.call, "__gongkai_deferring__", False) or below(s) for s in d.dependencies)

    return not any(below(d) for d in dependant.dependencies)


def _served(route: UnitRoute, endpoint: Callable[..., Any], values: dict[str, Any]) -> Any:
    """In the worker thread: resolve what was deferred, run the endpoint, validate its answer, end the unit of work
    (only once the answer is known to be valid: an answer that fails validation rolls back with the effect)."""
    unit = _unit.get()
    if unit is not None and unit.deferred:
        waiting = list(unit.deferred)
        unit.deferred.clear()  # resolved here, whatever the outcome: never a second time (``UnitRoute``)
        resolved = {id(d): d.resolve(unit.session) for d in waiting}
        values = {k: resolved[id(v)] if isinstance(v, Deferred) else v for k, v in values.items()}
    result = endpoint(**values)
    answer = route.response_field
    if answer is not None and not isinstance(result, Response):
        result, errors = answer.validate(result, {}, loc=("response",))
        if errors:
            raise ResponseValidationError(errors=errors, body=result)
    if unit is not None and not unit.ended:
        unit.end()
    return result


def _one_hop(route: UnitRoute, endpoint: Callable[..., Any]) -> Callable[..., Any] | None:
    """``endpoint`` (a ``def``) as an ``async def`` of the same signature that does all its blocking work in one
    worker thread (:func:`_served`); None for an endpoint already on the event loop, or a stream FastAPI iterates
    itself. FastAPI reads the signature and the return type through ``__wrapped__``."""
    kinds = (inspect.iscoroutinefunction, inspect.isgeneratorfunction, inspect.isasyncgenfunction)
    if any(kind(endpoint) for kind in kinds):
        return None

    @functools.wraps(endpoint)
    async def served(**values: Any) -> Any:
        return await run_in_threadpool(_served, route, endpoint, values)

    return served


class UnitRoute(APIRoute):
    """The route class of every API router and of the web pages (``APIRouter(route_class=UnitRoute)``): see the
    module's docstring."""

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        served = _one_hop(self, endpoint)
        self.one_hop = served is not None
        super().__init__(path, served or endpoint, **kwargs)

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        """(Called by ``APIRoute.__init__`` once the route's dependencies are known.)"""
        handler = super().get_route_handler()
        if not (self.one_hop and _defers_safely(self.dependant)):
            return handler

        async def deferring_handler(request: Request) -> Response:
            waiting: list[Deferred] = []
            request.scope[DEFERRED_KEY] = waiting
            try:
                return await handler(request)
            except Exception:
                # Refused before its worker thread (a body that fails validation, a malformed If-Match): what was
                # deferred is resolved first, so that an invalid token gets 401, not a word about the rest.
                if waiting:
                    factory = request.app.state.session_factory
                    await run_in_threadpool(_resolve_apart, factory, waiting)
                raise

        return deferring_handler


def _resolve_apart(factory: sessionmaker[Session], waiting: list[Deferred]) -> None:
    """Resolve ``waiting`` in a read-only unit of work of its own (the request's may hold SQLite's write lock)."""
    session = begin_unit(factory, read_only=True)
    try:
        for deferred in waiting:
            deferred.resolve(session)
    finally:
        end_unit(session, commit=False)


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
