"""Item 7: an idempotent answer is replayed only to a caller who is still authenticated; answers carrying a secret
are never stored; webhook secrets are encrypted at rest with the key from settings (required in production), and
re-encrypted under a new key by ``gongkai secrets reencrypt``."""

from __future__ import annotations

import pytest
from pydantic import ValidationError
from sqlalchemy import select
from typer.testing import CliRunner

from app.agency.repository import get_agency
from app.cli import cli
from app.clock import utcnow
from app.db import transaction
from app.domain.roles import Role
from app.keys import keyring
from app.models import DisclosureCase, IdempotencyKey, WebhookSubscription
from app.settings import Settings
from app.user import service as user_service
from app.user.service import get_user

PUBLIC = "http://93.184.216.34/hook"
CASE_BODY = {
    "agency": "a1",
    "applicant": {"type": "natural_person", "name": "张三"},
    "channel": "in_person",
    "receipt": {"submitted_on": "2026-03-02"},
    "request": {"description": "某地块征收批复"},
}


@pytest.fixture
def a1(api):
    api.agency("a1")
    return api.headers("a1", Role.ADMIN)


def test_a_revoked_token_gets_no_replay(api, a1):
    issuer = api.client.post("/api/v1/tokens", json={"agency": "a1", "role": "admin", "name": "issuer"}, headers=a1)
    issuer_headers = {"Authorization": f"Bearer {issuer.json()['token']}"}
    body = {"agency": "a1", "role": "clerk", "name": "oa"}
    created = api.client.post("/api/v1/tokens", json=body, headers={**issuer_headers, "Idempotency-Key": "k-1"})
    assert created.status_code == 201, created.text
    revoked = api.client.post(f"/api/v1/tokens/{issuer.json()['id']}/revocation", headers=a1)
    assert revoked.status_code == 200
    again = api.client.post("/api/v1/tokens", json=body, headers={**issuer_headers, "Idempotency-Key": "k-1"})
    assert again.status_code == 401, again.text
    assert created.json()["token"] not in again.text


@pytest.mark.parametrize("change", ["demoted", "removed", "unchanged"])
def test_an_answer_is_replayed_only_under_the_grant_it_was_made_under(api, a1, change):
    """A clerk (who may read personal numbers) creates a case with a key, then loses that role: a retry of the same
    request must not hand them the answer their old role got. With the same roles it is replayed as ever."""
    api.agency("a2")
    with transaction(api.factory) as session:
        user_service.create_user(
            session, "zhao", "赵六", "Kx7-lantern-204", [(get_agency(session, "a1"), Role.CLERK)], actor="test"
        )
    signed_in = api.client.post("/api/v1/auth/login", json={"username": "zhao", "password": "Kx7-lantern-204"})
    headers = {"X-CSRF-Token": signed_in.json()["csrf_token"], "Idempotency-Key": "k-grant"}
    applicant = {"type": "natural_person", "name": "张三", "id_number": "110101199001011234"}
    body = {
        "agency": "a1",
        "applicant": applicant,
        "channel": "in_person",
        "receipt": {"submitted_on": "2026-03-02"},
        "request": {"description": "某地块征收批复"},
    }
    created = api.client.post("/api/v1/cases", json=body, headers=headers)
    assert created.status_code == 201, created.text
    user_id = signed_in.json()["user"]["id"]
    if change == "demoted":
        changed = api.client.put(f"/api/v1/users/{user_id}/memberships/a1", json={"role": "auditor"}, headers=a1)
        assert changed.status_code == 200, changed.text
    elif change == "removed":
        with transaction(api.factory) as session:
            user_service.grant(session, get_user(session, "zhao"), get_agency(session, "a2"), Role.CLERK)
        removed = api.client.delete(f"/api/v1/users/{user_id}/memberships/a1", headers=a1)
        assert removed.status_code == 200, removed.text
    again = api.client.post("/api/v1/cases", json=body, headers=headers)
    if change == "unchanged":
        assert again.status_code == 201, again.text
        assert again.content == created.content
        return
    assert again.status_code == 409, again.text
    assert again.json()["code"] == "idempotent_grant_changed"
    assert again.headers["location"] == created.headers["location"]
    assert created.json()["number"] not in again.text
    with transaction(api.factory) as session:
        assert len(session.scalars(select(DisclosureCase)).all()) == 1  # still no second effect


def test_a_key_belongs_to_the_credential_that_is_checked_not_to_other_headers(api, a1):
    """Two clerks behind a proxy that adds one shared Basic login: authentication reads each one's session cookie,
    and so must the key's scope; the second clerk's request used to be answered with the first one's case."""
    cases = []
    for username in ("qian", "sun"):
        with transaction(api.factory) as session:
            user_service.create_user(
                session, username, username, "Kx7-lantern-204", [(get_agency(session, "a1"), Role.CLERK)], actor="test"
            )
        signed_in = api.client.post("/api/v1/auth/login", json={"username": username, "password": "Kx7-lantern-204"})
        headers = {
            "Cookie": f"gongkai_session={signed_in.cookies['gongkai_session']}",
            "X-CSRF-Token": signed_in.json()["csrf_token"],
            "Authorization": "Basic cHJveHk6c2hhcmVk",
            "Idempotency-Key": "same-key",
        }
        api.client.cookies.clear()
        created = api.client.post("/api/v1/cases", json=CASE_BODY, headers=headers)
        assert created.status_code == 201, created.text
        assert "idempotent-replayed" not in created.headers
        cases.append(created.json()["number"])
    assert cases[0] != cases[1]


@pytest.mark.parametrize("kind", ["token", "rotation", "webhook"])
def test_answers_with_a_secret_are_not_stored_and_not_replayed(api, a1, kind):
    if kind == "token":
        path, body = "/api/v1/tokens", {"agency": "a1", "role": "clerk", "name": "oa"}
    elif kind == "rotation":
        token = api.client.post("/api/v1/tokens", json={"agency": "a1", "role": "clerk", "name": "r"}, headers=a1)
        path, body = f"/api/v1/tokens/{token.json()['id']}/rotation", None
    else:
        path, body = "/api/v1/webhooks", {"agency": "a1", "url": PUBLIC}
    headers = {**a1, "Idempotency-Key": f"secret-{kind}"}
    first = api.client.post(path, json=body, headers=headers)
    assert first.status_code == 201, first.text
    assert first.headers["cache-control"] == "no-store"
    secret = first.json().get("token") or first.json().get("secret")
    with transaction(api.factory) as session:
        (row,) = session.scalars(select(IdempotencyKey)).all()
        assert row.status == 201
        assert row.body is None
    again = api.client.post(path, json=body, headers=headers)
    assert again.status_code == 409, again.text
    assert again.json()["code"] == "idempotent_answer_not_kept"
    assert secret not in again.text
    assert again.headers.get("location") == first.headers.get("location")


def test_webhook_secrets_are_encrypted_at_rest(api, a1):
    created = api.client.post("/api/v1/webhooks", json={"agency": "a1", "url": PUBLIC}, headers=a1)
    secret = created.json()["secret"]
    with transaction(api.factory) as session:
        stored = session.scalars(select(WebhookSubscription)).one().secret
    assert secret not in stored
    assert stored.startswith("enc:dev:")
    assert keyring(None, "dev", None).decrypt(stored) == secret


def test_production_refuses_to_start_without_a_secret_key(settings):
    with pytest.raises(ValidationError, match="GONGKAI_SECRET_KEY"):
        Settings(database_url=settings.database_url, environment="production")
    with pytest.raises(ValidationError, match="GONGKAI_SECRET_KEY"):
        Settings(database_url=settings.database_url, environment="production", secret_key="short")
    Settings(database_url=settings.database_url, environment="production", secret_key="x" * 32)


def test_reencrypt_moves_every_secret_to_the_current_key(api, a1, settings, monkeypatch):
    old = keyring("old-secret-key-" + "o" * 20, "k0", None)
    with transaction(api.factory) as session:
        from app.agency.repository import get_agency

        agency_id = get_agency(session, "a1").id
        for n, stored in enumerate(["whsec_plain_legacy", old.encrypt("whsec_under_k0")]):
            session.add(
                WebhookSubscription(
                    agency_id=agency_id,
                    url=f"{PUBLIC}/{n}",
                    event_types=["case.created"],
                    secret=stored,
                    active=True,
                    created_at=utcnow(),
                    created_by="test",
                )
            )
    new_key = "new-secret-key-" + "n" * 20
    monkeypatch.setenv("GONGKAI_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("GONGKAI_SECRET_KEY", new_key)
    monkeypatch.setenv("GONGKAI_SECRET_KEY_ID", "k1")
    monkeypatch.setenv("GONGKAI_OLD_SECRET_KEYS", "k0:old-secret-key-" + "o" * 20)
    result = CliRunner().invoke(cli, ["secrets", "reencrypt"])
    assert result.exit_code == 0, result.output
    current = keyring(new_key, "k1", None)
    with transaction(api.factory) as session:
        stored = [s.secret for s in session.scalars(select(WebhookSubscription).order_by(WebhookSubscription.id))]
    assert all(s.startswith("enc:k1:") for s in stored)
    assert [current.decrypt(s) for s in stored] == ["whsec_plain_legacy", "whsec_under_k0"]
