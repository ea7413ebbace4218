"""The whole annual report's rules: outline per format, the prose and its figures, and the checks of prose against
tables (app.domain.annual_document). Pure, table-driven."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.domain import annual_document as d
from app.domain.calendar import WorkingCalendar
from app.domain.codes import ApplicantType, Channel, Disposition, ReviewKind, ReviewOutcome
from app.domain.statistics import ReportFormat, build_applications_table, build_reviews_table

NP, CE = ApplicantType.NATURAL_PERSON, ApplicantType.COMMERCIAL_ENTERPRISE
F2019, F2021 = ReportFormat.F2019, ReportFormat.F2021


def seed_facts() -> dict[str, int]:
    """鄂尔多斯市自然资源局 2020: two natural persons, both 本机关不掌握; one review, 其他结果."""
    applications = build_applications_table(F2019, {NP: 2}, {}, {(Disposition.UNAVAILABLE_NOT_HELD, NP): 2}, {})
    reviews = build_reviews_table({(ReviewKind.REVIEW, ReviewOutcome.OTHER): 1})
    return d.facts_of(applications, reviews)


def year_2022() -> dict[str, int]:
    """A 2021-format year: 10 received (7 natural persons, 3 companies), 2 carried over, 9 concluded, 3 carried
    forward; two reviews (one corrected), one lawsuit after review (upheld)."""
    applications = build_applications_table(
        F2021,
        {NP: 7, CE: 3},
        {NP: 2},
        {
            (Disposition.DISCLOSED, NP): 4,
            (Disposition.PARTIALLY_DISCLOSED, CE): 2,
            (Disposition.WITHHELD_THIRD_PARTY_RIGHTS, NP): 1,
            (Disposition.UNAVAILABLE_NOT_HELD, NP): 1,
            (Disposition.OTHER_FEE_UNPAID, CE): 1,
        },
        {NP: 3},
    )
    reviews = build_reviews_table(
        {
            (ReviewKind.REVIEW, ReviewOutcome.UPHELD): 1,
            (ReviewKind.REVIEW, ReviewOutcome.CORRECTED): 1,
            (ReviewKind.LAWSUIT_AFTER_REVIEW, ReviewOutcome.UPHELD): 1,
        }
    )
    return d.facts_of(applications, reviews)


FIGURES_2022 = d.YearFigures(
    {Channel.ONLINE: 6, Channel.POST: 3, Channel.IN_PERSON: 1},
    d.Timeliness(concluded=9, working_days=100, overdue=2, statutory_overdue=1, open_overdue=1),
    d.Fees(count=2, yuan=300),
)


def build(fmt: ReportFormat, year: int, facts: dict[str, int], **kw: object) -> d.AnnualDocument:
    args: dict[str, object] = {
        "figures": d.YearFigures(),
        "previous": None,
        "texts": {},
        "has_active_table": True,
        "signed_on": date(year + 1, 1, 14),
    } | kw
    return d.build_document(year=year, fmt=fmt, agency_name="某市某局", facts=facts, **args)  # type: ignore[arg-type]


def texts(document: d.AnnualDocument) -> dict[str, str]:
    return {p.key: p.text for _, _, p in document.paragraphs() if not p.agency_text}


@pytest.mark.parametrize(
    ("fmt", "notice", "fees_required", "previous_required"),
    [(F2019, "国办公开办函〔2019〕60号", False, False), (F2021, "国办公开办函〔2021〕30号", True, True)],
)
def test_outline_per_format(fmt: ReportFormat, notice: str, fees_required: bool, previous_required: bool) -> None:
    outline = d.outline_for(fmt)
    assert notice in outline.notice
    assert outline.fees_required is fees_required
    assert outline.field("previous_problems").required is previous_required
    document = build(fmt, 2020 if fmt is F2019 else 2022, seed_facts() if fmt is F2019 else year_2022())
    assert [s.heading for s in document.sections] == [
        "一、总体情况",
        "二、主动公开政府信息情况",
        "三、收到和处理政府信息公开申请情况",
        "四、政府信息公开行政复议、行政诉讼情况",
        "五、存在的主要问题及改进情况",
        "六、其他需要报告的事项",
    ]
    assert [s.table for s in document.sections][1:4] == [
        d.TableKind.ACTIVE,
        d.TableKind.APPLICATIONS,
        d.TableKind.REVIEWS,
    ]
    assert notice in document.preface.text
    assert any(p.key == "other.fees" for p in document.sections[5].paragraphs) is fees_required


def test_seed_prose_states_the_seed_figures() -> None:
    prose = texts(build(F2019, 2020, seed_facts()))
    assert prose["applications.received"] == (
        "2020年，本机关共收到政府信息公开申请2件。其中，自然人提出2件，法人或其他组织提出0件。无上年结转的申请。"
    )
    assert prose["applications.results"] == (
        "本年度办结政府信息公开申请2件，其中无法提供2件（本机关不掌握相关政府信息2件）。无结转下年度继续办理的申请。"
    )
    assert prose["reviews.summary"] == (
        "2020年，本机关因政府信息公开工作被申请行政复议1件，其中其他结果1件；被提起行政诉讼0件。"
    )
    assert prose["other.none"] == "本年度无其他需要报告的事项。"
    assert "other.fees" not in prose  # the trial format predates the fee measures


def test_2021_year_with_previous_fees_and_timeliness() -> None:
    previous = d.Previous(
        year_2022() | {"received": 8, "concluded": 9, "review.total": 2, "lawsuit_all.total": 0},
        d.YearFigures(timeliness=d.Timeliness(concluded=9, working_days=120)),
    )
    prose = texts(build(F2021, 2022, year_2022(), figures=FIGURES_2022, previous=previous))
    assert prose["applications.received"] == (
        "2022年，本机关共收到政府信息公开申请10件，较上年增加2件。"
        "其中，自然人提出7件，法人或其他组织提出3件（商业企业3件）。"
        "从提交方式看，通过互联网提交6件，邮寄3件，当面提交1件。上年结转政府信息公开申请2件。"
    )
    assert prose["applications.results"] == (
        "本年度办结政府信息公开申请9件，与上年持平，其中予以公开4件；部分公开2件；"
        "不予公开1件（保护第三方合法权益1件）；无法提供1件（本机关不掌握相关政府信息1件）；"
        "其他处理1件（申请人逾期未按收费通知缴费1件）。"
        "结转下年度继续办理3件。"
    )
    assert prose["applications.timeliness"] == (
        "本年办结的申请平均答复用时11.1个工作日，较上年缩短2.2个工作日；超过本机关答复期限办结2件，"
        "其中超过法定答复期限1件。截至年底，尚有1件在办申请已超过本机关答复期限。"
    )
    assert prose["reviews.summary"] == (
        "2022年，本机关因政府信息公开工作被申请行政复议2件，与上年持平，其中结果维持1件、结果纠正1件；"
        "被提起行政诉讼1件，较上年增加1件，其中结果维持1件（未经复议直接起诉0件、复议后起诉1件）。"
    )
    assert prose["other.fees"] == (
        "2022年，本机关依据《政府信息公开信息处理费管理办法》（国办函〔2020〕109号）收取信息处理费2件，共计300元。"
    )


def test_generated_prose_passes_both_checks_and_each_figure_is_tied_to_its_cell() -> None:
    facts = year_2022()
    document = build(F2021, 2022, facts, figures=FIGURES_2022, texts={"overview": "x", "problems": "y"})
    findings = d.check_document(document, facts, FIGURES_2022.fees, [], [])
    assert {f.rule for f in findings} == {d.DocRule.TEXT_MISSING}  # improvements, previous_problems
    assert {f.paragraph for f in findings} == {"text.improvements", "text.previous_problems"}
    tied = {f.fact for _, _, p in document.paragraphs() for f in p.figures if f.fact}
    assert {"received", "carried_over", "concluded", "carried_forward", "review.total", "fees.yuan"} <= tied
    stated = {s.fact for _, _, p in document.paragraphs() for s in d.parse_statements(p.text)}
    assert stated >= tied - {"received.legal_person"} - {f for f in tied if f.startswith("lawsuit")}


def test_a_figure_that_no_longer_equals_its_cell_names_its_paragraph() -> None:
    facts = year_2022()
    document = build(F2021, 2022, facts, figures=FIGURES_2022)
    changed = facts | {"carried_forward": 4}
    findings = [f for f in d.check_document(document, changed, d.Fees(2, 250), [], []) if f.rule in d.BLOCKING]
    assert {(f.rule, f.paragraph, f.where) for f in findings} >= {
        (d.DocRule.FIGURE, "applications.results", "「三、收到和处理政府信息公开申请情况」第2段"),
        (d.DocRule.PROSE, "applications.results", "「三、收到和处理政府信息公开申请情况」第2段"),
        (d.DocRule.FIGURE, "other.fees", "「六、其他需要报告的事项」第1段"),
        (d.DocRule.FEES, "other.fees", "「六、其他需要报告的事项」第1段"),
    }


def test_agency_text_contradicting_the_tables_is_flagged() -> None:
    facts = year_2022()
    own = {
        "overview": "（一）依申请公开\n全年共受理政府信息公开申请12件，均按时答复。",
        "problems": "p",
        "improvements": "i",
    }
    document = build(F2021, 2022, facts, figures=FIGURES_2022, texts=own)
    prose = [f for f in d.check_document(document, facts, FIGURES_2022.fees, [], []) if f.rule is d.DocRule.PROSE]
    assert [(f.paragraph, f.where) for f in prose] == [("text.overview", "「一、总体情况」第2段")]
    assert "12" in prose[0].message
    assert "10" in prose[0].message
    assert document.sections[0].paragraphs[0].subheading


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("2022年共收到政府信息公开申请15件", [("received", 15)]),
        ("全年共受理依申请公开申请十二件，办结12件", [("received", 12), ("concluded", 12)]),
        ("上年结转3件，结转下年度继续办理2件", [("carried_over", 3), ("carried_forward", 2)]),
        ("其中予以公开5件、部分公开2件、不予公开1件、无法提供3件、不予处理0件", None),
        ("其中自然人申请8件，法人或其他组织申请2件", [("received.natural_person", 8), ("received.legal_person", 2)]),
        ("被申请行政复议2件，其中结果维持1件、结果纠正1件", None),
        ("发生行政诉讼一起，尚未审结", [("lawsuit_all.total", 1)]),
        ("复议后起诉1件，结果纠正1件", [("lawsuit_after_review.total", 1), ("lawsuit_after_review.corrected", 1)]),
        ("共收到申请15件，较上年增加3件（上年12件）", [("received", 15)]),
        ("本年办结的申请平均用时9个工作日，超过答复期限2件", []),
        ("在线信箱收到42条留言，均在规定期限内答复", []),
        ("统一起草答复书两个", []),
        ("收取信息处理费3件，共计600元", [("fees.count", 3), ("fees.yuan", 600)]),
        ("我局政府集中采购11个项目", []),
        ("去年共收到申请9件", []),
        ("2021年共收到申请9件，2022年共收到申请10件", [("received", 10)]),
        ("2021年共收到申请9件", []),
        ("上年度结转申请2件", [("carried_over", 2)]),
        ("行政复议案件被纠错1件，1件审理中", [("review.corrected", 1), ("review.pending", 1)]),
    ],
)
def test_parse_statements(sentence: str, expected: list[tuple[str, int]] | None) -> None:
    found = [(s.fact, s.value) for s in d.parse_statements(sentence, 2022)]
    if expected is None:  # the groups, in order
        assert [v for _, v in found] == [int(c) for c in "".join(ch for ch in sentence if ch.isdigit())]
        return
    assert found == expected


@pytest.mark.parametrize(
    ("text", "value"),
    [("12", 12), ("１２", 12), ("十二", 12), ("二十三", 23), ("一百零五", 105), ("两", 2), ("十", 10), ("x", None)],
)
def test_chinese_number(text: str, value: int | None) -> None:
    assert d.chinese_number(text) == value


SEED_PROSE = """\
一、2020年度政府信息公开工作情况概述
2020年,机构改革后,我局进一步加大工作力度,确保政府信息公开工作有效运行。
三、2020年度政府公开政府信息工作情况
2020年,我局共在门户网站公开发布动态类347条、公告公示类1485条,在线信箱收到42条留言,均在规定期限内答复。
五、政府信息公开行政复议、行政诉讼情况
2020年我局按照相关的法律法规规定,可通过互联网、信函、传真或当面提出申请。我局并于正式受理后的15个工作日内作出答复。
"""


def test_the_seed_prose_agrees_with_its_tables_and_a_wrong_figure_is_found_by_its_line() -> None:
    facts = seed_facts()
    assert d.check_prose(d.split_report_text(SEED_PROSE), facts, None) == []
    wrong = (
        SEED_PROSE
        + "六、其他需要报告的事项\n全年共收到政府信息公开申请3件,被申请行政复议1件,本机关不掌握相关信息2件。\n"
    )
    findings = d.check_prose(d.split_report_text(wrong), facts, None)
    assert [(f.where, f.rule) for f in findings] == [("「六、其他需要报告的事项」第8行", d.DocRule.PROSE)]
    assert "正文为3" in findings[0].message
    assert "为2" in findings[0].message


def test_validate_texts() -> None:
    assert d.validate_texts(F2021, {"overview": " 甲\r\n乙\x00 ", "other": ""}) == {"overview": "甲\n乙"}
    with pytest.raises(ValueError, match="未知段落"):
        d.validate_texts(F2021, {"nope": "x"})
    with pytest.raises(ValueError, match="超过"):
        d.validate_texts(F2021, {"overview": "字" * (d.MAX_TEXT + 1)})


def test_year_figures_round_trip() -> None:
    assert d.YearFigures.from_dict(FIGURES_2022.to_dict()) == FIGURES_2022
    assert d.Timeliness().average is None
    assert d.Timeliness(concluded=3, working_days=10).average == Decimal("3.3")


@given(
    st.lists(
        st.tuples(st.dates(date(2024, 1, 1), date(2026, 12, 31)), st.integers(0, 60)),
        min_size=1,
        max_size=30,
    )
)
def test_working_days_from_two_histograms_equal_the_sum_per_case(cases: list[tuple[date, int]]) -> None:
    calendar = WorkingCalendar([])
    pairs = [(start, start + timedelta(days=span)) for start, span in cases]
    started: dict[date, int] = {}
    ended: dict[date, int] = {}
    for start, end in pairs:
        started[start] = started.get(start, 0) + 1
        ended[end] = ended.get(end, 0) + 1
    direct = sum(calendar.working_days_between(start, end) for start, end in pairs)
    assert d.total_working_days(calendar.working_days_between, ended, started, date(2024, 1, 1)) == direct
