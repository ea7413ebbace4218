"""The letter kinds as template kinds: each with its shipped default and the one list of letter variables."""

from __future__ import annotations

from pathlib import Path

from app.document.registry import TemplateKind, register
from app.document.variables import LETTER_VARIABLES, SAMPLE
from app.domain.letters import LETTER_LABELS, LetterKind

DEFAULTS = Path(__file__).resolve().parent / "defaults"

for _kind in LetterKind:
    register(
        TemplateKind(
            kind=_kind.value,
            label=LETTER_LABELS[_kind],
            default=DEFAULTS / f"{_kind.value}.docx",
            variables=LETTER_VARIABLES,
            sample=lambda: dict(SAMPLE),
        )
    )
