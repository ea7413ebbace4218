"""The case file's ZIP is written to a temporary file beyond a few MB (never held whole in memory, nor all its
documents at once) and streamed to the client."""

from __future__ import annotations

import io
import os
import zipfile
from zoneinfo import ZoneInfo

from app.agency.repository import get_agency
from app.auth.principal import Principal
from app.db import transaction
from app.document import files
from app.domain.roles import Role

PDF = b"%PDF-1.7\n" + os.urandom(300_000) + b"\n%%EOF\n"  # random bytes: the ZIP cannot shrink them


def test_a_big_case_file_spills_to_disk_and_streams(api, make_case, monkeypatch):
    case = make_case()
    for n in range(4):
        response = api.client.post(
            f"/api/v1/cases/{case['id']}/documents",
            files={"file": (f"scan-{n}.pdf", PDF, "application/pdf")},
            data={"kind": "other"},
            headers=api.headers("a1"),
        )
        assert response.status_code == 201, response.text
    monkeypatch.setattr(files, "ARCHIVE_IN_MEMORY", 256 * 1024)
    with transaction(api.factory) as session:
        agency_id = get_agency(session, "a1").id
        principal = Principal(actor="test", memberships={agency_id: Role.CLERK}, descendants={})
        result = files.archive(session, principal, case["id"], ZoneInfo("Asia/Shanghai"))
        assert result.size > 4 * 300_000
        assert result.file._rolled  # on disk, not in memory
        result.file.close()

    response = api.client.get(f"/api/v1/cases/{case['id']}/documents/archive", headers=api.headers("a1"))
    assert response.status_code == 200
    assert int(response.headers["content-length"]) == len(response.content)
    with zipfile.ZipFile(io.BytesIO(response.content)) as z:
        assert [z.read(f"{n + 1:03d}-scan-{n}.pdf") == PDF for n in range(4)] == [True] * 4
