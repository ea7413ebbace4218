"""API shapes of the annual report. The report itself is the JSON contract of ``statistics.AnnualReport.to_dict``;
the models here document it in OpenAPI and shape the smaller resources around it."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated
from urllib.parse import unquote

from fastapi import Depends, Header
from pydantic import BaseModel, Field

from app.domain.statistics import ReportFormat

OVERRIDE_HEADER = "X-Override-Published"


def override_reason(
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
    return unquote(header) if header else None


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


class ActiveDisclosureIn(BaseModel):
    values: dict[str, int | str] = Field(
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
