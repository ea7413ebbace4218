"""docs/examples/oa_client.py against a live uvicorn server on 127.0.0.1, so that the example cannot rot."""

from __future__ import annotations

import importlib.util
import json
import socket
import threading
import time
from pathlib import Path

import pytest
import uvicorn

from app.deps import get_today
from app.domain.roles import Role
from app.main import create_app
from app.webhook.signing import sign

EXAMPLE = Path(__file__).resolve().parent.parent / "docs" / "examples" / "oa_client.py"


def load_example():
    spec = importlib.util.spec_from_file_location("oa_client", EXAMPLE)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def live(settings, api):
    app = create_app(settings)
    app.dependency_overrides[get_today] = lambda: api.clock.today
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(5)


def test_example_client_runs_against_a_live_server(api, live):
    oa = load_example()
    api.agency("nrb")
    token = api.headers("nrb", Role.INTEGRATION)["Authorization"].removeprefix("Bearer ")
    client = oa.GongkaiClient(live, token)
    case = oa.demo(client, "nrb", "OA-2026-000123", "2026-11-02", "2026-11-20")
    assert case["external_ref"] == "OA-2026-000123"
    assert case["status"] == "concluded"
    with pytest.raises(oa.GongkaiError) as refused:
        client.create_case({"agency": "nrb"})
    assert refused.value.status == 422
    assert refused.value.code == "validation_failed"


def test_example_verifier_accepts_our_signature_once_and_refuses_forgeries():
    oa = load_example()
    body = json.dumps({"id": "e1", "type": "case.created", "data": {}}).encode()
    now = int(time.time())
    headers = {"X-Gongkai-Signature": sign("whsec_x", now, body), "X-Gongkai-Event-Id": "e1"}
    verifier = oa.WebhookVerifier("whsec_x")
    assert verifier.accept(headers, body) is True
    assert verifier.accept(headers, body) is False  # a retry of the same event
    with pytest.raises(ValueError, match="bad signature"):
        verifier.accept(headers, body + b" ")
    with pytest.raises(ValueError, match="stale"):
        verifier.accept(headers, body, now=now + 301)
