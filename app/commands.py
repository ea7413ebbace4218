"""What every ``gongkai`` command shares. Each feature owns its commands in its ``cli`` module, the way it owns its
router; ``app.cli`` puts them together. A command is one unit of work, run as the operator: whoever runs it on the
server is trusted as an administrator of every agency, and is recorded as ``cli:<operating-system account>``."""

from __future__ import annotations

import getpass
import os
from collections.abc import Callable
from pathlib import Path
from typing import NoReturn, TypeVar

import typer
from sqlalchemy.orm import Session, sessionmaker

from app.agency import repository as agencies
from app.auth.principal import Principal
from app.db import make_engine, make_session_factory, transaction
from app.domain.errors import DomainError, InvalidInput
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


def read_input(file: Path) -> str:
    """A file an operator hands a command, as text: UTF-8 (a byte-order mark is dropped), else a refusal that says what
    to do. Excel and WPS save CSV in the system's GBK by default, which was a traceback."""
    try:
        return file.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        fail(InvalidInput("file_not_found", f"找不到文件「{file}」。"))
    except IsADirectoryError:
        fail(InvalidInput("file_not_found", f"「{file}」是目录，不是文件。"))
    except PermissionError:
        fail(InvalidInput("file_unreadable", f"没有读取文件「{file}」的权限。"))
    except UnicodeDecodeError as exc:
        fail(
            InvalidInput(
                "file_not_utf8",
                f"文件「{file}」不是 UTF-8 编码（第 {exc.start + 1} 个字节起）：请在 Excel 或 WPS 中另存为"
                "「CSV UTF-8」，或用文本编辑器另存为 UTF-8 后重试。",
            )
        )


def write_whole(path: Path, data: bytes) -> None:
    """Write a file that appears whole or not at all (written beside it, then renamed over it): a report folder
    watched by another system never holds a half-written or empty report, whatever stopped the writing."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    try:
        partial.write_bytes(data)
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)


def run(work: Callable[[Session, Principal, Settings], T], settings: Settings | None = None) -> T:
    """``work`` as one command: one transaction, as the operator; a refused rule ends it (:func:`fail`)."""
    settings = settings or Settings()
    try:
        with transaction(session_factory(settings)) as session:
            return work(session, operator(session), settings)
    except DomainError as exc:
        fail(exc)
