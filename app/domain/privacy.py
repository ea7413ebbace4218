"""Masking of personal data (《个人信息保护法》 Art. 51: measures against unauthorised access to personal information).

An applicant's personal information (a natural person's name, identity-document and phone numbers, e-mail and postal
address) is shown in full only to whoever needs it to handle the case (``case.read_personal``); everywhere else
(lists, the case page, the audit trail, exports, logs) it is masked by ``mask``. An organisation's name is not
personal information (Art. 4: information of natural persons) and stays readable: an auditor sees which company
asked.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from app.domain.codes import ApplicantType


class PersonalField(StrEnum):
    ID_NUMBER = "id_number"
    PHONE = "phone"
    NAME = "name"  # a natural person's (``applicant_name``)
    EMAIL = "email"
    ADDRESS = "address"


KEPT: dict[PersonalField, tuple[int, int]] = {
    PersonalField.ID_NUMBER: (4, 4),  # region code and the last digits a clerk reads back: 1101**********1234
    PersonalField.PHONE: (3, 4),  # carrier prefix and the last four: 138****5678
}
"""Characters kept visible at the start and at the end of each kind of number."""

MIN_HIDDEN = 4
"""A masked number hides at least this many characters, and at least a third of it: with the heads and tails above
alone, a 9-character passport number showed 8 (``E123*5678``) and an 8-digit landline 7. The national pattern of a
mobile number (138****1234, four hidden) and of an 18-character ID (ten hidden) is unchanged."""


ADDRESS_KEPT = 6
"""The characters of an address kept (the province and city, or the district): 北京市海淀区****."""


def mask(value: str | None, field: PersonalField) -> str | None:
    """``value`` masked. A name keeps its first character (the surname: 张*, 欧阳** reads 欧***); an e-mail its first
    character and its domain (z***@example.com); an address its first ``ADDRESS_KEPT`` characters, at most half of
    it, then a fixed ``****`` (its length is not shown). A number keeps its head and tail (``KEPT``); one too short
    to keep anything without revealing it whole is masked entirely, one barely longer keeps less of its head and tail
    (split between them) so that ``MIN_HIDDEN`` holds."""
    if value is None:
        return None
    if field is PersonalField.NAME:
        return value[:1] + "*" * max(len(value) - 1, 1)
    if field is PersonalField.EMAIL:
        local, at, domain = value.partition("@")
        return f"{local[:1]}***@{domain}" if at else mask(value, PersonalField.NAME)
    if field is PersonalField.ADDRESS:
        return value[: min(ADDRESS_KEPT, len(value) // 2)] + "****"
    head, tail = KEPT[field]
    if len(value) <= head + tail:
        return "*" * len(value)
    kept = len(value) - max(MIN_HIDDEN, -(-len(value) // 3))
    if kept < head + tail:
        tail = kept // 2
        head = kept - tail
    return value[:head] + "*" * (len(value) - head - tail) + value[len(value) - tail :]


def mask_name(name: str, applicant_type: str | None) -> str:
    """An applicant's name as a reader without ``case.read_personal`` sees it: a natural person's (or one whose
    kind is not known) masked, an organisation's as it is."""
    return name if applicant_type not in (None, ApplicantType.NATURAL_PERSON) else mask(name, PersonalField.NAME) or ""


PERSONAL_KEYS: dict[str, PersonalField] = {
    "applicant_id_number": PersonalField.ID_NUMBER,  # the case's columns, as audit snapshots keep them
    "applicant_phone": PersonalField.PHONE,
    "applicant_email": PersonalField.EMAIL,
    "applicant_address": PersonalField.ADDRESS,
    "id_number": PersonalField.ID_NUMBER,  # the API's field names, in an applicant object
    "phone": PersonalField.PHONE,
    "email": PersonalField.EMAIL,
    "address": PersonalField.ADDRESS,
}
"""The keys under which a stored document (an audit record's ``before``/``after``) keeps personal information;
``applicant_name`` is masked by ``mask_name`` beside its ``applicant_type``."""


HIDDEN_NAME = "（含个人信息，文件名已隐藏）"
"""What a reader without ``case.read_personal`` sees instead of the name of a personal file (an ID copy named after
its holder's number): in the case file, its archive and the audit trail."""
HIDDEN_TITLE = "（含个人信息，标题已隐藏）"
"""The same for the title of a personal file (an ID copy titled with its holder's number); also in webhooks."""
HIDDEN_ADDRESSEE = "（含个人信息，受文人已隐藏）"
"""The same for the addressee of a letter about a natural person's application (their name)."""
HIDDEN_FIELDS = {"filename": HIDDEN_NAME, "title": HIDDEN_TITLE, "addressee": HIDDEN_ADDRESSEE}


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
        kind = value.get("applicant_type")
        return {
            key: HIDDEN_FIELDS[key]
            if hide and key in HIDDEN_FIELDS
            else mask(item, PERSONAL_KEYS[key])
            if key in PERSONAL_KEYS and isinstance(item, str)
            else mask_name(item, kind if isinstance(kind, str) else None)
            if key == "applicant_name" and isinstance(item, str)
            else _masked(item)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [_masked(item) for item in value]
    return value
