"""Readiness: can this process serve requests now? Liveness stays ``/healthz`` in ``app.main`` (no database).

``/readyz`` needs no authentication, like ``/healthz``: a load balancer or orchestrator polls it to route traffic
away while the database is down, and back when it returns. It answers 503 ``database_unavailable`` (the same
problem, ``Retry-After`` included, that any request gets during an outage, see ``app.errors``) within the
connection and statement timeouts (``GONGKAI_DB_CONNECT_TIMEOUT``, ``GONGKAI_DB_STATEMENT_TIMEOUT``).
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from sqlalchemy import Engine, text

router = APIRouter(tags=["health"])


@router.get(
    "/readyz",
    responses={503: {"description": "The database is unreachable, full, read-only or overloaded"}},
)
def readyz(request: Request) -> dict[str, str]:
    """Readiness: no authentication; one round trip to the database."""
    engine: Engine = request.app.state.engine
    with engine.connect() as connection:
        connection.execute(text("SELECT 1"))
    return {"status": "ready", "database": "ok"}
