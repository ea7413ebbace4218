"""Sign-in, lock-out, session cookies and CSRF, service tokens and their rotation, masking of personal data."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from sqlalchemy import update

from app.agency import repository as agencies
from app.agency import service as agency_service
from app.auth import service as auth_service
from app.clock import utcnow
from app.db import transaction
from app.domain.roles import Role, permission_table
from app.main import create_app
from app.models import ApiToken, LoginThrottle, UserSession
from app.settings import Settings
from app.user import service as user_service

URL = "/api/v1"
PASSWORD = "correct-horse-battery"


def make_user(api, username="zhang", agency="a1", role=Role.CLERK):
    with transaction(api.factory) as session:
        user = user_service.create_user(
            session, username, "张三", PASSWORD, [(agencies.get_agency(session, agency), role)], actor="test"
        )
    return user.id


def login(client, username="zhang", password=PASSWORD):
    return client.post(f"{URL}/auth/login", json={"username": username, "password": password})


@pytest.fixture
def a1(api):
    api.agency("a1")
    api.agency("a2")


def test_login_sets_a_strict_http_only_cookie_and_returns_memberships(api, a1):
    make_user(api)
    response = login(api.client)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["actor"] == "user:zhang"
    assert body["memberships"] == [{"agency": "a1", "agency_name": "a1 机关", "role": "clerk"}]
    assert body["csrf_token"]
    cookie = response.headers["set-cookie"].lower()
    assert "gongkai_session=" in cookie
    assert "httponly" in cookie
    assert "samesite=strict" in cookie
    assert "path=/" in cookie
    assert "secure" not in cookie  # the test environment serves plain HTTP
    me = api.client.get(f"{URL}/auth/me")
    assert me.json()["user"]["username"] == "zhang"
    assert me.json()["csrf_token"] == body["csrf_token"]


def test_cookie_is_secure_outside_development(settings, factory):
    production = Settings(database_url=settings.database_url, environment="production", secret_key="k" * 32)
    with transaction(factory) as session:
        agency = agency_service.create_agency(session, code="x", name="X 机关")
        user_service.create_user(session, "li", "李四", PASSWORD, [(agency, Role.CLERK)], actor="test")
    with TestClient(create_app(production), base_url="https://testserver") as client:
        response = login(client, "li")
    assert response.status_code == 200
    assert "secure" in response.headers["set-cookie"].lower()


def test_unknown_user_and_wrong_password_look_the_same(api, a1):
    make_user(api)
    unknown = login(api.client, "nobody")
    wrong = login(api.client, "zhang", "wrong-password")
    assert unknown.status_code == wrong.status_code == 401
    assert unknown.json()["code"] == wrong.json()["code"] == "login_failed"
    assert unknown.json()["detail"] == wrong.json()["detail"]
    assert unknown.headers["content-type"] == "application/problem+json"


@pytest.fixture
def cheap_hashing(monkeypatch):
    """These tests make dozens of attempts: argon2 with its smallest cost keeps them quick (the cost is not their
    subject)."""
    monkeypatch.setattr(auth_service, "_hasher", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))
    auth_service._dummy_hash.cache_clear()
    yield
    auth_service._dummy_hash.cache_clear()


def _attempt(api, username, password, client):
    with transaction(api.factory) as session:
        result = auth_service.login(session, api.factory, username, password, timedelta(hours=1), client)
    return result if isinstance(result, auth_service.Refused) else "ok"


def test_unknown_and_real_accounts_are_answered_alike_and_only_the_guessing_address_is_stopped(api, a1, cheap_hashing):
    make_user(api)
    for name in ("zhang", "nobody"):
        answers = [_attempt(api, name, "wrong-password", "10.0.0.1") for _ in range(7)]
        assert [a.reason for a in answers] == [auth_service.Refusal.FAILED] * 5 + [auth_service.Refusal.THROTTLED] * 2
        assert all(0 < a.retry_after <= 15 * 60 + 1 for a in answers[5:])
    assert _attempt(api, "zhang", PASSWORD, "10.0.0.1").reason is auth_service.Refusal.THROTTLED
    assert _attempt(api, "zhang", PASSWORD, "10.0.0.2") == "ok"  # the account itself is not locked
    refused = login(api.client, "nobody", "x")
    assert (refused.status_code, refused.json()["code"]) == (401, "login_failed")


def test_a_success_takes_back_only_its_own_count_and_an_administrator_lifts_the_block(api, a1, cheap_hashing):
    """Failures stay counted after a success: forgiving them would forgive parallel guesses from the same address."""
    user_id = make_user(api)
    for _ in range(3):
        _attempt(api, "zhang", "wrong-password", "10.0.0.1")
    assert [_attempt(api, "zhang", PASSWORD, "10.0.0.1") for _ in range(3)] == ["ok"] * 3
    assert [_attempt(api, "zhang", "x", "10.0.0.1").reason for _ in range(3)] == [auth_service.Refusal.FAILED] * 2 + [
        auth_service.Refusal.THROTTLED
    ]
    assert _attempt(api, "zhang", PASSWORD, "10.0.0.1").reason is auth_service.Refusal.THROTTLED
    other_admin = api.headers("a2", Role.ADMIN)
    assert api.client.post(f"{URL}/users/{user_id}/unlock", headers=other_admin).status_code == 404
    unlocked = api.client.post(f"{URL}/users/{user_id}/unlock", headers=api.headers("a1", Role.ADMIN))
    assert unlocked.status_code == 200
    assert _attempt(api, "zhang", PASSWORD, "10.0.0.1") == "ok"


def test_many_failures_from_one_address_are_throttled_across_accounts(api, a1, cheap_hashing):
    make_user(api)
    for n in range(auth_service.ADDRESS_LIMIT.attempts):
        assert login(api.client, f"nobody{n}", "guess-password").status_code == 401
    throttled = login(api.client)  # a real account with its right password, from the same address
    assert throttled.status_code == 429
    assert throttled.json()["code"] == "too_many_logins"
    assert 0 < int(throttled.headers["Retry-After"]) <= auth_service.ADDRESS_LIMIT.window.total_seconds() + 1
    assert _attempt(api, "zhang", PASSWORD, "10.0.0.9") == "ok"
    with transaction(api.factory) as session:
        session.execute(update(LoginThrottle).values(window_start=utcnow() - auth_service.ADDRESS_LIMIT.window))
    assert login(api.client).status_code == 200


def test_an_account_guessed_from_everywhere_is_slowed_down_not_locked(api, a1, cheap_hashing):
    make_user(api)
    for n in range(auth_service.ACCOUNT_LIMIT.attempts):
        assert _attempt(api, "zhang", "guess", f"10.1.0.{n}").reason is auth_service.Refusal.FAILED
    assert _attempt(api, "zhang", PASSWORD, "10.2.0.1") == "ok"  # the first turn past the limit
    for n in range(auth_service.ACCOUNT_LIMIT.attempts + 1):
        _attempt(api, "zhang", "guess", f"10.3.0.{n}")
    slowed = _attempt(api, "zhang", PASSWORD, "10.4.0.1")
    assert slowed.reason is auth_service.Refusal.THROTTLED
    assert slowed.retry_after <= auth_service.ACCOUNT_INTERVAL.total_seconds() + 1
    with transaction(api.factory) as session:
        session.execute(update(LoginThrottle).values(next_at=utcnow()))
    assert _attempt(api, "zhang", PASSWORD, "10.4.0.1") == "ok"


def test_cookie_writes_need_the_csrf_token(api, a1):
    make_user(api)
    csrf = login(api.client).json()["csrf_token"]
    body = {
        "agency": "a1",
        "applicant": {"type": "natural_person", "name": "张三"},
        "channel": "in_person",
        "receipt": {"submitted_on": "2026-03-02"},
        "request": {"description": "某文件"},
    }
    missing = api.client.post(f"{URL}/cases", json=body)
    assert missing.status_code == 403
    assert missing.json()["code"] == "csrf_failed"
    forged = api.client.post(f"{URL}/cases", json=body, headers={"X-CSRF-Token": "guess"})
    assert forged.json()["code"] == "csrf_failed"
    created = api.client.post(f"{URL}/cases", json=body, headers={"X-CSRF-Token": csrf})
    assert created.status_code == 201, created.text
    assert created.json()["created_by"] == "user:zhang"
    assert api.client.get(f"{URL}/cases").status_code == 200  # reads need no CSRF token
    assert api.client.post(f"{URL}/auth/logout").json()["code"] == "csrf_failed"
    assert api.client.post(f"{URL}/auth/logout", headers={"X-CSRF-Token": csrf}).status_code == 204
    api.client.cookies.clear()
    assert api.client.get(f"{URL}/cases").status_code == 401


def test_idle_sessions_and_deactivated_users_are_signed_out(api, a1):
    user_id = make_user(api)
    login(api.client)
    with transaction(api.factory) as session:
        session.execute(update(UserSession).values(expires_at=utcnow() - timedelta(seconds=1)))
    expired = api.client.get(f"{URL}/auth/me")
    assert expired.status_code == 401
    assert expired.json()["code"] == "session_expired"
    login(api.client)
    deactivated = api.client.post(f"{URL}/users/{user_id}/deactivation", headers=api.headers("a1", Role.ADMIN))
    assert deactivated.json()["is_active"] is False
    assert api.client.get(f"{URL}/auth/me").status_code == 401
    assert login(api.client).json()["code"] == "login_failed"


@pytest.mark.parametrize("kind", ["forged", "expired", "revoked"])
def test_bad_tokens_are_401(api, a1, kind):
    with transaction(api.factory) as session:
        token, plain = auth_service.create_token(session, agencies.get_agency(session, "a1"), Role.CLERK, "t")
        if kind == "expired":
            token.expires_at = utcnow() - timedelta(seconds=1)
        if kind == "revoked":
            token.revoked_at = utcnow()
    if kind == "forged":
        plain = plain[:-2] + ("AA" if not plain.endswith("AA") else "BB")
    response = api.client.get(f"{URL}/meta/codes", headers={"Authorization": f"Bearer {plain}"})
    assert response.status_code == 401
    assert response.json()["code"] == "invalid_token"


def test_token_lifecycle_create_list_rotate_revoke(api, a1):
    admin = api.headers("a1", Role.ADMIN)
    created = api.client.post(
        f"{URL}/tokens", json={"agency": "a1", "role": "integration", "name": "oa-prod"}, headers=admin
    )
    assert created.status_code == 201, created.text
    old = created.json()
    assert old["created_by"].startswith("token:test-admin")
    old_auth = {"Authorization": f"Bearer {old['token']}"}
    listed = api.client.get(f"{URL}/tokens", headers=admin).json()
    assert {t["name"] for t in listed} >= {"oa-prod"}
    assert all("token" not in t for t in listed)

    rotated = api.client.post(f"{URL}/tokens/{old['id']}/rotation", headers=admin)
    assert rotated.status_code == 201
    new = rotated.json()
    assert new["rotated_from_id"] == old["id"]
    assert api.client.get(f"{URL}/meta/codes", headers=old_auth).status_code == 200  # within the grace period
    again = api.client.post(f"{URL}/tokens/{old['id']}/rotation", headers=admin)
    assert again.json()["code"] == "token_not_rotatable"
    with transaction(api.factory) as session:
        session.execute(update(ApiToken).where(ApiToken.id == old["id"]).values(grace_until=utcnow()))
    assert api.client.get(f"{URL}/meta/codes", headers=old_auth).status_code == 401

    new_auth = {"Authorization": f"Bearer {new['token']}"}
    assert api.client.get(f"{URL}/meta/codes", headers=new_auth).status_code == 200
    revoked = api.client.post(f"{URL}/tokens/{new['id']}/revocation", headers=admin)
    assert revoked.json()["revoked_at"] is not None
    assert api.client.get(f"{URL}/meta/codes", headers=new_auth).status_code == 401


def test_a_token_of_another_agency_does_not_see_the_case(api, make_case):
    case = make_case()
    api.agency("a2")
    response = api.client.get(f"{URL}/cases/{case['id']}", headers=api.headers("a2", Role.ADMIN))
    assert response.status_code == 404
    assert response.json()["code"] == "case_not_found"


@pytest.mark.parametrize(
    ("role", "id_number", "phone"),
    [
        (Role.CLERK, "110101199001011234", "13800001234"),
        (Role.ADMIN, "110101199001011234", "13800001234"),
        (Role.AUDITOR, "1101**********1234", "138****1234"),
    ],
)
def test_personal_numbers_are_shown_in_full_only_to_who_may_read_them(api, make_case, role, id_number, phone):
    applicant = {"type": "natural_person", "name": "张三", "id_number": "110101199001011234", "phone": "13800001234"}
    created = make_case(applicant=applicant)
    assert created["applicant"]["id_number"] == "1101**********1234"  # only GET /cases/{id} shows them
    shown = api.client.get(f"{URL}/cases/{created['id']}", headers=api.headers("a1", role)).json()
    assert (shown["applicant"]["id_number"], shown["applicant"]["phone"]) == (id_number, phone)


def test_users_are_managed_within_the_admins_agencies(api, a1):
    admin = api.headers("a1", Role.ADMIN)
    body = {
        "username": "wang",
        "display_name": "王五",
        "password": PASSWORD,
        "memberships": [{"agency": "a1", "role": "clerk"}],
    }
    created = api.client.post(f"{URL}/users", json=body, headers=admin)
    assert created.status_code == 201, created.text
    user_id = created.json()["id"]
    assert api.client.post(f"{URL}/users", json=body, headers=admin).json()["code"] == "username_taken"
    short = api.client.post(f"{URL}/users", json={**body, "username": "w2", "password": "short"}, headers=admin)
    assert short.json()["code"] == "password_weak"
    foreign = {**body, "username": "w3", "memberships": [{"agency": "a2", "role": "clerk"}]}
    assert api.client.post(f"{URL}/users", json=foreign, headers=admin).json()["code"] == "agency_not_found"
    promoted = api.client.put(f"{URL}/users/{user_id}/memberships/a1", json={"role": "supervisor"}, headers=admin)
    assert promoted.json()["memberships"][0]["role"] == "supervisor"
    assert [u["username"] for u in api.client.get(f"{URL}/users", headers=admin).json()] == ["wang"]
    assert api.client.get(f"{URL}/users", headers=api.headers("a2", Role.ADMIN)).json() == []
    signed_in = login(api.client, "wang")
    assert signed_in.json()["memberships"][0]["role"] == "supervisor"


def test_a_users_last_role_is_not_removed_which_would_leave_the_account_out_of_every_admins_reach(api, a1):
    """An account in no agency is in no administrator's scope (404 for every later call) and its username stays
    taken: removing its last role is refused with what to do instead; removing one of two is not."""
    admin = api.headers("a1", Role.ADMIN)
    user_id = make_user(api, "li", "a1")
    last = api.client.delete(f"{URL}/users/{user_id}/memberships/a1", headers=admin)
    assert last.status_code == 409, last.text
    assert last.json()["code"] == "last_membership"
    assert "停用账户" in last.json()["detail"]
    assert api.client.get(f"{URL}/users", headers=admin).json()[0]["memberships"] == [
        {"agency": "a1", "agency_name": "a1 机关", "role": "clerk"}
    ]
    with transaction(api.factory) as session:
        li, a2 = user_service.get_user(session, "li"), agencies.get_agency(session, "a2")
        user_service.grant(session, li, a2, Role.CLERK)
    moved = api.client.delete(f"{URL}/users/{user_id}/memberships/a1", headers=admin)
    assert moved.status_code == 200, moved.text
    assert moved.json()["memberships"] == []  # a2's role is not a1's administrator's to see
    assert api.client.get(f"{URL}/users", headers=admin).json() == []


@pytest.mark.parametrize("action", ["password-reset", "unlock", "deactivation"])
def test_an_admin_of_one_agency_cannot_act_on_an_account_that_is_also_elsewhere(api, a1, action):
    """Resetting the password of a user who also belongs to another agency (or is a system administrator) would let
    an administrator of one agency sign in as them and use their rights there: only an administrator of all of the
    user's agencies may reset, unlock or stop the account."""
    admin_a1 = api.headers("a1", Role.ADMIN)
    both = make_user(api, "boss", "a2", Role.ADMIN)
    system = make_user(api, "root", "a1", Role.CLERK)
    with transaction(api.factory) as session:
        user_service.grant(
            session, user_service.get_user(session, "boss"), agencies.get_agency(session, "a1"), Role.CLERK
        )
        user_service.set_system_admin(session, user_service.get_user(session, "root"), True, actor="test")
    refused = api.client.post(f"{URL}/users/{both}/{action}", headers=admin_a1)
    assert refused.status_code == 403, refused.text
    assert refused.json()["code"] == "user_in_other_agencies"
    assert "temporary_password" not in refused.text
    refused = api.client.post(f"{URL}/users/{system}/{action}", headers=admin_a1)
    assert (refused.status_code, refused.json()["code"]) == (403, "user_is_system_admin")
    own = make_user(api, "li", "a1", Role.CLERK)
    assert api.client.post(f"{URL}/users/{own}/{action}", headers=admin_a1).status_code == 200
    assert login(api.client, "boss").status_code == 200  # still their password, still active


def test_a_token_named_before_names_were_checked_can_still_be_rotated(api, a1):
    """A new token's name is checked (``create_token``), a rotation copies the old one as it is."""
    with transaction(api.factory) as session:
        agency = agencies.get_agency(session, "a1")
        token, _ = auth_service.create_token(session, agency, Role.CLERK, "oa")
        token.name = "oa\x01legacy"  # stored by an earlier version
    with pytest.raises(user_service.InvalidInput, match="令牌名称"), transaction(api.factory) as session:
        auth_service.create_token(session, agencies.get_agency(session, "a1"), Role.CLERK, "oa\x01")
    rotated = api.client.post(f"{URL}/tokens/{token.id}/rotation", headers=api.headers("a1", Role.ADMIN))
    assert rotated.status_code == 201, rotated.text


def test_docs_permission_table_matches_the_code():
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    assert permission_table() in readme, "regenerate the table in README.md from app.domain.roles.permission_table()"
