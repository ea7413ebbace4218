"""What every ``gongkai`` command shares. Each feature owns its commands in its ``cli`` module, the way it owns its
router; ``app.cli`` puts them together. A command is one unit of work, run as the operator: whoever runs it on the
server is trusted as an administrator of every agency, and is recorded as ``cli:<operating-system account>``."""

from __future__ import annotations

import getpass
from collections.abc import Callable
from typing import NoReturn, TypeVar

import typer
from sqlalchemy.orm import Session, sessionmaker

from app.agency import repository as agencies
from app.auth.principal import Principal
from app.db import make_engine, make_session_factory, transaction
from app.domain.errors import DomainError
from app.domain.roles import Role
from app.settings import Settings

T = TypeVar("T")


def session_factory(settings: Settings) -> sessionmaker[Session]:
    return make_session_factory(make_engine(settings), settings.keyring)


def cli_actor() -> str:
    """Who a command acts as in the audit trail: the operating-system account that ran it."""
    return f"cli:{getpass.getuser()}"


def operator(session: Session) -> Principal:
    """The operator as a principal: an administrator of every agency."""
    return Principal(
        actor=cli_actor(),
        memberships={a.id: Role.ADMIN for a in agencies.all_agencies(session)},
        descendants={},
    )


def fail(exc: DomainError) -> NoReturn:
    """End the command on a refused rule: its code and the clerk's message, exit 2."""
    typer.secho(f"错误 [{exc.code}] {exc.detail}", fg="red", err=True)
    raise typer.Exit(2)


def run(work: Callable[[Session, Principal, Settings], T], settings: Settings | None = None) -> T:
    """``work`` as one command: one transaction, as the operator; a refused rule ends it (:func:`fail`)."""
    settings = settings or Settings()
    try:
        with transaction(session_factory(settings)) as session:
            return work(session, operator(session), settings)
    except DomainError as exc:
        fail(exc)
