"""The one LibreOffice test: a generated letter gets its PDF rendering after the response (outside the request's
transaction). Skipped where LibreOffice is not installed."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from app.deps import get_today
from app.document.docx import soffice
from app.main import create_app
from app.settings import Settings


@pytest.mark.skipif(soffice() is None, reason="LibreOffice (soffice) is not installed")
def test_a_letter_is_rendered_to_pdf(settings, api, make_case):
    case = make_case()
    rendering = Settings(database_url=settings.database_url, environment="test", pdf_letters=True)
    app = create_app(rendering)
    app.dependency_overrides[get_today] = lambda: api.clock.today
    with TestClient(app, raise_server_exceptions=False) as client:
        created = client.post(
            f"/api/v1/cases/{case['id']}/letters", json={"kind": "receipt"}, headers=api.headers("a1")
        )
        assert created.status_code == 201, created.text
        document = client.get(f"/api/v1/documents/{created.json()['id']}", headers=api.headers("a1")).json()
        assert document["pdf"] is True
        pdf = client.get(f"{document['content_url']}?format=pdf", headers=api.headers("a1"))
        assert pdf.status_code == 200
        assert pdf.headers["content-type"] == "application/pdf"
        assert pdf.content.startswith(b"%PDF-")


def test_no_pdf_is_a_clear_404(api, make_case):
    case = make_case()
    created = api.client.post(
        f"/api/v1/cases/{case['id']}/letters", json={"kind": "receipt"}, headers=api.headers("a1")
    )
    missing = api.client.get(f"{created.json()['content_url']}?format=pdf", headers=api.headers("a1"))
    assert missing.status_code == 404
    assert missing.json()["code"] == "pdf_not_available"
