"""``Idempotency-Key`` on every POST under ``/api/v1``: a retried POST gets the first answer again, never a second
effect. One ASGI middleware, installed by ``app.main``.

* Scope: a key belongs to the caller, identified by the SHA-256 of the credential the request is identified by (its
  bearer token, else its session cookie: ``credential``, given by ``app.main``); requests without one are not
  tracked.
* Same key, same request (SHA-256 of method, path and body) → the stored response: same status, body, ``Location``
  and ``ETag``, plus ``Idempotent-Replayed: true``. Same key, different request → 422 ``idempotency_key_reused``.
* The key row is inserted before the endpoint runs and completed with the response in the same transaction as the
  POST's effect (the endpoint borrows this middleware's session, see ``app.deps.get_session``), committed before the
  response leaves. A concurrent duplicate blocks on the key's unique index (PostgreSQL) or the write lock (SQLite)
  until the first commits, then replays its answer. Only 2xx answers are stored: an error rolls back the key with
  the effect, so a retry runs again.
* A stored answer is replayed only to a caller whose credential is still valid now (design mistake 8): a revoked
  token or an ended session gets the endpoint's own 401, never the first answer. The check is the API's own
  (``identified``, given by ``app.main``). And only under the grant it was made under (``Principal.grant``): a user
  whose roles changed since (demoted, removed from the agency) gets 409 ``idempotent_grant_changed`` with the
  ``Location``, not an answer their old role could see (personal numbers unmasked, another agency's case).
* An answer carrying a secret (a new token, a webhook's signing secret) says ``Cache-Control: no-store`` and is not
  kept: only its status and ``Location`` are, so a retry still has no second effect; it answers 409
  ``idempotent_answer_not_kept`` with that ``Location`` instead of the secret.
* Keys expire after ``KEY_TTL`` (24 hours): an expired key is ignored and replaced on use; ``gongkai idempotency
  purge`` deletes all expired keys.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, cast

from anyio import to_thread
from sqlalchemy import Row, Table, bindparam, delete, select, update
from sqlalchemy.orm import Session, sessionmaker
from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.auth.principal import Principal
from app.clock import utcnow
from app.db import dialect_insert
from app.errors import handled, problem
from app.middleware import replaying
from app.models import IdempotencyKey

KEY_TTL = timedelta(hours=24)
MAX_KEY_LENGTH = 200
UNTRACKED = frozenset({"auth/login"})
"""POSTs under the prefix that are never tracked: signing in has no effect to repeat, its answer carries a secret
(the session), and it counts the attempt in a unit of work of its own."""
SESSION_SCOPE_KEY = "gongkai.idempotent_session"
"""Where the middleware leaves the request's session for ``get_session`` to borrow."""


def _sha256(*parts: bytes) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(hashlib.sha256(part).digest())
    return digest.hexdigest()


def _request_hash(scope: Scope, body: bytes) -> str:
    """What makes two POSTs the same request: the path, the query string (``?agency=`` chooses whose report is
    published) and the body. A request without a query string hashes as before the query string counted, so that
    keys stored by an earlier version still match their retries."""
    query: bytes = scope.get("query_string", b"")
    return _sha256(b"POST", scope["path"].encode(), body, *([b"?" + query] if query else []))


# Built once (every keyed POST runs them). The key row is read and written by statement, never as an ORM object: a
# row read back is a plain ``Row``, which the session's rollback before a replay does not expire (an expired object
# would reload itself on the event loop, taking SQLite's write lock there).
_KEYS = cast(Table, IdempotencyKey.__table__)
_KEY = (_KEYS.c.caller == bindparam("claim_caller")) & (_KEYS.c.key == bindparam("claim_key"))
_FIND = select(_KEYS).where(_KEY)
_COMPLETE = (
    update(_KEYS)
    .where(_KEY)
    .values(
        grant_hash=bindparam("answer_grant"),
        status=bindparam("answer_status"),
        body=bindparam("answer_body"),
        content_type=bindparam("answer_content_type"),
        location=bindparam("answer_location"),
        etag=bindparam("answer_etag"),
    )
)

Claim = dict[str, Any]
"""The key row a request claims: the columns of ``IdempotencyKey`` but the answer's."""
Stored = Row[Any]
"""A key row as read back: its claim and, once completed, its answer."""


def _key(claim: Claim) -> dict[str, str]:
    return {"claim_caller": claim["caller"], "claim_key": claim["key"]}


def _find(session: Session, claim: Claim) -> Stored | None:
    return session.execute(_FIND, _key(claim)).one_or_none()


def _claim(session: Session, claim: Claim) -> Stored | None:
    """Insert the key, or return the live answer already stored under it. ``INSERT … ON CONFLICT DO NOTHING``: a
    concurrent request with the same key waits on the unique index (PostgreSQL) or the write lock (SQLite) until the
    first commits, inserts nothing and reads the first's answer; if the first rolled back, it inserts its own."""
    existing = _find(session, claim)
    if existing is not None:
        if existing.created_at > claim["created_at"] - KEY_TTL:
            return existing
        session.execute(delete(_KEYS).where(_KEYS.c.id == existing.id))
    inserted = dialect_insert(session)(_KEYS).values(claim).on_conflict_do_nothing().returning(_KEYS.c.id)
    if session.execute(inserted).first() is not None:
        return None
    return _find(session, claim)


FORM_TOKEN = re.compile(r"[A-Za-z0-9_-]{16,64}")
"""A web form's one-time token (:func:`new_form_token`) as it must come back."""


def new_form_token() -> str:
    """The one-time token a form that creates something carries, so that submitting it twice (a double click, the
    browser's resubmission) creates it once: :func:`form_submitted` and :func:`form_answered`."""
    return secrets.token_urlsafe(24)


def _form_claim(actor: str, token: str, path: str) -> Claim:
    caller = _sha256(b"form", actor.encode())  # never a credential's hash, so never an API key's caller
    return {
        "caller": caller,
        "key": token,
        "method": "POST",
        "path": path,
        "request_hash": _sha256(b"form", token.encode()),
        "created_at": utcnow(),
    }


def form_submitted(session: Session, actor: str, token: str, path: str) -> str | None:
    """In the unit of work that acts on a form: claim its token for ``actor``. The first submission gets None (then
    :func:`form_answered` once done); a repeat waits for the first to commit (the key's unique index, as for the API)
    and gets the page the first went to. A form without a well-formed token (a page from before tokens) is not
    tracked."""
    if not FORM_TOKEN.fullmatch(token):
        return None
    stored = _claim(session, _form_claim(actor, token, path))
    return None if stored is None else stored.location or path


def form_answered(session: Session, actor: str, token: str, path: str, location: str) -> None:
    """Keep where the first submission of the form went, with its effect (same transaction)."""
    if FORM_TOKEN.fullmatch(token):
        _store_answer(session, _form_claim(actor, token, path), 303, location)


def purge_expired(session: Session) -> int:
    """Delete every key older than ``KEY_TTL``; returns how many."""
    result = session.execute(delete(IdempotencyKey).where(IdempotencyKey.created_at <= utcnow() - KEY_TTL))
    return int(getattr(result, "rowcount", 0) or 0)


@dataclass
class _Captured:
    messages: list[Message] = field(default_factory=list)
    status: int = 500
    headers: Headers = field(default_factory=Headers)

    async def send(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.status = message["status"]
            self.headers = Headers(raw=message.get("headers", []))
        self.messages.append(message)

    @property
    def body(self) -> bytes:
        return b"".join(m.get("body", b"") for m in self.messages if m["type"] == "http.response.body")


def _headers(row: Stored) -> dict[str, str]:
    return {"Idempotent-Replayed": "true", **({"Location": row.location} if row.location else {})}


def _not_replayed(request: Request, row: Stored, code: str, why: str, where: str) -> Response:
    """409 in place of a stored answer that may not be given again, with the ``Location`` of what it made."""
    detail = f"该请求已执行成功（HTTP {row.status}），但{why}；请到 Location 所指的资源{where}。"
    return problem(request, 409, code, detail, headers=_headers(row))


def _replay(request: Request, row: Stored) -> Response:
    if row.body is None:
        why, where = "其答复含有密钥，未予保存，不能重放", "查看结果，如需新的密钥请另行创建或轮换"
        return _not_replayed(request, row, "idempotent_answer_not_kept", why, where)
    headers = _headers(row)
    if row.etag:
        headers["ETag"] = row.etag
    return Response(row.body, status_code=row.status or 200, headers=headers, media_type=row.content_type)


def _store_answer(
    session: Session,
    claim: Claim,
    status: int,
    location: str | None,
    *,
    grant: str | None = None,
    body: bytes | None = None,
    content_type: str | None = None,
    etag: str | None = None,
) -> None:
    """Keep the answer with its key, in the transaction of the request's effect."""
    answer = {
        "answer_grant": grant,
        "answer_status": status,
        "answer_body": body,
        "answer_content_type": content_type,
        "answer_location": location,
        "answer_etag": etag,
    }
    session.execute(_COMPLETE, {**_key(claim), **answer})


def _complete(session: Session, claim: Claim, captured: _Captured, principal: Principal | None) -> None:
    """Store the answer with the key (its body only if it may be kept) and the grant of the principal it was made
    for, and commit it with the POST's effect."""
    kept = "no-store" not in captured.headers.get("cache-control", "")
    _store_answer(
        session,
        claim,
        captured.status,
        captured.headers.get("location"),
        grant=principal.grant if principal is not None else None,
        body=captured.body if kept else None,
        content_type=captured.headers.get("content-type") if kept else None,
        etag=captured.headers.get("etag"),
    )
    session.commit()


Identified = Callable[[Session, Request], Principal | None]
"""Who the request's credential identifies now, None if it is not valid now (``app.auth.dependencies.identified``)."""
PRINCIPAL_STATE_KEY = "principal"
"""Where ``current_principal`` leaves the principal an endpoint acted for (``request.state``)."""


class IdempotencyMiddleware:
    def __init__(
        self, app: ASGIApp, prefix: str, identified: Identified, credential: Callable[[Request], str | None]
    ) -> None:
        self.app = app
        self.prefix = prefix
        self.identified = identified
        self.credential = credential

    def _identified_now(self, session: Session, request: Request) -> Principal | None:
        try:
            return self.identified(session, request)
        finally:
            session.rollback()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope.get("path", "")
        if (
            scope["type"] != "http"
            or scope["method"] != "POST"
            or not path.startswith(self.prefix)
            or path.removeprefix(self.prefix).rstrip("/") in UNTRACKED
        ):
            await self.app(scope, receive, send)
            return
        request = Request(scope, receive)
        key = request.headers.get("idempotency-key")
        credential = self.credential(request)
        if key is None or credential is None:
            await self.app(scope, receive, send)
            return
        if not 1 <= len(key) <= MAX_KEY_LENGTH or not key.isascii() or not key.isprintable():
            detail = f"Idempotency-Key 须为 1–{MAX_KEY_LENGTH} 个可打印 ASCII 字符（建议使用 UUID）。"
            await problem(request, 422, "idempotency_key_invalid", detail)(scope, receive, send)
            return
        body = await request.body()
        claim: Claim = {
            "caller": _sha256(credential.encode()),
            "key": key,
            "method": "POST",
            "path": scope["path"][:300],
            "request_hash": _request_hash(scope, body),
            "created_at": utcnow(),
        }
        factory: sessionmaker[Session] = scope["app"].state.session_factory
        session = factory()
        answered = False
        try:
            stored = await to_thread.run_sync(_claim, session, claim)
            if stored is not None:
                await to_thread.run_sync(session.rollback)
                principal = await to_thread.run_sync(self._identified_now, session, request)
                if principal is None:
                    await self.app(scope, replaying(body, receive), send)  # the endpoint answers 401 itself
                elif stored.request_hash != claim["request_hash"]:
                    detail = "该 Idempotency-Key 已用于另一个不同的请求；新的请求请使用新的 Idempotency-Key。"
                    await problem(request, 422, "idempotency_key_reused", detail)(scope, receive, send)
                elif stored.grant_hash is not None and stored.grant_hash != principal.grant:
                    why = "您的角色或所属机关此后已变更，不再重放当时的答复"
                    refused = _not_replayed(request, stored, "idempotent_grant_changed", why, "按现在的权限查看结果")
                    await refused(scope, receive, send)
                else:
                    await _replay(request, stored)(scope, receive, send)
                return
            scope[SESSION_SCOPE_KEY] = session
            captured = _Captured()
            await self.app(scope, replaying(body, receive), captured.send)
            if 200 <= captured.status < 300:
                principal = scope.get("state", {}).get(PRINCIPAL_STATE_KEY)
                await to_thread.run_sync(_complete, session, claim, captured, principal)
            else:
                await to_thread.run_sync(session.rollback)
            answered = True
            for message in captured.messages:
                await send(message)
        except Exception as exc:
            # The database failed here, outside the routes (busy, no connection, commit refused): the same answer
            # as anywhere else (503 + Retry-After when overloaded), not a dropped connection.
            if answered:
                raise
            with suppress(Exception):
                await to_thread.run_sync(session.rollback)
            await (await handled(request, exc))(scope, receive, send)
        finally:
            await to_thread.run_sync(session.close)
