"""The kinds of document an agency may keep its own template for. Generic: a feature registers its kind (the letter
kinds here, ``annual_report`` in the annual report) with the variables a template may use, a sample context to
render an upload on before accepting it, and the default template shipped with the code."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.domain.errors import NotFound


@dataclass(frozen=True)
class TemplateKind:
    kind: str
    label: str
    default: Path
    variables: Mapping[str, str]
    """Every variable a template of this kind may use, with what it holds (Chinese, for the agency's editor)."""
    sample: Callable[[], dict[str, Any]]
    """A context as a real case would give it, used to render an upload before it replaces the current template."""
    validator: Callable[[bytes], None] | None = None
    """A kind filled by its own renderer rather than docxtpl (the annual report) checks an upload itself; raises
    ``InvalidInput``. None: every variable known and a render on :attr:`sample` (``app.document.docx.validate``)."""


_KINDS: dict[str, TemplateKind] = {}


def register(kind: TemplateKind) -> None:
    _KINDS[kind.kind] = kind


def template_kind(kind: str) -> TemplateKind:
    try:
        return _KINDS[kind]
    except KeyError:
        known = "、".join(sorted(_KINDS))
        raise NotFound("template_kind_unknown", f"模板类型「{kind}」不存在；可用的类型：{known}。") from None


def template_kinds() -> list[TemplateKind]:
    return sorted(_KINDS.values(), key=lambda k: k.kind)
