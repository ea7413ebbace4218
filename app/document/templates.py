"""Template storage, generic over kinds: an agency's own template replaces the shipped default for one kind, after
validation (every variable known, renders on a sample). Used by the letters and by the annual report.

``effective(session, agency_id, kind)`` is what a renderer calls; the rest is administration."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from app.agency.repository import get_agency
from app.audit import service as audit
from app.auth.principal import Principal
from app.clock import utcnow
from app.document import docx, isolation, repository
from app.document.naming import safe_filename
from app.document.registry import TemplateKind, template_kind, template_kinds
from app.domain.errors import InvalidInput, NotFound
from app.domain.roles import Permission
from app.models import Agency, DocumentTemplate

MAX_TEMPLATE_BYTES = 5 * 1024 * 1024


@dataclass(frozen=True)
class EffectiveTemplate:
    kind: TemplateKind
    content: bytes
    sha256: str
    custom: bool
    filename: str
    uploaded_by: str | None = None
    uploaded_at: datetime | None = None


def sha256(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def effective(session: Session, agency_id: int, kind: str) -> EffectiveTemplate:
    """The template an agency's documents of ``kind`` are rendered with: its own if uploaded, else the default."""
    spec = template_kind(kind)
    row = repository.template(session, agency_id, kind, content=True)
    if row is not None:
        return EffectiveTemplate(spec, row.content, row.sha256, True, row.filename, row.uploaded_by, row.uploaded_at)
    content = spec.default.read_bytes()
    return EffectiveTemplate(spec, content, sha256(content), False, spec.default.name)


def validate(spec: TemplateKind, content: bytes) -> None:
    """The check an upload of ``spec`` must pass before it replaces the current template: first that it is a
    package of a letter's size (``app.document.isolation``), then its kind's own check."""
    isolation.check_package(content)
    if spec.validator is not None:
        spec.validator(content)
    else:
        docx.validate(content, spec)


def _agency(session: Session, principal: Principal, code: str, permission: Permission) -> Agency:
    agency = get_agency(session, code)
    principal.check(permission, agency.id, NotFound("agency_not_found", f"机关代码「{code}」不存在。"))
    return agency


def listing(session: Session, principal: Principal, code: str) -> tuple[Agency, list[EffectiveTemplate]]:
    agency = _agency(session, principal, code, Permission.CASE_READ)
    own = {row.kind: row for row in repository.templates(session, agency.id)}
    result = []
    for spec in template_kinds():
        row = own.get(spec.kind)
        if row is None:
            result.append(EffectiveTemplate(spec, b"", sha256(spec.default.read_bytes()), False, spec.default.name))
        else:
            result.append(
                EffectiveTemplate(spec, b"", row.sha256, True, row.filename, row.uploaded_by, row.uploaded_at)
            )
    return agency, result


def download(session: Session, principal: Principal, code: str, kind: str) -> EffectiveTemplate:
    agency = _agency(session, principal, code, Permission.CASE_READ)
    return effective(session, agency.id, kind)


SNAPSHOT_EXCLUDE = ("content",)
"""A template's bytes stay out of its audit records (its SHA-256 is in them)."""


def upload(
    session: Session, principal: Principal, code: str, kind: str, filename: str, content: bytes
) -> EffectiveTemplate:
    """Validate ``content`` as a template of ``kind`` and make it the agency's; the old one is replaced only when the
    new one passes (the request's transaction commits both or neither)."""
    agency = _agency(session, principal, code, Permission.AGENCY_MANAGE)
    spec = template_kind(kind)
    if len(content) > MAX_TEMPLATE_BYTES:
        raise InvalidInput("template_too_large", f"模板文件过大：最多 {MAX_TEMPLATE_BYTES // 1024 // 1024} MB。")
    validate(spec, content)
    digest = sha256(content)
    row = repository.template(session, agency.id, kind) or DocumentTemplate(agency_id=agency.id, kind=kind)
    now = utcnow()
    name = safe_filename(filename, f"{kind}.docx")
    with audit.changing(
        session,
        row,
        agency=agency,
        actor=principal.actor,
        action="template.upload",
        entity="document_template",
        exclude=SNAPSHOT_EXCLUDE,
    ):
        row.filename, row.size, row.sha256, row.content = name, len(content), digest, content
        row.uploaded_by, row.uploaded_at = principal.actor, now
    return EffectiveTemplate(spec, content, digest, True, name, principal.actor, now)


def reset(session: Session, principal: Principal, code: str, kind: str) -> EffectiveTemplate:
    """Drop the agency's own template of ``kind``: the shipped default applies again."""
    agency = _agency(session, principal, code, Permission.AGENCY_MANAGE)
    template_kind(kind)
    row = repository.template(session, agency.id, kind)
    if row is not None:
        before = audit.snapshot(row, exclude=SNAPSHOT_EXCLUDE)
        session.delete(row)
        session.flush()
        audit.record(
            session,
            agency=agency,
            actor=principal.actor,
            action="template.reset",
            entity="document_template",
            entity_id=before["id"],
            before=before,
            after=None,
        )
    return effective(session, agency.id, kind)
