"""The one LibreOffice test: a generated letter gets its PDF rendering after the response (outside the request's
transaction). Skipped where LibreOffice is not installed."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from httpx import Response

from app.deps import get_today
from app.document.docx import release_slot, reserve_slot, soffice, to_pdf
from app.main import create_app
from app.settings import Settings
from tests.document.steps import docx_of


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
        document = _once(lambda: client.get(f"/api/v1/documents/{created.json()['id']}", headers=api.headers("a1")))
        assert document.json()["pdf"] is True
        document = document.json()
        pdf = client.get(f"{document['content_url']}?format=pdf", headers=api.headers("a1"))
        assert pdf.status_code == 200
        assert pdf.headers["content-type"] == "application/pdf"
        assert pdf.content.startswith(b"%PDF-")


def _once(ask: Callable[[], Response], until: Callable[[Response], bool] | None = None) -> Response:
    """``ask`` again until ``until`` holds of its answer (by default: the document has its PDF), for at most a minute:
    the rendering runs in the process's renderer thread, after the answer that started it."""
    done = until or (lambda response: response.json().get("pdf") is True)
    deadline = time.monotonic() + 60
    while not done(answer := ask()) and time.monotonic() < deadline:
        time.sleep(0.2)
    return answer


@pytest.mark.skipif(soffice() is None, reason="LibreOffice (soffice) is not installed")
def test_generating_letters_while_the_converter_is_busy_holds_up_no_one(settings, api, make_case):
    """Letters generated in a row while LibreOffice is busy (its one slot taken): each answer comes at once and the
    next request is served, instead of the request waiting in its slot for the converter (a probe had every page of
    the server answer 503); the PDF follows once the converter is free."""
    case = make_case()
    rendering = Settings(
        database_url=settings.database_url,
        environment="test",
        pdf_letters=True,
        pdf_conversions=1,
        pdf_timeout_seconds=60,
        db_pool_size=1,
        busy_timeout=2,
    )
    app = create_app(rendering)
    app.dependency_overrides[get_today] = lambda: api.clock.today
    with TestClient(app, raise_server_exceptions=False) as client:
        assert reserve_slot(1)  # another conversion holds the only slot
        try:
            started = time.monotonic()
            made = [
                client.post(f"/api/v1/cases/{case['id']}/letters", json={"kind": "receipt"}, headers=api.headers("a1"))
                for _ in range(3)
            ]
            assert [m.status_code for m in made] == [201] * 3, made[-1].text
            assert client.get("/api/v1/auth/me", headers=api.headers("a1")).status_code == 200
            assert time.monotonic() - started < 30  # not one conversion's wait (60 s), let alone three
        finally:
            release_slot(1)
        for letter in made:
            url = f"/api/v1/documents/{letter.json()['id']}"
            assert _once(lambda url=url: client.get(url, headers=api.headers("a1"))).json()["pdf"] is True


def test_no_pdf_is_a_clear_404(api, make_case):
    case = make_case()
    created = api.client.post(
        f"/api/v1/cases/{case['id']}/letters", json={"kind": "receipt"}, headers=api.headers("a1")
    )
    missing = api.client.get(f"{created.json()['content_url']}?format=pdf", headers=api.headers("a1"))
    assert missing.status_code == 404
    assert missing.json()["code"] == "pdf_not_available"


@pytest.mark.skipif(soffice() is None, reason="LibreOffice (soffice) is not installed")
def test_conversions_are_bounded_and_a_busy_converter_says_when_to_retry(settings, api, make_case):
    case = make_case()
    created = api.client.post(  # made without PDF (the suite's setting)
        f"/api/v1/cases/{case['id']}/letters", json={"kind": "receipt"}, headers=api.headers("a1")
    ).json()
    rendering = Settings(database_url=settings.database_url, environment="test", pdf_letters=True, pdf_conversions=1)
    app = create_app(rendering)
    with TestClient(app, raise_server_exceptions=False) as client:
        url = f"{created['content_url']}?format=pdf"
        assert reserve_slot(1)  # another conversion holds the only slot
        try:
            busy = client.get(url, headers=api.headers("a1"))
        finally:
            release_slot(1)
        assert busy.status_code == 503
        assert busy.headers["content-type"] == "application/problem+json"
        assert busy.json()["code"] == "pdf_converter_busy"
        assert int(busy.headers["retry-after"]) > 0
        started = client.get(url, headers=api.headers("a1"))  # made after this answer, in the slot it took
        assert started.status_code == 503
        assert started.json()["code"] == "pdf_rendering"
        assert started.headers["retry-after"] == "5"
        done = _once(lambda: client.get(url, headers=api.headers("a1")), until=lambda r: r.status_code != 503)
        assert done.status_code == 200, done.text
        assert done.content.startswith(b"%PDF-")
    assert reserve_slot(1)  # the slot was given back
    release_slot(1)


def test_a_conversion_past_its_time_is_killed(monkeypatch, tmp_path):
    script = tmp_path / "soffice"
    script.write_text("#!/bin/sh\nsleep 30\n")
    script.chmod(0o755)
    monkeypatch.setenv("PATH", f"{tmp_path}:/usr/bin:/bin")
    started = time.monotonic()
    assert to_pdf(docx_of("公开"), timeout=1) is None
    assert 1 <= time.monotonic() - started < 10  # the converter ran, and was killed after its second
