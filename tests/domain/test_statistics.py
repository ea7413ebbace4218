"""The year-end statistics tables (app/domain/statistics.py), against the seed's published 2020 report."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from dataclasses import replace
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.domain.codes import (
    APPLICANT_TYPE_LABELS,
    LEGAL_PERSON_GROUP_LABEL,
    REVIEW_OUTCOME_LABELS,
    ApplicantType,
    Disposition,
    ReviewKind,
    ReviewOutcome,
)
from app.domain.errors import InvalidInput
from app.domain.statistics import (
    APPLICANT_HEADER,
    BALANCE_NOTE,
    COLUMNS,
    RESULTS_LABEL,
    REVIEW_HEADERS,
    REVIEW_KEYS,
    REVIEWS,
    TOTAL_LABEL,
    ActiveField,
    AnnualReport,
    ApplicationsTable,
    ReportFormat,
    Rule,
    TableRow,
    ValueKind,
    active_fields,
    build_applications_table,
    build_reviews_table,
    check_applications,
    check_carry_over,
    check_published,
    check_reviews,
    format_active_value,
    format_for_year,
    validate_active_disclosure,
)
from tests.seed import SEED_ACTIVE

NP = ApplicantType.NATURAL_PERSON
CE = ApplicantType.COMMERCIAL_ENTERPRISE
F2019, F2021 = ReportFormat.F2019, ReportFormat.F2021

# The seed (../shared/seeds/000_f57f9dce2ca3ecce.txt) as published; the web page turned the form's full-width （）：，
# into ASCII, so the comparison maps them back.
_FULL_WIDTH = str.maketrans("():,", "（）：，")

SEED_TABLES = """\
四、收到和处理政府信息公开申请情况
(本列数据的勾稽关系为:第一项加第二项之和,等于第三项加第四项之和)
申请人情况
自然人
法人或其他组织
总计
商业企业
科研机构
社会公益组织
法律服务机构
其他
一、本年新收政府信息公开申请数量
2
0
0
0
0
0
2
二、上年结转政府信息公开申请数量
0
0
0
0
0
0
0
三、本年度办理结果
(一)予以公开
0
0
0
0
0
0
0
(二)部分公开(区分处理的,只计这一情形,不计其他情形)
0
0
0
0
0
0
0
(三)不予公开
1.属于国家秘密
0
0
0
0
0
0
0
2.其他法律行政法规禁止公开
0
0
0
0
0
0
0
3.危及“三安全一稳定”
0
0
0
0
0
0
0
4.保护第三方合法权益
0
0
0
0
0
0
0
5.属于三类内部事务信息
0
0
0
0
0
0
0
6.属于四类过程性信息
0
0
0
0
0
0
0
7.属于行政执法案卷
0
0
0
0
0
0
0
8.属于行政查询事项
0
0
0
0
0
0
0
(四)无法提供
1.本机关不掌握相关政府信息
2
0
0
0
0
0
2
2.没有现成信息需要另行制作
0
0
0
0
0
0
0
3.补正后申请内容仍不明确
0
0
0
0
0
0
0
(五)不予处理
1.信访举报投诉类申请
0
0
0
0
0
0
0
2.重复申请
0
0
0
0
0
0
0
3.要求提供公开出版物
0
0
0
0
0
0
0
4.无正当理由大量反复申请
0
0
0
0
0
0
0
5.要求行政机关确认或重新出具已获取信息
0
0
0
0
0
0
0
(六)其他处理
0
0
0
0
0
0
0
(七)总计
2
0
0
0
0
0
2
四、结转下年度继续办理
0
0
0
0
0
0
0
五、政府信息公开行政复议、行政诉讼情况
行政复议
行政诉讼
结果维持
结果纠正
其他结果
尚未审结
总计
未经复议直接起诉
复议后起诉
结果维持
结果纠正
其他结果
尚未审结
总计
结果维持
结果纠正
其他结果
尚未审结
总计
0
0
1
0
1
0
0
0
0
0

0
0

0
"""


def _seed_section(start: str, end: str | None = None) -> list[str]:
    tokens = SEED_TABLES.removesuffix("\n").split("\n")
    first = tokens.index(start) + 1
    return tokens[first : tokens.index(end) if end else len(tokens)]


SEED_APPLICATIONS = _seed_section("四、收到和处理政府信息公开申请情况", "五、政府信息公开行政复议、行政诉讼情况")
SEED_REVIEWS = _seed_section("五、政府信息公开行政复议、行政诉讼情况")


def _seed_rows() -> list[tuple[list[str], tuple[int, ...]]]:
    """The body of the seed's table: for each row, the labels printed before its seven numbers."""
    rows: list[tuple[list[str], tuple[int, ...]]] = []
    labels: list[str] = []
    values: list[int] = []
    for token in SEED_APPLICATIONS[10:]:
        if token.isdigit():
            values.append(int(token))
            if len(values) == len(COLUMNS):
                rows.append((labels, tuple(values)))
                labels, values = [], []
        else:
            labels.append(token.translate(_FULL_WIDTH))
    return rows


def _printed_labels(table: ApplicationsTable) -> list[list[str]]:
    """For each row, the labels a reader meets first on that row: the section, the group, the row itself."""
    printed, previous = [], ""
    for row in table.rows:
        labels = [RESULTS_LABEL] if row.group and not previous else []
        if row.group not in ("", RESULTS_LABEL, previous):
            labels.append(row.group)
        printed.append([*labels, row.label])
        previous = row.group
    return printed


def seed_table() -> ApplicationsTable:
    """2020: two natural-person applications received, both concluded as 本机关不掌握相关政府信息."""
    return build_applications_table(F2019, {NP: 2}, {}, {(Disposition.UNAVAILABLE_NOT_HELD, NP): 2}, {})


def sample_table(fmt: ReportFormat = F2021) -> ApplicationsTable:
    """自然人 5 received + 1 carried over = 4 concluded + 2 carried forward; 商业企业 1 = 1."""
    concluded = {
        (Disposition.DISCLOSED, NP): 2,
        (Disposition.WITHHELD_THIRD_PARTY_RIGHTS, NP): 1,
        (Disposition.OTHER_CORRECTION_LAPSED, NP): 1,
        (Disposition.UNAVAILABLE_NOT_HELD, CE): 1,
    }
    return build_applications_table(fmt, {NP: 5, CE: 1}, {NP: 1}, concluded, {NP: 2})


def sample_report(year: int = 2021) -> AnnualReport:
    fmt = format_for_year(year)
    reviews = build_reviews_table(
        {(ReviewKind.REVIEW, ReviewOutcome.UPHELD): 2, (ReviewKind.LAWSUIT, ReviewOutcome.PENDING): 1}
    )
    return AnnualReport(year, fmt, "150600-zrzy", "鄂尔多斯市自然资源局", sample_table(fmt), reviews)


@pytest.mark.parametrize(("year", "fmt"), [(2019, F2019), (2020, F2019), (2021, F2021), (2024, F2021), (2030, F2021)])
def test_format_for_year(year: int, fmt: ReportFormat) -> None:
    assert format_for_year(year) is fmt


def test_no_format_before_2019() -> None:
    with pytest.raises(InvalidInput) as error:
        format_for_year(2018)
    assert error.value.code == "report_year_unsupported"


def test_seed_header() -> None:
    note, *header = SEED_APPLICATIONS[:10]
    assert note.translate(_FULL_WIDTH) == BALANCE_NOTE
    legal = [APPLICANT_TYPE_LABELS[a] for a in ApplicantType if a is not NP]
    assert header == [APPLICANT_HEADER, APPLICANT_TYPE_LABELS[NP], LEGAL_PERSON_GROUP_LABEL, TOTAL_LABEL, *legal]


def test_seed_2020_table_cell_for_cell() -> None:
    table = seed_table()
    seed = _seed_rows()
    assert table.format is F2019
    assert len(table.rows) == len(seed) == 23
    for row, printed, (labels, values) in zip(table.rows, _printed_labels(table), seed, strict=True):
        assert labels == printed, row.key
        assert row.values == values, row.key
    assert table.row("other").label == "（六）其他处理"


@pytest.mark.parametrize(
    ("fmt", "other_rows"),
    [(F2019, ["other"]), (F2021, ["other.correction_lapsed", "other.fee_unpaid", "other.other"])],
)
def test_row_keys_in_official_order(fmt: ReportFormat, other_rows: list[str]) -> None:
    keys = [row.key for row in build_applications_table(fmt, {}, {}, {}, {}).rows]
    dispositions = [d.value for d in Disposition if not d.value.startswith("other.")]
    assert keys == ["received", "carried_over", *dispositions, *other_rows, "total", "carried_forward"]


def test_2021_format_has_three_other_rows() -> None:
    concluded = {
        (Disposition.OTHER_CORRECTION_LAPSED, CE): 1,
        (Disposition.OTHER_FEE_UNPAID, NP): 2,
        (Disposition.OTHER_OTHER, NP): 1,
    }
    table = build_applications_table(F2021, {NP: 3, CE: 1}, {}, concluded, {})
    expected = {
        "other.correction_lapsed": (
            "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
            (0, 1, 0, 0, 0, 0, 1),
        ),
        "other.fee_unpaid": (
            "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
            (2, 0, 0, 0, 0, 0, 2),
        ),
        "other.other": ("3.其他", (1, 0, 0, 0, 0, 0, 1)),
    }
    for key, (label, values) in expected.items():
        row = table.row(key)
        assert (row.group, row.label, row.values) == ("（六）其他处理", label, values)
    assert table.row("total").values == (3, 1, 0, 0, 0, 0, 4)
    single = build_applications_table(F2019, {NP: 3, CE: 1}, {}, concluded, {})
    assert single.row("other").values == (3, 1, 0, 0, 0, 0, 4)
    assert all(check.ok for check in check_applications(table) + check_applications(single))


def test_sample_table_values() -> None:
    table = sample_table()
    assert table.row("received").values == (5, 1, 0, 0, 0, 0, 6)
    assert table.row("total").values == (4, 1, 0, 0, 0, 0, 5)
    assert table.row("withheld.third_party_rights").value(NP) == 1
    assert table.row("withheld.third_party_rights").title == "（三）不予公开 4.保护第三方合法权益"


@pytest.mark.parametrize("fmt", list(ReportFormat))
def test_checks_pass_on_generated_tables(fmt: ReportFormat) -> None:
    checks = check_applications(sample_table(fmt))
    assert [c.rule for c in checks] == [Rule.BALANCE, Rule.COLUMN_TOTAL, Rule.RESULT_TOTAL, Rule.NON_NEGATIVE]
    assert all(c.ok and not c.cells for c in checks)


def _with(table: ApplicationsTable, key: str, column: str, value: int) -> ApplicationsTable:
    def edit(row: TableRow) -> TableRow:
        if row.key != key:
            return row
        values = list(row.values)
        values[COLUMNS.index(column)] = value
        return replace(row, values=tuple(values))

    return replace(table, rows=tuple(edit(row) for row in table.rows))


@pytest.mark.parametrize(
    ("key", "column", "value", "failures"),
    [
        pytest.param(
            "carried_forward",
            NP,
            3,
            {Rule.BALANCE: [("carried_forward", NP, 2, 3)], Rule.COLUMN_TOTAL: [("carried_forward", "total", 3, 2)]},
            id="four-too-big",
        ),
        pytest.param(
            "total",
            NP,
            5,
            {
                Rule.RESULT_TOTAL: [("total", NP, 4, 5)],
                Rule.COLUMN_TOTAL: [("total", "total", 6, 5)],
                Rule.BALANCE: [("carried_forward", NP, 1, 2)],
            },
            id="seventh-row-wrong",
        ),
        pytest.param(
            "disclosed",
            NP,
            -1,
            {
                Rule.NON_NEGATIVE: [("disclosed", NP, None, -1)],
                Rule.COLUMN_TOTAL: [("disclosed", "total", -1, 2)],
                Rule.RESULT_TOTAL: [("total", NP, 1, 4)],
            },
            id="negative-cell",
        ),
        pytest.param(
            "received",
            "total",
            7,
            {Rule.COLUMN_TOTAL: [("received", "total", 6, 7)], Rule.BALANCE: [("carried_forward", "total", 3, 2)]},
            id="total-column-wrong",
        ),
    ],
)
def test_checks_fail_on_broken_tables(
    key: str, column: str, value: int, failures: dict[Rule, list[tuple[str, str, int | None, int]]]
) -> None:
    checks = check_applications(_with(sample_table(), key, column, value))
    for check in checks:
        cells = [(c.row, c.column, c.expected, c.actual) for c in check.cells]
        assert cells == failures.get(check.rule, []), check.rule
        assert check.ok is (check.rule not in failures)


@pytest.mark.parametrize(
    ("received", "concluded", "forward", "message"),
    [
        ({NP: -1}, {}, {}, "received/natural_person = -1"),
        ({}, {(Disposition.DISCLOSED, NP): True}, {}, "disclosed/natural_person = True"),
        ({}, {("disclosed.typo", NP): 1}, {}, "未知代码：'disclosed.typo'"),
        ({"robot": 1}, {}, {}, "未知代码：'robot'"),
    ],
)
def test_build_rejects_bad_counts(
    received: dict[Any, int], concluded: dict[Any, int], forward: dict[Any, int], message: str
) -> None:
    with pytest.raises(InvalidInput) as error:
        build_applications_table(F2021, received, {}, concluded, forward)
    assert message in error.value.detail


def test_carry_over_must_equal_last_years_four() -> None:
    last_year = sample_table()
    assert check_carry_over(last_year, build_applications_table(F2021, {}, {NP: 2}, {}, {NP: 2})).ok
    check = check_carry_over(last_year, build_applications_table(F2021, {}, {NP: 1, CE: 1}, {}, {NP: 1, CE: 1}))
    assert not check.ok
    assert [(c.row, c.column, c.expected, c.actual) for c in check.cells] == [
        ("carried_over", NP, 2, 1),
        ("carried_over", CE, 0, 1),
    ]


def test_seed_reviews() -> None:
    header, values = SEED_REVIEWS[:-15], SEED_REVIEWS[-15:]
    first, lawsuit = REVIEW_HEADERS[ReviewKind.REVIEW], REVIEW_HEADERS[ReviewKind.LAWSUIT][0]
    outcomes = [*REVIEW_OUTCOME_LABELS.values(), TOTAL_LABEL]
    subs = [REVIEW_HEADERS[k][1] for k in (ReviewKind.LAWSUIT, ReviewKind.LAWSUIT_AFTER_REVIEW)]
    assert first == ("行政复议", "")
    assert header == [first[0], lawsuit, *outcomes, *subs, *outcomes, *outcomes]
    table = build_reviews_table({(ReviewKind.REVIEW, ReviewOutcome.OTHER): 1})
    for key, published, built in zip(REVIEW_KEYS, values, table.values, strict=True):
        assert published in ("", str(built)), key
    assert table.to_dict()["review.total"] == 1
    doc = sample_report(2020).to_dict()
    doc["reviews"] = {key: int(v) if v else None for key, v in zip(REVIEW_KEYS, values, strict=True)}
    found = check_published(doc)
    assert [(v.rule, v.cells[0].row, v.cells[0].column) for v in found] == [
        (Rule.NOT_INTEGER, REVIEWS, "lawsuit_after_review.upheld"),
        (Rule.NOT_INTEGER, REVIEWS, "lawsuit_after_review.pending"),
    ]
    assert found[0].message == "行政诉讼（复议后起诉）「结果维持」空白"


@pytest.mark.parametrize(
    ("counts", "totals"),
    [
        ({}, (0, 0, 0)),
        ({(ReviewKind.REVIEW, ReviewOutcome.UPHELD): 2, (ReviewKind.REVIEW, ReviewOutcome.PENDING): 3}, (5, 0, 0)),
        (
            {
                (ReviewKind.LAWSUIT, ReviewOutcome.CORRECTED): 1,
                (ReviewKind.LAWSUIT, ReviewOutcome.OTHER): 1,
                (ReviewKind.LAWSUIT_AFTER_REVIEW, ReviewOutcome.UPHELD): 4,
            },
            (0, 2, 4),
        ),
    ],
)
def test_review_totals(counts: dict[tuple[ReviewKind, ReviewOutcome], int], totals: tuple[int, int, int]) -> None:
    table = build_reviews_table(counts)
    values = table.to_dict()
    assert list(values) == list(REVIEW_KEYS)
    assert len(values) == 15
    assert (values["review.total"], values["lawsuit.total"], values["lawsuit_after_review.total"]) == totals
    assert all(check.ok for check in check_reviews(table))


def test_review_check_fails_on_wrong_total() -> None:
    values = list(build_reviews_table({(ReviewKind.REVIEW, ReviewOutcome.UPHELD): 2}).values)
    values[REVIEW_KEYS.index("lawsuit.total")] = 1
    checks = {c.rule: c for c in check_reviews(replace(build_reviews_table({}), values=tuple(values)))}
    assert [(c.row, c.column, c.expected, c.actual) for c in checks[Rule.REVIEW_TOTAL].cells] == [
        (REVIEWS, "lawsuit.total", 0, 1)
    ]
    assert checks[Rule.NON_NEGATIVE].ok


ACTIVE_2021 = {
    "regulations.issued": 0,
    "regulations.repealed": 0,
    "regulations.in_force": 3,
    "normative_documents.issued": 2,
    "normative_documents.repealed": 1,
    "normative_documents.in_force": 12,
    "licensing.decisions": 14,
    "penalties.decisions": 171,
    "coercion.decisions": 0,
    "fees.amount": 12.5,
}


def test_seed_active_disclosure_2019_layout() -> None:
    active = validate_active_disclosure(F2019, SEED_ACTIVE)
    assert [key for key, _ in active.values] == list(SEED_ACTIVE)
    assert active.value("licensing.change") == -2
    assert active.value("penalties.change") == 27
    assert active.value("procurement.amount") == Decimal("199.19561")
    assert active.to_dict()["procurement.amount"] == "199.19561"
    title, field = active_fields(F2019)["licensing.change"]
    assert title == "第二十条第（五）项 行政许可 本年增/减"
    assert format_active_value(field, active.value("licensing.change")) == "减2"


def test_active_disclosure_2021_layout() -> None:
    active = validate_active_disclosure(F2021, ACTIVE_2021)
    assert active.value("fees.amount") == Decimal("12.5")
    assert active.value("normative_documents.in_force") == 12
    titles = [title for title, _ in active_fields(F2021).values()]
    assert titles[0] == "第二十条第（一）项 规章 本年制发件数"
    assert titles[-1] == "第二十条第（八）项 行政事业性收费 本年收费金额（单位：万元）"
    assert len(titles) == 10


@pytest.mark.parametrize(
    ("fmt", "key", "value", "detail"),
    [
        (F2019, "regulations.issued", 1, "未知项目「regulations.issued」"),
        (F2019, "fees.change", None, "缺少「第二十条第（八）项 行政事业性收费 本年增/减」（fees.change）"),
        (F2021, "licensing.decisions", -1, "「第二十条第（五）项 行政许可 本年处理决定数量」应为非负整数，实为-1"),
        (F2021, "coercion.decisions", True, "应为非负整数，实为True"),
        (F2021, "coercion.decisions", "十二", "应为非负整数，实为'十二'"),
        (
            F2021,
            "fees.amount",
            "约三万",
            "「第二十条第（八）项 行政事业性收费 本年收费金额（单位：万元）」应为非负金额",
        ),
        (F2021, "fees.amount", -0.5, "应为非负金额（万元），实为-0.5"),
        (F2021, "regulations.in_force", None, "应为非负整数，实为None"),
        (F2019, "penalties.change", "涨3", "「第二十条第（六）项 行政处罚 本年增/减」应为整数"),
        (F2019, "procurement.amount", [1], "应为非负金额"),
        (
            F2021,
            "licensing.decisions",
            "9" * 5000,
            "数值过大（最多 12 位），实为'99999",
        ),  # int() would refuse, in English
        (F2021, "licensing.decisions", 10**12, "数值过大（最多 12 位），实为1000000000000"),
        (F2019, "penalties.change", "减" + "1" * 13, "数值过大"),
        (F2021, "fees.amount", "1E+999999", "应为非负金额（万元），实为'1E+999999'"),  # as written, not an exponent
        (F2021, "fees.amount", "1e5", "应为非负金额（万元），实为'1e5'"),
        (F2021, "fees.amount", "1E-999999999", "应为非负金额（万元）"),
        (F2021, "fees.amount", "１２", "应为非负金额（万元）"),  # full-width digits
        (F2021, "fees.amount", "9" * 4000, "金额过大"),
    ],
)
def test_active_disclosure_rejects(fmt: ReportFormat, key: str, value: object, detail: str) -> None:
    values: dict[str, object] = dict(SEED_ACTIVE if fmt is F2019 else ACTIVE_2021)
    if key in values and value is None and fmt is F2019:
        del values[key]
    else:
        values[key] = value
    with pytest.raises(InvalidInput) as error:
        validate_active_disclosure(fmt, values)
    assert error.value.code == "active_disclosure_invalid"
    assert detail in error.value.detail


def test_active_disclosure_of_the_wrong_format_lists_every_problem() -> None:
    with pytest.raises(InvalidInput) as error:
        validate_active_disclosure(F2021, SEED_ACTIVE)
    assert error.value.detail.count("未知项目") == 19
    assert error.value.detail.count("缺少") == 7


@pytest.mark.parametrize(
    ("field", "value", "printed"),
    [
        (ActiveField("change", "本年增/减", ValueKind.CHANGE), 27, "增27"),
        (ActiveField("change", "本年增/减", ValueKind.CHANGE), -2, "减2"),
        (ActiveField("change", "本年增/减", ValueKind.CHANGE), 0, "0"),
        (ActiveField("amount", "采购总金额", ValueKind.AMOUNT, "万元"), Decimal("199.19561"), "199.19561万元"),
        (ActiveField("decisions", "本年处理决定数量"), 14, "14"),
    ],
)
def test_format_active_value(field: ActiveField, value: int | Decimal, printed: str) -> None:
    assert format_active_value(field, value) == printed


def test_report_formats_must_agree() -> None:
    report = sample_report(2021)
    with pytest.raises(InvalidInput) as error:
        replace(report, year=2020)
    assert error.value.code == "report_format_mismatch"
    with pytest.raises(InvalidInput):
        replace(report, active_disclosure=validate_active_disclosure(F2019, SEED_ACTIVE))


def test_report_to_dict_contract() -> None:
    report = replace(sample_report(2021), active_disclosure=validate_active_disclosure(F2021, ACTIVE_2021))
    doc = json.loads(json.dumps(report.to_dict(), ensure_ascii=False))
    assert list(doc) == [
        "year",
        "format",
        "agency",
        "agency_name",
        "applications",
        "reviews",
        "active_disclosure",
        "checks",
    ]
    assert (doc["year"], doc["format"]) == (2021, "2021")
    assert (doc["agency"], doc["agency_name"]) == ("150600-zrzy", "鄂尔多斯市自然资源局")
    assert doc["applications"]["columns"] == [*(a.value for a in ApplicantType), "total"]
    assert doc["applications"]["rows"][0] == {
        "key": "received",
        "label": "一、本年新收政府信息公开申请数量",
        "values": [5, 1, 0, 0, 0, 0, 6],
    }
    assert len(doc["applications"]["rows"]) == 25
    assert doc["reviews"]["review.upheld"] == doc["reviews"]["review.total"] == 2
    assert doc["reviews"]["lawsuit.pending"] == 1
    assert doc["active_disclosure"]["fees.amount"] == "12.5"
    assert [c["rule"] for c in doc["checks"]] == [
        "balance",
        "column_total",
        "result_total",
        "non_negative",
        "review_total",
    ]
    assert all(c["ok"] and c["cells"] == [] and c["description"] for c in doc["checks"])
    assert check_published(doc) == []


Doc = dict[str, Any]
Edit = Callable[[Doc], object]


def _row(doc: Doc, key: str) -> Doc:
    return next(row for row in doc["applications"]["rows"] if row["key"] == key)


def _set(key: str, column: str, value: object) -> Edit:
    def edit(doc: Doc) -> None:
        _row(doc, key)["values"][COLUMNS.index(column)] = value

    return edit


def _rows(edit: Callable[[list[Doc]], object]) -> Edit:
    return lambda doc: edit(doc["applications"]["rows"])


def _swap(rows: list[Doc]) -> None:
    rows[0], rows[1] = rows[1], rows[0]


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        pytest.param(_set("received", NP, None), [(Rule.NOT_INTEGER, "received", NP, None, None)], id="null"),
        pytest.param(_set("received", NP, " "), [(Rule.NOT_INTEGER, "received", NP, None, None)], id="blank"),
        pytest.param(_set("received", CE, "1"), [(Rule.NOT_INTEGER, "received", CE, None, None)], id="string"),
        pytest.param(_set("disclosed", NP, 1.5), [(Rule.NOT_INTEGER, "disclosed", NP, None, None)], id="float"),
        pytest.param(
            _set("received", "total", 7),
            [(Rule.COLUMN_TOTAL, "received", "total", 6, 7), (Rule.BALANCE, "carried_forward", "total", 3, 2)],
            id="total-column-not-the-sum",
        ),
        pytest.param(
            lambda doc: (_set("disclosed", NP, 3)(doc), _set("disclosed", "total", 3)(doc)),
            [(Rule.RESULT_TOTAL, "total", NP, 5, 4), (Rule.RESULT_TOTAL, "total", "total", 6, 5)],
            id="seventh-row-not-the-sum",
        ),
        pytest.param(
            lambda doc: (_set("carried_forward", NP, 3)(doc), _set("carried_forward", "total", 3)(doc)),
            [(Rule.BALANCE, "carried_forward", NP, 2, 3), (Rule.BALANCE, "carried_forward", "total", 2, 3)],
            id="one-plus-two-not-three-plus-four",
        ),
        pytest.param(
            _set("withheld.state_secret", "total", -1),
            [
                (Rule.NON_NEGATIVE, "withheld.state_secret", "total", None, -1),
                (Rule.COLUMN_TOTAL, "withheld.state_secret", "total", 0, -1),
                (Rule.RESULT_TOTAL, "total", "total", 4, 5),
            ],
            id="negative",
        ),
        pytest.param(
            _rows(lambda rows: rows.pop(3)), [(Rule.MISSING_KEY, "partially_disclosed", "", None, None)], id="missing"
        ),
        pytest.param(
            _rows(lambda rows: rows.insert(22, {"key": "other", "values": [0] * 7})),
            [(Rule.UNKNOWN_KEY, "other", "", None, None)],
            id="2019-row-in-2021",
        ),
        pytest.param(
            _rows(lambda rows: rows.append(copy.deepcopy(rows[2]))),
            [(Rule.DUPLICATE_KEY, "disclosed", "", None, None)],
            id="duplicate",
        ),
        pytest.param(_rows(_swap), [(Rule.ROW_ORDER, "carried_over", "", None, None)], id="order"),
        pytest.param(
            lambda doc: _row(doc, "disclosed").update(label="(一)予以公开"),
            [(Rule.ROW_LABEL, "disclosed", "", None, None)],
            id="half-width-label",
        ),
        pytest.param(
            lambda doc: _row(doc, "received")["values"].pop(),
            [(Rule.ROW_LENGTH, "received", "", None, None)],
            id="six-values",
        ),
        pytest.param(
            lambda doc: doc["applications"].update(columns=[*COLUMNS[:-1], "sum"]),
            [(Rule.COLUMNS, "applications", "columns", None, None)],
            id="columns",
        ),
        pytest.param(
            lambda doc: doc.update(format="2019"),
            [
                (Rule.FORMAT, "format", "", None, None),
                (Rule.UNKNOWN_KEY, "other.correction_lapsed", "", None, None),
                (Rule.UNKNOWN_KEY, "other.fee_unpaid", "", None, None),
                (Rule.UNKNOWN_KEY, "other.other", "", None, None),
                (Rule.MISSING_KEY, "other", "", None, None),
            ],
            id="2019-format-in-2021",
        ),
        pytest.param(lambda doc: doc.pop("year"), [(Rule.YEAR, "year", "", None, None)], id="no-year"),
        pytest.param(
            lambda doc: doc.pop("applications"), [(Rule.MISSING_KEY, "applications", "", None, None)], id="no-table"
        ),
        pytest.param(
            lambda doc: doc["reviews"].update({"review.total": 3}),
            [(Rule.REVIEW_TOTAL, REVIEWS, "review.total", 2, 3)],
            id="review-total",
        ),
        pytest.param(
            lambda doc: (doc["reviews"].pop("lawsuit.other"), doc["reviews"].update({"lawsuit.dismissed": 0})),
            [
                (Rule.UNKNOWN_KEY, REVIEWS, "lawsuit.dismissed", None, None),
                (Rule.MISSING_KEY, REVIEWS, "lawsuit.other", None, None),
            ],
            id="review-keys",
        ),
        pytest.param(
            lambda doc: doc["reviews"].update({"review.upheld": ""}),
            [(Rule.NOT_INTEGER, REVIEWS, "review.upheld", None, None)],
            id="review-blank",
        ),
    ],
)
def test_check_published(edit: Edit, expected: list[tuple[Rule, str, str, int | None, int | None]]) -> None:
    doc = sample_report(2021).to_dict()
    edit(doc)
    found = check_published(doc)
    assert sorted((v.rule, c.row, c.column, c.expected, c.actual) for v in found for c in v.cells) == sorted(expected)
    assert all(v.message for v in found)


def test_published_violation_messages_name_the_cells() -> None:
    doc = sample_report(2021).to_dict()
    _set("received", "total", 7)(doc)
    messages = [v.message for v in check_published(doc)]
    assert messages == [
        "「一、本年新收政府信息公开申请数量」行：六类申请人之和为6，总计列为7",
        "「总计」列：第一项加第二项为8，（七）总计加第四项为7，四、结转下年度继续办理应为3",
    ]


_COUNTS = st.integers(min_value=0, max_value=40)


@given(
    fmt=st.sampled_from(ReportFormat),
    concluded=st.dictionaries(st.tuples(st.sampled_from(Disposition), st.sampled_from(ApplicantType)), _COUNTS),
    forward=st.dictionaries(st.sampled_from(ApplicantType), _COUNTS),
    carried_share=st.lists(st.floats(min_value=0, max_value=1), min_size=6, max_size=6),
    reviews=st.dictionaries(st.tuples(st.sampled_from(ReviewKind), st.sampled_from(ReviewOutcome)), _COUNTS),
)
def test_tables_built_by_construction_pass_every_check(
    fmt: ReportFormat,
    concluded: dict[tuple[Disposition, ApplicantType], int],
    forward: dict[ApplicantType, int],
    carried_share: list[float],
    reviews: dict[tuple[ReviewKind, ReviewOutcome], int],
) -> None:
    received, carried_over = {}, {}
    for applicant, share in zip(ApplicantType, carried_share, strict=True):
        handled = sum(n for (_, a), n in concluded.items() if a is applicant) + forward.get(applicant, 0)
        carried_over[applicant] = int(handled * share)
        received[applicant] = handled - carried_over[applicant]
    table = build_applications_table(fmt, received, carried_over, concluded, forward)
    assert all(check.ok for check in check_applications(table))
    assert table.row("total").value("total") == sum(concluded.values())
    year = 2020 if fmt is F2019 else 2022
    report = AnnualReport(year, fmt, "a", "机关", table, build_reviews_table(reviews))
    assert all(check.ok for check in report.checks())
    assert check_published(report.to_dict()) == []
