"""What the current unit of work is part of, for the records it leaves behind, without HTTP leaking into services.

The HTTP middleware (``app.main``) sets the request id of each request; the CLI sets ``cli``.
"""

from __future__ import annotations

from contextvars import ContextVar

request_id: ContextVar[str | None] = ContextVar("request_id", default=None)
