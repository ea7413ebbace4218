"""app/domain holds the rules a lawyer or statistician checks: standard library only, so they run anywhere."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

import app.domain

DOMAIN = Path(app.domain.__file__).parent
MODULES = sorted(DOMAIN.glob("*.py"))


def _imports(path: Path) -> list[str]:
    """Every absolute module name imported anywhere in the file, deferred and TYPE_CHECKING imports included."""
    names: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.append(node.module)
    return names


def _allowed(module: str) -> bool:
    return module.split(".")[0] in sys.stdlib_module_names or module == "app.domain" or module.startswith("app.domain.")


def test_the_domain_modules_are_found() -> None:
    assert {"calendar.py", "clock.py", "lifecycle.py", "receipt.py"} <= {p.name for p in MODULES}


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.name)
def test_domain_imports_only_the_standard_library_and_itself(path: Path) -> None:
    assert [m for m in _imports(path) if not _allowed(m)] == []


@pytest.mark.parametrize(
    ("module", "allowed"),
    [("datetime", True), ("app.domain.codes", True), ("sqlalchemy", False), ("app.models", False), ("app", False)],
)
def test_the_check_itself(module: str, allowed: bool) -> None:
    assert _allowed(module) is allowed
