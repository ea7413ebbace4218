"""年度报表: the official tables of a year for an agency (or consolidated), every counted cell a link to its cases,
the checks, the downloads, the 主动公开 entry form, and publishing for administrators. The same services as the API
(``app.report.service``) and the same layout as the files (``app.report.export.layouts``)."""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import urlencode

from fastapi import Request, Response
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from app.agency import repository as agencies
from app.deps import SessionDep, TodayDep
from app.domain.codes import REVIEW_KIND_LABELS, ReviewKind
from app.domain.errors import DomainError, ErrorKind, InvalidInput
from app.domain.roles import Permission
from app.domain.statistics import (
    ACTIVE_LAYOUTS,
    FIRST_REPORT_YEAR,
    REVIEW_COLUMN_LABELS,
    REVIEW_KEYS,
    column_title,
    format_for_year,
)
from app.errors import STATUS_BY_KIND
from app.inputs import plain_int
from app.models import Agency
from app.report import service
from app.report.export import layouts
from app.report.schemas import Output
from app.web.pages import ActingDep, FormDep, Visitor, VisitorDep, actor_names, page_router, render, see_other, undo

router = page_router()

DOWNLOADS = {Output.XLSX: "Excel（XLSX）", Output.CSV: "CSV", Output.HTML: "网页（HTML，可粘贴到 Word）"}


def readable_agencies(session: Session, visitor: Visitor) -> list[Agency]:
    ids = sorted(visitor.principal.agency_ids(Permission.REPORT_READ))
    return [agency for agency_id in ids if (agency := agencies.by_id(session, agency_id)) is not None]


def _year(raw: str | None, today: date) -> int:
    if raw is None or raw == "":
        return today.year
    year = plain_int(raw, 4)
    if year is None or not FIRST_REPORT_YEAR <= year <= today.year:
        raise InvalidInput("report_year_invalid", f"年度应为 {FIRST_REPORT_YEAR}–{today.year} 之间的年份。")
    return year


def _selection(request: Request, session: Session, visitor: Visitor, today: date) -> dict[str, Any]:
    visitor.principal.require_anywhere(Permission.REPORT_READ)
    params = request.query_params
    readable = readable_agencies(session, visitor)
    code = params.get("agency") or (readable[0].code if readable else "")
    return {
        "year": _year(params.get("year"), today),
        "agency": code,
        "consolidated": params.get("consolidated") == "1",
        "readable": readable,
    }


def _page_query(chosen: dict[str, Any], **extra: str) -> str:
    consolidated = {"consolidated": "1"} if chosen["consolidated"] else {}
    return urlencode({"year": chosen["year"], "agency": chosen["agency"], **consolidated, **extra})


def _annual_page(
    request: Request,
    session: Session,
    visitor: Visitor,
    today: date,
    chosen: dict[str, Any],
    *,
    error: str | None = None,
    values: dict[str, str] | None = None,
    status: int = 200,
) -> HTMLResponse:
    year, code, consolidated = chosen["year"], chosen["agency"], chosen["consolidated"]
    annual = service.annual_report(session, visitor.principal, year, code, consolidated=consolidated)
    agency = agencies.by_code(session, code)
    assert agency is not None
    publishes = visitor.principal.can(Permission.REPORT_PUBLISH, agency.id)
    try:
        publication = service.get_publication(session, visitor.principal, year, code)
    except DomainError:
        publication = None
    query = {"year": year, "agency": code, **({"consolidated": "true"} if consolidated else {})}
    fmt = format_for_year(year)
    active = annual.report.active_disclosure
    entered = {k: str(v) for k, v in active.to_dict().items()} if active else {}
    changes = publication.changes if publication else []
    return render(
        request,
        "annual.html",
        {
            **chosen,
            "years": range(today.year, FIRST_REPORT_YEAR - 1, -1),
            "annual": annual,
            "report": annual.report,
            "checks": annual.to_dict()["checks"],
            "tables": layouts(annual.report),
            "trace_link": lambda row, column: "/reports/annual/cases?" + _page_query(chosen, row=row, column=column),
            "downloads": [
                (label, "/api/v1/reports/annual?" + urlencode({**query, "output": out.value}))
                for out, label in DOWNLOADS.items()
            ],
            "publishes": publishes and not consolidated,
            "publication": publication,
            "publication_changes": changes,
            "actor_names": actor_names(
                session, [c.actor for c in changes] + ([publication.published_by] if publication else [])
            ),
            "year_ended": year < today.year,
            "active_sections": ACTIVE_LAYOUTS[fmt],
            "active_values": values if values is not None else entered,
            "error": error,
        },
        status,
        visitor,
    )


@router.get("/reports/annual")
def annual_page(request: Request, session: SessionDep, today: TodayDep, visitor: VisitorDep) -> HTMLResponse:
    return _annual_page(request, session, visitor, today, _selection(request, session, visitor, today))


def _posted(form: dict[str, str], today: date) -> dict[str, Any]:
    return {"year": _year(form.get("year"), today), "agency": form.get("agency", ""), "consolidated": False}


def _back(chosen: dict[str, Any], anchor: str = "") -> Response:
    return see_other("/reports/annual?" + urlencode({"year": chosen["year"], "agency": chosen["agency"]}) + anchor)


@router.post("/reports/annual/publication")
def publish(request: Request, session: SessionDep, today: TodayDep, visitor: ActingDep, form: FormDep) -> Response:
    """``app.report.service.publish``: freeze the year's tables (administrators, a year that has ended)."""
    chosen = _posted(form, today)
    try:
        service.publish(session, visitor.principal, chosen["year"], chosen["agency"], today)
    except DomainError as exc:
        if exc.kind in (ErrorKind.NOT_FOUND, ErrorKind.FORBIDDEN):
            raise
        undo(session)
        chosen["readable"] = readable_agencies(session, visitor)
        return _annual_page(request, session, visitor, today, chosen, error=exc.detail, status=STATUS_BY_KIND[exc.kind])
    return _back(chosen)


@router.post("/reports/annual/active-disclosure")
def active_disclosure(
    request: Request, session: SessionDep, today: TodayDep, visitor: ActingDep, form: FormDep
) -> Response:
    """``app.report.service.put_active_disclosure`` from the entry form (one input per printed cell)."""
    chosen = _posted(form, today)
    values = {key.removeprefix("v:"): value.strip() for key, value in form.items() if key.startswith("v:")}
    try:
        service.put_active_disclosure(session, visitor.principal, chosen["year"], chosen["agency"], dict(values))
    except DomainError as exc:
        if exc.kind in (ErrorKind.NOT_FOUND, ErrorKind.FORBIDDEN):
            raise
        undo(session)
        chosen["readable"] = readable_agencies(session, visitor)
        return _annual_page(
            request, session, visitor, today, chosen, error=exc.detail, values=values, status=STATUS_BY_KIND[exc.kind]
        )
    return _back(chosen, "#active")


@router.get("/reports/annual/cases")
def traced_cases(request: Request, session: SessionDep, today: TodayDep, visitor: VisitorDep) -> HTMLResponse:
    """The cases behind one cell (``app.report.service.trace_cell``), each a link to its page."""
    chosen = _selection(request, session, visitor, today)
    row = request.query_params.get("row", "")
    column = request.query_params.get("column", "total")
    cases = service.trace_cell(
        session, visitor.principal, chosen["year"], chosen["agency"], row, column, consolidated=chosen["consolidated"]
    )
    annual = service.annual_report(
        session, visitor.principal, chosen["year"], chosen["agency"], consolidated=chosen["consolidated"]
    )
    labels = {r.key: r.label for r in annual.report.applications.rows}
    in_reviews = row in REVIEW_KEYS
    if in_reviews:
        kind, _, outcome = row.partition(".")
        labels[row] = f"{REVIEW_KIND_LABELS[ReviewKind(kind)]}「{REVIEW_COLUMN_LABELS[outcome]}」"
    return render(
        request,
        "annual_cases.html",
        {
            **chosen,
            "row_label": labels.get(row, row),
            "column_label": column_title(column) if not in_reviews else "",
            "in_reviews": in_reviews,
            "cases": cases,
            "back": "/reports/annual?" + _page_query(chosen),
        },
        visitor=visitor,
    )
