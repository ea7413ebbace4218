"""The case file (案卷): uploaded attachments beside the generated letters, read under the personal-data rule, and
the whole file as one ZIP with an index (条例 Art. 45: 归档)."""

from __future__ import annotations

import csv
import io
import tempfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import IO, Any

from sqlalchemy.orm import Session

from app import spreadsheet
from app.audit import service as audit
from app.auth.principal import Principal
from app.case import service as case_service
from app.document import repository
from app.document.events import emit_document
from app.document.naming import safe_filename
from app.document.sniff import sniff
from app.domain.casefile import ATTACHMENT_LABELS, PERSONAL_KINDS, SERVICE_METHOD_LABELS, AttachmentKind, ServiceMethod
from app.domain.errors import Forbidden, InvalidInput, NotFound
from app.domain.letters import LETTER_LABELS, LetterKind
from app.domain.lifecycle import EVENT_TYPE_LABELS, EventType
from app.domain.privacy import HIDDEN_ADDRESSEE, HIDDEN_NAME, HIDDEN_TITLE
from app.domain.roles import Permission
from app.inputs import human_size
from app.models import CaseDocument, DisclosureCase


@dataclass(frozen=True)
class Limits:
    file_bytes: int
    case_bytes: int


@dataclass(frozen=True)
class Upload:
    kind: AttachmentKind
    filename: str
    content: bytes
    declared_type: str | None = None
    personal: bool = False
    title: str | None = None


def kind_label(kind: str) -> str:
    if kind in {k.value for k in LetterKind}:
        return LETTER_LABELS[LetterKind(kind)]
    if kind in {k.value for k in AttachmentKind}:
        return ATTACHMENT_LABELS[AttachmentKind(kind)]
    return kind


def check_room(session: Session, case_id: int, size: int, limits: Limits) -> None:
    if size > limits.file_bytes:
        raise InvalidInput(
            "file_too_large", f"文件过大：单个文件最多 {human_size(limits.file_bytes)}，请压缩或拆分后上传。"
        )
    used = repository.case_file_size(session, case_id)
    if used + size > limits.case_bytes:
        raise InvalidInput(
            "case_file_too_large",
            f"案卷已用 {human_size(used)}，加上该文件将超过每件申请 {human_size(limits.case_bytes)} 的上限。"
            "请压缩或拆分后再上传，或请管理员调整上限（GONGKAI_MAX_CASE_FILE_BYTES）。",
        )


def store(
    session: Session, principal: Principal, case: DisclosureCase, action: str, content: bytes, **fields: Any
) -> CaseDocument:
    """Keep a document (a generated letter, an upload) in the case file: written by the repository, audited
    (``action``) and announced to webhook subscribers (``document.created``), in the caller's transaction."""
    document = repository.add_document(
        session, content, case_id=case.id, agency_id=case.agency_id, created_by=principal.actor, **fields
    )
    audit.record(
        session,
        agency=case.agency,
        actor=principal.actor,
        action=action,
        entity="case_document",
        entity_id=document.id,
        before=None,
        after={**audit.snapshot(document, exclude=("content", "pdf")), "case_id": case.id},
    )
    emit_document(session, case, document)
    return document


def upload(session: Session, principal: Principal, case_id: int, upload: Upload, limits: Limits) -> CaseDocument:
    """Keep an attachment in the case file: its type read from the content, its size and SHA-256 computed here."""
    case = case_service.get_case(session, principal, case_id, Permission.CASE_STEP)
    personal = upload.personal or upload.kind in PERSONAL_KINDS
    if personal and not principal.can(Permission.CASE_READ_PERSONAL, case.agency_id):
        raise Forbidden("personal_document", "您的角色无权处理含个人信息的材料。")
    sniffed = sniff(upload.content, upload.filename, upload.declared_type)
    check_room(session, case.id, len(upload.content), limits)
    name = sniffed.file_name(upload.filename, upload.kind.value)
    return store(
        session,
        principal,
        case,
        "document.upload",
        upload.content,
        kind=upload.kind.value,
        origin="uploaded",
        title=(upload.title or ATTACHMENT_LABELS[upload.kind])[:200],
        filename=name,
        media_type=sniffed.media_type,
        personal=personal,
    )


def may_read_personal(principal: Principal, document: CaseDocument) -> bool:
    return principal.can(Permission.CASE_READ_PERSONAL, document.agency_id)


def shown_name(principal: Principal, document: CaseDocument) -> str:
    """The document's file name as ``principal`` may see it: a personal file's name (an ID copy named after its
    holder's number) is hidden without ``case.read_personal``."""
    return HIDDEN_NAME if document.personal and not may_read_personal(principal, document) else document.filename


def shown_title(principal: Principal, document: CaseDocument) -> str:
    """The document's title as ``principal`` may see it, hidden like its name (``shown_name``)."""
    return HIDDEN_TITLE if document.personal and not may_read_personal(principal, document) else document.title


def shown_addressee(principal: Principal, document: CaseDocument) -> str | None:
    """A letter's addressee as ``principal`` may see it, hidden like its name (``shown_name``)."""
    if document.addressee is not None and document.personal and not may_read_personal(principal, document):
        return HIDDEN_ADDRESSEE
    return document.addressee


def listing(session: Session, principal: Principal, case_id: int) -> tuple[DisclosureCase, list[CaseDocument]]:
    case = case_service.get_case(session, principal, case_id)
    return case, repository.case_documents(session, case.id)


def get_document(
    session: Session, principal: Principal, document_id: int, *, content: bool = False, pdf: bool = False
) -> CaseDocument:
    """A document in the principal's scope; a personal one only with ``case.read_personal`` (else 403)."""
    document = repository.document(session, document_id, principal.scope, content=content, pdf=pdf)
    if document is None:
        raise NotFound("document_not_found", f"文件 {document_id} 不存在或不在您的权限范围内。")
    if (content or pdf) and document.personal and not may_read_personal(principal, document):
        raise Forbidden("personal_document", "该文件含个人信息，只有具有 case.read_personal 权限的角色可以下载。")
    return document


# --- the archive (归档) -----------------------------------------------------------------------------------------


def _csv(rows: list[list[object]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for row in rows:
        writer.writerow([spreadsheet.cell(v) for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _local(value: datetime, tz: tzinfo) -> str:
    return value.astimezone(tz).strftime("%Y-%m-%d %H:%M")


ARCHIVE_IN_MEMORY = 8 * 1024 * 1024
"""An archive up to this size is built in memory; a larger one spills to a temporary file (the case limit,
``GONGKAI_MAX_CASE_FILE_BYTES``, is 200 MB by default)."""


@dataclass(frozen=True)
class Archive:
    filename: str
    file: IO[bytes]  # at its start; whoever reads it closes it (a temporary file beyond ARCHIVE_IN_MEMORY)
    size: int

    def chunks(self, size: int = 64 * 1024) -> Iterator[bytes]:
        """The archive's bytes in pieces, closing it at the end (a streamed HTTP response, a file written)."""
        try:
            while chunk := self.file.read(size):
                yield chunk
        finally:
            self.file.close()


def archive(session: Session, principal: Principal, case_id: int, tz: tzinfo) -> Archive:
    """The whole case file as one ZIP: every document (personal ones only for readers allowed to see them), and
    ``index.csv`` (目录: each file with its kind, 文号, date, size, SHA-256, who added it and when, its deliveries)
    and ``timeline.csv`` (the case's steps). Entry names are numbered and sanitised, so that no name from a person
    can reach outside the archive or collide."""
    case = case_service.get_case(session, principal, case_id)
    documents = repository.case_documents(session, case.id)
    personal_ok = principal.can(Permission.CASE_READ_PERSONAL, case.agency_id)
    index: list[list[object]] = [
        ["序号", "文件", "种类", "标题", "文号", "文书日期", "字节数", "SHA-256", "类型", "添加人", "添加时间", "送达"]
    ]
    spool = tempfile.SpooledTemporaryFile(max_size=ARCHIVE_IN_MEMORY)  # noqa: SIM115 (closed by Archive.chunks)
    with zipfile.ZipFile(spool, "w", zipfile.ZIP_DEFLATED) as z:
        for n, doc in enumerate(documents, start=1):
            deliveries = "；".join(
                f"{SERVICE_METHOD_LABELS[ServiceMethod(d.method)]} {d.sent_on.isoformat()}"
                + (f" 签收 {d.received_on.isoformat()}" if d.received_on else " 未签收")
                + (f" 单号 {d.tracking_number}" if d.tracking_number else "")
                for d in doc.deliveries
            )
            if doc.personal and not personal_ok:
                entry = HIDDEN_NAME
            else:
                entry = f"{n:03d}-{safe_filename(doc.filename, f'document-{doc.id}')}"
                content, pdf = repository.blobs(session, doc.id)  # one document in memory at a time
                z.writestr(entry, content)
                if pdf:
                    z.writestr(entry.rsplit(".", 1)[0] + ".pdf", pdf)
            index.append(
                [
                    n,
                    entry,
                    kind_label(doc.kind),
                    shown_title(principal, doc),
                    doc.number or "",
                    doc.letter_date.isoformat() if doc.letter_date else "",
                    doc.size,
                    doc.sha256,
                    doc.media_type,
                    doc.created_by,
                    _local(doc.created_at, tz),
                    deliveries,
                ]
            )
        z.writestr("index.csv", _csv(index))
        timeline: list[list[object]] = [["序号", "日期", "步骤", "记录人", "记录时间"]]
        timeline += [
            [e.seq, e.on.isoformat(), EVENT_TYPE_LABELS[EventType(e.type)], e.actor, _local(e.recorded_at, tz)]
            for e in case.events
        ]
        z.writestr("timeline.csv", _csv(timeline))
    size = spool.tell()
    spool.seek(0)
    return Archive(safe_filename(f"{case.agency.code}-{case.number}-案卷.zip"), spool, size)
