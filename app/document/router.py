"""HTTP adapter of templates, letter settings, letters and the case file. Thin: decisions are in the services and
``app.domain``."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, UploadFile
from fastapi.responses import Response

from app.auth.dependencies import PrincipalDep
from app.deps import SessionDep
from app.document import kinds, profile, templates  # noqa: F401
from app.document.docx import DOCX_MEDIA_TYPE
from app.document.naming import content_disposition
from app.document.registry import template_kinds
from app.document.schemas import LetterProfileBody, LetterProfileRead, TemplateKindRead, TemplateRead
from app.errors import ApiError

router = APIRouter(tags=["documents"])

ERRORS: dict[int | str, dict[str, Any]] = {
    404: {"description": "No such agency, case, document or kind in your agencies (problem+json)"},
    409: {"description": "Not allowed in the case's current state (problem+json)"},
    422: {"description": "Invalid input, refused template or file (problem+json)"},
}


def read_upload(file: UploadFile, limit: int) -> bytes:
    """The uploaded file's bytes, refused with 413 beyond ``limit`` (read at most one byte more)."""
    content = file.file.read(limit + 1)
    if len(content) > limit:
        raise ApiError(413, "file_too_large", f"文件过大：单个文件最多 {limit // 1024 // 1024} MB。")
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
