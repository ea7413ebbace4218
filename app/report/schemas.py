"""API shapes of the annual report. The report itself is the JSON contract of ``statistics.AnnualReport.to_dict``;
the models here document it in OpenAPI and shape the smaller resources around it."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Any
from urllib.parse import unquote

from fastapi import Depends, Header
from pydantic import BaseModel, Field
from pydantic_core import PydanticCustomError

from app.domain.statistics import ReportFormat
from app.errors import ApiError
from app.inputs import Input, Line, Lines, check_lines

OVERRIDE_HEADER = "X-Override-Published"


async def override_reason(
    header: Annotated[
        str | None,
        Header(
            alias=OVERRIDE_HEADER,
            max_length=1500,
            description="Administrators only: why a case in a published report year must change (percent-encoded "
            "UTF-8, listed against the published snapshot). Without it such a change is refused "
            "(409 report_published).",
        ),
    ] = None,
) -> str | None:
    """HTTP headers carry Latin-1 only: a Chinese reason arrives percent-encoded."""
    if not header:
        return None
    reason = unquote(header)
    try:
        return check_lines(reason)
    except PydanticCustomError as exc:
        raise ApiError(422, "control_character", f"{OVERRIDE_HEADER}：{exc.message()}") from None


OverrideDep = Annotated[str | None, Depends(override_reason)]


class Output(StrEnum):
    JSON = "json"
    XLSX = "xlsx"
    CSV = "csv"
    HTML = "html"


class TableRowRead(BaseModel):
    key: str
    label: str
    values: list[int] = Field(description="Seven cells in `columns` order")


class ApplicationsRead(BaseModel):
    columns: list[str]
    rows: list[TableRowRead]


class CellRead(BaseModel):
    row: str
    column: str
    expected: int | None
    actual: int | None


class FaultyCaseRead(BaseModel):
    id: int
    number: str
    agency: str


class CheckRead(BaseModel):
    rule: str
    ok: bool
    description: str
    cells: list[CellRead]
    cases: list[FaultyCaseRead] | None = Field(None, description="Only on `data.*` checks: the case records at fault")


class AnnualReportRead(BaseModel):
    """The JSON contract integrations read (``statistics.AnnualReport.to_dict``)."""

    year: int
    format: ReportFormat
    agency: str = Field(description="The agency's code (for a consolidated table, the parent's)")
    agency_name: str
    applications: ApplicationsRead
    reviews: dict[str, int]
    active_disclosure: dict[str, int | str] | None
    checks: list[CheckRead]


class TracedCaseRead(BaseModel):
    id: int
    number: str
    agency: str
    applicant_type: str
    received_date: date
    concluded_on: date | None
    disposition: str | None


class CellTrace(BaseModel):
    year: int
    row: str
    column: str
    count: int
    cases: list[TracedCaseRead]


class FeesRead(BaseModel):
    year: int
    agency: str
    count: int = Field(description="Fee payments dated in the year")
    total_yuan: int


class ActiveDisclosureIn(Input):
    values: dict[Line, int | Line] = Field(
        description='`<item>.<field>` → value, e.g. `licensing.decisions`: 14, `fees.amount`: "199.19561" (万元)'
    )


class ActiveDisclosureRead(BaseModel):
    year: int
    agency: str
    format: ReportFormat
    values: dict[str, int | str]
    entered_by: str
    updated_at: datetime


class SnapshotChangeRead(BaseModel):
    case_id: int
    action: str
    reason: str
    actor: str
    at: datetime


class PublicationRead(BaseModel):
    year: int
    agency: str
    format: ReportFormat
    published_by: str
    published_at: datetime
    report: AnnualReportRead
    changes: list[SnapshotChangeRead]


class DocumentOutput(StrEnum):
    JSON = "json"
    DOCX = "docx"
    HTML = "html"


class FindingRead(BaseModel):
    paragraph: str = Field(description="The paragraph's key (`applications.received`, `text.overview`, …)")
    where: str = Field(description="Where a reader finds it, e.g. 「三、收到和处理政府信息公开申请情况」第1段")
    message: str


class DocumentCheckRead(BaseModel):
    rule: str
    ok: bool
    blocking: bool = Field(description="Whether a failure stops publication")
    description: str
    findings: list[FindingRead]


class FigureRead(BaseModel):
    fact: str = Field(description="The table quantity the number must equal; empty when no cell holds it")
    value: str


class ParagraphRead(BaseModel):
    key: str
    text: str
    agency_text: bool
    subheading: bool
    figures: list[FigureRead]


class SectionRead(BaseModel):
    part: str
    heading: str
    table: str | None
    paragraphs: list[ParagraphRead]


class DocumentBodyRead(BaseModel):
    title: str
    preface: str
    sections: list[SectionRead]
    signature: str
    signed_on: date | None


class AnnualDocumentRead(BaseModel):
    """The whole report: the document, the tables (the JSON contract), the checks before publication and, for a
    consolidated report, each agency's tables (the annex)."""

    year: int
    format: ReportFormat
    agency: str
    agency_name: str
    published: bool
    document: DocumentBodyRead
    tables: AnnualReportRead
    checks: list[DocumentCheckRead]
    annex: list[AnnualReportRead]


class TextFieldRead(BaseModel):
    key: str
    part: str
    label: str
    guidance: str
    required: bool


class AnnualTextIn(Input):
    texts: dict[Line, Lines] = Field(description="Passage key → text (keys: `fields` of the GET); empty removes it")


class AnnualTextRead(BaseModel):
    year: int
    agency: str
    format: ReportFormat
    texts: dict[str, str]
    fields: list[TextFieldRead]
    updated_by: str | None
    updated_at: datetime | None


class ProseCheckIn(Input):
    text: Lines = Field(max_length=500_000, description="The report as published: plain text, a paragraph a line")
    tables: dict[str, Any] = Field(description="Its tables in the JSON contract (at least `applications.rows`)")
    fees_count: int | None = Field(None, ge=0, description="Fee payments on record, to check the fee section")
    fees_yuan: int | None = Field(None, ge=0)


class ProseCheckRead(BaseModel):
    ok: bool
    findings: list[FindingRead]
