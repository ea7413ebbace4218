"""Item 4: webhook destinations inside the server's networks are refused at subscription and at send time (after a
fresh lookup, connecting to the address checked); the allow-list lets a named internal OA system through; the API
tells no refused port from an open one; creating and deleting subscriptions is audited."""

from __future__ import annotations

import socket
import threading

import pytest
from sqlalchemy import select

from app.clock import utcnow
from app.db import transaction
from app.domain.roles import Role
from app.models import AuditRecord, WebhookDelivery, WebhookSubscription
from app.webhook import delivery
from app.webhook.destination import PinnedTransport, is_public

INSIDE = [
    "http://127.0.0.1/hook",
    "http://localhost:8000/hook",
    "http://2130706433/hook",  # 127.0.0.1 in decimal
    "http://0x7f000001/hook",  # in hex
    "http://0177.0.0.1/hook",  # in octal
    "http://127.1/hook",
    "http://[::1]/hook",
    "http://[::ffff:127.0.0.1]/hook",  # IPv4-mapped
    "http://[::ffff:a9fe:a9fe]/hook",  # 169.254.169.254, mapped and in hex
    "http://169.254.169.254/latest/meta-data/",
    "http://100.100.100.200/latest/meta-data/",  # Alibaba Cloud's metadata
    "http://10.1.2.3/hook",
    "http://172.16.0.1/hook",
    "http://192.168.1.1/hook",
    "http://[fd00:ec2::254]/hook",  # unique-local (AWS's IPv6 metadata)
    "http://[fe80::1]/hook",
    "http://0.0.0.0/hook",
    "http://224.0.0.1/hook",
    "http://[64:ff9b::7f00:1]/hook",  # NAT64 of 127.0.0.1
]
PUBLIC = "http://93.184.216.34/hook"


@pytest.fixture
def a1(api):
    api.agency("a1")
    return api.headers("a1", Role.ADMIN)


@pytest.mark.parametrize("url", INSIDE)
def test_destinations_inside_are_refused_at_subscription(api, a1, url):
    response = api.client.post("/api/v1/webhooks", json={"agency": "a1", "url": url}, headers=a1)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] in ("webhook_url_refused", "validation_failed")
    with transaction(api.factory) as session:
        assert session.scalars(select(WebhookSubscription)).all() == []


def test_a_public_destination_is_accepted_and_creating_and_deleting_are_audited(api, a1):
    created = api.client.post("/api/v1/webhooks", json={"agency": "a1", "url": PUBLIC}, headers=a1)
    assert created.status_code == 201, created.text
    assert api.client.delete(f"/api/v1/webhooks/{created.json()['id']}", headers=a1).status_code == 204
    with transaction(api.factory) as session:
        rows = session.scalars(select(AuditRecord).where(AuditRecord.entity_type == "webhook_subscription")).all()
        assert [r.action for r in rows] == ["webhook.create", "webhook.delete"]
        assert all("secret" not in (r.after or {}) for r in rows)


def test_is_public_by_kind_of_address():
    import ipaddress

    assert is_public(ipaddress.ip_address("93.184.216.34"))
    assert is_public(ipaddress.ip_address("2606:4700::1111"))
    assert not is_public(ipaddress.ip_address("::ffff:10.0.0.1"))
    assert not is_public(ipaddress.ip_address("2002:7f00:1::"))  # 6to4 of 127.0.0.1


def _deliver(factory, settings) -> None:
    with delivery.http_client(settings) as client:
        delivery.deliver_due(factory, client, utcnow())


class _Listener:
    """A TCP port that accepts and answers nothing HTTP (an internal service) — for the oracle test."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen()
        self.port = self.sock.getsockname()[1]
        self.accepted = 0
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.accepted += 1
            conn.sendall(b"SSH-2.0-OpenSSH_9.6\r\n")
            conn.close()


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _subscribe_directly(api, url: str) -> int:
    """A subscription whose name pointed outside when it was made and now points inside (stored as is)."""
    with transaction(api.factory) as session:
        from app.agency.repository import get_agency

        row = WebhookSubscription(
            agency_id=get_agency(session, "a1").id,
            url=url,
            event_types=["case.created"],
            secret="whsec_test",
            active=True,
            created_at=utcnow(),
            created_by="test",
        )
        session.add(row)
        session.flush()
        return row.id


def test_at_send_time_inside_destinations_are_refused_and_the_api_tells_no_port_from_another(
    api, a1, make_case, factory, settings
):
    listener = _Listener()
    open_id = _subscribe_directly(api, f"http://127.0.0.1:{listener.port}/hook")
    closed_id = _subscribe_directly(api, f"http://127.0.0.1:{_closed_port()}/hook")
    make_case()
    _deliver(factory, settings)
    assert listener.accepted == 0  # refused before connecting
    errors = []
    for subscription_id in (open_id, closed_id):
        rows = api.client.get(f"/api/v1/webhooks/{subscription_id}/deliveries", headers=a1).json()
        assert rows, subscription_id
        errors.append({(r["last_error"], r["last_status_code"]) for r in rows})
    assert errors[0] == errors[1]
    with transaction(factory) as session:
        assert all(d.attempts == 1 for d in session.scalars(select(WebhookDelivery)))


def test_allow_listed_hosts_are_reached_and_the_api_still_tells_no_port_from_another(
    api, a1, make_case, factory, settings
):
    listener = _Listener()
    open_id = _subscribe_directly(api, f"http://127.0.0.1:{listener.port}/hook")
    closed_id = _subscribe_directly(api, f"http://127.0.0.1:{_closed_port()}/hook")
    make_case()
    allowed = settings.model_copy(update={"webhook_allow_hosts": "127.0.0.1"})
    _deliver(factory, allowed)
    assert listener.accepted >= 1
    shown = [
        {r["last_error"] for r in api.client.get(f"/api/v1/webhooks/{i}/deliveries", headers=a1).json()}
        for i in (open_id, closed_id)
    ]
    assert shown[0] == shown[1]
    assert None not in shown[0]


def test_the_transport_connects_to_the_address_it_checked(monkeypatch):
    import httpx

    seen = []

    class Recorder(httpx.BaseTransport):
        def handle_request(self, request: httpx.Request) -> httpx.Response:
            seen.append((str(request.url), request.headers["host"], request.extensions.get("sni_hostname")))
            return httpx.Response(204)

    answers = iter([[(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.216.34", 443))]])
    monkeypatch.setattr(socket, "getaddrinfo", lambda *a, **k: next(answers))
    with httpx.Client(transport=PinnedTransport((), inner=Recorder())) as client:
        client.post("https://oa.example.gov.cn/hook", content=b"{}")
    assert seen == [("https://93.184.216.34/hook", "oa.example.gov.cn", "oa.example.gov.cn")]
