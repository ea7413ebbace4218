"""File names that come from people (an upload's name, an applicant's name in a letter's name), made safe for the
place they are written to: a ZIP entry, a ``Content-Disposition`` header, a Windows or Linux file system (design
mistake 9). A name never carries a directory, a control character, a reserved device name or a leading dot."""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote

_FORBIDDEN = re.compile(r'[\x00-\x1f\x7f-\x9f<>:"/\\|?*\u200b-\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]')
_RESERVED = re.compile(r"^(con|prn|aux|nul|com[0-9]|lpt[0-9])(\..*)?$", re.IGNORECASE)
MAX_NAME = 100


def safe_filename(name: str | None, fallback: str = "file") -> str:
    """``name`` reduced to a plain file name: its last path segment, without control, bidi-override or
    forbidden characters, no leading dots or spaces, at most 100 characters (the extension kept)."""
    text = unicodedata.normalize("NFC", name or "")
    text = re.split(r"[/\\]", text)[-1]
    text = _FORBIDDEN.sub("_", text).strip().lstrip(".").strip()
    if _RESERVED.match(text):
        text = "_" + text
    if len(text) > MAX_NAME:
        stem, dot, ext = text.rpartition(".")
        text = stem[: MAX_NAME - len(ext) - 1] + "." + ext if dot and len(ext) <= 10 else text[:MAX_NAME]
    return text or fallback


def content_disposition(name: str, inline: bool = False) -> str:
    """A ``Content-Disposition`` value for ``name``: an ASCII fallback plus the UTF-8 name (RFC 6266, RFC 5987)."""
    clean = safe_filename(name)
    ascii_name = clean.encode("ascii", "replace").decode().replace("?", "_")
    kind = "inline" if inline else "attachment"
    return f"{kind}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(clean, safe='')}"
