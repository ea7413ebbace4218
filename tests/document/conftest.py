"""Letters are rendered to PDF only in the one test that checks it (LibreOffice costs seconds per letter)."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _no_pdf(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GONGKAI_PDF_LETTERS", "false")
