"""The case file: attachments round-trip byte for byte, their type is read from the content, limits hold, personal
files stay with case.read_personal, the whole file downloads as one ZIP with an index; deliveries of letters."""

from __future__ import annotations

import csv
import io
import os
import zipfile

import pytest
from fastapi.testclient import TestClient

from app.domain.roles import Role
from app.main import create_app
from app.settings import Settings

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4 + b"\x00\xff" * 100
PDF = b"%PDF-1.7\n" + os.urandom(2048) + b"\n%%EOF\n"


def upload(
    api, case, name, content, kind="other", role=Role.SUPERVISOR, content_type="application/octet-stream", **form
):
    return api.client.post(
        f"/api/v1/cases/{case['id']}/documents",
        files={"file": (name, content, content_type)},
        data={"kind": kind, **form},
        headers=api.headers("a1", role),
    )


def test_attachments_round_trip_byte_for_byte(api, make_case):
    case = make_case()
    for name, content, media in (("scan.png", PNG, "image/png"), ("意见.pdf", PDF, "application/pdf")):
        response = upload(api, case, name, content, kind="third_party_opinion")
        assert response.status_code == 201, response.text
        body = response.json()
        assert body["media_type"] == media
        assert body["size"] == len(content)
        assert body["origin"] == "uploaded"
        assert body["created_by"]
        download = api.client.get(body["content_url"], headers=api.headers("a1"))
        assert download.status_code == 200
        assert download.content == content
        assert download.headers["content-type"] == media
    listed = api.client.get(f"/api/v1/cases/{case['id']}/documents", headers=api.headers("a1")).json()
    assert [d["filename"] for d in listed] == ["scan.png", "意见.pdf"]
    import hashlib

    assert listed[0]["sha256"] == hashlib.sha256(PNG).hexdigest()


@pytest.mark.parametrize(
    ("name", "content", "content_type", "code"),
    [
        ("report.pdf", PNG, "application/pdf", "media_type_mismatch"),  # a PNG renamed to .pdf
        ("scan.png", PNG, "application/pdf", "media_type_mismatch"),  # a PNG declared as PDF
        ("page.pdf", b"<html><script>alert(1)</script></html>", "application/pdf", "file_type_not_allowed"),
        ("tool.exe", b"MZ\x90\x00" + b"\x00" * 100, "application/octet-stream", "file_type_not_allowed"),
        ("empty.pdf", b"", "application/pdf", "file_empty"),
        ("archive.zip", b"PK\x03\x04" + b"\x00" * 40, "application/zip", "file_type_not_allowed"),
    ],
)
def test_the_type_comes_from_the_content(api, make_case, name, content, content_type, code):
    case = make_case()
    response = upload(api, case, name, content, content_type=content_type)
    assert response.status_code == 422, response.text
    assert response.json()["code"] == code
    assert api.client.get(f"/api/v1/cases/{case['id']}/documents", headers=api.headers("a1")).json() == []


@pytest.mark.parametrize(
    ("name", "stored"),
    [
        ("申请表.hta", "申请表.hta.pdf"),  # a probe's PDF/HTML polyglot: opened as a PDF, never run
        ("evil.html", "evil.html.pdf"),
        ("x.pdf%00.exe", "x.pdf%00.exe.pdf"),
        ("2024.03.05 申请书", "2024.03.05 申请书.pdf"),
        ("扫描件", "扫描件.pdf"),
        ("意见.PDF", "意见.PDF"),
    ],
)
def test_a_file_keeps_a_name_that_opens_it_as_what_it_is(api, make_case, name, stored):
    case = make_case()
    polyglot = b"%PDF-1.4\n<html><script>alert(1)</script></html>"
    response = upload(api, case, name, polyglot, content_type="application/pdf")
    assert response.status_code == 201, response.text
    assert response.json()["filename"] == stored
    download = api.client.get(response.json()["content_url"], headers=api.headers("a1"))
    assert download.headers["content-type"] == "application/pdf"
    assert ".pdf" in download.headers["content-disposition"].rsplit(";", 1)[-1].lower()


def test_size_limits_per_file_and_per_case(settings, make_case, api):
    case = make_case()
    small = Settings(
        database_url=settings.database_url, environment="test", max_file_bytes=4096, max_case_file_bytes=6000
    )
    with TestClient(create_app(small), raise_server_exceptions=False) as client:
        headers = api.headers("a1")

        def post(content):
            return client.post(
                f"/api/v1/cases/{case['id']}/documents",
                files={"file": ("a.pdf", content, "application/pdf")},
                data={"kind": "other"},
                headers=headers,
            )

        too_big = post(b"%PDF-" + b"x" * 5000)
        assert too_big.status_code == 413
        assert too_big.json()["code"] == "file_too_large"
        assert "最多 4 KB" in too_big.json()["detail"]
        assert post(b"%PDF-" + b"x" * 4000).status_code == 201
        full = post(b"%PDF-" + b"x" * 3000)
        assert full.status_code == 422
        assert full.json()["code"] == "case_file_too_large"
        assert "上限" in full.json()["detail"]


def test_personal_files_need_case_read_personal(api, make_case):
    case = make_case()
    id_copy = upload(api, case, "张三身份证.png", PNG, kind="identity_document")
    assert id_copy.status_code == 201
    assert id_copy.json()["personal"] is True
    marked = upload(api, case, "note.pdf", PDF, kind="other", personal="true")
    assert marked.json()["personal"] is True
    plain = upload(api, case, "plain.pdf", PDF, kind="other")
    auditor = api.headers("a1", Role.AUDITOR)
    for document in (id_copy.json(), marked.json()):
        refused = api.client.get(document["content_url"], headers=auditor)
        assert refused.status_code == 403
        assert refused.json()["code"] == "personal_document"
    assert api.client.get(plain.json()["content_url"], headers=auditor).content == PDF
    listed = api.client.get(f"/api/v1/cases/{case['id']}/documents", headers=auditor).json()
    assert "张三身份证" not in str(listed)  # the name itself is personal
    archive = api.client.get(f"/api/v1/cases/{case['id']}/documents/archive", headers=auditor)
    with zipfile.ZipFile(io.BytesIO(archive.content)) as z:
        assert len([n for n in z.namelist() if not n.endswith(".csv")]) == 1
        assert PNG not in [z.read(n) for n in z.namelist()]
    assert api.client.get(id_copy.json()["content_url"], headers=api.headers("a1", Role.CLERK)).content == PNG
    api.agency("b1")
    elsewhere = api.client.get(plain.json()["content_url"], headers=api.headers("b1", Role.ADMIN))
    assert elsewhere.status_code == 404


def test_archive_has_an_index_and_safe_names(api, make_case):
    case = make_case()
    api.client.put(
        "/api/v1/agencies/a1/letter-profile",
        json={"level": "department", "review_body": "某市人民政府", "number_prefix": "某信公开"},
        headers=api.headers("a1", Role.ADMIN),
    )
    letter = api.client.post(
        f"/api/v1/cases/{case['id']}/letters", json={"kind": "receipt"}, headers=api.headers("a1")
    ).json()
    evil = upload(api, case, "../../etc/=cmd|' /C calc'!A0.png", PNG, title='=HYPERLINK("http://x")')
    assert evil.status_code == 201
    same = upload(api, case, "scan.png", PNG)
    again = upload(api, case, "scan.png", PNG)
    assert same.status_code == again.status_code == 201
    response = api.client.get(f"/api/v1/cases/{case['id']}/documents/archive", headers=api.headers("a1"))
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/zip"
    assert "filename*=UTF-8''" in response.headers["content-disposition"]
    with zipfile.ZipFile(io.BytesIO(response.content)) as z:
        names = z.namelist()
        assert len(names) == len(set(names))
        assert all("/" not in n and "\\" not in n and not n.startswith(".") for n in names)
        assert {"index.csv", "timeline.csv"} <= set(names)
        rows = list(csv.reader(io.StringIO(z.read("index.csv").decode("utf-8-sig"))))
        assert rows[0][:3] == ["序号", "文件", "种类"]
        assert len(rows) == 5
        receipt = rows[1]
        assert receipt[2] == "政府信息公开申请登记回执"
        assert receipt[4] == letter["number"]
        assert z.read(receipt[1]) == api.client.get(letter["content_url"], headers=api.headers("a1")).content
        assert rows[2][3].startswith("'=")  # a formula is written as text
        assert z.read(rows[3][1]) == PNG
        assert "收到申请" in z.read("timeline.csv").decode("utf-8-sig")


def test_delivery_records(api, make_case):
    api.clock.today = __import__("datetime").date(2026, 3, 31)
    case = make_case()
    api.client.put(
        "/api/v1/agencies/a1/letter-profile",
        json={"level": "department", "review_body": "某市人民政府", "number_prefix": "某信公开"},
        headers=api.headers("a1", Role.ADMIN),
    )
    letter = api.client.post(
        f"/api/v1/cases/{case['id']}/letters", json={"kind": "receipt"}, headers=api.headers("a1")
    ).json()
    proof = upload(api, case, "回证.pdf", PDF, kind="delivery_proof").json()
    url = f"/api/v1/documents/{letter['id']}/deliveries"
    no_carrier = api.client.post(url, json={"method": "post", "sent_on": "2026-03-03"}, headers=api.headers("a1"))
    assert no_carrier.json()["code"] == "carrier_required"
    no_consent = api.client.post(url, json={"method": "electronic", "sent_on": "2026-03-03"}, headers=api.headers("a1"))
    assert no_consent.json()["code"] == "consent_required"
    posted = api.client.post(
        url,
        json={
            "method": "post",
            "carrier": "ems",
            "sent_on": "2026-03-03",
            "tracking_number": "EMS1234567890",
            "proof_document_id": proof["id"],
        },
        headers=api.headers("a1"),
    )
    assert posted.status_code == 201, posted.text
    unreceived = api.client.get("/api/v1/letters/unreceived", headers=api.headers("a1")).json()
    assert [(u["document_id"], u["sent"], u["since"]) for u in unreceived] == [(letter["id"], True, "2026-03-03")]
    assert unreceived[0]["working_days"] == 20
    early = api.client.get("/api/v1/letters/unreceived?as_of=2026-03-17", headers=api.headers("a1")).json()
    assert early == []  # 10 working days after posting: not yet
    receipt_url = f"/api/v1/deliveries/{posted.json()['id']}/receipt"
    before = api.client.post(receipt_url, json={"received_on": "2026-03-02"}, headers=api.headers("a1"))
    assert before.json()["code"] == "receipt_before_delivery"
    received = api.client.post(receipt_url, json={"received_on": "2026-03-05"}, headers=api.headers("a1"))
    assert received.status_code == 200
    assert received.json()["received_on"] == "2026-03-05"
    twice = api.client.post(receipt_url, json={"received_on": "2026-03-06"}, headers=api.headers("a1"))
    assert twice.status_code == 409
    assert api.client.get("/api/v1/letters/unreceived", headers=api.headers("a1")).json() == []
    listed = api.client.get(f"/api/v1/cases/{case['id']}/documents", headers=api.headers("a1")).json()
    assert listed[0]["deliveries"][0]["tracking_number"] == "EMS1234567890"
    not_letter = api.client.post(
        f"/api/v1/documents/{proof['id']}/deliveries",
        json={"method": "direct", "sent_on": "2026-03-03"},
        headers=api.headers("a1"),
    )
    assert not_letter.json()["code"] == "delivery_not_letter"


def test_an_overlong_title_is_refused_in_characters(api, make_case):
    """The title's limit is a number of characters: the message said 「最多 200 项」 (items), pydantic's general
    ``too_long`` on an optional form field."""
    case = make_case()
    refused = api.client.post(
        f"/api/v1/cases/{case['id']}/documents",
        files={"file": ("a.pdf", PDF, "application/pdf")},
        data={"kind": "information_provided", "title": "长" * 201},
        headers=api.headers("a1"),
    )
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["message"] == "最多 200 个字符。"
