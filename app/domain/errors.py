"""Errors raised by the rules. Only the HTTP edge maps them to status codes (see ``app/errors.py``)."""

from __future__ import annotations

from enum import StrEnum


class ErrorKind(StrEnum):
    INVALID = "invalid"  # the input breaks a rule whatever the case's state (HTTP 422)
    CONFLICT = "conflict"  # the input is not allowed in the case's current state (HTTP 409)
    NOT_FOUND = "not_found"  # HTTP 404
    FORBIDDEN = "forbidden"  # the principal sees the object but may not do this to it (HTTP 403)
    STALE = "stale"  # the caller decided on an older version of the object than the current one (HTTP 412)


class DomainError(Exception):
    """A rule was broken. ``code`` is stable and machine-readable; ``detail`` is for the clerk (Chinese welcome)."""

    kind: ErrorKind = ErrorKind.INVALID

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail


class InvalidInput(DomainError):
    kind = ErrorKind.INVALID


class WrongState(DomainError):
    kind = ErrorKind.CONFLICT


class NotFound(DomainError):
    kind = ErrorKind.NOT_FOUND


class Forbidden(DomainError):
    kind = ErrorKind.FORBIDDEN


class StaleVersion(DomainError):
    kind = ErrorKind.STALE
