"""Text written into a spreadsheet cell, by every XLSX and CSV export (design mistake 9: user-typed text escaped for
the output it goes to).

* A text starting with ``= + - @``, a tab or a carriage return is read by Excel, WPS and LibreOffice as a formula
  (or splits into one), so a handler's name like ``=HYPERLINK(…)`` would run in the reader's spreadsheet. Such text
  gets a leading apostrophe, the spreadsheets' own mark for "this is text": the reader sees the text, nothing runs
  (OWASP, "CSV Injection").
* Control characters other than tab, newline and carriage return cannot be stored in XLSX (XML 1.0): openpyxl
  refuses the whole workbook. New input refuses them (``app.inputs``); what is already stored is shown as U+FFFD
  (``app.xmltext``).
* Numbers, dates, booleans and empty cells are left as they are: numbers stay numbers.
"""

from __future__ import annotations

from typing import TypeVar

from app.xmltext import xml_safe

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

V = TypeVar("V")


def cell(value: V) -> V | str:
    """``value`` made safe for a spreadsheet cell: text neutralised and storable, anything else unchanged."""
    if not isinstance(value, str):
        return value
    text: str = xml_safe(value, "\ufffd")
    return "'" + text if text.startswith(FORMULA_STARTS) else text
