"""No input makes the API fail with a 500: every operation is fuzzed from the committed OpenAPI description
(``openapi/openapi.json``, kept current by ``tests/test_cli.py``).

Bounded (a few dozen examples per operation, derandomised) so the suite stays fast and repeatable; for a deeper
search run ``schemathesis run http://127.0.0.1:8000/openapi.json -H "Authorization: Bearer …"`` against a server.
"""

from __future__ import annotations

from pathlib import Path

import schemathesis
from hypothesis import HealthCheck, settings

from app.domain.roles import Role

SPEC = Path(__file__).resolve().parent.parent / "openapi" / "openapi.json"
# Operations that would end the test's own credentials; their refusals are covered in tests/api/test_auth.py.
SELF_DESTRUCTIVE = "revocation|rotation|deactivation|logout|memberships"

schema = schemathesis.openapi.from_path(SPEC)


@schema.exclude(path_regex=SELF_DESTRUCTIVE).parametrize()
@settings(max_examples=20, derandomize=True, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_input_causes_a_server_error(case, api, make_case):
    if not api.tokens:
        make_case()
        make_case(received="2026-03-03")
    request = case.as_transport_kwargs(base_url="", headers=api.headers("a1", Role.ADMIN))
    request.pop("cookies", None)  # the API is called with a bearer token; generated cookies mean nothing to it
    if isinstance(request.get("data"), bytes | str):
        request["content"] = request.pop("data")
    if request.get("files"):
        # a generated multipart part may hold a number, which the test client itself cannot encode
        request["files"] = [
            (name, (part[0], part[1] if isinstance(part[1], bytes | str) else str(part[1])))
            for name, part in request["files"]
        ]
    response = api.client.request(**request)
    assert response.status_code < 500, f"{case.method} {case.formatted_path}: {response.text[:300]}"
