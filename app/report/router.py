"""HTTP adapter of the annual report. Thin: counting in ``app.report.repository``, rules in ``app.domain``."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response, status
from fastapi.responses import JSONResponse

from app.auth.dependencies import PrincipalDep
from app.deps import SessionDep, TodayDep, UnitRoute
from app.domain import annual_document as document_rules
from app.domain.roles import Permission
from app.domain.statistics import ActiveDisclosure, ReportFormat, format_for_year
from app.models import ActiveDisclosure as ActiveDisclosureRow
from app.models import AnnualReportText, ReportSnapshot
from app.report import document_render, document_service, service
from app.report.files import DOCUMENT_MEDIA_TYPES, render, render_document
from app.report.schemas import (
    ActiveDisclosureIn,
    ActiveDisclosureRead,
    AnnualDocumentRead,
    AnnualReportRead,
    AnnualTextIn,
    AnnualTextRead,
    CellTrace,
    DocumentOutput,
    FeesRead,
    FindingRead,
    Output,
    ProseCheckIn,
    ProseCheckRead,
    PublicationRead,
    SnapshotChangeRead,
    TextFieldRead,
    TracedCaseRead,
)

router = APIRouter(route_class=UnitRoute, prefix="/reports", tags=["reports"])

REPORT_ERRORS: dict[int | str, dict[str, Any]] = {
    404: {"description": "No such agency in your scope, or nothing recorded (problem+json)"},
    409: {"description": "The year is published or not yet ended (problem+json)"},
    422: {"description": "Invalid year, format, cell or values (problem+json)"},
}

Year = Annotated[int, Query(ge=1000, le=9999, description="Report year")]
AgencyCode = Annotated[str, Query(min_length=1, max_length=32, description="Agency code")]
Consolidated = Annotated[bool, Query(description="Include every sub-agency (consolidated table, 汇总)")]
Agencies = Annotated[str | None, Query(description="Further agency codes to include, comma-separated")]


def _codes(agencies: str | None) -> list[str]:
    return [code.strip() for code in (agencies or "").split(",") if code.strip()]


@router.get(
    "/annual",
    responses={
        **REPORT_ERRORS,
        200: {
            "model": AnnualReportRead,
            "content": {media: {} for media in ("text/csv", "text/html", "application/vnd.ms-excel")},
            "description": "The JSON contract, or the tables as a file (`output`)",
        },
    },
)
def annual_report(
    session: SessionDep,
    principal: PrincipalDep,
    year: Year,
    agency: AgencyCode,
    format: ReportFormat | None = None,
    consolidated: Consolidated = False,
    agencies: Agencies = None,
    output: Output = Output.JSON,
) -> Response:
    """「收到和处理政府信息公开申请情况」, 「政府信息公开行政复议、行政诉讼情况」 and, when entered,
    「主动公开政府信息情况」, counted from the case records, with every check (勾稽关系, and data faults with the cases
    at fault)."""
    annual = service.annual_report(
        session, principal, year, agency, format, consolidated=consolidated, also=_codes(agencies)
    )
    if output is Output.JSON:
        return JSONResponse(annual.to_dict())
    file = render(annual, output)
    disposition = f'attachment; filename="{file.filename}"'
    return Response(file.content, media_type=file.media_type, headers={"Content-Disposition": disposition})


@router.get("/annual/cases", responses=REPORT_ERRORS)
def trace_annual_cell(
    session: SessionDep,
    principal: PrincipalDep,
    year: Year,
    agency: AgencyCode,
    row: Annotated[
        str,
        Query(
            description="A row key of the applications table (`received`, `unavailable.not_held`, `total`, …) or a "
            "key of the reviews table (`review.upheld`, `lawsuit_after_review.total`, …)"
        ),
    ],
    column: Annotated[str, Query(description="Applicant type code or `total` (applications table only)")] = "total",
    consolidated: Consolidated = False,
    agencies: Agencies = None,
) -> CellTrace:
    """The cases behind one cell of either table, selected by the same predicate that counts it."""
    cases = service.trace_cell(
        session, principal, year, agency, row, column, consolidated=consolidated, also=_codes(agencies)
    )
    return CellTrace(
        year=year,
        row=row,
        column=column,
        count=len(cases),
        cases=[TracedCaseRead.model_validate(case, from_attributes=True) for case in cases],
    )


@router.get("/annual/fees", responses=REPORT_ERRORS)
def annual_fees(session: SessionDep, principal: PrincipalDep, year: Year, agency: AgencyCode) -> FeesRead:
    """Fees collected in the year (国办函〔2020〕109号), counted from the payments recorded on cases."""
    fees = service.annual_fees(session, principal, year, agency)
    return FeesRead(year=year, agency=agency, count=fees.count, total_yuan=fees.total)


def _publication(snapshot: ReportSnapshot, agency: str) -> PublicationRead:
    return PublicationRead(
        year=snapshot.year,
        agency=agency,
        format=ReportFormat(snapshot.format),
        published_by=snapshot.published_by,
        published_at=snapshot.published_at,
        report=AnnualReportRead.model_validate(snapshot.content),
        changes=[SnapshotChangeRead.model_validate(c, from_attributes=True) for c in snapshot.changes],
    )


@router.post("/annual/{year}/publication", status_code=status.HTTP_201_CREATED, responses=REPORT_ERRORS)
def publish_annual_report(
    year: int, session: SessionDep, principal: PrincipalDep, today: TodayDep, agency: AgencyCode
) -> PublicationRead:
    """Publish the agency's report for a finished year (administrators), once every blocking check of the document
    holds (409 `report_checks_failed` names each failing paragraph): the tables and the document are frozen, and
    later changes to cases that would alter them are refused unless forced with `X-Override-Published: <reason>`."""
    return _publication(document_service.publish(session, principal, year, agency, today), agency)


@router.get("/annual/{year}/publication", responses=REPORT_ERRORS)
def get_publication(year: int, session: SessionDep, principal: PrincipalDep, agency: AgencyCode) -> PublicationRead:
    """The published report and every change forced through since, with its reason."""
    return _publication(service.get_publication(session, principal, year, agency), agency)


def _active(agency: str, row: ActiveDisclosureRow, table: ActiveDisclosure) -> ActiveDisclosureRead:
    return ActiveDisclosureRead(
        year=row.year,
        agency=agency,
        format=table.format,
        values=table.to_dict(),
        entered_by=row.entered_by,
        updated_at=row.updated_at,
    )


@router.get("/active-disclosure/{year}", responses=REPORT_ERRORS)
def get_active_disclosure(
    year: int, session: SessionDep, principal: PrincipalDep, agency: AgencyCode
) -> ActiveDisclosureRead:
    return _active(agency, *service.get_active_disclosure(session, principal, year, agency))


@router.put("/active-disclosure/{year}", responses=REPORT_ERRORS)
def put_active_disclosure(
    year: int, body: ActiveDisclosureIn, session: SessionDep, principal: PrincipalDep, agency: AgencyCode
) -> ActiveDisclosureRead:
    """Enter 「主动公开政府信息情况」 for the year (its layout depends on the format of the year)."""
    return _active(agency, *service.put_active_disclosure(session, principal, year, agency, dict(body.values)))


@router.get(
    "/annual/document",
    responses={
        **REPORT_ERRORS,
        200: {
            "model": AnnualDocumentRead,
            "content": {DOCUMENT_MEDIA_TYPES[o].split(";")[0]: {} for o in (DocumentOutput.HTML, DocumentOutput.DOCX)},
            "description": "The whole report as JSON, or as a file (`output`: DOCX for Word/WPS, HTML for the website)",
        },
    },
)
def annual_document(
    session: SessionDep,
    principal: PrincipalDep,
    today: TodayDep,
    year: Year,
    agency: AgencyCode,
    consolidated: Consolidated = False,
    output: DocumentOutput = DocumentOutput.JSON,
) -> Response:
    """The whole 政府信息公开工作年度报告 of the year, in the official outline of its format: the prose with its
    figures counted from the records (and their change on last year), the agency's own passages, the three tables,
    and the checks before publication, each failure naming its paragraph. Once published, the frozen document.
    `consolidated=true`: over every sub-agency, with each agency's tables as an annex."""
    built = document_service.annual_document(session, principal, year, agency, today, consolidated=consolidated)
    if output is DocumentOutput.JSON:
        return JSONResponse(built.to_dict())
    docx = output is DocumentOutput.DOCX
    template = document_render.stored_template(session, built.report.agency_code) if docx else None
    file = render_document(built, output, template)
    disposition = f'attachment; filename="{file.filename}"'
    return Response(file.content, media_type=file.media_type, headers={"Content-Disposition": disposition})


def _texts(agency: str, year: int, row: AnnualReportText | None, outline: document_rules.Outline) -> AnnualTextRead:
    return AnnualTextRead(
        year=year,
        agency=agency,
        format=outline.format,
        texts=dict(row.texts) if row else {},
        fields=[
            TextFieldRead(key=f.key, part=f.part.value, label=f.label, guidance=f.guidance, required=f.required)
            for f in outline.fields
        ],
        updated_by=row.updated_by if row else None,
        updated_at=row.updated_at if row else None,
    )


@router.get("/annual/{year}/text", responses=REPORT_ERRORS)
def get_annual_text(year: int, session: SessionDep, principal: PrincipalDep, agency: AgencyCode) -> AnnualTextRead:
    """The agency's own passages of the year's report (what only people know), and the passages its format has."""
    row, outline = document_service.get_texts(session, principal, year, agency)
    return _texts(agency, year, row, outline)


@router.put("/annual/{year}/text", responses=REPORT_ERRORS)
def put_annual_text(
    year: int, body: AnnualTextIn, session: SessionDep, principal: PrincipalDep, agency: AgencyCode
) -> AnnualTextRead:
    """Replace the agency's passages of the year's report (administrators; audited; refused once published)."""
    row = document_service.put_texts(session, principal, year, agency, body.texts)
    return _texts(agency, year, row, document_rules.outline_for(format_for_year(year)))


@router.post("/annual/prose-check", responses=REPORT_ERRORS)
def check_annual_prose(body: ProseCheckIn, principal: PrincipalDep) -> ProseCheckRead:
    """Check a report's text (e.g. a published one) against its tables: every number the text states about a cell
    and that disagrees with it, named by the heading above it and its line. Pure: nothing is read or stored."""
    principal.require_anywhere(Permission.REPORT_READ)
    fees = None
    if body.fees_count is not None and body.fees_yuan is not None:
        fees = document_rules.Fees(body.fees_count, body.fees_yuan)
    findings = document_service.check_published_text(body.text, body.tables, fees)
    return ProseCheckRead(ok=not findings, findings=[FindingRead(**f.to_dict()) for f in findings])
