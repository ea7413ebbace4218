"""The annual report as a file, for the HTTP download and the CLI alike: bytes, media type, file name."""

from __future__ import annotations

import json
from dataclasses import dataclass

from app.report import document_render, export
from app.report.document_service import Built
from app.report.schemas import DocumentOutput, Output
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


DOCUMENT_MEDIA_TYPES: dict[DocumentOutput, str] = {
    DocumentOutput.JSON: "application/json",
    DocumentOutput.DOCX: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    DocumentOutput.HTML: "text/html; charset=utf-8",
}


def render_document(built: Built, output: DocumentOutput, template: bytes | None = None) -> ReportFile:
    """The whole report: DOCX in the agency's template (the shipped default without one), HTML, or JSON."""
    match output:
        case DocumentOutput.JSON:
            content = json.dumps(built.to_dict(), ensure_ascii=False, indent=2).encode()
        case DocumentOutput.DOCX:
            content = document_render.to_docx(built, template)
        case DocumentOutput.HTML:
            content = document_render.to_html(built).encode()
    report = built.report
    scope = "-consolidated" if built.annex else ""
    name = f"annual-report-document-{report.agency_code}-{report.year}{scope}.{output.value}"
    return ReportFile(content, DOCUMENT_MEDIA_TYPES[output], name)
