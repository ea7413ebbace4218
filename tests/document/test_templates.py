"""Template storage: an agency's own template replaces the default only after validation; any registered kind."""

from __future__ import annotations

import io
import re
import time
import zipfile

import pytest

from app.document import isolation
from app.domain.roles import Role
from tests.document.steps import docx_of


def _put(api, kind: str, content: bytes, role: Role = Role.ADMIN, agency: str = "a1"):
    return api.client.put(
        f"/api/v1/agencies/{agency}/templates/{kind}",
        files={"file": ("我的模板.docx", content, "application/octet-stream")},
        headers=api.headers(agency, role),
    )


def test_upload_validates_then_replaces_and_reset_restores_the_default(api):
    api.agency("a1")
    listed = api.client.get("/api/v1/agencies/a1/templates", headers=api.headers("a1", Role.CLERK)).json()
    reply = next(t for t in listed if t["kind"] == "reply")
    assert reply["custom"] is False
    assert reply["label"] == "政府信息公开申请答复书"

    good = docx_of(
        "{{ agency_name }}",
        "{{ title }} {{ number }}",
        "{{ decision }}",
        "{%p if remedy %}",
        "{{ remedy }}",
        "{%p endif %}",
    )
    response = _put(api, "reply", good)
    assert response.status_code == 200, response.text
    assert response.json()["custom"] is True
    assert response.json()["filename"] == "我的模板.docx"
    download = api.client.get("/api/v1/agencies/a1/templates/reply", headers=api.headers("a1", Role.CLERK))
    assert download.status_code == 200
    assert download.content == good

    unknown = _put(api, "reply", docx_of("{{ agency_name }} {{ applicant_id_number }} {{ nonsense }}"))
    assert unknown.status_code == 422
    assert unknown.json()["code"] == "template_unknown_variables"
    assert "applicant_id_number" in unknown.json()["detail"]
    assert "nonsense" in unknown.json()["detail"]
    broken = _put(api, "reply", docx_of("{% if remedy %}{{ remedy }"))
    assert broken.status_code == 422
    assert broken.json()["code"] in {"template_syntax", "template_render_failed"}
    failing = _put(api, "reply", docx_of("{{ remedy.nope() }}"))
    assert failing.status_code == 422
    assert failing.json()["code"] == "template_render_failed"
    not_docx = _put(api, "reply", b"%PDF-1.4 not a template")
    assert not_docx.status_code == 422
    assert not_docx.json()["code"] == "template_not_docx"
    # every refusal left the good template in place
    assert api.client.get("/api/v1/agencies/a1/templates/reply", headers=api.headers("a1")).content == good

    reset = api.client.delete("/api/v1/agencies/a1/templates/reply", headers=api.headers("a1", Role.ADMIN))
    assert reset.status_code == 200
    assert reset.json()["custom"] is False
    audit = api.client.get("/api/v1/audit", params={"action": "template"}, headers=api.headers("a1", Role.ADMIN))
    actions = [item["action"] for item in audit.json()["items"]]
    assert actions.count("template.upload") == 1
    assert actions.count("template.reset") == 1


def test_sandbox_refuses_template_code(api):
    api.agency("a1")
    attack = _put(api, "reply", docx_of("{{ title.__class__.__mro__[1].__subclasses__() }}"))
    assert attack.status_code == 422


def test_only_administrators_of_the_agency_upload(api):
    api.agency("a1")
    api.agency("b1")
    content = docx_of("{{ agency_name }}")
    assert _put(api, "reply", content, Role.CLERK).status_code == 403
    assert _put(api, "reply", content, Role.ADMIN, agency="b1").status_code == 200
    other = api.client.put(
        "/api/v1/agencies/a1/templates/reply",
        files={"file": ("x.docx", content)},
        headers=api.headers("b1", Role.ADMIN),
    )
    assert other.status_code == 404
    assert _put(api, "no_such_kind", content).status_code == 404


def test_template_kinds_list_their_variables(api):
    api.agency("a1")
    kinds = api.client.get("/api/v1/template-kinds", headers=api.headers("a1", Role.CLERK)).json()
    reply = next(k for k in kinds if k["kind"] == "reply")
    assert "remedy" in reply["variables"]
    assert "decision" in reply["variables"]


def test_letter_profile_round_trip(api):
    api.agency("a1")
    body = {
        "level": "department",
        "review_body": "某市人民政府",
        "number_prefix": "某自然资信公开",
        "number_patterns": {"reply": "某自然资公复〔{year}〕{seq}号"},
        "receipt_overdue_days": 8,
    }
    default = api.client.get("/api/v1/agencies/a1/letter-profile", headers=api.headers("a1", Role.CLERK)).json()
    assert default["review_body"] == ""
    assert default["number_prefix"] == "a1 机关"
    assert (
        api.client.put(
            "/api/v1/agencies/a1/letter-profile", json=body, headers=api.headers("a1", Role.CLERK)
        ).status_code
        == 403
    )
    saved = api.client.put("/api/v1/agencies/a1/letter-profile", json=body, headers=api.headers("a1", Role.ADMIN))
    assert saved.status_code == 200, saved.text
    assert saved.json()["number_patterns"] == {"reply": "某自然资公复〔{year}〕{seq}号"}
    bad = api.client.put(
        "/api/v1/agencies/a1/letter-profile",
        json={**body, "number_patterns": {"reply": "某〔{year}〕号"}},
        headers=api.headers("a1", Role.ADMIN),
    )
    assert bad.status_code == 422
    assert bad.json()["code"] == "number_pattern_invalid"


def test_the_variable_documentation_is_generated_from_the_code():
    from pathlib import Path

    from app.document.variables import LETTER_VARIABLES, SAMPLE, variables_markdown

    assert set(SAMPLE) == set(LETTER_VARIABLES)
    docs = (Path(__file__).resolve().parents[2] / "docs" / "templates.md").read_text(encoding="utf-8")
    assert docs.endswith(variables_markdown())


def _with_empty_paragraphs(content: bytes, count: int) -> bytes:
    """``content`` with ``count`` empty paragraphs added to its body: a few KB packed, megabytes unpacked."""
    source = zipfile.ZipFile(io.BytesIO(content))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for part in source.infolist():
            data = source.read(part)
            if part.filename == "word/document.xml":
                data = data.replace(b"<w:body>", b"<w:body>" + b"<w:p/>" * count, 1)
            target.writestr(part, data)
    return out.getvalue()


def test_a_template_beyond_any_letter_is_refused_before_it_is_parsed(api):
    """The second security review's 40 KB upload of 300,000 empty paragraphs took a worker for a minute, and every
    letter from it killed one: refused now by its paragraph count, in Chinese, the old template kept."""
    api.agency("a1")
    bomb = _with_empty_paragraphs(docx_of("{{ agency_name }}"), 300_000)
    assert len(bomb) < 100_000
    refused = _put(api, "reply", bomb)
    assert refused.status_code == 422, refused.text
    assert refused.json()["code"] == "template_too_complex"
    assert "段落" in refused.json()["detail"]
    assert _put(api, "reply", _with_empty_paragraphs(docx_of("{{ agency_name }}"), 100)).status_code == 200


@pytest.mark.parametrize(
    "expression",
    [
        "{{ 'x' * 10**9 }}",  # a gigabyte string
        "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}",  # 10^10 steps
    ],
)
def test_an_uploaded_template_renders_under_time_and_memory_limits(api, monkeypatch, expression):
    monkeypatch.setattr(isolation, "RENDER_SECONDS", 5.0)
    monkeypatch.setattr(isolation, "RENDER_CPU_SECONDS", 3)
    api.agency("a1")
    refused = _put(api, "reply", docx_of("{{ agency_name }}", expression))
    assert refused.status_code == 422, refused.text
    assert refused.json()["code"] == "template_too_complex"
    assert "限制" in refused.json()["detail"]


def test_the_uploaded_template_keeps_a_safe_name(api):
    api.agency("a1")
    response = api.client.put(
        "/api/v1/agencies/a1/templates/reply",
        files={"file": ("../a\x00b\x1b[31m\u202e.docx", docx_of("{{ agency_name }}"), "application/octet-stream")},
        headers=api.headers("a1", Role.ADMIN),
    )
    assert response.status_code == 200, response.text
    assert response.json()["filename"] == "a%00b_[31m_.docx"  # httpx sends NUL percent-encoded; ESC and RLO dropped


def _edited(content: bytes, part: str, old: bytes, new: bytes) -> bytes:
    """``content`` with ``old`` replaced by ``new`` in its ``part`` (which must hold it)."""
    source = zipfile.ZipFile(io.BytesIO(content))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == part:
                assert old in data
                data = data.replace(old, new, 1)
            target.writestr(item, data)
    return out.getvalue()


BODY = "word/document.xml"
RELS = "word/_rels/document.xml.rels"
LINKED_PICTURE = (
    b'<Relationship Id="rIdX" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/image" '
    b'Target="http://127.0.0.1:18999/x.png" TargetMode="External"/></Relationships>'
)
HYPERLINK = (
    b'<Relationship Id="rIdH" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/hyperlink" '
    b'Target="https://www.gov.cn/" TargetMode="External"/></Relationships>'
)


def _field(*pieces: str) -> bytes:
    """A paragraph holding a field whose code is split over runs, as Word writes it."""
    runs = "".join(f'<w:r><w:instrText xml:space="preserve">{p}</w:instrText></w:r>' for p in pieces)
    return (
        f'<w:body><w:p><w:r><w:fldChar w:fldCharType="begin"/></w:r>{runs}'
        '<w:r><w:fldChar w:fldCharType="end"/></w:r></w:p>'
    ).encode()


@pytest.mark.parametrize(
    ("part", "old", "new"),
    [
        pytest.param(RELS, b"</Relationships>", LINKED_PICTURE, id="a picture linked to an address"),
        pytest.param(
            BODY,
            b"<w:body>",
            _field(" INCLUDE", 'PICTURE "http://127.0.0.1:18999/y.png" '),
            id="INCLUDEPICTURE split over two runs",
        ),
        pytest.param(BODY, b"<w:body>", _field(' &#73;NCLUDETEXT "C:\\\\secret.txt" '), id="an escaped INCLUDETEXT"),
        pytest.param(
            BODY,
            b"<w:body>",
            _field("{{ 'INCLUDE' ~ 'PICTURE' }} \"http://127.0.0.1:18999/z.png\""),
            id="a field code the template's expressions write",
        ),
        pytest.param(
            BODY,
            b"<w:body>",
            b'<w:body><w:p><w:r><w:pict><v:imagedata src="\\\\\\\\host\\\\share\\\\a.png"/></w:pict></w:r></w:p>',
            id="a VML picture on a network share",
        ),
        pytest.param(
            RELS,
            b"</Relationships>",
            LINKED_PICTURE.replace(b'TargetMode="External"', b'TargetMode="&#69;xternal"'),
            id="an escaped TargetMode",
        ),
        pytest.param(
            BODY,
            b"<w:body>",
            _field(' INCLUDE<!-- x -->PICTURE "http://127.0.0.1:18999/c.png" '),
            id="a field name split by a comment",
        ),
        pytest.param(BODY, b"<w:body>", _field(' DATABASE \\d "C:\\data.mdb" '), id="a DATABASE field"),
    ],
)
def test_a_template_that_would_make_the_server_fetch_something_is_refused(api, part, old, new):
    """A probe uploaded a template whose picture was linked to a loopback address: LibreOffice fetched it for every
    letter rendered to PDF (a server-side request forgery). Refused at upload, in Chinese, the old template kept;
    a hyperlink (followed only when a person clicks it) is allowed."""
    api.agency("a1")
    refused = _put(api, "reply", _edited(docx_of("{{ agency_name }}"), part, old, new))
    assert refused.status_code == 422, refused.text
    assert refused.json()["code"] == "template_external_reference"
    assert "外部" in refused.json()["detail"]
    assert (
        _put(
            api, "reply", _with_hyperlink(b'<w:hyperlink r:id="rIdH"><w:r><w:t>x</w:t></w:r></w:hyperlink>')
        ).status_code
        == 200
    )


def _with_hyperlink(run: bytes) -> bytes:
    """A template with the external hyperlink ``rIdH`` and ``run`` (which may refer to it) in its first paragraph."""
    linked = _edited(docx_of("{{ agency_name }}"), RELS, b"</Relationships>", HYPERLINK)
    return _edited(linked, BODY, b"<w:body><w:p>", b"<w:body><w:p>" + run)


def test_a_picture_linked_through_a_hyperlinks_relationship_is_refused(api):
    """The review's bypass: LibreOffice fetches a picture's ``r:link`` whatever type its relationship declares, so
    an external hyperlink is allowed only where hyperlinks alone refer to it."""
    api.agency("a1")
    picture = (
        b'<w:r><w:drawing><a:blip xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" r:link="rIdH"/>'
        b"</w:drawing></w:r>"
    )
    refused = _put(api, "reply", _with_hyperlink(picture))
    assert refused.status_code == 422, refused.text
    assert refused.json()["code"] == "template_external_reference"
    assert "https://www.gov.cn/" in refused.json()["detail"]


def test_the_scan_of_a_package_is_linear_in_its_size():
    """The review's 38 KB upload of unclosed tags took the first scan a minute (a pattern that ran to the part's end
    from each of them): every scan now stops at the next tag."""
    for junk in (b"<Relationship " * 71_000, b"<w:instrText " * 71_000, b" a" * 500_000, b"<!--" * 200_000):
        started = time.process_time()
        with zipfile.ZipFile(io.BytesIO(_edited(docx_of("x"), RELS, b"</Relationships>", junk))) as package:
            isolation.external_references(package)
        assert time.process_time() - started < 5


def test_no_letter_points_outside_itself_before_libreoffice_opens_it():
    """The last line of defence: ``to_pdf`` converts nothing that points outside itself (a letter made before the
    upload check), and the templates shipped are clean."""
    from app.document.docx import to_pdf
    from app.document.registry import template_kinds

    linked = _edited(docx_of("公开"), RELS, b"</Relationships>", LINKED_PICTURE)
    assert isolation.points_outside(linked)
    assert to_pdf(linked) is None
    assert len(template_kinds()) > 5
    for kind in template_kinds():
        assert not isolation.points_outside(kind.default.read_bytes()), kind.kind


@pytest.mark.parametrize(
    ("paragraphs", "code", "says"),
    [
        (["{% if remedy %}{{ remedy }"], "template_syntax", "不成对"),
        (["{% if remedy %}{{ remedy }}"], "template_syntax", "endif"),
        (["{% frobnicate %}"], "template_syntax", "frobnicate"),
        (["{{ }}"], "template_syntax", "缺少内容"),
        (["{{ remedy.nope() }}"], "template_render_failed", "nope"),
    ],
)
def test_a_broken_template_is_explained_in_chinese(api, paragraphs, code, says):
    """Jinja's messages are English ("Expected an expression, got 'end of statement block'"): the administrator
    reads what to fix in Chinese."""
    api.agency("a1")
    refused = _put(api, "reply", docx_of("{{ agency_name }}", *paragraphs))
    assert refused.status_code == 422, refused.text
    detail = refused.json()["detail"]
    assert refused.json()["code"] == code, detail
    assert says in detail
    assert set(re.findall(r"[A-Za-z]{4,}", detail)) <= {"endif", "endfor", "docx", "Word", "frobnicate", "nope"}, detail
    damaged = _put(api, "reply", b"PK\x03\x04" + b"\x00" * 200)
    assert damaged.json()["code"] == "template_not_docx"
    assert not re.search(r"[A-Za-z]{5,}", damaged.json()["detail"].replace(".docx", "").replace("Word", ""))
