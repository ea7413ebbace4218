"""The overdue report as text (for the duty clerk's mail), CSV, JSON (the contract the OA system reads) and XLSX.

Text is grouped by agency, then handler; statutory breaches are listed first, apart, and marked in every line."""

from __future__ import annotations

import csv
import io
from enum import StrEnum
from itertools import groupby
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Font

from app import spreadsheet
from app.domain.codes import APPLICANT_TYPE_LABELS
from app.domain.overdue import DEFAULT_DUE_WITHIN, FINDING_LABELS, FindingKind
from app.overdue.schemas import OverdueItem, OverdueReport


class ReportFormat(StrEnum):
    TEXT = "text"
    CSV = "csv"
    JSON = "json"
    XLSX = "xlsx"


EXTENSIONS = {ReportFormat.TEXT: "txt", ReportFormat.CSV: "csv", ReportFormat.JSON: "json", ReportFormat.XLSX: "xlsx"}

COLUMNS: tuple[tuple[str, str], ...] = (
    ("case_number", "申请编号"),
    ("external_ref", "外部编号"),
    ("agency", "机关"),
    ("kind", "类别"),
    ("kind_label", "类别名称"),
    ("letter", "文书"),
    ("applicant_type", "申请人类型"),
    ("received_date", "收到日期"),
    ("due_date", "到期日"),
    ("working_days", "剩余工作日（负数为超期）"),
    ("status_label", "当前环节"),
    ("handler", "承办人"),
    ("provisional", "期限待定"),
)
BREACH_MARK = "【违法超期】"


def _cells(item: OverdueItem) -> list[str | int | bool | None]:
    """One line of the CSV and XLSX, every text neutralised for a spreadsheet (``app.spreadsheet``)."""
    data = item.model_dump(mode="json")
    return [spreadsheet.cell(data[name]) for name, _ in COLUMNS]


def _days(item: OverdueItem) -> str:
    if item.working_days < 0:
        return f"超期{-item.working_days}个工作日"
    return "今日到期" if item.working_days == 0 else f"剩{item.working_days}个工作日"


def _line(item: OverdueItem) -> str:
    mark = BREACH_MARK if item.kind is FindingKind.STATUTORY_OVERDUE else ""
    return (
        f"{mark}{item.case_number}  {item.external_ref or '-'}  {item.kind_label}"
        f"{'（' + item.letter + '）' if item.letter else ''}  "
        f"{APPLICANT_TYPE_LABELS[item.applicant_type]}  收到{item.received_date}  到期{item.due_date}  "
        f"{_days(item)}  {item.status_label}{'  （期限暂按周末推算）' if item.provisional else ''}"
    )


def text(report: OverdueReport) -> str:
    run = f"，运行 #{report.run_id}" if report.run_id else ""
    lines = [
        f"政府信息公开申请期限报告  截至 {report.as_of}（范围 {report.scope}，"
        f"{report.due_within}个工作日内到期视为即将到期{run}）",
        "合计：" + ("，".join(f"{FINDING_LABELS[k]} {n} 项" for k, n in sorted(report.counts.items())) or "无"),
    ]
    breaches = [i for i in report.items if i.kind is FindingKind.STATUTORY_OVERDUE]
    if breaches:
        lines += ["", f"!!! 超过法定答复期限（条例第三十三条）：{len(breaches)} 项 !!!"]
        lines += [f"  {i.agency}  {i.handler or '未指定承办人'}  {_line(i)}" for i in breaches]
    for agency, by_agency in groupby(report.items, key=lambda i: i.agency):
        lines += ["", f"== 机关 {agency} =="]
        for handler, by_handler in groupby(by_agency, key=lambda i: i.handler or ""):
            lines.append(f"  承办人：{handler or '未指定'}")
            lines += [f"    {_line(i)}" for i in by_handler]
    changes = report.changes
    if changes is not None:
        since = f"自上次运行（#{changes.since_run_id}，{changes.since_as_of}）" if changes.since_run_id else "首次运行"
        lines += ["", f"{since}：新增 {len(changes.new)} 项，已消除 {len(changes.resolved)} 项"]
        lines += [f"  + {i.agency}  {_line(i)}" for i in changes.new]
        lines += [f"  - {i.agency}  {i.case_number}  {i.kind_label}" for i in changes.resolved]
    return "\n".join(lines) + "\n"


def csv_text(report: OverdueReport) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([name for name, _ in COLUMNS])
    writer.writerows(_cells(i) for i in report.items)
    return out.getvalue()


def xlsx(report: OverdueReport) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = f"期限报告 {report.as_of}"
    sheet.append([label for _, label in COLUMNS])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for item in report.items:
        sheet.append(_cells(item))
        if item.kind is FindingKind.STATUTORY_OVERDUE:
            for cell in sheet[sheet.max_row]:
                cell.font = Font(bold=True, color="C00000")
    if report.changes is not None:
        changes = book.create_sheet("变化")
        changes.append(["变化", *(label for _, label in COLUMNS)])
        for sign, rows in (("新增", report.changes.new), ("已消除", report.changes.resolved)):
            for item in rows:
                changes.append([sign, *_cells(item)])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def render(report: OverdueReport, fmt: ReportFormat) -> bytes:
    match fmt:
        case ReportFormat.TEXT:
            return text(report).encode()
        case ReportFormat.CSV:
            return csv_text(report).encode("utf-8-sig")  # the BOM lets Excel read the Chinese labels
        case ReportFormat.JSON:
            return (report.model_dump_json(indent=2) + "\n").encode()
        case ReportFormat.XLSX:
            return xlsx(report)


def target(output: str, report: OverdueReport, fmt: ReportFormat) -> Path:
    """A file as given, or in a directory (existing, or given with a trailing slash) a file named by what the run
    covers: its scope, its day and a window other than the default (runs of two windows the same day wrote one name,
    the later replacing the earlier)."""
    path = Path(output)
    if path.is_dir() or output.endswith(("/", "\\")):
        scope = "all" if report.scope == "*" else report.scope
        window = "" if report.due_within == DEFAULT_DUE_WITHIN else f"-within{report.due_within}"
        return path / f"overdue-{scope}-{report.as_of.isoformat()}{window}.{EXTENSIONS[fmt]}"
    return path
