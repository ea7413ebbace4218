"""The web page of the whole annual report (政府信息公开工作年度报告): the document as it will be published, its
checks with the paragraph each failure concerns, the agency's own passages edited in a form, and the downloads (DOCX
for Word/WPS, HTML for the website) from the API, which the session cookie signs in to.

Thin like every page: the document comes from ``app.report.document_service``, the checks from
``app.domain.annual_document``; the preview is ``app.report.document_render.html_body``, whose every text is escaped.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup

from app.agency import repository as agencies
from app.deps import SessionDep, TodayDep
from app.domain.errors import DomainError, ErrorKind, Forbidden
from app.domain.roles import Permission
from app.domain.statistics import FIRST_REPORT_YEAR, format_for_year
from app.errors import STATUS_BY_KIND
from app.inputs import plain_int
from app.report import document_service
from app.report.document_render import html_body
from app.web.pages import ActingDep, FormDep, PageRoute, Visitor, VisitorDep, render

router = APIRouter(route_class=PageRoute, include_in_schema=False)
PATH = "/reports/annual-document"


def _page(
    request: Request,
    session: SessionDep,
    visitor: Visitor,
    today: date,
    year: int,
    agency: str,
    consolidated: bool,
    *,
    error: str | None = None,
    values: dict[str, str] | None = None,
    status: int = 200,
) -> HTMLResponse:
    principal = visitor.principal
    built = document_service.annual_document(session, principal, year, agency, today, consolidated=consolidated)
    row, outline = document_service.get_texts(session, principal, year, agency)
    readable = [agencies.by_id(session, i) for i in sorted(principal.agency_ids(Permission.REPORT_READ))]
    code = built.report.agency_code
    own = agencies.by_code(session, code)
    query = {"year": year, "agency": code, **({"consolidated": "true"} if consolidated else {})}
    return render(
        request,
        "report_document.html",
        {
            "built": built,
            "checks": built.checks(),
            "preview": Markup("\n".join(html_body(built, inline_styles=False))),  # noqa: S704 (every text escaped)
            "fields": outline.fields,
            "texts": values if values is not None else (dict(row.texts) if row else {}),
            "year": year,
            "years": list(range(today.year, FIRST_REPORT_YEAR - 1, -1)),
            "agency": code,
            "agencies": [(a.code, a.name) for a in readable if a is not None],
            "consolidated": consolidated,
            "can_edit": own is not None and principal.can(Permission.REPORT_PUBLISH, own.id) and not built.published,
            "downloads": {
                label: "/api/v1/reports/annual/document?" + urlencode({**query, "output": output})
                for label, output in (("Word（DOCX）", "docx"), ("网页（HTML）", "html"), ("数据（JSON）", "json"))
            },
            "error": error,
        },
        status,
        visitor,
    )


def _default_agency(session: SessionDep, visitor: Visitor) -> str:
    ids = sorted(visitor.principal.agency_ids(Permission.REPORT_READ))
    agency = agencies.by_id(session, ids[0]) if ids else None
    if agency is None:
        raise Forbidden("forbidden", "您没有查看年度报告的权限。")
    return agency.code


@router.get(PATH)
def annual_document_page(
    request: Request,
    session: SessionDep,
    today: TodayDep,
    visitor: VisitorDep,
    year: Annotated[int | None, Query(ge=FIRST_REPORT_YEAR, le=9999)] = None,
    agency: Annotated[str | None, Query(max_length=32)] = None,
    consolidated: bool = False,
) -> HTMLResponse:
    """年度报告: last year's by default, for the visitor's first agency."""
    code = agency or _default_agency(session, visitor)
    return _page(request, session, visitor, today, year or today.year - 1, code, consolidated)


@router.post(f"{PATH}/text")
def save_annual_texts(
    request: Request, session: SessionDep, today: TodayDep, visitor: ActingDep, form: FormDep
) -> Response:
    """The agency's passages from the form; a refusal (published, too long) is shown above the form, kept as typed."""
    year = plain_int(form.get("year", ""), 4) or today.year - 1
    agency = form.get("agency", "")
    keys = [f.key for f in document_service.text_fields(format_for_year(year))]
    texts = {key: form.get(f"text.{key}", "") for key in keys}
    try:
        document_service.put_texts(session, visitor.principal, year, agency, texts)
    except DomainError as exc:
        if exc.kind in (ErrorKind.NOT_FOUND, ErrorKind.FORBIDDEN):
            raise
        session.rollback()
        status = STATUS_BY_KIND[exc.kind]
        return _page(
            request, session, visitor, today, year, agency, False, error=exc.detail, values=texts, status=status
        )
    return RedirectResponse(f"{PATH}?" + urlencode({"year": year, "agency": agency}) + "#texts", status_code=303)
