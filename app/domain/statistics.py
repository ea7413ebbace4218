"""The statistics tables of the annual report on government information disclosure (政府信息公开工作年度报告).

Report years 2019 and 2020 use the trial format 国办公开办函〔2019〕60号, 2021 onward the format
国办公开办函〔2021〕30号. Three tables are built here; SQL does the counting, this module does the classification into
official rows, every total, and the arithmetic the formats require (勾稽关系):

* 「收到和处理政府信息公开申请情况」 (:func:`build_applications_table`, :func:`check_applications`). Columns: the six
  applicant types of :class:`~app.domain.codes.ApplicantType`, then ``total`` (总计). Rows in official order:
  ``received`` (一), ``carried_over`` (二), the result rows of 三、本年度办理结果 keyed by their
  :class:`~app.domain.codes.Disposition` code, ``total`` (（七）总计), ``carried_forward`` (四). The formats differ
  in one place only: in 2019 （六）其他处理 is a single row keyed ``other`` (the three ``other.*`` codes summed), in
  2021 it has three rows keyed by those codes.
* 「政府信息公开行政复议、行政诉讼情况」 (:func:`build_reviews_table`): one row of 15 integers, keyed (JSON ``reviews``)
  ``<kind>.<column>`` in printed order:

  ===================================  ====================================
  ``review.upheld``                    行政复议 · 结果维持
  ``review.corrected``                 行政复议 · 结果纠正
  ``review.other``                     行政复议 · 其他结果
  ``review.pending``                   行政复议 · 尚未审结
  ``review.total``                     行政复议 · 总计
  ``lawsuit.upheld`` … ``.total``      行政诉讼 · 未经复议直接起诉 · the same five
  ``lawsuit_after_review.upheld`` …    行政诉讼 · 复议后起诉 · the same five
  ===================================  ====================================

  Each ``.total`` is the sum of the four before it.
* 「主动公开政府信息情况」 (Art. 20), entered by hand each year: :data:`ACTIVE_LAYOUTS`,
  :func:`validate_active_disclosure`.

:meth:`AnnualReport.to_dict` produces the JSON contract integrations read::

    {"year": 2020, "format": "2019", "agency": "nrb", "agency_name": "…自然资源局",
     "applications": {"columns": [six applicant codes, "total"],
                      "rows": [{"key": ..., "label": ..., "values": [7 ints]}, ...]},
     "reviews": {"review.upheld": 0, ...},
     "active_disclosure": {"regulations.made": 0, ...} | null,
     "checks": [{"rule": ..., "ok": ..., "description": ..., "cells": [{row, column, expected, actual}]}]}

:func:`check_published` validates a document of that shape typed by hand or copied from a published report.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import MAXYEAR
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from functools import partial
from typing import TypeVar

from app.domain.codes import (
    APPLICANT_TYPE_LABELS,
    DISPOSITION_GROUP_LABELS,
    DISPOSITIONS,
    LEGAL_PERSON_GROUP_LABEL,
    REVIEW_KIND_LABELS,
    REVIEW_OUTCOME_LABELS,
    ApplicantType,
    Disposition,
    DispositionGroup,
    ReviewKind,
    ReviewOutcome,
)
from app.domain.errors import InvalidInput


class ReportFormat(StrEnum):
    F2019 = "2019"
    F2021 = "2021"


FORMAT_DOCUMENTS: dict[ReportFormat, str] = {
    ReportFormat.F2019: "国办公开办函〔2019〕60号",
    ReportFormat.F2021: "国办公开办函〔2021〕30号",
}
FIRST_REPORT_YEAR = 2019
"""The first report year under the 2019 regulation (国务院令第711号); earlier reports used another table."""
_F2021_FIRST_YEAR = 2021


def format_for_year(year: int) -> ReportFormat:
    """2019–2020: the trial format 〔2019〕60号; 2021 onward: 〔2021〕30号."""
    if year < FIRST_REPORT_YEAR:
        raise InvalidInput(
            "report_year_unsupported",
            f"{year}年度不适用现行年度报告格式：只能生成{FIRST_REPORT_YEAR}年度及以后的年度报告",
        )
    if year > MAXYEAR:
        raise InvalidInput("report_year_unsupported", f"{year}年度不是有效的年份（最大 {MAXYEAR}）。")
    return ReportFormat.F2019 if year < _F2021_FIRST_YEAR else ReportFormat.F2021


APPLICATIONS_TITLE = "收到和处理政府信息公开申请情况"
REVIEWS_TITLE = "政府信息公开行政复议、行政诉讼情况"
ACTIVE_DISCLOSURE_TITLE = "主动公开政府信息情况"
BALANCE_NOTE = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"
APPLICANT_HEADER = "申请人情况"
TOTAL_LABEL = "总计"
RESULTS_LABEL = "三、本年度办理结果"

TOTAL = "total"
"""Key of the 总计 column, of the （七）总计 row and of each review total."""
COLUMNS: tuple[str, ...] = (*(a.value for a in ApplicantType), TOTAL)
COLUMN_LABELS: dict[str, str] = {a.value: label for a, label in APPLICANT_TYPE_LABELS.items()} | {TOTAL: TOTAL_LABEL}

RECEIVED = "received"
CARRIED_OVER = "carried_over"
OTHER = "other"
"""The single （六）其他处理 row of the 2019 format."""
CARRIED_FORWARD = "carried_forward"


def column_title(column: str) -> str:
    """The column's label with its header group, e.g. 「法人或其他组织·其他」 (「其他」 alone is ambiguous)."""
    if column in (ApplicantType.NATURAL_PERSON, TOTAL):
        return COLUMN_LABELS[column]
    return f"{LEGAL_PERSON_GROUP_LABEL}·{COLUMN_LABELS[column]}"


@dataclass(frozen=True)
class RowSpec:
    """A row of the applications table. ``group`` is the printed label enclosing it: the disposition group
    (「（三）不予公开」) for its numbered rows, 「三、本年度办理结果」 for the group rows （一）（二）（七）,
    "" for 一、二、四."""

    key: str
    label: str
    group: str

    @property
    def title(self) -> str:
        """The label a reader needs out of context, e.g. 「（三）不予公开 1.属于国家秘密」."""
        return f"{self.group} {self.label}" if self.group and self.group != RESULTS_LABEL else self.label


def _result_row(fmt: ReportFormat, disposition: Disposition) -> RowSpec:
    group = DISPOSITION_GROUP_LABELS[disposition.group]
    if fmt is ReportFormat.F2019 and disposition.group is DispositionGroup.OTHER:
        return RowSpec(OTHER, group, RESULTS_LABEL)
    row_label = DISPOSITIONS[disposition].row_label
    return (
        RowSpec(disposition.value, row_label, group) if row_label else RowSpec(disposition.value, group, RESULTS_LABEL)
    )


def _layout(fmt: ReportFormat) -> tuple[RowSpec, ...]:
    results = dict.fromkeys(_result_row(fmt, d) for d in Disposition)
    return (
        RowSpec(RECEIVED, "一、本年新收政府信息公开申请数量", ""),
        RowSpec(CARRIED_OVER, "二、上年结转政府信息公开申请数量", ""),
        *results,
        RowSpec(TOTAL, "（七）总计", RESULTS_LABEL),
        RowSpec(CARRIED_FORWARD, "四、结转下年度继续办理", ""),
    )


ROWS: dict[ReportFormat, tuple[RowSpec, ...]] = {fmt: _layout(fmt) for fmt in ReportFormat}
"""The rows of the applications table per format, in official order."""
RESULT_ROW_KEYS: dict[ReportFormat, dict[str, str]] = {
    fmt: {d.value: _result_row(fmt, d).key for d in Disposition} for fmt in ReportFormat
}
"""Each disposition's result row per format (a :class:`Disposition` is its code, so either finds it)."""
LEAF_ROWS: dict[ReportFormat, tuple[str, ...]] = {
    fmt: tuple(dict.fromkeys(keys.values())) for fmt, keys in RESULT_ROW_KEYS.items()
}
"""The result rows that （七）总计 sums (there are no subtotal rows for the groups)."""
APPLICANT_COLUMNS: dict[str, int] = {a.value: i for i, a in enumerate(ApplicantType)}
"""Each applicant type's column (a :class:`ApplicantType` is its code, so either finds it)."""


@dataclass(frozen=True)
class TableRow(RowSpec):
    values: tuple[int, ...]
    """Seven cells in :data:`COLUMNS` order."""

    def value(self, column: str) -> int:
        return self.values[COLUMNS.index(column)]


@dataclass(frozen=True)
class ApplicationsTable:
    """「收到和处理政府信息公开申请情况」 as printed: every cell, totals included."""

    format: ReportFormat
    rows: tuple[TableRow, ...]

    def row(self, key: str) -> TableRow:
        for row in self.rows:
            if row.key == key:
                return row
        raise KeyError(key)


def _count(value: int, row: str, column: str, separator: str = "/") -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidInput("statistics_count_invalid", f"统计数应为非负整数：{row}{separator}{column} = {value!r}")
    return value


def _unknown(value: object) -> InvalidInput:
    return InvalidInput("statistics_code_unknown", f"未知代码：{value!r}")


_E = TypeVar("_E", bound=StrEnum)
_V = TypeVar("_V")


def _code(enum: type[_E], value: str) -> _E:
    try:
        return enum(value)
    except ValueError:
        raise _unknown(value) from None


def _index(codes: Mapping[str, _V], value: str) -> _V:
    """``codes[value]``, or 422 ``statistics_code_unknown``: a dictionary of codes looked up for each count, where
    converting to the enum (a few µs each) was a tenth of a year-end report's Python."""
    found = codes.get(value)
    if found is None:
        raise _unknown(value)
    return found


def build_applications_table(
    fmt: ReportFormat,
    received: Mapping[ApplicantType, int],
    carried_over: Mapping[ApplicantType, int],
    concluded: Mapping[tuple[Disposition, ApplicantType], int],
    carried_forward: Mapping[ApplicantType, int],
) -> ApplicationsTable:
    """Place the counts in their rows (missing keys count 0) and compute the 总计 column and the （七）总计 row.

    Counts as domain.md §3: ``received`` 一 by legal receipt date in the year, ``carried_over`` 二 open on 31 Dec of the
    year before, ``concluded`` 三 by disposition whenever received, ``carried_forward`` 四 open on 31 Dec. The table is
    not forced to balance: :func:`check_applications` reports counts that do not.
    """
    width = len(ApplicantType)
    cells = {spec.key: [0] * width for spec in ROWS[fmt]}
    result_rows = RESULT_ROW_KEYS[fmt]

    def add(row: str, applicant: str, value: int) -> None:
        cells[row][_index(APPLICANT_COLUMNS, applicant)] += _count(value, row, applicant)

    for row, counts in ((RECEIVED, received), (CARRIED_OVER, carried_over), (CARRIED_FORWARD, carried_forward)):
        for applicant, value in counts.items():
            add(row, applicant, value)
    for (disposition, applicant), value in concluded.items():
        add(_index(result_rows, disposition), applicant, value)
    cells[TOTAL] = [sum(column) for column in zip(*(cells[leaf] for leaf in LEAF_ROWS[fmt]), strict=True)]
    return ApplicationsTable(
        fmt, tuple(TableRow(s.key, s.label, s.group, (*cells[s.key], sum(cells[s.key]))) for s in ROWS[fmt])
    )


REVIEW_COLUMNS: tuple[str, ...] = (*(o.value for o in ReviewOutcome), TOTAL)
REVIEW_COLUMN_LABELS: dict[str, str] = {o.value: label for o, label in REVIEW_OUTCOME_LABELS.items()} | {
    TOTAL: TOTAL_LABEL
}
REVIEW_KEYS: tuple[str, ...] = tuple(f"{kind}.{column}" for kind in ReviewKind for column in REVIEW_COLUMNS)


def _review_header(label: str) -> tuple[str, str]:
    head, _, sub = label.partition("（")
    return head, sub.removesuffix("）")


REVIEW_HEADERS: dict[ReviewKind, tuple[str, str]] = {k: _review_header(v) for k, v in REVIEW_KIND_LABELS.items()}
"""The two header levels as printed: 「行政复议」 alone; 「行政诉讼」 over 「未经复议直接起诉」 and 「复议后起诉」."""
REVIEWS = "reviews"
"""Row key naming the reviews table in :class:`Cell`."""


@dataclass(frozen=True)
class ReviewsTable:
    """「政府信息公开行政复议、行政诉讼情况」: 15 cells in :data:`REVIEW_KEYS` order."""

    values: tuple[int, ...]

    def to_dict(self) -> dict[str, int]:
        return dict(zip(REVIEW_KEYS, self.values, strict=True))


def build_reviews_table(counts: Mapping[tuple[ReviewKind, ReviewOutcome], int]) -> ReviewsTable:
    """Reviews and lawsuits filed in the report year against the agency's handling, by outcome on 31 Dec.

    The counting rule across years (the reading taken; 国办公开办函〔2021〕30号 表五 leaves it implicit): a review or
    lawsuit belongs to the table of the year it was *filed*, once, with the outcome it had on 31 December of that
    year. One decided in January of the next year is 尚未审结 in its filing year and does not appear in the next
    year's table at all, even with its decision. The other reading (each year counts the decisions made in it)
    would count a case filed in one year and decided in the next twice in two years' 总计, and the table's 总计
    would no longer be the number of reviews brought in the year. The later decision stays in the case record."""
    cells = {(kind, outcome): 0 for kind in ReviewKind for outcome in ReviewOutcome}
    for (kind, outcome), value in counts.items():
        cells[_code(ReviewKind, kind), _code(ReviewOutcome, outcome)] += _count(value, kind, outcome, ".")
    values: list[int] = []
    for kind in ReviewKind:
        four = [cells[kind, outcome] for outcome in ReviewOutcome]
        values += [*four, sum(four)]
    return ReviewsTable(tuple(values))


class Rule(StrEnum):
    """Stable codes of the checks (勾稽关系, domain.md §3) and of the faults of a published table."""

    BALANCE = "balance"
    COLUMN_TOTAL = "column_total"
    RESULT_TOTAL = "result_total"
    NON_NEGATIVE = "non_negative"
    REVIEW_TOTAL = "review_total"
    CARRY_OVER = "carry_over"
    NOT_INTEGER = "not_integer"
    YEAR = "year"
    FORMAT = "format"
    COLUMNS = "columns"
    UNKNOWN_KEY = "unknown_key"
    MISSING_KEY = "missing_key"
    DUPLICATE_KEY = "duplicate_key"
    ROW_ORDER = "row_order"
    ROW_LABEL = "row_label"
    ROW_LENGTH = "row_length"


RULE_DESCRIPTIONS: dict[Rule, str] = {
    Rule.BALANCE: "每一列：第一项加第二项之和，等于第三项（七）总计加第四项之和",
    Rule.COLUMN_TOTAL: "每一行：总计列等于六类申请人之和",
    Rule.RESULT_TOTAL: "每一列：（七）总计等于本年度办理结果各项之和",
    Rule.NON_NEGATIVE: "每一格为非负整数",
    Rule.REVIEW_TOTAL: "行政复议、行政诉讼：每个总计等于其前四项之和",
    Rule.CARRY_OVER: "二、上年结转数量等于上一年度报告的四、结转下年度继续办理数量",
    Rule.NOT_INTEGER: "每一格必须填写整数，不得空白",
    Rule.YEAR: "报告年度为2019年及以后的整数年份",
    Rule.FORMAT: "格式与报告年度相符：2019、2020年度用2019年格式，2021年度起用2021年格式",
    Rule.COLUMNS: "列为六类申请人加总计，按规定顺序",
    Rule.UNKNOWN_KEY: "不得有该格式以外的行或项目",
    Rule.MISSING_KEY: "该格式的每一行、每一项目都必须填写",
    Rule.DUPLICATE_KEY: "每一行只出现一次",
    Rule.ROW_ORDER: "各行按规定顺序排列",
    Rule.ROW_LABEL: "行名称与规定格式一字不差",
    Rule.ROW_LENGTH: "每一行有七个数值",
}
APPLICATION_RULES = (Rule.BALANCE, Rule.COLUMN_TOTAL, Rule.RESULT_TOTAL, Rule.NON_NEGATIVE)
REVIEW_RULES = (Rule.REVIEW_TOTAL, Rule.NON_NEGATIVE)


@dataclass(frozen=True)
class Cell:
    """A cell a check points at: ``row`` a row key (or :data:`REVIEWS`), ``column`` a column or review key ("" for a
    whole row). For a sum, ``expected`` is what the other cells imply and ``actual`` what the cell holds."""

    row: str
    column: str
    expected: int | None = None
    actual: int | None = None

    def to_dict(self) -> dict[str, object]:
        return {"row": self.row, "column": self.column, "expected": self.expected, "actual": self.actual}


@dataclass(frozen=True)
class Violation:
    rule: Rule
    message: str
    cells: tuple[Cell, ...]


@dataclass(frozen=True)
class Check:
    """One rule applied to a whole table; ``cells`` are those that break it (empty when ``ok``)."""

    rule: Rule
    description: str
    ok: bool
    cells: tuple[Cell, ...]

    def to_dict(self) -> dict[str, object]:
        return {
            "rule": self.rule.value,
            "ok": self.ok,
            "description": self.description,
            "cells": [cell.to_dict() for cell in self.cells],
        }


def _summarise(rules: Iterable[Rule], found: Sequence[Violation]) -> list[Check]:
    checks = []
    for rule in rules:
        cells = tuple(cell for v in found if v.rule is rule for cell in v.cells)
        checks.append(Check(rule, RULE_DESCRIPTIONS[rule], not cells, cells))
    return checks


def _sum(values: Iterable[int | None]) -> int | None:
    total = 0
    for value in values:
        if value is None:
            return None
        total += value
    return total


def _cell_title(spec: RowSpec, column: str) -> str:
    return f"「{spec.title}」行「{column_title(column)}」"


def _review_title(key: str) -> str:
    kind, column = key.split(".")
    return f"{REVIEW_KIND_LABELS[ReviewKind(kind)]}「{REVIEW_COLUMN_LABELS[column]}」"


def _negatives(row: str, cells: Iterable[tuple[str, int | None]], describe: Callable[[str], str]) -> list[Violation]:
    return [
        Violation(Rule.NON_NEGATIVE, f"{describe(column)}为负数：{value}", (Cell(row, column, None, value),))
        for column, value in cells
        if value is not None and value < 0
    ]


def _application_arithmetic(fmt: ReportFormat, grid: Mapping[str, Sequence[int | None]]) -> list[Violation]:
    """Every rule of §3 over a grid of row key → 7 cells; ``None`` (blank, missing) skips the sums it is in."""
    width = len(COLUMNS)
    rows = {  # every row of the format, seven cells each (a missing row or cell is blank)
        spec.key: (*grid.get(spec.key, ())[:width], *(None,) * width)[:width] for spec in ROWS[fmt]
    }
    found: list[Violation] = []
    for spec in ROWS[fmt]:
        values = rows[spec.key]
        found += _negatives(spec.key, zip(COLUMNS, values, strict=True), partial(_cell_title, spec))
        six, total = _sum(values[:-1]), values[-1]
        if six is not None and total is not None and six != total:
            message = f"「{spec.title}」行：六类申请人之和为{six}，总计列为{total}"
            found.append(Violation(Rule.COLUMN_TOTAL, message, (Cell(spec.key, TOTAL, six, total),)))
    columns = zip(
        COLUMNS,
        zip(*(rows[leaf] for leaf in LEAF_ROWS[fmt]), strict=True),
        rows[TOTAL],
        rows[RECEIVED],
        rows[CARRIED_OVER],
        rows[CARRIED_FORWARD],
        strict=True,
    )
    for column, leaves, total, received, carried_over, forward in columns:
        results = _sum(leaves)
        if results is not None and total is not None and results != total:
            message = f"「{column_title(column)}」列：办理结果各项之和为{results}，（七）总计为{total}"
            found.append(Violation(Rule.RESULT_TOTAL, message, (Cell(TOTAL, column, results, total),)))
        one_two = _sum((received, carried_over))
        if one_two is not None and total is not None and forward is not None and one_two != total + forward:
            message = (
                f"「{column_title(column)}」列：第一项加第二项为{one_two}，"
                f"（七）总计加第四项为{total + forward}，四、结转下年度继续办理应为{one_two - total}"
            )
            found.append(Violation(Rule.BALANCE, message, (Cell(CARRIED_FORWARD, column, one_two - total, forward),)))
    return found


def check_applications(table: ApplicationsTable) -> list[Check]:
    """The four checks of domain.md §3, one :class:`Check` each. A balance failure points at 四 of that column, with the
    value 一 + 二 − （七） implies; which cell is really wrong only the records can tell."""
    return _summarise(APPLICATION_RULES, _application_arithmetic(table.format, {r.key: r.values for r in table.rows}))


def check_carry_over(previous: ApplicationsTable, current: ApplicationsTable) -> Check:
    """二 of this year must equal 四 of last year's report (domain.md §3)."""
    cells = tuple(
        Cell(CARRIED_OVER, column, previous.row(CARRIED_FORWARD).value(column), current.row(CARRIED_OVER).value(column))
        for column in COLUMNS
        if previous.row(CARRIED_FORWARD).value(column) != current.row(CARRIED_OVER).value(column)
    )
    return Check(Rule.CARRY_OVER, RULE_DESCRIPTIONS[Rule.CARRY_OVER], not cells, cells)


def _review_arithmetic(values: Mapping[str, int | None]) -> list[Violation]:
    found = _negatives(REVIEWS, ((key, values.get(key)) for key in REVIEW_KEYS), _review_title)
    for kind in ReviewKind:
        four = _sum(values.get(f"{kind}.{outcome}") for outcome in ReviewOutcome)
        total = values.get(f"{kind}.{TOTAL}")
        if four is not None and total is not None and four != total:
            message = f"{REVIEW_KIND_LABELS[kind]}：前四项之和为{four}，总计为{total}"
            found.append(Violation(Rule.REVIEW_TOTAL, message, (Cell(REVIEWS, f"{kind}.{TOTAL}", four, total),)))
    return found


def check_reviews(table: ReviewsTable) -> list[Check]:
    return _summarise(REVIEW_RULES, _review_arithmetic(table.to_dict()))


class ValueKind(StrEnum):
    COUNT = "count"
    CHANGE = "change"
    """本年增/减 of the 2019 format: a signed count, printed 「增3」 or 「减2」."""
    AMOUNT = "amount"
    """Money in 万元, kept exact as a Decimal."""


@dataclass(frozen=True)
class ActiveField:
    key: str
    label: str
    kind: ValueKind = ValueKind.COUNT
    unit: str = ""
    """Printed after the value when the label does not name the unit."""


@dataclass(frozen=True)
class ActiveSection:
    """One Art. 20 item: a heading, the 信息内容 rows and the columns they are counted in."""

    heading: str
    fields: tuple[ActiveField, ...]
    items: tuple[tuple[str, str], ...]


ACTIVE_ITEM_HEADER = "信息内容"


def _article_20(item: str) -> str:
    return f"第二十条第（{item}）项"


_CHANGES_2019 = (ActiveField("previous_items", "上一年项目数量"), ActiveField("change", "本年增/减", ValueKind.CHANGE))
_DECISIONS_2021 = (ActiveField("decisions", "本年处理决定数量"),)
ACTIVE_LAYOUTS: dict[ReportFormat, tuple[ActiveSection, ...]] = {
    ReportFormat.F2019: (
        ActiveSection(
            _article_20("一"),
            (
                ActiveField("made", "本年新制作数量"),
                ActiveField("published", "本年新公开数量"),
                ActiveField("total_published", "对外公开总数量"),
            ),
            (("regulations", "规章"), ("normative_documents", "规范性文件")),
        ),
        ActiveSection(
            _article_20("五"),
            (*_CHANGES_2019, ActiveField("decisions", "处理决定数量")),
            (("licensing", "行政许可"), ("other_services", "其他对外管理服务事项")),
        ),
        ActiveSection(
            _article_20("六"),
            (*_CHANGES_2019, ActiveField("decisions", "处理决定数量")),
            (("penalties", "行政处罚"), ("coercion", "行政强制")),
        ),
        ActiveSection(_article_20("八"), _CHANGES_2019, (("fees", "行政事业性收费"),)),
        ActiveSection(
            _article_20("九"),
            (ActiveField("projects", "采购项目数量"), ActiveField("amount", "采购总金额", ValueKind.AMOUNT, "万元")),
            (("procurement", "政府集中采购"),),
        ),
    ),
    ReportFormat.F2021: (
        ActiveSection(
            _article_20("一"),
            (
                ActiveField("issued", "本年制发件数"),
                ActiveField("repealed", "本年废止件数"),
                ActiveField("in_force", "现行有效件数"),
            ),
            (("regulations", "规章"), ("normative_documents", "行政规范性文件")),
        ),
        ActiveSection(_article_20("五"), _DECISIONS_2021, (("licensing", "行政许可"),)),
        ActiveSection(_article_20("六"), _DECISIONS_2021, (("penalties", "行政处罚"), ("coercion", "行政强制"))),
        ActiveSection(
            _article_20("八"),
            (ActiveField("amount", "本年收费金额（单位：万元）", ValueKind.AMOUNT),),
            (("fees", "行政事业性收费"),),
        ),
    ),
}
"""The Art. 20 table of each format; a value's key is ``<item>.<field>``, e.g. ``licensing.decisions``."""


def active_fields(fmt: ReportFormat) -> dict[str, tuple[str, ActiveField]]:
    """Value key → (title for messages, field), in printed order."""
    return {
        f"{item}.{field.key}": (f"{section.heading} {label} {field.label}", field)
        for section in ACTIVE_LAYOUTS[fmt]
        for item, label in section.items
        for field in section.fields
    }


ActiveValue = int | Decimal
MAX_ACTIVE_DIGITS = 12
"""No count or amount (万元) of a year's Art. 20 table comes near a trillion: a longer number is a typo, refused in
Chinese (Python itself refuses to convert an integer of over 4,300 digits, in English)."""


_PLAIN_AMOUNT = re.compile(r"[0-9]+(?:\.[0-9]+)?")


def _parse_active(kind: ValueKind, raw: object) -> ActiveValue:
    """Raises ValueError with the Chinese reason. Accepts what clerks type: 12, "12", "增3", "减2", "199.19561万元"."""
    text = str(raw).strip() if isinstance(raw, (str, int, float, Decimal)) and not isinstance(raw, bool) else ""
    if kind is ValueKind.AMOUNT:
        digits = text.removesuffix("万元")
        try:  # as written in a report: digits and a decimal point, no exponent ("1e5" is a typo, not 100000)
            amount = Decimal(digits) if _PLAIN_AMOUNT.fullmatch(digits) else Decimal("NaN")
        except InvalidOperation:
            amount = Decimal("NaN")
        if not amount.is_finite() or amount < 0:
            raise ValueError(f"应为非负金额（万元），实为{_shown(raw)}")
        if amount >= Decimal(10) ** MAX_ACTIVE_DIGITS:
            raise ValueError(f"金额过大（应小于 10 的 {MAX_ACTIVE_DIGITS} 次方万元），实为{_shown(raw)}")
        return amount
    sign = -1 if kind is ValueKind.CHANGE and text.startswith("减") else 1
    digits = text.removeprefix("增" if sign > 0 else "减") if kind is ValueKind.CHANGE else text
    if kind is ValueKind.CHANGE and digits.startswith(("+", "-")):
        sign, digits = (-1 if digits[0] == "-" else 1), digits[1:]
    if not digits.isdecimal() or not digits.isascii():
        expected = "整数（增加写正数或“增3”，减少写负数或“减2”）" if kind is ValueKind.CHANGE else "非负整数"
        raise ValueError(f"应为{expected}，实为{_shown(raw)}")
    if len(digits.lstrip("0")) > MAX_ACTIVE_DIGITS:
        raise ValueError(f"数值过大（最多 {MAX_ACTIVE_DIGITS} 位），实为{_shown(raw)}")
    return sign * int(digits)


def _shown(raw: object) -> str:
    """``raw`` as a message quotes it, cut short if long."""
    text = repr(raw)
    return text if len(text) <= 40 else text[:37] + "…"


def format_active_value(field: ActiveField, value: ActiveValue) -> str:
    """As printed: 「增27」 / 「减2」 / 「0」 for 本年增/减, the unit after an amount when the label lacks it."""
    if field.kind is ValueKind.CHANGE and value:
        return f"增{value}" if value > 0 else f"减{-value}"
    return f"{value}{field.unit}"


@dataclass(frozen=True)
class ActiveDisclosure:
    """「主动公开政府信息情况」 for one year, validated against its format (:func:`validate_active_disclosure`)."""

    format: ReportFormat
    values: tuple[tuple[str, ActiveValue], ...]

    def value(self, key: str) -> ActiveValue:
        return dict(self.values)[key]

    def to_dict(self) -> dict[str, int | str]:
        """Amounts as decimal strings, so that JSON keeps them exact."""
        return {key: str(v) if isinstance(v, Decimal) else v for key, v in self.values}


def validate_active_disclosure(fmt: ReportFormat, values: Mapping[str, object]) -> ActiveDisclosure:
    """Check hand-entered values against the format's layout; every problem is listed in one :class:`InvalidInput`."""
    fields = active_fields(fmt)
    problems = [f"未知项目「{key}」" for key in values if key not in fields]
    normalized: list[tuple[str, ActiveValue]] = []
    for key, (title, field) in fields.items():
        if key not in values:
            problems.append(f"缺少「{title}」（{key}）")
            continue
        try:
            normalized.append((key, _parse_active(field.kind, values[key])))
        except ValueError as error:
            problems.append(f"「{title}」{error}")
    if problems:
        raise InvalidInput(
            "active_disclosure_invalid", f"主动公开政府信息情况（{FORMAT_DOCUMENTS[fmt]}格式）：" + "；".join(problems)
        )
    return ActiveDisclosure(fmt, tuple(normalized))


@dataclass(frozen=True)
class AnnualReport:
    """The statistics of one agency's annual report. The format must be the year's (:func:`format_for_year`)."""

    year: int
    format: ReportFormat
    agency_code: str
    agency_name: str
    applications: ApplicationsTable
    reviews: ReviewsTable
    active_disclosure: ActiveDisclosure | None = None

    def __post_init__(self) -> None:
        formats = {self.applications.format, *([self.active_disclosure.format] if self.active_disclosure else [])}
        if formats != {self.format} or format_for_year(self.year) is not self.format:
            raise InvalidInput(
                "report_format_mismatch",
                f"{self.year}年度报告应使用{FORMAT_DOCUMENTS[format_for_year(self.year)]}格式，各表格式须一致",
            )

    def checks(self) -> list[Check]:
        found = _application_arithmetic(self.format, {r.key: r.values for r in self.applications.rows})
        return _summarise(
            dict.fromkeys((*APPLICATION_RULES, *REVIEW_RULES)), found + _review_arithmetic(self.reviews.to_dict())
        )

    def to_dict(self) -> dict[str, object]:
        return {
            "year": self.year,
            "format": self.format.value,
            "agency": self.agency_code,
            "agency_name": self.agency_name,
            "applications": {
                "columns": list(COLUMNS),
                "rows": [{"key": r.key, "label": r.label, "values": list(r.values)} for r in self.applications.rows],
            },
            "reviews": self.reviews.to_dict(),
            "active_disclosure": self.active_disclosure.to_dict() if self.active_disclosure else None,
            "checks": [check.to_dict() for check in self.checks()],
        }


def _integer_cell(row: str, column: str, raw: object, title: str, found: list[Violation]) -> int | None:
    if isinstance(raw, int) and not isinstance(raw, bool):
        return raw
    what = "空白" if raw is None or (isinstance(raw, str) and not raw.strip()) else f"不是整数：{raw!r}"
    found.append(Violation(Rule.NOT_INTEGER, f"{title}{what}", (Cell(row, column),)))
    return None


def _published_format(doc: Mapping[str, object], found: list[Violation]) -> ReportFormat | None:
    year, declared = doc.get("year"), doc.get("format")
    expected = None
    if isinstance(year, int) and not isinstance(year, bool) and year >= FIRST_REPORT_YEAR:
        expected = format_for_year(year)
    else:
        found.append(
            Violation(Rule.YEAR, f"报告年度应为{FIRST_REPORT_YEAR}年及以后的年份，实为{year!r}", (Cell("year", ""),))
        )
    if declared not in tuple(ReportFormat):
        found.append(Violation(Rule.FORMAT, f'格式应为"2019"或"2021"，实为{declared!r}', (Cell("format", ""),)))
        return expected
    fmt = ReportFormat(str(declared))
    if expected is not None and fmt is not expected:
        message = f"{year}年度报告应使用{FORMAT_DOCUMENTS[expected]}格式，表中声明的是{FORMAT_DOCUMENTS[fmt]}格式"
        found.append(Violation(Rule.FORMAT, message, (Cell("format", ""),)))
    return fmt


def _published_rows(fmt: ReportFormat, rows: object, found: list[Violation]) -> dict[str, list[int | None]]:
    specs = {spec.key: spec for spec in ROWS[fmt]}
    grid: dict[str, list[int | None]] = {}
    if not isinstance(rows, list):
        found.append(Violation(Rule.MISSING_KEY, "缺少applications.rows（行列表）", (Cell("applications", "rows"),)))
        return grid
    for position, item in enumerate(rows, start=1):
        key = item.get("key") if isinstance(item, Mapping) else None
        if not isinstance(item, Mapping) or not isinstance(key, str) or key not in specs:
            hint = "（2019年格式中（六）其他处理只有一行other）" if fmt is ReportFormat.F2019 else ""
            hint = "（2021年格式中（六）其他处理分三行）" if key == OTHER and fmt is ReportFormat.F2021 else hint
            message = f"第{position}行的行键{key!r}不属于{FORMAT_DOCUMENTS[fmt]}格式{hint}"
            found.append(Violation(Rule.UNKNOWN_KEY, message, (Cell(str(key), ""),)))
            continue
        spec = specs[key]
        if key in grid:
            found.append(Violation(Rule.DUPLICATE_KEY, f"「{spec.title}」行重复出现", (Cell(key, ""),)))
            continue
        label = item.get("label")
        if label is not None and label != spec.label:
            message = f"第{position}行名称应为「{spec.label}」，实为「{label}」"
            found.append(Violation(Rule.ROW_LABEL, message, (Cell(key, ""),)))
        values = item.get("values")
        cells: Sequence[object] = values if isinstance(values, list) else []
        if len(cells) != len(COLUMNS):
            message = f"「{spec.title}」行应有{len(COLUMNS)}个数值，实有{len(cells)}个"
            found.append(Violation(Rule.ROW_LENGTH, message, (Cell(key, ""),)))
        grid[key] = [
            _integer_cell(key, column, cells[i], _cell_title(spec, column), found) if i < len(cells) else None
            for i, column in enumerate(COLUMNS)
        ]
    expected_order = [key for key in specs if key in grid]
    for key, spec in specs.items():
        if key not in grid:
            found.append(Violation(Rule.MISSING_KEY, f"缺少「{spec.title}」行", (Cell(key, ""),)))
    for position, (actual, expected) in enumerate(zip(grid, expected_order, strict=True), start=1):
        if actual != expected:
            message = f"行顺序不符：第{position}个有效行应为「{specs[expected].title}」，实为「{specs[actual].title}」"
            found.append(Violation(Rule.ROW_ORDER, message, (Cell(actual, ""),)))
            break
    return grid


def _published_reviews(reviews: object) -> list[Violation]:
    if not isinstance(reviews, Mapping):
        return [Violation(Rule.MISSING_KEY, "reviews应为对象（键→整数）", (Cell(REVIEWS, ""),))]
    found = [
        Violation(Rule.UNKNOWN_KEY, f"行政复议、行政诉讼表中没有「{key}」项", (Cell(REVIEWS, str(key)),))
        for key in reviews
        if key not in REVIEW_KEYS
    ]
    values: dict[str, int | None] = {}
    for key in REVIEW_KEYS:
        if key in reviews:
            values[key] = _integer_cell(REVIEWS, key, reviews[key], _review_title(key), found)
        else:
            found.append(Violation(Rule.MISSING_KEY, f"缺少{_review_title(key)}（{key}）", (Cell(REVIEWS, key),)))
    return found + _review_arithmetic(values)


def check_published(doc: Mapping[str, object]) -> list[Violation]:
    """Every fault of a table in the JSON contract shape (typed by hand or copied from a published report): the
    arithmetic of :func:`check_applications` and :func:`check_reviews`, and blank or non-integer cells, unknown,
    duplicate, missing or misordered rows, wrong labels or columns for the declared format. Empty when valid.

    The reviews block is checked when present; ``checks`` and ``active_disclosure`` are ignored."""
    found: list[Violation] = []
    fmt = _published_format(doc, found)
    applications = doc.get("applications")
    if not isinstance(applications, Mapping):
        found.append(
            Violation(
                Rule.MISSING_KEY, "缺少applications（收到和处理政府信息公开申请情况）", (Cell("applications", ""),)
            )
        )
    else:
        if applications.get("columns") != list(COLUMNS):
            message = f"列应为{list(COLUMNS)}，实为{applications.get('columns')!r}"
            found.append(Violation(Rule.COLUMNS, message, (Cell("applications", "columns"),)))
        if fmt is not None:
            found += _application_arithmetic(fmt, _published_rows(fmt, applications.get("rows"), found))
    if doc.get("reviews") is not None:
        found += _published_reviews(doc["reviews"])
    return found
