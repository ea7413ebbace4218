"""How many requests one process works on at once.

Each request that reaches the application holds a database connection from its first query to its commit, and runs
its synchronous work on AnyIO's worker threads (one hop for an API request, ``app.deps.UnitRoute``). Admitted without a
limit, a burst of 64 takes every worker thread; the threads then wait for one of the pool's connections, held by
requests that wait for a thread to run their next step: nothing moves until the pool's 30 s time-out (the collapse
of issue #9). So requests are admitted here, as asyncio tasks that hold no thread and no connection, at most
``db_pool_size`` at a time (the pool has a connection for each, the thread pool of 40 a thread), in arrival order; a
request that does not get its turn within ``busy_timeout`` is answered 503 with ``Retry-After`` instead of hanging.
``/healthz`` (no database) is never queued.
"""

from __future__ import annotations

import anyio
from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from app.db import Busy
from app.errors import handled

UNQUEUED = ("/healthz",)


class RequestSlots:
    """At most ``slots`` requests at once in this process; the rest wait their turn for up to ``timeout`` seconds."""

    def __init__(self, app: ASGIApp, slots: int, timeout: float) -> None:
        self.app = app
        self.limiter = anyio.CapacityLimiter(slots)
        self.timeout = timeout

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in UNQUEUED:
            await self.app(scope, receive, send)
            return
        # A token per request, not per task: the limiter refuses a second acquisition by the same task.
        borrower = object()
        admitted = False
        with anyio.move_on_after(self.timeout):
            await self.limiter.acquire_on_behalf_of(borrower)
            admitted = True
        if not admitted:
            busy = Busy(f"no request slot within {self.timeout} s")
            await (await handled(Request(scope), busy))(scope, receive, send)
            return
        try:
            await self.app(scope, receive, send)
        finally:
            self.limiter.release_on_behalf_of(borrower)
