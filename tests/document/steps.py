"""Helpers of the document tests: an agency's letter settings and API calls that must succeed."""

from __future__ import annotations

import io
from typing import Any

from docx import Document

PROFILE = {"level": "department", "review_body": "某市人民政府", "number_prefix": "某信公开"}
CASES = "/api/v1/cases"


def post(api: Any, url: str, body: dict[str, Any], expect: int = 200) -> Any:
    response = api.client.post(url, json=body, headers=api.headers("a1"))
    assert response.status_code == expect, response.text
    return response.json()


def fee_case(api: Any, make_case: Any) -> Any:
    """Received Mon 2026-01-26; fee notice posted Mon 2026-02-02 (the worked example of the clock's tests): its 20
    days to pay run from the day after receipt; its 10th working day after sending is the make-up Sat 02-14."""
    case = make_case(received="2026-01-26")
    return post(api, f"{CASES}/{case['id']}/fee-notice", {"on": "2026-02-02", "amount": 100})


def docx_of(*paragraphs: str) -> bytes:
    """A .docx with one paragraph per text (a template as a person would type it in Word)."""
    doc = Document()
    for text in paragraphs:
        doc.add_paragraph(text)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
