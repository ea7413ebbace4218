"""Test databases: the migrations run once per test session into a template; each test gets its own copy.

``GONGKAI_TEST_DB=sqlite`` (default) or ``postgresql``; PostgreSQL is reached at ``GONGKAI_TEST_PG_URL`` (default
``postgresql+psycopg://postgres@127.0.0.1:5432/postgres``), where each test gets a database created from the template.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from app import migrate
from app.agency import service as agency_service
from app.auth import service as auth_service
from app.clock import utcnow
from app.db import make_engine, make_session_factory, transaction
from app.deps import get_today
from app.domain.roles import Role
from app.holiday import service as calendar_service
from app.main import create_app, serve_database
from app.settings import Settings
from app.user import service as user_service

BACKEND = os.environ.get("GONGKAI_TEST_DB", "sqlite")
PG_ADMIN_URL = os.environ.get("GONGKAI_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


class Databases:
    """Creates the migrated, calendar-seeded template once, then hands out fresh copies."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.token = uuid.uuid4().hex[:10]
        self.created: list[str] = []
        self.template = self._new_url("tpl")
        self._create_empty(self.template)
        settings = Settings(database_url=self.template, environment="test")
        engine = make_engine(settings)
        migrate.upgrade(engine)
        with transaction(make_session_factory(engine)) as session:
            calendar_service.seed_from_package(session)
        engine.dispose()

    def _new_url(self, tag: str) -> str:
        if BACKEND == "sqlite":
            return f"sqlite:///{self.tmp / f'{tag}-{uuid.uuid4().hex[:8]}.db'}"
        name = f"gongkai_test_{self.token}_{tag}_{uuid.uuid4().hex[:8]}"
        return make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)

    def _create_empty(self, url: str, template: str | None = None) -> None:
        if BACKEND == "sqlite":
            return
        name = make_url(url).database
        clause = f' TEMPLATE "{make_url(template).database}"' if template else ""
        admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"{clause}'))
        admin.dispose()
        self.created.append(str(name))

    def fresh(self) -> str:
        """An empty database (no schema), for migration tests."""
        url = self._new_url("empty")
        self._create_empty(url)
        return url

    def copy(self) -> str:
        """A migrated, seeded database of its own."""
        url = self._new_url("t")
        if BACKEND == "sqlite":
            shutil.copyfile(str(make_url(self.template).database), str(make_url(url).database))
        else:
            self._create_empty(url, template=self.template)
        return url

    def drop(self, url: str) -> None:
        if BACKEND == "sqlite":
            return
        name = make_url(url).database
        admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    def drop_all(self) -> None:
        for name in self.created:
            self.drop(make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False))


@pytest.fixture(autouse=True)
def _no_pdf(monkeypatch: pytest.MonkeyPatch) -> None:
    """Letters are rendered to PDF only in the tests that ask for it (``pdf_letters=True``): a rendering queued by any
    other test would take the process's LibreOffice slot from under them (and costs seconds a letter)."""
    monkeypatch.setenv("GONGKAI_PDF_LETTERS", "false")


@pytest.fixture(scope="session")
def databases(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Databases]:
    dbs = Databases(tmp_path_factory.mktemp("db"))
    yield dbs
    dbs.drop_all()


@pytest.fixture
def settings(databases: Databases) -> Iterator[Settings]:
    url = databases.copy()
    # No LibreOffice run per generated letter (seconds each); tests/document/test_pdf.py turns it on for itself.
    yield Settings(database_url=url, environment="test", pdf_letters=False)
    databases.drop(url)


@pytest.fixture
def factory(settings: Settings) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(settings)
    yield make_session_factory(engine)
    engine.dispose()


@dataclass
class Clock:
    today: date = date(2026, 11, 27)

    async def legal_today(self) -> date:
        """In place of ``app.deps.get_today``, and like it ``async`` (a ``def`` would cost the request a thread hop)."""
        return self.today


@dataclass
class Api:
    """A test client plus the means to make agencies and tokens directly in the database."""

    client: TestClient
    factory: sessionmaker[Session]
    clock: Clock
    tokens: dict[tuple[str, Role], str] = field(default_factory=dict)

    def agency(self, code: str, parent: str | None = None, **policy: object) -> None:
        with transaction(self.factory) as session:
            agency_service.create_agency(session, code=code, name=f"{code} 机关", parent_code=parent, **policy)  # type: ignore[arg-type]

    def headers(self, agency: str, role: Role = Role.SUPERVISOR) -> dict[str, str]:
        if (agency, role) not in self.tokens:
            with transaction(self.factory) as session:
                _, plain = auth_service.create_token(
                    session, agency_service.repository.get_agency(session, agency), role, f"test-{role.value}"
                )
            self.tokens[(agency, role)] = plain
        return {"Authorization": f"Bearer {self.tokens[(agency, role)]}"}

    def system_admin(self) -> dict[str, str]:
        """Headers of a signed-in system administrator (no agency role), the only one who may change the national
        calendar."""
        with transaction(self.factory) as session:
            user = auth_service.repository.user_by_username(session, "sysadmin")
            if user is None:
                user = user_service.create_user(session, "sysadmin", "系统管理员", "Kx7-lantern-204", [], actor="test")
                user_service.set_system_admin(session, user, True, actor="test")
            signed_in = auth_service.open_session(session, user, timedelta(hours=1), utcnow())
        return {"Cookie": f"gongkai_session={signed_in.cookie}", "X-CSRF-Token": signed_in.identity.csrf_token}


_apps: list[tuple[Settings, FastAPI]] = []


def app_for(settings: Settings) -> FastAPI:
    """``create_app(settings)``, built once per test process for tests whose settings differ only in their database:
    building the routes takes ~150 ms, a fifth of a typical test. Every test gets its own database, engine and sessions
    (``serve_database``), a middleware stack built anew on its first request, and no dependency overrides. (Settings
    compare by value, secrets included: a JSON dump would mask them.)"""
    shape = settings.model_copy(update={"database_url": ""})
    app = next((app for built, app in _apps if built == shape), None)
    if app is None:
        app = create_app(settings)
        _apps.append((shape, app))
        return app
    serve_database(app, settings)
    app.middleware_stack = None
    app.dependency_overrides.clear()
    return app


@pytest.fixture
def api(settings: Settings, factory: sessionmaker[Session]) -> Iterator[Api]:
    app = app_for(settings)
    clock = Clock()
    app.dependency_overrides[get_today] = clock.legal_today
    with TestClient(app, raise_server_exceptions=False) as client:
        yield Api(client, factory, clock)


@pytest.fixture
def make_case(api: Api) -> Callable[..., dict[str, object]]:
    """POST a valid case (overrides merged in) and return its JSON; the agency ``a1`` is created on first use."""

    def make(agency: str = "a1", received: str = "2026-03-02", **overrides: object) -> dict[str, object]:
        if agency == "a1" and ("a1", Role.SUPERVISOR) not in api.tokens:
            with transaction(api.factory) as session:
                exists = agency_service.repository.by_code(session, "a1")
            if exists is None:
                api.agency("a1")
        body: dict[str, object] = {
            "agency": agency,
            "applicant": {"type": "natural_person", "name": "张三"},
            "channel": "in_person",
            "receipt": {"submitted_on": received},
            "request": {"description": "某地块征收批复"},
            **overrides,
        }
        response = api.client.post("/api/v1/cases", json=body, headers=api.headers(agency))
        assert response.status_code == 201, response.text
        result: dict[str, object] = response.json()
        return result

    return make


@pytest.fixture
def thread_hops(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """The functions handed to a worker thread (``anyio.to_thread.run_sync``) from now on, in order: how many hops
    to a worker thread and back the requests of a test make (``app.deps.UnitRoute``)."""
    import anyio.to_thread

    hops: list[object] = []
    real = anyio.to_thread.run_sync

    async def counted(func: Any, *args: Any, **kwargs: Any) -> Any:
        hops.append(func)
        return await real(func, *args, **kwargs)

    monkeypatch.setattr(anyio.to_thread, "run_sync", counted)
    return hops
