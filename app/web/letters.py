"""The case file page (案卷与文书) of the clerks' web client: generate a letter, preview it, download it or the whole
file, record its delivery and receipt, upload an attachment. Thin, over ``app.document`` like the REST API; the
case page links here (one line in ``case.html``)."""

from __future__ import annotations

import io
from datetime import date
from typing import Any

from docx import Document
from fastapi import APIRouter, BackgroundTasks, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from starlette.datastructures import UploadFile

from app.auth import service as auth_service
from app.case import service as case_service
from app.deps import SessionDep, SettingsDep, TodayDep
from app.document import delivery, files, letters
from app.document.schemas import DeliveryCreate
from app.domain.casefile import (
    ATTACHMENT_LABELS,
    CARRIER_LABELS,
    SERVICE_METHOD_LABELS,
    AttachmentKind,
    ServiceMethod,
)
from app.domain.errors import DomainError, ErrorKind, InvalidInput
from app.domain.letters import FACT_LABELS, LETTER_LABELS, Fact, LetterKind
from app.domain.privacy import HIDDEN_NAME
from app.domain.roles import Permission
from app.errors import STATUS_BY_KIND
from app.inputs import RowId
from app.web.forms import validation_summary
from app.web.pages import CsrfRefused, PageRoute, Visitor, VisitorDep, render

DELIVERY_FIELDS = {
    "method": "送达方式：",
    "sent_on": "交付或交邮日期：",
    "received_on": "签收日期：",
    "carrier": "承运方：",
    "consent": "同意电子送达：",
    "tracking_number": "邮件单号：",
    "proof_document_id": "送达凭证：",
    "note": "备注：",
}
"""The delivery form's fields as the clerk reads them (``app.document.schemas.DeliveryCreate``)."""

router = APIRouter(route_class=PageRoute, include_in_schema=False)


async def _form(request: Request, visitor: Visitor) -> tuple[dict[str, str], UploadFile | None]:
    form = await request.form()
    fields = {k: v for k, v in form.items() if isinstance(v, str)}
    if not auth_service.csrf_matches(visitor.identity, fields.get("csrf_token")):
        raise CsrfRefused
    upload = form.get("file")
    return fields, upload if isinstance(upload, UploadFile) else None


def _page(
    request: Request,
    session: SessionDep,
    visitor: Visitor,
    case_id: RowId,
    *,
    error: str | None = None,
    status: int = 200,
) -> HTMLResponse:
    case, documents = files.listing(session, visitor.principal, case_id)
    principal = visitor.principal
    return render(
        request,
        "case_documents.html",
        {
            "case": case,
            "documents": documents,
            "can_step": principal.can(Permission.CASE_STEP, case.agency_id),
            "personal_ok": principal.can(Permission.CASE_READ_PERSONAL, case.agency_id),
            "letter_kinds": [(k.value, LETTER_LABELS[k]) for k in LetterKind],
            "facts": [(f.value, FACT_LABELS[f]) for f in Fact],
            "attachment_kinds": [(k.value, ATTACHMENT_LABELS[k]) for k in AttachmentKind],
            "methods": [(m.value, SERVICE_METHOD_LABELS[m]) for m in ServiceMethod],
            "carriers": list(CARRIER_LABELS.items()),
            "method_labels": dict(SERVICE_METHOD_LABELS),
            "carrier_labels": dict(CARRIER_LABELS),
            "kind_label": files.kind_label,
            "hidden_name": HIDDEN_NAME,
            "error": error,
        },
        status,
        visitor,
    )


@router.get("/cases/{case_id}/documents")
def documents_page(request: Request, case_id: RowId, session: SessionDep, visitor: VisitorDep) -> HTMLResponse:
    return _page(request, session, visitor, case_id)


def _refused(request: Request, session: SessionDep, visitor: Visitor, case_id: RowId, exc: DomainError) -> HTMLResponse:
    if exc.kind in (ErrorKind.NOT_FOUND, ErrorKind.FORBIDDEN):
        raise exc
    session.rollback()
    return _page(request, session, visitor, case_id, error=exc.detail, status=STATUS_BY_KIND[exc.kind])


def _date(value: str | None, label: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInput("date_invalid", f"{label}不是有效日期。") from None


@router.post("/cases/{case_id}/documents/letters")
async def generate_letter(
    request: Request,
    case_id: RowId,
    session: SessionDep,
    settings: SettingsDep,
    today: TodayDep,
    visitor: VisitorDep,
    background: BackgroundTasks,
) -> Response:
    fields, _ = await _form(request, visitor)
    try:
        kind = LetterKind(fields.get("kind", ""))
        facts = {f: fields[f"fact_{f.value}"].strip() for f in Fact if fields.get(f"fact_{f.value}", "").strip()}
        request_ = letters.LetterRequest(kind, facts, _date(fields.get("reasons_until"), "说明理由期限"))
        document = letters.generate(session, visitor.principal, case_id, request_, today)
    except ValueError:
        return _page(request, session, visitor, case_id, error="请选择文书种类。", status=422)
    except DomainError as exc:
        return _refused(request, session, visitor, case_id, exc)
    if settings.pdf_letters:
        background.add_task(letters.render_pdf_later, request.app.state.session_factory, document.id, settings)
    return RedirectResponse(f"/cases/{case_id}/documents/{document.id}", status_code=303)


@router.post("/cases/{case_id}/documents/upload")
async def upload_attachment(
    request: Request, case_id: RowId, session: SessionDep, settings: SettingsDep, visitor: VisitorDep
) -> Response:
    fields, upload = await _form(request, visitor)
    if upload is None:
        return _page(request, session, visitor, case_id, error="请选择要上传的文件。", status=422)
    content = await upload.read(settings.max_file_bytes + 1)
    try:
        kind = AttachmentKind(fields.get("kind", ""))
        item = files.Upload(
            kind, upload.filename or "", content, upload.content_type, fields.get("personal") == "on", None
        )
        files.upload(
            session,
            visitor.principal,
            case_id,
            item,
            files.Limits(settings.max_file_bytes, settings.max_case_file_bytes),
        )
    except ValueError:
        return _page(request, session, visitor, case_id, error="请选择材料种类。", status=422)
    except DomainError as exc:
        return _refused(request, session, visitor, case_id, exc)
    return RedirectResponse(f"/cases/{case_id}/documents", status_code=303)


@router.post("/cases/{case_id}/documents/{document_id}/deliveries")
async def add_delivery(
    request: Request, case_id: RowId, document_id: RowId, session: SessionDep, today: TodayDep, visitor: VisitorDep
) -> Response:
    fields, _ = await _form(request, visitor)
    data: dict[str, Any] = {k: v for k, v in fields.items() if v and k != "csrf_token"}
    data["consent"] = fields.get("consent") == "on"
    try:
        body = DeliveryCreate.model_validate(data)
        delivery.record(session, visitor.principal, document_id, delivery.DeliveryIn(**body.model_dump()), today)
    except ValidationError as exc:
        session.rollback()
        error = f"送达记录有误：{validation_summary(exc, DELIVERY_FIELDS)}"
        return _page(request, session, visitor, case_id, error=error, status=422)
    except DomainError as exc:
        return _refused(request, session, visitor, case_id, exc)
    return RedirectResponse(f"/cases/{case_id}/documents", status_code=303)


@router.post("/cases/{case_id}/documents/deliveries/{delivery_id}/receipt")
async def add_receipt(
    request: Request, case_id: RowId, delivery_id: RowId, session: SessionDep, today: TodayDep, visitor: VisitorDep
) -> Response:
    fields, _ = await _form(request, visitor)
    try:
        received = _date(fields.get("received_on"), "签收日期")
        if received is None:
            raise InvalidInput("received_on_required", "请填写签收日期。")
        delivery.record_receipt(session, visitor.principal, delivery_id, received, today)
    except DomainError as exc:
        return _refused(request, session, visitor, case_id, exc)
    return RedirectResponse(f"/cases/{case_id}/documents", status_code=303)


@router.get("/cases/{case_id}/documents/{document_id}")
def preview(request: Request, case_id: RowId, document_id: RowId, session: SessionDep, visitor: VisitorDep) -> Response:
    """A generated letter's text as the applicant will read it (the DOCX's paragraphs), with its download links."""
    case = case_service.get_case(session, visitor.principal, case_id)
    document = files.get_document(session, visitor.principal, document_id, content=True)
    if document.case_id != case.id or document.origin != "generated":
        return RedirectResponse(f"/cases/{case_id}/documents", status_code=303)
    paragraphs = [p.text for p in Document(io.BytesIO(document.content)).paragraphs if p.text.strip()]
    return render(
        request, "letter_preview.html", {"case": case, "document": document, "paragraphs": paragraphs}, visitor=visitor
    )
