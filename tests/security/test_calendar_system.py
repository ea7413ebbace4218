"""Item 2: the working-day calendar is national. No agency role (not even a sub-agency's or a parent's admin) may
change it; a system administrator (granted on the server only) or the command line may, audited on the system
(``global``) chain."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from app.agency import repository as agencies
from app.cli import cli
from app.db import transaction
from app.domain.roles import Role
from app.models import AuditRecord
from app.user import service as user_service

PASSWORD = "Kx7-lantern-204"
NOTICE = {"year": 2031, "source": "测试通知", "holidays": ["2031-01-01"]}


@pytest.fixture
def agencies_pa(api):
    api.agency("p")
    api.agency("a", parent="p")
    with transaction(api.factory) as session:
        user_service.create_user(
            session, "sys", "系统管理员", PASSWORD, [(agencies.get_agency(session, "a"), Role.CLERK)], actor="test"
        )


def _global_records(api) -> list[AuditRecord]:
    with transaction(api.factory) as session:
        return list(session.scalars(select(AuditRecord).where(AuditRecord.chain == "global").order_by(AuditRecord.seq)))


def _grant(settings, monkeypatch, *args: str):
    monkeypatch.setenv("GONGKAI_DATABASE_URL", settings.database_url)
    return CliRunner().invoke(cli, ["user", "system-admin", "--username", "sys", *args])


@pytest.mark.parametrize("agency", ["a", "p"])
def test_no_agency_admin_changes_the_national_calendar(api, agencies_pa, agency):
    response = api.client.put("/api/v1/calendar/2031", json=NOTICE, headers=api.headers(agency, Role.ADMIN))
    assert response.status_code == 403, response.text
    assert response.json()["code"] == "forbidden"
    assert api.client.get("/api/v1/calendar/2031", headers=api.headers(agency, Role.ADMIN)).status_code == 404
    assert _global_records(api) == []


def test_a_system_administrator_granted_on_the_server_changes_it_audited_as_a_system_action(
    api, agencies_pa, settings, monkeypatch
):
    def put():
        me = api.client.post("/api/v1/auth/login", json={"username": "sys", "password": PASSWORD})
        assert me.status_code == 200, me.text
        headers = {"X-CSRF-Token": me.json()["csrf_token"]}
        return api.client.put("/api/v1/calendar/2031", json=NOTICE, headers=headers), me.json()

    refused, me = put()
    assert refused.status_code == 403
    assert me["user"]["system_admin"] is False
    granted = _grant(settings, monkeypatch)
    assert granted.exit_code == 0, granted.output
    done, me = put()
    assert done.status_code == 200, done.text
    assert me["user"]["system_admin"] is True
    grant, change = _global_records(api)
    assert (grant.action, grant.entity_type, grant.agency_id) == ("user.system_admin", "user", None)
    assert grant.actor.startswith("cli:")
    assert grant.after["is_system_admin"] is True
    assert (change.action, change.actor, change.agency_id) == ("calendar.import", "user:sys", None)
    revoked = _grant(settings, monkeypatch, "--revoke")
    assert revoked.exit_code == 0, revoked.output
    assert put()[0].status_code == 403
