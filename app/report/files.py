"""The annual report as a file, for the HTTP download and the CLI alike: bytes, media type, file name."""

from __future__ import annotations

import json
from dataclasses import dataclass

from app.report import export
from app.report.schemas import Output
from app.report.service import Annual


@dataclass(frozen=True)
class ReportFile:
    content: bytes
    media_type: str
    filename: str


MEDIA_TYPES: dict[Output, str] = {
    Output.JSON: "application/json",
    Output.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    Output.CSV: "text/csv; charset=utf-8",
    Output.HTML: "text/html; charset=utf-8",
}


def render(annual: Annual, output: Output) -> ReportFile:
    report = annual.report
    match output:
        case Output.JSON:
            content = json.dumps(annual.to_dict(), ensure_ascii=False, indent=2).encode()
        case Output.XLSX:
            content = export.to_xlsx(report)
        case Output.CSV:
            content = export.to_csv(report).encode()
        case Output.HTML:
            content = export.to_html(report).encode()
    return ReportFile(content, MEDIA_TYPES[output], f"annual-report-{report.agency_code}-{report.year}.{output.value}")
