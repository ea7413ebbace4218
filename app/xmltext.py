"""Text that XML 1.0 cannot hold, for every writer of an XML-based file (DOCX letters and reports, XLSX exports).

XML 1.0 allows no control characters but tab, newline and carriage return, and not U+FFFE/U+FFFF: python-docx and
openpyxl refuse the whole document for one of them. New input refuses them (``app.inputs``); text stored before that
check, or by an older version, still reaches the writers, which pass it through here."""

from __future__ import annotations

import re
from typing import Any

UNSTORABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def xml_safe(value: Any, replacement: str = "") -> Any:
    """``value`` with what XML 1.0 cannot hold replaced (removed by default), recursively through lists and dicts."""
    if isinstance(value, str):
        return UNSTORABLE.sub(replacement, value)
    if isinstance(value, list):
        return [xml_safe(v, replacement) for v in value]
    if isinstance(value, dict):
        return {k: xml_safe(v, replacement) for k, v in value.items()}
    return value
