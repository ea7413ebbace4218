"""Items 6, 10 and 11: control characters are refused with a field error in Chinese at the API, in the web forms
and in imports (newline and tab allowed where text has lines); values the database cannot hold are refused by the
schemas (4xx, never 500, the same on both databases); production needs its secret key, the first run's credentials go
to an owner-only file, and X-Forwarded-For is trusted only from the proxy named."""

from __future__ import annotations

import json
import re
import stat

import pytest
from typer.testing import CliRunner

from app.agency import repository as agencies
from app.case.schemas import MAX_FEE_YUAN
from app.cli import cli, keep_first_run
from app.db import transaction
from app.domain.roles import Role
from app.serving import HTTP_PROTOCOL
from app.user import service as user_service

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def test_a_control_character_is_a_field_error_in_chinese(api, make_case):
    make_case()
    body = {
        "agency": "a1",
        "applicant": {"type": "natural_person", "name": "张\x07三"},
        "channel": "in_person",
        "receipt": {"submitted_on": "2026-03-02"},
        "request": {"description": "第一行\r\n第二行\t（附表）"},
    }
    refused = api.client.post("/api/v1/cases", json=body, headers=api.headers("a1"))
    assert refused.status_code == 422
    (error,) = refused.json()["errors"]
    assert error["field"] == "applicant.name"
    assert error["type"] == "control_character"
    assert "控制字符" in error["message"]
    assert "U+0007" in error["message"]
    body["applicant"]["name"] = "张三"  # type: ignore[index]
    accepted = api.client.post("/api/v1/cases", json=body, headers=api.headers("a1"))
    assert accepted.status_code == 201, accepted.text
    case = api.client.get(f"/api/v1/cases/{accepted.json()['id']}", headers=api.headers("a1")).json()
    assert case["request"]["description"] == "第一行\n第二行\t（附表）"


def test_the_web_form_shows_the_error_at_its_field(api, make_case):
    make_case()
    with transaction(api.factory) as session:
        user_service.create_user(
            session, "zhang", "张", "web-password-1", [(agencies.get_agency(session, "a1"), Role.CLERK)], actor="t"
        )
    assert api.client.post("/login", data={"username": "zhang", "password": "web-password-1"}).status_code in (200, 303)
    token = CSRF.search(api.client.get("/cases/new").text)[1]
    form = {
        "csrf_token": token,
        "agency": "a1",
        "applicant.type": "natural_person",
        "applicant.name": "张\x1b三",
        "channel": "in_person",
        "receipt@in_person": "2026-03-02",
        "request.description": "某文件",
    }
    page = api.client.post("/cases", data=form)
    assert page.status_code == 422
    assert page.headers["content-type"].startswith("text/html")
    assert "控制字符" in page.text


def test_an_import_line_with_a_control_character_is_reported(api, make_case, settings, monkeypatch, tmp_path):
    make_case()
    monkeypatch.setenv("GONGKAI_DATABASE_URL", settings.database_url)
    line = {
        "agency": "a1",
        "applicant_type": "natural_person",
        "applicant_name": "王\x00五",
        "channel": "in_person",
        "received_date": "2026-03-02",
    }
    file = tmp_path / "cases.jsonl"
    file.write_text(json.dumps(line, ensure_ascii=False) + "\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["cases", "import", str(file)])
    assert result.exit_code == 1
    assert "第1行" in result.output
    assert "控制字符" in result.output


def test_web_pages_answer_4xx_for_numbers_no_column_holds(api, make_case):
    make_case()
    with transaction(api.factory) as session:
        user_service.create_user(
            session, "li", "李", "web-password-1", [(agencies.get_agency(session, "a1"), Role.CLERK)], actor="t"
        )
    api.client.post("/login", data={"username": "li", "password": "web-password-1"})
    listing = api.client.get("/", params={"page": 10**20})
    assert listing.status_code == 200  # the list ignores a bad filter and says so
    assert "页码" in listing.text
    for path in (f"/cases/{10**25}", f"/cases/{10**25}/deadline", f"/cases/{2**31}"):
        page = api.client.get(path, headers={"Accept": "text/html"})
        assert page.status_code == 404, path
        assert page.headers["content-type"].startswith("text/html")


@pytest.mark.parametrize(("amount", "status"), [(MAX_FEE_YUAN, 200), (MAX_FEE_YUAN + 1, 422), (10**30, 422)])
def test_fee_amounts_are_bounded(api, make_case, amount, status):
    case = make_case()
    response = api.client.post(
        f"/api/v1/cases/{case['id']}/fee-notice", json={"on": "2026-03-05", "amount": amount}, headers=api.headers("a1")
    )
    assert response.status_code == status, response.text


def test_a_long_webhook_url_is_refused_on_both_databases(api, make_case):
    make_case()
    url = "http://93.184.216.34/" + "a" * 5000
    response = api.client.post(
        "/api/v1/webhooks", json={"agency": "a1", "url": url}, headers=api.headers("a1", Role.ADMIN)
    )
    assert response.status_code == 422


def test_first_run_credentials_go_to_an_owner_only_file(tmp_path):
    path = keep_first_run("用户名：admin\n密码：secret", tmp_path / "first.txt")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert "secret" in path.read_text(encoding="utf-8")
    with pytest.raises(FileExistsError):
        keep_first_run("again", path)


@pytest.mark.parametrize(("args", "trusted"), [([], False), (["--forwarded-allow-ips", "10.0.0.5"], True)])
def test_x_forwarded_for_is_trusted_only_from_the_proxy_named(settings, monkeypatch, tmp_path, args, trusted):
    import uvicorn

    started = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: started.update(options))
    monkeypatch.setenv("GONGKAI_DATABASE_URL", settings.database_url)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["serve", "--no-migrate", *args])
    assert result.exit_code == 0, result.output
    assert started["proxy_headers"] is trusted
    assert started["http"] == HTTP_PROTOCOL  # Nagle off on every connection (tests/ops/test_serving.py)
    assert "密码" not in result.output  # the first run's credentials are in the file, not on the terminal
    kept = tmp_path / "gongkai-first-run.txt"
    assert kept.exists()
    assert str(kept) in result.output.replace("\n", "")


# A text field of a request body that takes any characters, and why (everything else must be ``Line`` or ``Lines``).
UNCHECKED_TEXT = {
    ("LoginIn", "password"): "a password is hashed, never stored or shown: any character may be part of it",
    ("UserCreate", "password"): "the same",
    ("PasswordChange", "current_password"): "the same",
    ("PasswordChange", "new_password"): "the same",
    ("AgencyCreate", "code"): "a pattern of letters, digits and _.- only",
    ("Conclusion", "disposition"): "one of the disposition codes",
    ("ProseCheckIn", "tables"): "compared with the report, never stored",
}


def _text_fields_without_a_check(schema: object, field: str = "") -> set[str]:
    """The fields under a pydantic core schema whose text reaches the application without ``app.inputs``' check."""
    from app.inputs import LINE, LINES

    def checks(node: object) -> bool:
        if isinstance(node, dict):
            function = node.get("function")
            function = function.get("function") if isinstance(function, dict) else function
            return function in (LINE.func, LINES.func) or any(checks(v) for v in node.values())
        return isinstance(node, list) and any(checks(v) for v in node)

    if isinstance(schema, list):
        return set().union(*(_text_fields_without_a_check(v, field) for v in schema))
    if not isinstance(schema, dict):
        return set()
    kind = schema.get("type")
    if kind == "str":
        return {field}
    if kind in ("function-after", "function-before", "function-wrap", "chain") and checks(schema):
        return set()
    if kind == "model-fields":
        fields = schema["fields"]
        return set().union(set(), *(_text_fields_without_a_check(f, name) for name, f in fields.items()))
    return set().union(set(), *(_text_fields_without_a_check(v, field) for v in schema.values()))


def test_every_text_field_of_every_request_body_refuses_control_characters(settings):
    """Structural: walk each model the API accepts as a body (from the OpenAPI document) down to its text fields;
    each must go through ``app.inputs.Line``/``Lines`` unless listed above with its reason."""
    import importlib
    import pkgutil

    from pydantic import BaseModel

    import app
    from app.main import create_app

    document = create_app(settings).openapi()
    components = document["components"]["schemas"]
    named: set[str] = set()

    def refer(node: object) -> None:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and (name := ref.rsplit("/", 1)[1]) not in named:
                named.add(name)
                refer(components.get(name, {}))
            for value in node.values():
                refer(value)
        elif isinstance(node, list):
            for value in node:
                refer(value)

    for operations in document["paths"].values():
        for operation in operations.values():
            if isinstance(operation, dict) and "requestBody" in operation:
                refer(operation["requestBody"])
    for module in pkgutil.walk_packages(app.__path__, "app."):
        importlib.import_module(module.name)

    def models(cls: type[BaseModel]) -> list[type[BaseModel]]:
        return [m for sub in cls.__subclasses__() for m in (sub, *models(sub))]

    bodies = {m for m in models(BaseModel) if m.__module__.startswith("app.") and m.__name__.split("-")[0] in named}
    assert len(bodies) > 20  # the walk found the API's bodies (case steps, users, letters, reports …)
    unchecked = {
        (model.__name__, field)
        for model in bodies
        for field in _text_fields_without_a_check(model.__pydantic_core_schema__)
    }
    assert unchecked <= set(UNCHECKED_TEXT), sorted(unchecked - set(UNCHECKED_TEXT))
