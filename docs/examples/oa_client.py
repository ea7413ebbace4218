"""An OA system talking to gongkai: create a case safely under retries, find it by the OA's own reference, record a
step, and verify the webhooks gongkai sends back. Standard library + httpx only; copy and adapt.

    GONGKAI_URL=https://gongkai.example.gov.cn GONGKAI_TOKEN=gk_... python docs/examples/oa_client.py nrb

(``gongkai token create --agency nrb --role integration --name oa-prod`` prints the token.) A test runs this file
against a live server, so it stays true to the API (tests/test_oa_client.py).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import sys
import time
import uuid
from collections.abc import Mapping
from typing import Any

import httpx

RETRYABLE = {429, 502, 503, 504}


class GongkaiError(Exception):
    """A problem+json answer: ``code`` is stable (branch on it), ``detail`` is for people."""

    def __init__(self, status: int, problem: dict[str, Any]) -> None:
        super().__init__(f"{status} {problem.get('code')}: {problem.get('detail')}")
        self.status = status
        self.code = problem.get("code")
        self.problem = problem


class GongkaiClient:
    def __init__(self, base_url: str, token: str, *, attempts: int = 4, transport: httpx.BaseTransport | None = None):
        self.http = httpx.Client(
            base_url=base_url.rstrip("/") + "/api/v1",
            headers={"Authorization": f"Bearer {token}"},
            timeout=10.0,
            transport=transport,
        )
        self.attempts = attempts

    def _send(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """Retry network errors and 429/5xx with backoff. A POST carries one Idempotency-Key for all its attempts,
        so a retry after a lost answer returns the first answer instead of creating a second case."""
        headers = dict(kwargs.pop("headers", {}))
        if method == "POST":
            headers.setdefault("Idempotency-Key", str(uuid.uuid4()))
        for attempt in range(self.attempts):
            try:
                response = self.http.request(method, path, headers=headers, **kwargs)
            except httpx.TransportError:
                if attempt == self.attempts - 1:
                    raise
            else:
                if response.status_code not in RETRYABLE or attempt == self.attempts - 1:
                    if response.is_error:
                        raise GongkaiError(response.status_code, response.json())
                    return response
            time.sleep(min(0.5 * 2**attempt, 8))
        raise AssertionError("unreachable")

    def create_case(self, body: dict[str, Any], idempotency_key: str | None = None) -> httpx.Response:
        headers = {"Idempotency-Key": idempotency_key} if idempotency_key else {}
        return self._send("POST", "/cases", json=body, headers=headers)

    def find_by_external_ref(self, external_ref: str) -> dict[str, Any] | None:
        items = self._send("GET", "/cases", params={"external_ref": external_ref}).json()["items"]
        return items[0] if items else None

    def record_step(self, case_id: int, step: str, body: dict[str, Any], etag: str | None = None) -> httpx.Response:
        """``step`` is the sub-resource, e.g. ``consultation`` or ``conclusion``; ``etag`` (from the last answer)
        makes the step fail with 412 if someone changed the case meanwhile."""
        headers = {"If-Match": etag} if etag else {}
        return self._send("POST", f"/cases/{case_id}/{step}", json=body, headers=headers)


class WebhookVerifier:
    """Check ``X-Gongkai-Signature: t=<unix>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`` and drop repeats."""

    def __init__(self, secret: str, tolerance: int = 300) -> None:
        self.secret = secret.encode()
        self.tolerance = tolerance
        self.seen: set[str] = set()  # use a table with a unique key in production

    def accept(self, headers: Mapping[str, str], body: bytes, now: float | None = None) -> bool:
        """True for a new, authentic event; False for a repeat (answer 200 anyway). Raises on a bad signature."""
        fields = dict(p.split("=", 1) for p in headers["X-Gongkai-Signature"].split(",") if "=" in p)
        timestamp = int(fields["t"])
        if abs((now if now is not None else time.time()) - timestamp) > self.tolerance:
            raise ValueError("stale or future timestamp")
        expected = hmac.new(self.secret, f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, fields.get("v1", "")):
            raise ValueError("bad signature")
        event_id = headers["X-Gongkai-Event-Id"]
        if event_id in self.seen:
            return False
        self.seen.add(event_id)
        return True


def demo(client: GongkaiClient, agency: str, external_ref: str, received: str, concluded: str) -> dict[str, Any]:
    body = {
        "agency": agency,
        "external_ref": external_ref,
        "applicant": {"type": "natural_person", "name": "张三", "phone": "13800000000"},
        "channel": "online",
        "receipt": {"confirmed_on": received},
        "request": {"description": "2025年某地块土地征收批复文件", "form": "electronic", "delivery": "email"},
    }
    key = str(uuid.uuid4())
    created = client.create_case(body, key)
    retried = client.create_case(body, key)  # e.g. after a timeout: same key, same answer, no second case
    if retried.json()["id"] != created.json()["id"] or retried.headers.get("Idempotent-Replayed") != "true":
        raise RuntimeError("the retry was not answered with the original response")
    found = client.find_by_external_ref(external_ref)
    if found is None or found["id"] != created.json()["id"]:
        raise RuntimeError(f"{external_ref} not found by external_ref")
    step = client.record_step(
        found["id"], "conclusion", {"on": concluded, "disposition": "disclosed"}, created.headers.get("ETag")
    )
    result: dict[str, Any] = step.json()
    return result


if __name__ == "__main__":
    with_client = GongkaiClient(os.environ["GONGKAI_URL"], os.environ["GONGKAI_TOKEN"])
    case = demo(
        with_client, sys.argv[1], f"OA-{uuid.uuid4().hex[:8]}", time.strftime("%Y-%m-%d"), time.strftime("%Y-%m-%d")
    )
    print(case["number"], case["status"])
