"""What an input may hold, for every adapter: API bodies, the web forms (which validate with the same schemas) and
imports. One definition each, used by every schema: ``Line`` (one line of text), ``Lines`` (multi-line text),
``RowId`` and ``PageNumber`` (numbers the database can hold, the same on SQLite and PostgreSQL).

Refused: control characters (U+0000–U+001F, U+007F–U+009F) — NUL cannot be stored by PostgreSQL at all, and the
others cannot be stored in an XLSX export (one of them stopped the nightly report for every agency) — and the
invisible format characters used to disguise text (zero-width U+200B–U+200F, bidirectional overrides U+202A–U+202E
and U+2066–U+2069, line separators U+2028/U+2029, U+FEFF) and lone surrogates (which no database can encode).
``Lines`` allows newline and tab; a carriage return is taken as a newline (browsers send CRLF).
"""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import Path, Query
from pydantic import AfterValidator, AnyHttpUrl, BaseModel, BeforeValidator, ConfigDict, UrlConstraints
from pydantic_core import PydanticCustomError

from app.domain.errors import InvalidInput

_INVISIBLE = "\u200b-\u200f\u202a-\u202e\u2028\u2029\u2066-\u2069\ufeff\ud800-\udfff"
_LINE_REFUSED = re.compile(f"[\x00-\x1f\x7f-\x9f{_INVISIBLE}]")
_LINES_REFUSED = re.compile(f"[\x00-\x08\x0b-\x1f\x7f-\x9f{_INVISIBLE}]")
_URL_REFUSED = re.compile("[\x00-\x1f\x7f]|%(?:[01][0-9a-fA-F]|7[fF])")
"""Control characters in a path or query, raw or percent-encoded."""


class Input(BaseModel):
    """A JSON request body: a field it does not declare is refused (422), never dropped. Dropped, a misspelt field of a
    policy read as "not given" and reset it to its default, moving every open case's deadline."""

    model_config = ConfigDict(extra="forbid")


def _check(pattern: re.Pattern[str], value: str) -> str:
    found = pattern.search(value)
    if found is not None:
        raise PydanticCustomError(
            "control_character",
            "不能包含控制字符或不可见的格式字符（第 {position} 个字符 U+{code}），请删除后重新输入。",
            {"position": found.start() + 1, "code": f"{ord(found.group()):04X}"},
        )
    return value


def check_line(value: str) -> str:
    return _check(_LINE_REFUSED, value)


def check_lines(value: str) -> str:
    return _check(_LINES_REFUSED, value)


def _newlines(value: object) -> object:
    return value.replace("\r\n", "\n").replace("\r", "\n") if isinstance(value, str) else value


def name_line(value: str, *, code: str, label: str, max_length: int) -> str:
    """A name a service stores (an agency's, an account's, a token's), checked where it is stored and not only in the
    API's schemas, for the adapters that have none (the web's admin forms, the command line): stripped, then refused
    as ``{code}_missing`` if empty, ``{code}_too_long`` past ``max_length``, ``{code}_invalid`` with a character
    ``Line`` refuses (PostgreSQL cannot store NUL at all; a control character in an agency's name broke its DOCX)."""
    value = value.strip()
    if not value:
        raise InvalidInput(f"{code}_missing", f"请填写{label}。")
    if len(value) > max_length:
        raise InvalidInput(f"{code}_too_long", f"{label}最多 {max_length} 个字符。")
    try:
        return check_line(value)
    except PydanticCustomError as exc:  # the schemas' own refusal, said of this name
        raise InvalidInput(f"{code}_invalid", label + exc.message()) from None


def plain_int(text: str, digits: int = 9) -> int | None:
    """``text`` as a whole number if it is 1 to ``digits`` ASCII digits, else None. ``str.isdigit`` alone also
    accepts '²' and other characters ``int`` refuses, and ``int`` refuses more than 4,300 digits: both were a 500 where
    a form or header field was read that way."""
    return int(text) if 0 < len(text) <= digits and text.isascii() and text.isdigit() else None


def is_clean_line(value: str) -> bool:
    """Whether ``value`` could be a one-line text field (for names looked up outside a schema, e.g. signing in)."""
    return _LINE_REFUSED.search(value) is None


def url_is_clean(raw: str) -> bool:
    """Whether a request's raw path or query string is free of control characters (``%00`` included)."""
    return _URL_REFUSED.search(raw) is None


def _clean_url(value: object) -> object:
    return check_line(value) if isinstance(value, str) else value


def _line(value: object) -> object:
    return check_line(value) if isinstance(value, str) else value


def _lines(value: object) -> object:
    return check_lines(str(_newlines(value))) if isinstance(value, str) else value


LINE = AfterValidator(_line)
"""The check of one line of text, placed *after* any ``StringConstraints`` so that pydantic applies those natively
(strip, then the lengths): ``Annotated[str | None, StringConstraints(strip_whitespace=True, max_length=64), LINE]``.
Placed before them, a length would be checked before the strip."""

LINES = AfterValidator(_lines)
"""The same for multi-line text (newline and tab allowed, a carriage return taken as a newline)."""

Line = Annotated[str, LINE]
"""One line of text: a name, a number, a reference."""

Lines = Annotated[str, LINES]
"""Multi-line text (a description, a note): newline and tab allowed."""

Url = Annotated[AnyHttpUrl, UrlConstraints(max_length=500), BeforeValidator(_clean_url)]
"""An http(s) URL as typed: control characters refused (the URL parser would silently drop some), at most 500
characters (what the column holds, on both databases)."""

MAX_ROW_ID = 2**31 - 1
"""The largest id a row can have (PostgreSQL ``integer``): a larger one in a URL is simply not found (404 on pages,
422 in the API), never a database error."""

MAX_PAGE = 1_000_000

RowId = Annotated[int, Path(ge=1, le=MAX_ROW_ID)]
PageNumber = Annotated[int, Query(ge=1, le=MAX_PAGE)]


def human_size(size: int) -> str:
    """A number of bytes as a person reads it: 1 MB, 4.5 KB, 300 字节."""
    if size >= 1024 * 1024:
        return f"{size / 1024 / 1024:.1f}".removesuffix(".0") + " MB"
    if size >= 1024:
        return f"{size / 1024:.1f}".removesuffix(".0") + " KB"
    return f"{size} 字节"
