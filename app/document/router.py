"""HTTP adapter of templates, letter settings, letters and the case file. Thin: decisions are in the services and
``app.domain``."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, File, Form, Query, Request, UploadFile, status
from fastapi.responses import Response, StreamingResponse

from app.auth.dependencies import PrincipalDep
from app.auth.principal import Principal
from app.deps import SessionDep, SettingsDep, TodayDep, UnitRoute
from app.document import delivery, files, kinds, letters, profile, repository, templates, timeline  # noqa: F401
from app.document.docx import DOCX_MEDIA_TYPE, PDF_MEDIA_TYPE, reserve_slot, soffice
from app.document.naming import content_disposition
from app.document.registry import template_kinds
from app.document.schemas import (
    DeliveryCreate,
    DeliveryRead,
    DocumentRead,
    LetterCreate,
    LetterProfileBody,
    LetterProfileRead,
    ReceiptCreate,
    TemplateKindRead,
    TemplateRead,
    TimelineEntryRead,
    UnreceivedRead,
)
from app.domain.casefile import AttachmentKind, Carrier, ServiceMethod
from app.errors import ApiError, problem
from app.inputs import Line, RowId, human_size
from app.models import CaseDocument, DocumentDelivery
from app.settings import Settings

router = APIRouter(route_class=UnitRoute, tags=["documents"])

ERRORS: dict[int | str, dict[str, Any]] = {
    404: {"description": "No such agency, case, document or kind in your agencies (problem+json)"},
    409: {"description": "Not allowed in the case's current state (problem+json)"},
    422: {"description": "Invalid input, refused template or file (problem+json)"},
}


def read_upload(file: UploadFile, limit: int) -> bytes:
    """The uploaded file's bytes, refused with 413 beyond ``limit`` (read at most one byte more)."""
    content = file.file.read(limit + 1)
    if len(content) > limit:
        raise ApiError(413, "file_too_large", f"文件过大：单个文件最多 {human_size(limit)}，请压缩或拆分后上传。")
    return content


def _template_read(t: templates.EffectiveTemplate) -> TemplateRead:
    return TemplateRead(
        kind=t.kind.kind,
        label=t.kind.label,
        custom=t.custom,
        filename=t.filename,
        sha256=t.sha256,
        uploaded_by=t.uploaded_by,
        uploaded_at=t.uploaded_at,
    )


@router.get("/template-kinds")
def list_template_kinds(principal: PrincipalDep) -> list[TemplateKindRead]:
    """Every kind of document an agency may keep its own template for, with the variables a template may use."""
    return [TemplateKindRead(kind=k.kind, label=k.label, variables=dict(k.variables)) for k in template_kinds()]


@router.get("/agencies/{code}/templates", responses=ERRORS)
def list_templates(code: str, session: SessionDep, principal: PrincipalDep) -> list[TemplateRead]:
    """The template in use for each kind: the agency's own, or the default."""
    _, rows = templates.listing(session, principal, code)
    return [_template_read(t) for t in rows]


@router.get(
    "/agencies/{code}/templates/{kind}",
    responses={**ERRORS, 200: {"content": {DOCX_MEDIA_TYPE: {}}, "description": "The template (.docx)"}},
    response_class=Response,
)
def download_template(code: str, kind: str, session: SessionDep, principal: PrincipalDep) -> Response:
    """The .docx in use for ``kind`` (the agency's own, or the default), to edit and upload again."""
    t = templates.download(session, principal, code, kind)
    return Response(
        t.content, media_type=DOCX_MEDIA_TYPE, headers={"Content-Disposition": content_disposition(f"{kind}.docx")}
    )


@router.put("/agencies/{code}/templates/{kind}", responses={**ERRORS, 413: {"description": "File too large"}})
def upload_template(
    code: str,
    kind: str,
    file: Annotated[UploadFile, File(description="The .docx template (docxtpl / Jinja tags)")],
    session: SessionDep,
    principal: PrincipalDep,
) -> TemplateRead:
    """Replace the agency's template for ``kind`` (administrators). Refused, leaving the current one in place, when
    it uses a variable not listed for its kind or does not render on a sample case."""
    content = read_upload(file, templates.MAX_TEMPLATE_BYTES)
    return _template_read(templates.upload(session, principal, code, kind, file.filename or "", content))


@router.delete("/agencies/{code}/templates/{kind}", responses=ERRORS)
def reset_template(code: str, kind: str, session: SessionDep, principal: PrincipalDep) -> TemplateRead:
    """Drop the agency's own template for ``kind``: the default applies again."""
    return _template_read(templates.reset(session, principal, code, kind))


def _profile_read(p: profile.Profile) -> LetterProfileRead:
    return LetterProfileRead(
        level=p.level,
        review_body=p.review_body,
        court=p.court,
        number_prefix=p.number_prefix,
        number_patterns=p.number_patterns,
        address=p.address,
        phone=p.phone,
        payment_instructions=p.payment_instructions,
        receipt_overdue_days=p.receipt_overdue_days,
    )


@router.get("/agencies/{code}/letter-profile", responses=ERRORS)
def get_letter_profile(code: str, session: SessionDep, principal: PrincipalDep) -> LetterProfileRead:
    """The agency's letter settings (review body, 文号 prefix, contact lines, fee payment, delivery follow-up)."""
    return _profile_read(profile.read(session, principal, code))


@router.put("/agencies/{code}/letter-profile", responses=ERRORS)
def put_letter_profile(
    code: str, body: LetterProfileBody, session: SessionDep, principal: PrincipalDep
) -> LetterProfileRead:
    """Set the agency's letter settings (administrators). The review body must match the agency's level in law
    (行政复议法 2023 Art. 24–28); it is printed in every remedy clause."""
    return _profile_read(profile.change(session, principal, code, body.model_dump()))


# --- letters and the case file ------------------------------------------------------------------------------------


def _delivery_read(d: DocumentDelivery) -> DeliveryRead:
    return DeliveryRead(
        id=d.id,
        method=ServiceMethod(d.method),
        carrier=Carrier(d.carrier) if d.carrier else None,
        consent=d.consent,
        sent_on=d.sent_on,
        received_on=d.received_on,
        tracking_number=d.tracking_number,
        proof_document_id=d.proof_document_id,
        note=d.note,
        recorded_by=d.recorded_by,
        recorded_at=d.recorded_at,
    )


def document_read(d: CaseDocument, principal: Principal, *, pdf: bool) -> DocumentRead:
    return DocumentRead(
        id=d.id,
        case_id=d.case_id,
        kind=d.kind,
        kind_label=files.kind_label(d.kind),
        origin=d.origin,
        title=files.shown_title(principal, d),
        filename=files.shown_name(principal, d),
        media_type=d.media_type,
        size=d.size,
        sha256=d.sha256,
        personal=d.personal,
        pdf=pdf,
        number=d.number,
        letter_date=d.letter_date,
        addressee=files.shown_addressee(principal, d),
        disposition=d.disposition,
        remedy=d.remedy,
        template_sha256=d.template_sha256,
        step_seq=d.step_seq,
        created_by=d.created_by,
        created_at=d.created_at,
        content_url=f"/api/v1/documents/{d.id}/content",
        deliveries=[_delivery_read(x) for x in d.deliveries],
    )


def _limits(settings: Settings) -> files.Limits:
    return files.Limits(settings.max_file_bytes, settings.max_case_file_bytes)


@router.post("/cases/{case_id}/letters", status_code=status.HTTP_201_CREATED, responses=ERRORS)
def create_letter(
    case_id: RowId,
    body: LetterCreate,
    request: Request,
    background: BackgroundTasks,
    session: SessionDep,
    principal: PrincipalDep,
    settings: SettingsDep,
    today: TodayDep,
    response: Response,
) -> DocumentRead:
    """Generate a letter from the case's own facts (its date and contents are those of the step it reports), number
    it (文号) and keep it in the case file. The DOCX is returned at once; the PDF rendering follows when LibreOffice
    is installed (``pdf`` in `GET /documents/{id}`)."""
    request_ = letters.LetterRequest(body.kind, dict(body.facts), body.reasons_until, body.step)
    document = letters.generate(session, principal, case_id, request_, today)
    if settings.pdf_letters:
        background.add_task(letters.render_pdf_later, request.app.state.session_factory, document.id, settings)
    response.headers["Location"] = f"/api/v1/documents/{document.id}"
    return document_read(document, principal, pdf=False)


@router.get("/cases/{case_id}/documents", responses=ERRORS)
def list_documents(case_id: RowId, session: SessionDep, principal: PrincipalDep) -> list[DocumentRead]:
    """The case file: generated letters and uploaded attachments, oldest first, with their delivery records."""
    _, documents = files.listing(session, principal, case_id)
    has_pdf = repository.with_pdf(session, [d.id for d in documents])
    return [document_read(d, principal, pdf=d.id in has_pdf) for d in documents]


@router.get("/cases/{case_id}/timeline", responses=ERRORS)
def case_timeline(
    case_id: RowId, session: SessionDep, principal: PrincipalDep, settings: SettingsDep
) -> list[TimelineEntryRead]:
    """The case's steps and the documents of its file in one list, in the order they happened: each letter right
    after the step it reports, each upload on its day."""
    return [_timeline_read(e) for e in timeline.case_timeline(session, principal, case_id, settings.tz)]


def _timeline_read(e: timeline.Entry) -> TimelineEntryRead:
    event, document = e.event, e.document
    return TimelineEntryRead(
        type="step" if document is None else "document",
        on=e.on,
        label=e.label,
        actor=e.actor,
        recorded_at=e.recorded_at,
        seq=event.seq if event else None,
        event_type=event.type if event else None,
        data=event.data if event else None,
        document_id=document.id if document else None,
        kind=document.kind if document else None,
        origin=document.origin if document else None,
        number=document.number if document else None,
        step_seq=document.step_seq if document else None,
        filename=e.filename,
        content_url=f"/api/v1/documents/{document.id}/content" if document else None,
    )


@router.post(
    "/cases/{case_id}/documents",
    status_code=status.HTTP_201_CREATED,
    responses={**ERRORS, 413: {"description": "File too large"}},
)
def upload_document(
    case_id: RowId,
    file: Annotated[UploadFile, File(description="The file; its type is read from its content")],
    kind: Annotated[AttachmentKind, Form()],
    session: SessionDep,
    principal: PrincipalDep,
    settings: SettingsDep,
    response: Response,
    personal: Annotated[bool, Form(description="Holds personal data (always so for ID copies and forms)")] = False,
    title: Annotated[Line | None, Form(max_length=200)] = None,
) -> DocumentRead:
    """Add an attachment to the case file (the application as received, an ID copy, a correction, an opinion, what
    was provided, a delivery proof). Refused: over the per-file or per-case size limit, an empty file, a type the case
    file does not take, a file whose name or declared type disagrees with its content."""
    content = read_upload(file, settings.max_file_bytes)
    upload = files.Upload(kind, file.filename or "", content, file.content_type, personal, title)
    document = files.upload(session, principal, case_id, upload, _limits(settings))
    response.headers["Location"] = f"/api/v1/documents/{document.id}"
    return document_read(document, principal, pdf=False)


@router.get(
    "/cases/{case_id}/documents/archive",
    responses={**ERRORS, 200: {"content": {"application/zip": {}}, "description": "The case file (ZIP)"}},
    response_class=Response,
)
def download_archive(case_id: RowId, session: SessionDep, principal: PrincipalDep, settings: SettingsDep) -> Response:
    """The whole case file as one ZIP with ``index.csv`` (目录) and ``timeline.csv`` (条例 Art. 45: 归档). Personal
    documents are included only for roles with ``case.read_personal``; otherwise the index lists them as hidden."""
    result = files.archive(session, principal, case_id, settings.tz)
    headers = {"Content-Disposition": content_disposition(result.filename), "Content-Length": str(result.size)}
    return StreamingResponse(result.chunks(), media_type="application/zip", headers=headers)


@router.get("/documents/{document_id}", responses=ERRORS)
def get_document(document_id: RowId, session: SessionDep, principal: PrincipalDep) -> DocumentRead:
    document = files.get_document(session, principal, document_id)
    return document_read(document, principal, pdf=bool(repository.with_pdf(session, [document.id])))


@router.get(
    "/documents/{document_id}/content",
    responses={**ERRORS, 403: {"description": "A personal document without case.read_personal"}},
    response_class=Response,
)
def download_document(
    document_id: RowId,
    request: Request,
    background: BackgroundTasks,
    session: SessionDep,
    principal: PrincipalDep,
    settings: SettingsDep,
    format: Annotated[str, Query(pattern="^(original|pdf)$")] = "original",
    inline: bool = False,
) -> Response:
    """The file as stored (a letter: DOCX), or its PDF rendering (``format=pdf``). A letter without its PDF yet gets
    503 `pdf_rendering` with ``Retry-After`` while LibreOffice makes it after this response, or 503
    `pdf_converter_busy` when every conversion slot is taken (``GONGKAI_PDF_CONVERSIONS``); 404
    `pdf_not_available` where LibreOffice is not installed or letters are not rendered."""
    pdf = format == "pdf"
    document = files.get_document(session, principal, document_id, content=not pdf, pdf=pdf)
    if pdf:
        if document.pdf is None:
            return _render_on_demand(document, request, background, settings)
        name = document.filename.rsplit(".", 1)[0] + ".pdf"
        return Response(
            document.pdf, media_type=PDF_MEDIA_TYPE, headers={"Content-Disposition": content_disposition(name, inline)}
        )
    return Response(
        document.content,
        media_type=document.media_type,
        headers={"Content-Disposition": content_disposition(document.filename, inline)},
    )


def _render_on_demand(
    document: CaseDocument, request: Request, background: BackgroundTasks, settings: Settings
) -> Response:
    """The answer for a missing PDF. The conversion runs after the response, once the request's transaction has
    ended (design mistake 7), in a thread of its own and a slot taken now (``letters.render_reserved``): when none
    is free the answer says to retry, and no further LibreOffice process is started. (Returned, not raised: a raised
    error would drop the background task.)"""
    if document.origin != "generated" or not settings.pdf_letters or soffice() is None:
        raise ApiError(404, "pdf_not_available", "该文书没有 PDF 版本（服务器未安装 LibreOffice，或未启用 PDF）。")
    retry = {"Retry-After": str(min(settings.pdf_timeout_seconds, 30))}
    if not reserve_slot(settings.pdf_conversions):
        raise ApiError(503, "pdf_converter_busy", "PDF 转换繁忙（同时转换的文书已达上限），请稍后重试。", headers=retry)
    factory = request.app.state.session_factory
    background.add_task(letters.render_reserved, factory, document.id, settings)
    detail = "正在生成该文书的 PDF 版本，请稍后重试。"
    return problem(request, 503, "pdf_rendering", detail, headers={"Retry-After": "5"})


@router.post("/documents/{document_id}/deliveries", status_code=status.HTTP_201_CREATED, responses=ERRORS)
def record_delivery(
    document_id: RowId, body: DeliveryCreate, session: SessionDep, principal: PrincipalDep, today: TodayDep
) -> DeliveryRead:
    """Record how a letter was delivered (送达): direct, by post (China Post/EMS only) or electronically with the
    applicant's consent; the day handed over or posted, and the receipt day when known."""
    row = delivery.record(session, principal, document_id, delivery.DeliveryIn(**body.model_dump()), today)
    return _delivery_read(row)


@router.post("/deliveries/{delivery_id}/receipt", responses=ERRORS)
def record_receipt(
    delivery_id: RowId, body: ReceiptCreate, session: SessionDep, principal: PrincipalDep, today: TodayDep
) -> DeliveryRead:
    """The day the recipient received or signed for the letter (recorded once)."""
    return _delivery_read(delivery.record_receipt(session, principal, delivery_id, body.received_on, today))


@router.get("/letters/unreceived")
def list_unreceived(
    session: SessionDep,
    principal: PrincipalDep,
    today: TodayDep,
    as_of: Annotated[date | None, Query(description="Default: today")] = None,
) -> list[UnreceivedRead]:
    """Letters of your agencies without a recorded receipt more than the agency's number of working days (default
    10, `receipt_overdue_days` of the letter profile) after they were handed over or posted, or never sent: the
    same list as the overdue report's `delivery_not_recorded` findings."""
    return [
        UnreceivedRead(
            document_id=u.document.id if u.document else None,
            case_id=u.case.id,
            case_number=u.case.number,
            agency=u.case.agency.code,
            kind=u.kind.value,
            title=u.title,
            number=u.number,
            letter_date=u.letter_date,
            step_seq=u.step_seq,
            sent=u.sent,
            since=u.sent_on,
            record_by=u.record_by,
            working_days=u.working_days,
        )
        for u in delivery.unreceived(session, principal, as_of or today)
    ]
