"""Masking of personal data (《个人信息保护法》 Art. 51: measures against unauthorised access to personal information).

Identity-document and phone numbers are shown in full only to whoever needs them to handle the case; everywhere else
(lists, exports, logs) they are masked by ``mask``.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any


class PersonalField(StrEnum):
    ID_NUMBER = "id_number"
    PHONE = "phone"


KEPT: dict[PersonalField, tuple[int, int]] = {
    PersonalField.ID_NUMBER: (4, 4),  # region code and the last digits a clerk reads back: 1101**********1234
    PersonalField.PHONE: (3, 4),  # carrier prefix and the last four: 138****5678
}
"""Characters kept visible at the start and at the end of each kind of number."""

MIN_HIDDEN = 4
"""A masked number hides at least this many characters, and at least a third of it: with the heads and tails above
alone, a 9-character passport number showed 8 (``E123*5678``) and an 8-digit landline 7. The national pattern of a
mobile number (138****1234, four hidden) and of an 18-character ID (ten hidden) is unchanged."""


def mask(value: str | None, field: PersonalField) -> str | None:
    """``value`` with everything but its kept head and tail replaced by ``*``; a value too short to keep anything
    without revealing it whole is masked entirely, one barely longer keeps less of its head and tail (split between
    them) so that ``MIN_HIDDEN`` holds."""
    if value is None:
        return None
    head, tail = KEPT[field]
    if len(value) <= head + tail:
        return "*" * len(value)
    kept = len(value) - max(MIN_HIDDEN, -(-len(value) // 3))
    if kept < head + tail:
        tail = kept // 2
        head = kept - tail
    return value[:head] + "*" * (len(value) - head - tail) + value[len(value) - tail :]


PERSONAL_KEYS: dict[str, PersonalField] = {
    "applicant_id_number": PersonalField.ID_NUMBER,  # the case's columns, as audit snapshots keep them
    "applicant_phone": PersonalField.PHONE,
    "id_number": PersonalField.ID_NUMBER,  # the API's field names, in an applicant object
    "phone": PersonalField.PHONE,
}
"""The keys under which a stored document (an audit record's ``before``/``after``) keeps personal numbers."""


HIDDEN_NAME = "（含个人信息，文件名已隐藏）"
"""What a reader without ``case.read_personal`` sees instead of the name of a personal file (an ID copy named after
its holder's number): in the case file, its archive and the audit trail."""
HIDDEN_TITLE = "（含个人信息，标题已隐藏）"
"""The same for the title of a personal file (an ID copy titled with its holder's number); also in webhooks."""
HIDDEN_FIELDS = {"filename": HIDDEN_NAME, "title": HIDDEN_TITLE}


def mask_document(document: dict[str, Any] | None) -> dict[str, Any] | None:
    """A copy of a stored JSON document with every string under a key of ``PERSONAL_KEYS`` masked by ``mask``, and
    the ``filename`` and ``title`` of a ``personal`` file hidden, at any depth. The stored document is left as it is
    (the audit chain's hashes cover it)."""
    masked = _masked(document)
    assert masked is None or isinstance(masked, dict)
    return masked


def _masked(value: object) -> object:
    if isinstance(value, dict):
        hide = value.get("personal") is True
        return {
            key: HIDDEN_FIELDS[key]
            if hide and key in HIDDEN_FIELDS
            else mask(item, PERSONAL_KEYS[key])
            if key in PERSONAL_KEYS and isinstance(item, str)
            else _masked(item)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [_masked(item) for item in value]
    return value
