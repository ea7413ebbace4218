"""The whole annual report (政府信息公开工作年度报告) as agencies publish it: the official outline, the prose around the
tables with its figures, and the checks that keep prose and tables together.

Sources: 《中华人民共和国政府信息公开条例》 (国务院令第711号) Art. 49–50 (the report, its contents, published by
31 January); the formats 国办公开办函〔2019〕60号 (trial, report years 2019–2020) and 国办公开办函〔2021〕30号
(2021 on), chosen per year exactly like the tables (:func:`app.domain.statistics.format_for_year`); the fee measures
国办函〔2020〕109号 (in force 2021-01-01), whose fees the 2021 format asks to be reported under 六、其他需要报告的事项.

Both formats have the same six parts (一 总体情况 … 六 其他需要报告的事项); they differ in the tables' layouts and in
what 六 must contain (the 2021 format: the 信息处理费 collected). Parts that only people know (the work done, the
problems and what was done about them) are the agency's own text (:data:`TEXT_FIELDS`); the rest is generated from
the figures (:class:`Figures`), every number tied to the table cell it must equal (:class:`Figure`).

Two checks compare prose with tables: :func:`check_figures` recomputes each generated figure from the tables it was
taken from; :func:`check_prose` reads the numbers out of any text (an agency's paragraph, a published report) and
compares those it can attribute to a cell. Readings chosen where the formats leave room are written next to the rule.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from app.domain.codes import (
    APPLICANT_TYPE_LABELS,
    DISPOSITION_GROUP_LABELS,
    DISPOSITIONS,
    ApplicantType,
    Channel,
    Disposition,
    DispositionGroup,
    ReviewOutcome,
)
from app.domain.statistics import (
    CARRIED_FORWARD,
    CARRIED_OVER,
    FORMAT_DOCUMENTS,
    RECEIVED,
    REVIEW_KEYS,
    TOTAL,
    ApplicationsTable,
    ReportFormat,
    ReviewsTable,
)

# --- the outline -----------------------------------------------------------------------------------------------------


class Part(StrEnum):
    """The six parts of both formats, in printed order."""

    OVERVIEW = "overview"
    ACTIVE = "active"
    APPLICATIONS = "applications"
    REVIEWS = "reviews"
    PROBLEMS = "problems"
    OTHER = "other"


PART_HEADINGS: dict[Part, str] = {
    Part.OVERVIEW: "一、总体情况",
    Part.ACTIVE: "二、主动公开政府信息情况",
    Part.APPLICATIONS: "三、收到和处理政府信息公开申请情况",
    Part.REVIEWS: "四、政府信息公开行政复议、行政诉讼情况",
    Part.PROBLEMS: "五、存在的主要问题及改进情况",
    Part.OTHER: "六、其他需要报告的事项",
}


class TableKind(StrEnum):
    ACTIVE = "active"
    APPLICATIONS = "applications"
    REVIEWS = "reviews"


PART_TABLES: dict[Part, TableKind] = {
    Part.ACTIVE: TableKind.ACTIVE,
    Part.APPLICATIONS: TableKind.APPLICATIONS,
    Part.REVIEWS: TableKind.REVIEWS,
}


@dataclass(frozen=True)
class TextField:
    """A passage only the agency can write, stored per year. ``required`` texts missing are reported before
    publication (a warning: the tables may be published on their own, as before this document existed)."""

    key: str
    part: Part
    label: str
    guidance: str
    required: bool = False


@dataclass(frozen=True)
class Outline:
    format: ReportFormat
    notice: str
    """The notice that fixes the format, as cited in the preface."""
    fields: tuple[TextField, ...]
    fees_required: bool
    """Whether 六 must state the 信息处理费 collected (2021 format; the fees exist since 2021-01-01, 109号)."""

    def fields_of(self, part: Part) -> tuple[TextField, ...]:
        return tuple(f for f in self.fields if f.part is part)

    def field(self, key: str) -> TextField:
        for f in self.fields:
            if f.key == key:
                return f
        raise KeyError(key)


_NOTICE_2019 = (
    "《国务院办公厅政府信息与政务公开办公室关于印发〈中华人民共和国政府信息公开工作年度报告格式（试行）〉的通知》"
    f"（{FORMAT_DOCUMENTS[ReportFormat.F2019]}）"
)
_NOTICE_2021 = (
    "《国务院办公厅政府信息与政务公开办公室关于印发〈中华人民共和国政府信息公开工作年度报告格式〉的通知》"
    f"（{FORMAT_DOCUMENTS[ReportFormat.F2021]}）"
)


def _fields(overview: str, problems: str, previous: str, other: str, previous_required: bool) -> tuple[TextField, ...]:
    return (
        TextField("overview", Part.OVERVIEW, "总体情况", overview, required=True),
        TextField("active_note", Part.ACTIVE, "主动公开情况补充说明", "（选填）主动公开工作的补充说明，列在表格之前。"),
        TextField("applications_note", Part.APPLICATIONS, "依申请公开补充说明", "（选填）如受理渠道、答复承诺等。"),
        TextField("reviews_note", Part.REVIEWS, "复议诉讼补充说明", "（选填）如被纠错案件的原因和整改。"),
        TextField("previous_problems", Part.PROBLEMS, "上年度问题整改情况", previous, required=previous_required),
        TextField("problems", Part.PROBLEMS, "存在的主要问题", problems, required=True),
        TextField("improvements", Part.PROBLEMS, "改进措施", "下一年度的改进措施。", required=True),
        TextField("other", Part.OTHER, "其他需要报告的事项", other),
    )


OUTLINES: dict[ReportFormat, Outline] = {
    ReportFormat.F2019: Outline(
        ReportFormat.F2019,
        _NOTICE_2019,
        _fields(
            "本年度政府信息公开工作的总体情况：主动公开、依申请公开、政府信息管理、平台建设、监督保障等。",
            "本年度政府信息公开工作存在的主要问题。",
            "（选填）上一年度报告所列问题的整改情况。",
            "（选填）本机关认为需要报告的其他事项。",
            previous_required=False,
        ),
        fees_required=False,
    ),
    ReportFormat.F2021: Outline(
        ReportFormat.F2021,
        _NOTICE_2021,
        _fields(
            "按主动公开、依申请公开、政府信息管理、平台建设、监督保障等方面分述本年度工作（可用（一）（二）分段）。",
            "本年度政府信息公开工作存在的主要问题。",
            "上一年度报告所列问题的整改情况。",
            "落实上级年度政务公开工作要点、人大代表建议和政协提案办理结果公开、工作创新等情况（收费情况由系统生成）。",
            previous_required=True,
        ),
        fees_required=True,
    ),
}
"""The outline of each format. Reading: the 2021 format (30号) asks in 五 for last year's problems and how they were
addressed, and in 六 for the fees collected under 109号; the trial format (60号) predates the fee measures, so its 六
states fees only when some were recorded."""


def outline_for(fmt: ReportFormat) -> Outline:
    return OUTLINES[fmt]


def validate_texts(fmt: ReportFormat, texts: Mapping[str, object]) -> dict[str, str]:
    """The agency's passages for a year: known keys only, plain text (control characters other than line breaks
    removed), at most :data:`MAX_TEXT` characters each. Raises ValueError listing every problem."""
    outline = OUTLINES[fmt]
    known = {f.key for f in outline.fields}
    problems = [f"未知段落「{key}」" for key in texts if key not in known]
    clean: dict[str, str] = {}
    for key, value in texts.items():
        if key not in known:
            continue
        if not isinstance(value, str):
            problems.append(f"「{outline.field(key).label}」应为文字")
            continue
        text = _CONTROL.sub("", value.replace("\r\n", "\n").replace("\r", "\n")).strip()
        if len(text) > MAX_TEXT:
            problems.append(f"「{outline.field(key).label}」超过{MAX_TEXT}字")
            continue
        if text:
            clean[key] = text
    if problems:
        raise ValueError("；".join(problems))
    return clean


MAX_TEXT = 20000
_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f]")


# --- the figures the prose states ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Timeliness:
    """Replies of the year (applications concluded in it), from the case records.

    ``working_days`` is the sum over those cases of the working days from the day the reply period started (the deemed
    receipt, or the restart after a correction, Art. 30–31) to the conclusion: the day the period starts is not
    counted, the conclusion day is (the courts' counting, domain.md §5). Reading: the time of consultations and fee
    waits is included, since the reader asks how long an applicant waited; the deadlines below exclude it as the law
    does."""

    concluded: int = 0
    working_days: int = 0
    overdue: int = 0
    """Concluded after the agency's own deadline (its commitment, e.g. 15 working days)."""
    statutory_overdue: int = 0
    """Concluded after the statutory deadline (Art. 33): a breach of the regulation."""
    open_overdue: int = 0
    """Still open on 31 December and already past the agency's deadline then."""

    @property
    def average(self) -> Decimal | None:
        """Working days per reply, to one decimal (half up); None without replies."""
        if not self.concluded:
            return None
        return (Decimal(self.working_days) / self.concluded).quantize(Decimal("0.1"), ROUND_HALF_UP)


def total_working_days(
    working_days_between: Callable[[date, date], int],
    ended: Mapping[date, int],
    started: Mapping[date, int],
    origin: date,
) -> int:
    """Σ over cases of working days in (start, end], from two histograms (cases per end day, per start day): the sum
    telescopes to Σ n·days(origin, end) − Σ n·days(origin, start), so no case is read one by one."""
    return sum(n * working_days_between(origin, d) for d, n in ended.items()) - sum(
        n * working_days_between(origin, d) for d, n in started.items()
    )


@dataclass(frozen=True)
class Fees:
    """信息处理费 collected in the year (国办函〔2020〕109号): payments and their amount in yuan."""

    count: int = 0
    yuan: int = 0


@dataclass(frozen=True)
class YearFigures:
    """What the records say about one year, beyond the tables: receipts by channel, timeliness, fees."""

    channels: Mapping[Channel, int] = field(default_factory=dict)
    timeliness: Timeliness = Timeliness()
    fees: Fees = Fees()

    def to_dict(self) -> dict[str, object]:
        t = self.timeliness
        return {
            "channels": {str(c): n for c, n in self.channels.items() if n},
            "timeliness": {
                "concluded": t.concluded,
                "working_days": t.working_days,
                "overdue": t.overdue,
                "statutory_overdue": t.statutory_overdue,
                "open_overdue": t.open_overdue,
            },
            "fees": {"count": self.fees.count, "yuan": self.fees.yuan},
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> YearFigures:
        channels, timeliness, fees = data["channels"], data["timeliness"], data["fees"]
        assert isinstance(channels, Mapping)
        assert isinstance(timeliness, Mapping)
        assert isinstance(fees, Mapping)
        return cls(
            {Channel(c): int(n) for c, n in channels.items()},
            Timeliness(**{k: int(v) for k, v in timeliness.items()}),
            Fees(int(fees["count"]), int(fees["yuan"])),
        )


@dataclass(frozen=True)
class Previous:
    """Last year's statistics, for the change on the previous year."""

    facts: Mapping[str, int]
    figures: YearFigures


# --- facts: the table cells the prose may state ----------------------------------------------------------------------

LEGAL_PERSON = "legal_person"
_GROUP_KEYS = tuple(g.value for g in DispositionGroup)


def table_facts(rows: Mapping[str, Sequence[int]], reviews: Mapping[str, int]) -> dict[str, int]:
    """Every quantity the prose may state, from the cells (JSON contract shapes: row key → 7 values; review key →
    value). Works for both formats: a group is the sum of its rows (``other`` or ``other.*``).

    Keys: ``received``, ``carried_over``, ``carried_forward``, ``concluded`` (（七）总计), each disposition group and
    leaf row key, ``received.<applicant type>`` and ``received.legal_person`` (the five organisation columns), the
    15 review keys, and ``lawsuit_all.<outcome|total>`` (both kinds of lawsuit together)."""
    total = len(ApplicantType)

    def cell(row: str, column: int = total) -> int:
        values = rows.get(row)
        return int(values[column]) if values is not None and len(values) > column else 0

    facts = {
        RECEIVED: cell(RECEIVED),
        CARRIED_OVER: cell(CARRIED_OVER),
        CARRIED_FORWARD: cell(CARRIED_FORWARD),
        "concluded": cell(TOTAL),
    }
    for i, applicant in enumerate(ApplicantType):
        facts[f"{RECEIVED}.{applicant.value}"] = cell(RECEIVED, i)
    facts[f"{RECEIVED}.{LEGAL_PERSON}"] = sum(cell(RECEIVED, i) for i in range(1, total))
    for group in _GROUP_KEYS:
        facts[group] = sum(cell(key) for key in rows if key == group or key.startswith(f"{group}."))
    for disposition in Disposition:
        if disposition.value in rows:
            facts[disposition.value] = cell(disposition.value)
    for key in REVIEW_KEYS:
        facts[key] = int(reviews.get(key, 0))
    for column in (*(o.value for o in ReviewOutcome), TOTAL):
        facts[f"lawsuit_all.{column}"] = facts[f"lawsuit.{column}"] + facts[f"lawsuit_after_review.{column}"]
    return facts


def facts_of(applications: ApplicationsTable, reviews: ReviewsTable) -> dict[str, int]:
    return table_facts({r.key: r.values for r in applications.rows}, reviews.to_dict())


FEES_COUNT = "fees.count"
FEES_YUAN = "fees.yuan"


# --- paragraphs ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Figure:
    """A number stated in a generated paragraph: ``fact`` is the table quantity (or fee record) it must equal, "" for
    a number no table holds (a channel, a change on last year, an average)."""

    fact: str
    value: int | Decimal


@dataclass(frozen=True)
class Paragraph:
    """``key`` names the paragraph in checks: ``<part>.<topic>`` when generated, ``text.<field>`` for the agency's."""

    key: str
    text: str
    figures: tuple[Figure, ...] = ()
    agency_text: bool = False
    subheading: bool = False
    """A line of the agency's text that is a sub-heading 「（一）……」 (printed as 公文 second-level heading)."""


@dataclass(frozen=True)
class Section:
    part: Part
    heading: str
    paragraphs: tuple[Paragraph, ...]
    table: TableKind | None


class _Writer:
    """Collects a paragraph's text and the figures it states, so that each number is tied to its cell as written."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.figures: list[Figure] = []

    def say(self, *text: str) -> _Writer:
        self.parts.extend(text)
        return self

    def n(self, value: int | Decimal, fact: str = "") -> str:
        self.figures.append(Figure(fact, value))
        return str(value)

    def change(self, current: int | Decimal, previous: int | Decimal | None, unit: str = "件") -> str:
        """「，较上年增加3件」 / 「，较上年减少2件」 / 「，与上年持平」; nothing without last year's figure."""
        if previous is None:
            return ""
        if current == previous:
            return "，与上年持平"
        more, less = ("延长", "缩短") if unit == "个工作日" else ("增加", "减少")
        word = more if current > previous else less
        diff = abs(Decimal(current) - Decimal(previous))
        return f"，较上年{word}{self.n(diff if isinstance(current, Decimal) else int(diff))}{unit}"

    def paragraph(self, key: str) -> Paragraph:
        return Paragraph(key, "".join(self.parts), tuple(self.figures))


_SHORT_ROWS = {
    Disposition.OTHER_CORRECTION_LAPSED: "申请人逾期不补正",
    Disposition.OTHER_FEE_UNPAID: "申请人逾期未按收费通知缴费",
    Disposition.OTHER_OTHER: "其他情形",
}
"""The （六） rows' labels are whole clauses with 「、」 inside; the prose names them shortly."""


def _row_phrase(disposition: Disposition) -> str:
    """「1.本机关不掌握相关政府信息」 → 「本机关不掌握相关政府信息」."""
    return _SHORT_ROWS.get(disposition) or re.sub(r"^\d+\.", "", DISPOSITIONS[disposition].row_label)


_GROUP_WORDS: dict[DispositionGroup, str] = {
    DispositionGroup.DISCLOSED: "予以公开",
    DispositionGroup.PARTIALLY_DISCLOSED: "部分公开",
    DispositionGroup.WITHHELD: "不予公开",
    DispositionGroup.UNAVAILABLE: "无法提供",
    DispositionGroup.NOT_PROCESSED: "不予处理",
    DispositionGroup.OTHER: "其他处理",
}
_CHANNEL_WORDS: dict[Channel, str] = {
    Channel.ONLINE: "通过互联网提交",
    Channel.EMAIL: "电子邮件",
    Channel.POST: "邮寄",
    Channel.LETTER: "平常信函",
    Channel.FAX: "传真",
    Channel.IN_PERSON: "当面提交",
}


def _received(year: int, facts: Mapping[str, int], figures: YearFigures, previous: Previous | None) -> Paragraph:
    w = _Writer()
    received = facts[RECEIVED]
    prev = previous.facts[RECEIVED] if previous else None
    w.say(f"{year}年，本机关共收到政府信息公开申请{w.n(received, RECEIVED)}件{w.change(received, prev)}。")
    if received:
        natural = facts[f"{RECEIVED}.{ApplicantType.NATURAL_PERSON}"]
        legal = facts[f"{RECEIVED}.{LEGAL_PERSON}"]
        w.say(f"其中，自然人提出{w.n(natural, f'{RECEIVED}.natural_person')}件，")
        w.say(f"法人或其他组织提出{w.n(legal, f'{RECEIVED}.{LEGAL_PERSON}')}件")
        kinds = [a for a in ApplicantType if a is not ApplicantType.NATURAL_PERSON and facts[f"{RECEIVED}.{a}"]]
        if kinds:
            listed = "、".join(
                f"{APPLICANT_TYPE_LABELS[a]}{w.n(facts[f'{RECEIVED}.{a}'], f'{RECEIVED}.{a}')}件"
                for a in kinds
                if a is not ApplicantType.OTHER_ORG
            )
            other = facts[f"{RECEIVED}.{ApplicantType.OTHER_ORG}"]
            if other:
                other_text = f"其他组织{w.n(other, f'{RECEIVED}.{ApplicantType.OTHER_ORG}')}件"
                listed = f"{listed}、{other_text}" if listed else other_text
            w.say(f"（{listed}）")
        w.say("。")
        channels = [(c, figures.channels.get(c, 0)) for c in _CHANNEL_WORDS if figures.channels.get(c, 0)]
        if channels:
            w.say("从提交方式看，", "，".join(f"{_CHANNEL_WORDS[c]}{w.n(n)}件" for c, n in channels), "。")
    carried = facts[CARRIED_OVER]
    w.say(f"上年结转政府信息公开申请{w.n(carried, CARRIED_OVER)}件。" if carried else "无上年结转的申请。")
    return w.paragraph("applications.received")


def _results(facts: Mapping[str, int], previous: Previous | None, fmt: ReportFormat) -> Paragraph:
    w = _Writer()
    concluded = facts["concluded"]
    prev = previous.facts["concluded"] if previous else None
    if not concluded:
        w.say("本年度未办结政府信息公开申请")
        w.say(f"{w.change(concluded, prev)}。" if prev else "。")
    else:
        w.say(f"本年度办结政府信息公开申请{w.n(concluded, 'concluded')}件{w.change(concluded, prev)}，其中")
        pieces = []
        for group in DispositionGroup:
            count = facts[group.value]
            if not count:
                continue
            piece = f"{_GROUP_WORDS[group]}{w.n(count, group.value)}件"
            leaves = [
                d
                for d in Disposition
                if d.group is group and DISPOSITIONS[d].row_label and facts.get(d.value, 0) and group_has_rows(fmt, d)
            ]
            if leaves:
                details = "、".join(f"{_row_phrase(d)}{w.n(facts[d.value], d.value)}件" for d in leaves)
                piece += f"（{details}）"
            pieces.append(piece)
        w.say("；".join(pieces), "。")
    forward = facts[CARRIED_FORWARD]
    w.say(f"结转下年度继续办理{w.n(forward, CARRIED_FORWARD)}件。" if forward else "无结转下年度继续办理的申请。")
    return w.paragraph("applications.results")


def group_has_rows(fmt: ReportFormat, disposition: Disposition) -> bool:
    """Whether the format prints the disposition as its own row (the 2019 format sums （六）其他处理 in one row)."""
    return not (fmt is ReportFormat.F2019 and disposition.group is DispositionGroup.OTHER)


def _timeliness(figures: YearFigures, previous: Previous | None) -> Paragraph | None:
    t = figures.timeliness
    if not t.concluded and not t.open_overdue:
        return None
    w = _Writer()
    average = t.average
    if average is not None:
        prev = previous.figures.timeliness.average if previous else None
        w.say(f"本年办结的申请平均答复用时{w.n(average)}个工作日{w.change(average, prev, '个工作日')}")
        if t.overdue:
            w.say(f"；超过本机关答复期限办结{w.n(t.overdue)}件")
            w.say(
                f"，其中超过法定答复期限{w.n(t.statutory_overdue)}件。"
                if t.statutory_overdue
                else "，均未超过法定期限。"
            )
        else:
            w.say("，均在本机关承诺的答复期限内答复。")
    if t.open_overdue:
        w.say(f"截至年底，尚有{w.n(t.open_overdue)}件在办申请已超过本机关答复期限。")
    return w.paragraph("applications.timeliness")


def _reviews(year: int, facts: Mapping[str, int], previous: Previous | None) -> Paragraph:
    w = _Writer()
    reviews, lawsuits = facts["review.total"], facts["lawsuit_all.total"]
    prev = previous.facts if previous else None
    if not reviews and not lawsuits:
        w.say(f"{year}年，本机关未发生因政府信息公开工作引起的行政复议、行政诉讼")
        w.say("，与上年持平。" if prev is not None and not prev["review.total"] + prev["lawsuit_all.total"] else "。")
        return w.paragraph("reviews.summary")

    def outcomes(kind: str) -> str:
        named = (("upheld", "结果维持"), ("corrected", "结果纠正"), ("other", "其他结果"), ("pending", "尚未审结"))
        return "、".join(
            f"{label}{w.n(facts[f'{kind}.{o}'], f'{kind}.{o}')}件" for o, label in named if facts[f"{kind}.{o}"]
        )

    w.say(f"{year}年，本机关因政府信息公开工作被申请行政复议{w.n(reviews, 'review.total')}件")
    w.say(w.change(reviews, prev["review.total"] if prev else None))
    if reviews:
        w.say(f"，其中{outcomes('review')}")
    w.say("；")
    w.say(f"被提起行政诉讼{w.n(lawsuits, 'lawsuit_all.total')}件")
    w.say(w.change(lawsuits, prev["lawsuit_all.total"] if prev else None))
    if lawsuits:
        direct, after = facts["lawsuit.total"], facts["lawsuit_after_review.total"]
        w.say(f"，其中{outcomes('lawsuit_all')}")
        w.say(f"（未经复议直接起诉{w.n(direct, 'lawsuit.total')}件、")
        w.say(f"复议后起诉{w.n(after, 'lawsuit_after_review.total')}件）")
    w.say("。")
    return w.paragraph("reviews.summary")


def _fees(year: int, fees: Fees) -> Paragraph:
    w = _Writer()
    w.say(f"{year}年，本机关依据《政府信息公开信息处理费管理办法》（国办函〔2020〕109号）")
    if fees.count:
        w.say(f"收取信息处理费{w.n(fees.count, FEES_COUNT)}件，共计{w.n(fees.yuan, FEES_YUAN)}元。")
    else:
        w.say("未收取信息处理费。")
    return w.paragraph("other.fees")


def _preface(year: int, outline: Outline) -> Paragraph:
    parts = "、".join(h.split("、", 1)[1].replace("、行政诉讼", "和行政诉讼") for h in PART_HEADINGS.values())
    text = (
        f"本报告根据《中华人民共和国政府信息公开条例》（以下简称《条例》）和{outline.notice}要求编制，"
        f"包括{parts}六个部分。本报告所列数据的统计期限自{year}年1月1日起至{year}年12月31日止。"
    )
    return Paragraph("preface", text)


_SUBHEADING = re.compile(r"^（[一二三四五六七八九十]+）")


def _agency_paragraphs(key: str, text: str) -> list[Paragraph]:
    """The agency's passage, one paragraph per non-empty line; a line starting 「（一）」 and short is a sub-heading."""
    lines = [line.strip() for line in text.split("\n") if line.strip()]
    return [
        Paragraph(f"text.{key}", line, agency_text=True, subheading=bool(_SUBHEADING.match(line)) and len(line) <= 40)
        for line in lines
    ]


def placeholder(f: TextField) -> str:
    return f"【待填写：{f.label}。{f.guidance}】"


@dataclass(frozen=True)
class AnnualDocument:
    """The report as printed: title, preface, six sections, 落款; its figures; consolidated reports' annex."""

    year: int
    format: ReportFormat
    agency_name: str
    title: str
    preface: Paragraph
    sections: tuple[Section, ...]
    signature: str
    signed_on: date | None
    texts: Mapping[str, str]

    def paragraphs(self) -> Iterable[tuple[Section | None, int, Paragraph]]:
        """Every paragraph with its section and 1-based position there (the preface: no section)."""
        yield None, 1, self.preface
        for section in self.sections:
            for i, paragraph in enumerate(section.paragraphs, start=1):
                yield section, i, paragraph

    def to_dict(self) -> dict[str, object]:
        return {
            "title": self.title,
            "preface": self.preface.text,
            "sections": [
                {
                    "part": s.part.value,
                    "heading": s.heading,
                    "table": s.table.value if s.table else None,
                    "paragraphs": [
                        {
                            "key": p.key,
                            "text": p.text,
                            "agency_text": p.agency_text,
                            "subheading": p.subheading,
                            "figures": [{"fact": f.fact, "value": str(f.value)} for f in p.figures],
                        }
                        for p in s.paragraphs
                    ],
                }
                for s in self.sections
            ],
            "signature": self.signature,
            "signed_on": self.signed_on.isoformat() if self.signed_on else None,
        }


def report_title(agency_name: str, year: int) -> str:
    return f"{agency_name}{year}年政府信息公开工作年度报告"


def build_document(
    *,
    year: int,
    fmt: ReportFormat,
    agency_name: str,
    facts: Mapping[str, int],
    figures: YearFigures,
    previous: Previous | None,
    texts: Mapping[str, str],
    has_active_table: bool,
    signed_on: date | None,
) -> AnnualDocument:
    """The document in the order of the format. ``texts`` are the agency's passages (missing ones print as a visible
    placeholder); ``previous`` None when last year is not in the records (the change is then not stated)."""
    outline = OUTLINES[fmt]
    generated: dict[Part, list[Paragraph]] = {part: [] for part in Part}
    generated[Part.APPLICATIONS] += [_received(year, facts, figures, previous), _results(facts, previous, fmt)]
    if (timeliness := _timeliness(figures, previous)) is not None:
        generated[Part.APPLICATIONS].append(timeliness)
    generated[Part.REVIEWS].append(_reviews(year, facts, previous))
    if outline.fees_required or figures.fees.count:
        generated[Part.OTHER].append(_fees(year, figures.fees))
    sections = []
    for part in Part:
        own: list[Paragraph] = []
        for f in outline.fields_of(part):
            if f.key in texts:
                own += _agency_paragraphs(f.key, texts[f.key])
            elif f.required:
                own.append(Paragraph(f"text.{f.key}", placeholder(f), agency_text=True))
        paragraphs = (*generated[part], *own) if part is not Part.ACTIVE else tuple(own)
        if part is Part.ACTIVE and not has_active_table and not own:
            paragraphs = (Paragraph("active.missing", "【待录入：主动公开政府信息情况表】"),)
        if part is Part.OTHER and not paragraphs:
            paragraphs = (Paragraph("other.none", "本年度无其他需要报告的事项。"),)
        sections.append(Section(part, PART_HEADINGS[part], tuple(paragraphs), PART_TABLES.get(part)))
    return AnnualDocument(
        year=year,
        format=fmt,
        agency_name=agency_name,
        title=report_title(agency_name, year),
        preface=_preface(year, outline),
        sections=tuple(sections),
        signature=agency_name,
        signed_on=signed_on,
        texts=dict(texts),
    )


# --- checks ----------------------------------------------------------------------------------------------------------


class DocRule(StrEnum):
    FIGURE = "prose_figure"
    PROSE = "prose_text"
    TABLES = "tables"
    CARRY_OVER = "carry_over"
    FEES = "fees"
    TEXT_MISSING = "text_missing"


DOC_RULE_DESCRIPTIONS: dict[DocRule, str] = {
    DocRule.FIGURE: "正文中由系统生成的每个数字等于表中对应的单元格（按生成时所依据的数字重新核算）",
    DocRule.PROSE: "正文（含机关撰写部分）中能识别的数字与统计表一致",
    DocRule.TABLES: "统计表的勾稽关系成立，且办件记录无错误",
    DocRule.CARRY_OVER: "二、上年结转数量等于上一年度已发布报告的四、结转下年度继续办理数量",
    DocRule.FEES: "六、其他需要报告的事项所述信息处理费与收费记录一致（2021年格式须报告收费情况）",
    DocRule.TEXT_MISSING: "机关撰写的必填部分已填写",
}
BLOCKING = frozenset(DocRule) - {DocRule.TEXT_MISSING}
"""Checks that stop publication. Missing text is a warning: the tables could be published on their own before."""


@dataclass(frozen=True)
class Finding:
    rule: DocRule
    paragraph: str
    """The paragraph's key (``applications.received``, ``text.overview`` …)."""
    where: str
    """The paragraph as a reader finds it: 「三、收到和处理政府信息公开申请情况」第1段."""
    message: str

    def to_dict(self) -> dict[str, str]:
        return {"paragraph": self.paragraph, "where": self.where, "message": self.message}


def summarize(findings: Sequence[Finding], rules: Iterable[DocRule] = tuple(DocRule)) -> list[dict[str, object]]:
    """One entry per rule: ok, whether it blocks publication, and the paragraphs at fault."""
    return [
        {
            "rule": rule.value,
            "ok": not (mine := [f for f in findings if f.rule is rule]),
            "blocking": rule in BLOCKING,
            "description": DOC_RULE_DESCRIPTIONS[rule],
            "findings": [f.to_dict() for f in mine],
        }
        for rule in rules
    ]


def where(section: Section | None, position: int) -> str:
    return f"「{section.heading}」第{position}段" if section else "前言"


def check_figures(document: AnnualDocument, facts: Mapping[str, int], fees: Fees) -> list[Finding]:
    """Each generated figure against the cell (or fee record) it was taken from, recomputed now."""
    known = dict(facts) | {FEES_COUNT: fees.count, FEES_YUAN: fees.yuan}
    found = []
    for section, position, paragraph in document.paragraphs():
        for figure in paragraph.figures:
            if figure.fact and known.get(figure.fact) != figure.value:
                found.append(
                    Finding(
                        DocRule.FIGURE,
                        paragraph.key,
                        where(section, position),
                        f"正文写{figure.value}，表中「{fact_label(figure.fact)}」为{known.get(figure.fact)}",
                    )
                )
    return found


def check_document(
    document: AnnualDocument,
    facts: Mapping[str, int],
    fees: Fees,
    table_problems: Sequence[str],
    carry_over_problems: Sequence[str],
) -> list[Finding]:
    """Every check of the report before publication, each failure naming its paragraph. ``table_problems`` and
    ``carry_over_problems`` are the failed table checks (statistics / report_integrity), described in Chinese."""
    found = check_figures(document, facts, fees)
    for section, position, paragraph in document.paragraphs():
        for statement in parse_statements(paragraph.text, document.year):
            expected = _expected(statement, facts, fees)
            if expected is not None and expected != statement.value:
                found.append(_mismatch(paragraph.key, where(section, position), statement, expected))
    by_part = {s.part: s for s in document.sections}
    table_where = f"「{by_part[Part.APPLICATIONS].heading}」统计表"
    found += [Finding(DocRule.TABLES, "applications.table", table_where, m) for m in table_problems]
    found += [Finding(DocRule.CARRY_OVER, "applications.table", table_where, m) for m in carry_over_problems]
    other = by_part[Part.OTHER]
    fee_paragraphs = [p for p in other.paragraphs if p.key == "other.fees"]
    if OUTLINES[document.format].fees_required and not fee_paragraphs:
        found.append(Finding(DocRule.FEES, "other.fees", f"「{other.heading}」", "缺少信息处理费收取情况"))
    if not OUTLINES[document.format].fees_required and fees.count and not fee_paragraphs:
        found.append(
            Finding(DocRule.FEES, "other.fees", f"「{other.heading}」", f"有{fees.count}笔收费记录，正文未报告")
        )
    for section, position, paragraph in document.paragraphs():
        if paragraph.agency_text and paragraph.text.startswith("【待填写"):
            found.append(Finding(DocRule.TEXT_MISSING, paragraph.key, where(section, position), paragraph.text))
    return found


def _mismatch(key: str, place: str, statement: Statement, expected: int) -> Finding:
    rule = DocRule.FEES if statement.fact in (FEES_COUNT, FEES_YUAN) else DocRule.PROSE
    source = "收费记录" if rule is DocRule.FEES else "表中"
    return Finding(
        rule,
        key,
        place,
        f"「{statement.excerpt}」：正文为{statement.value}，{source}「{fact_label(statement.fact)}」为{expected}",
    )


def _expected(statement: Statement, facts: Mapping[str, int], fees: Fees | None) -> int | None:
    if statement.fact == FEES_COUNT:
        return fees.count if fees else None
    if statement.fact == FEES_YUAN:
        return fees.yuan if fees else None
    return facts.get(statement.fact)


def fact_label(fact: str) -> str:
    """The cell a fact is, as a reader names it."""
    fixed = {
        RECEIVED: "一、本年新收政府信息公开申请数量（总计）",
        CARRIED_OVER: "二、上年结转政府信息公开申请数量（总计）",
        CARRIED_FORWARD: "四、结转下年度继续办理（总计）",
        "concluded": "（七）总计",
        f"{RECEIVED}.{LEGAL_PERSON}": "一、本年新收（法人或其他组织合计）",
        FEES_COUNT: "信息处理费笔数",
        FEES_YUAN: "信息处理费金额（元）",
    }
    if fact in fixed:
        return fixed[fact]
    head, _, tail = fact.partition(".")
    if head == RECEIVED:
        return f"一、本年新收（{APPLICANT_TYPE_LABELS[ApplicantType(tail)]}）"
    if fact in _GROUP_KEYS:
        return f"{DISPOSITION_GROUP_LABELS[DispositionGroup(fact)]}（合计）"
    if fact in {d.value for d in Disposition}:
        d = Disposition(fact)
        return f"{DISPOSITION_GROUP_LABELS[d.group]} {DISPOSITIONS[d].row_label}"
    outcome = {"upheld": "结果维持", "corrected": "结果纠正", "other": "其他结果", "pending": "尚未审结", TOTAL: "总计"}
    kinds = {
        "review": "行政复议",
        "lawsuit": "行政诉讼（未经复议直接起诉）",
        "lawsuit_after_review": "行政诉讼（复议后起诉）",
        "lawsuit_all": "行政诉讼（两类合计）",
    }
    if head in kinds and tail in outcome:
        return f"{kinds[head]}「{outcome[tail]}」"
    return fact


# --- reading numbers out of any text ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Statement:
    """A number the text states about a quantity of the tables (or fees)."""

    fact: str
    value: int
    excerpt: str


_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}


def chinese_number(text: str) -> int | None:
    """「12」「１２」「十二」「二十三」「一百零五」「两」 → int; None if not a number."""
    text = text.replace(",", "").replace("，", "")
    normalized = text.translate(str.maketrans("０１２３４５６７８９", "0123456789"))
    if normalized.isdigit():
        return int(normalized)
    total, current = 0, 0
    for ch in text:
        if ch in _DIGITS:
            current = _DIGITS[ch]
        elif ch in "十百千":
            unit = {"十": 10, "百": 100, "千": 1000}[ch]
            total += (current or 1) * unit
            current = 0
        else:
            return None
    return total + current


_NUMBER = r"(?P<n>[0-9０-９]+|[零〇一二两三四五六七八九十百千]+)"
_COUNT = re.compile(_NUMBER + r"\s*(?P<unit>件|起|宗|个|例|元)")
_SKIP_CLAUSE = re.compile(
    r"较上年|比上年|同比|上年同期|环比|增加|减少|增长|下降|持平|平均|工作日|期限|超期|超过|占比|%|％|万元"
)
_PREVIOUS = re.compile(r"（[^（）]*上[一]?年[^（）]*）|\([^()]*上[一]?年[^()]*\)")


def _kind_of(text: str, current: str | None) -> str | None:
    """Which remedy a clause speaks of: lawsuits (either kind) or reviews; else the sentence's last one."""
    if "复议后起诉" in text:
        return "lawsuit_after_review"
    if "未经复议" in text or "直接起诉" in text:
        return "lawsuit"
    if "诉讼" in text or "起诉" in text or "应诉" in text:
        return "lawsuit_all"
    if "复议" in text:
        return "review"
    return current


_OUTCOME_WORDS = (
    ("尚未审结", "pending"),
    ("未审结", "pending"),
    ("审理中", "pending"),
    ("维持", "upheld"),
    ("纠正", "corrected"),
    ("纠错", "corrected"),
    ("其他结果", "other"),
)
_LEAF_WORDS: tuple[tuple[str, str], ...] = (
    ("不掌握", Disposition.UNAVAILABLE_NOT_HELD.value),
    ("另行制作", Disposition.UNAVAILABLE_NEEDS_CREATION.value),
    ("补正后申请内容仍不明确", Disposition.UNAVAILABLE_UNCLEAR_AFTER_CORRECTION.value),
    ("国家秘密", Disposition.WITHHELD_STATE_SECRET.value),
    ("其他法律行政法规禁止公开", Disposition.WITHHELD_PROHIBITED_BY_LAW.value),
    ("三安全一稳定", Disposition.WITHHELD_SECURITY_STABILITY.value),
    ("第三方合法权益", Disposition.WITHHELD_THIRD_PARTY_RIGHTS.value),
    ("内部事务", Disposition.WITHHELD_INTERNAL_AFFAIRS.value),
    ("过程性信息", Disposition.WITHHELD_PROCESS_INFORMATION.value),
    ("行政执法案卷", Disposition.WITHHELD_ENFORCEMENT_FILE.value),
    ("行政查询", Disposition.WITHHELD_ADMINISTRATIVE_QUERY.value),
    ("信访举报投诉", Disposition.NOT_PROCESSED_COMPLAINT.value),
    ("重复申请", Disposition.NOT_PROCESSED_DUPLICATE.value),
    ("公开出版物", Disposition.NOT_PROCESSED_PUBLICATION.value),
    ("大量反复申请", Disposition.NOT_PROCESSED_EXCESSIVE.value),
    ("重新出具", Disposition.NOT_PROCESSED_CONFIRM_OR_REISSUE.value),
    ("逾期不补正", Disposition.OTHER_CORRECTION_LAPSED.value),
    ("逾期未按收费通知", Disposition.OTHER_FEE_UNPAID.value),
    ("其他情形", Disposition.OTHER_OTHER.value),
)
_GROUP_PHRASES: tuple[tuple[str, str], ...] = (
    ("部分公开", DispositionGroup.PARTIALLY_DISCLOSED.value),
    ("不予公开", DispositionGroup.WITHHELD.value),
    ("予以公开", DispositionGroup.DISCLOSED.value),
    ("同意公开", DispositionGroup.DISCLOSED.value),
    ("全部公开", DispositionGroup.DISCLOSED.value),
    ("无法提供", DispositionGroup.UNAVAILABLE.value),
    ("不予处理", DispositionGroup.NOT_PROCESSED.value),
    ("其他处理", DispositionGroup.OTHER.value),
)
_APPLICANT_WORDS: tuple[tuple[str, str], ...] = (
    ("法人或其他组织", f"{RECEIVED}.{LEGAL_PERSON}"),
    ("法人和其他组织", f"{RECEIVED}.{LEGAL_PERSON}"),
    ("自然人", f"{RECEIVED}.{ApplicantType.NATURAL_PERSON}"),
    ("商业企业", f"{RECEIVED}.{ApplicantType.COMMERCIAL_ENTERPRISE}"),
    ("科研机构", f"{RECEIVED}.{ApplicantType.RESEARCH_INSTITUTION}"),
    ("社会公益组织", f"{RECEIVED}.{ApplicantType.SOCIAL_WELFARE_ORG}"),
    ("法律服务机构", f"{RECEIVED}.{ApplicantType.LEGAL_SERVICE_ORG}"),
    ("其他组织", f"{RECEIVED}.{ApplicantType.OTHER_ORG}"),
)


def _fact_of(clause: str, sentence: str, unit: str, kind: str | None) -> str | None:
    """The quantity a clause's number counts, by the words around it; None when it cannot be told for sure.

    Order matters: fees first (their sentence names them once), remedies before applications (「被申请行政复议」 is not
    an application; ``kind`` is the remedy the sentence last named), carry-overs before receipts (「上年结转」 is not
    「收到」), a named row before its group, an applicant type before the totals."""
    if "信息处理费" in sentence:
        return FEES_YUAN if unit == "元" else FEES_COUNT
    if unit == "元":
        return None
    if kind is not None:
        for word, outcome in _OUTCOME_WORDS:
            if word in clause:
                return f"{kind}.{outcome}"
        if _kind_of(clause, None) is not None:
            return f"{kind}.{TOTAL}"
        return None
    if "结转下" in clause or "转入下" in clause or "结转至下" in clause or "结转到下" in clause:
        return CARRIED_FORWARD
    if "上年结转" in clause or "上年度结转" in clause or "上一年度结转" in clause or "上年度转" in clause:
        return CARRIED_OVER
    for word, fact in (*_LEAF_WORDS, *_GROUP_PHRASES):
        if word in clause:
            return fact
    for word, fact in _APPLICANT_WORDS:
        if word in clause:
            return fact
    if "申请" not in clause and "申请" not in sentence:
        return None
    if "办结" in clause or "办理完毕" in clause or "已答复" in clause or "作出答复" in clause:
        return "concluded"
    if any(word in clause for word in ("新收", "收到", "受理", "接收", "收悉")):
        return RECEIVED
    return None


def _idiom(match: re.Match[str], clause: str) -> bool:
    """「统一起草」「一个窗口」: a Chinese numeral before 起 or 个 counts only at the end of its clause."""
    numeral = not match.group("n")[0].isdigit()
    return numeral and match.group("unit") in "起个" and bool(clause[match.end() :].strip())


_YEAR = re.compile(r"(?<![0-9])((?:19|20)[0-9]{2})年")


def _last_year(clause: str) -> bool:
    """A clause about last year (「去年」「上一年度」), but not 「上年结转」, which is this year's 二."""
    return "结转" not in clause and ("去年" in clause or "上年" in clause or "上一年" in clause)


def parse_statements(text: str, year: int | None = None) -> list[Statement]:
    """The numbers a text states about the tables: each sentence (。；！) is cut into clauses (，、：and parentheses),
    and a number followed by a counting unit (件、起、宗、个、例; 元 for fees) is attributed to the quantity its
    clause names (:func:`_fact_of`). Clauses about changes, averages or deadlines are skipped, and so are parentheses
    about last year (「（上年3件）」) and, given the report ``year``, clauses after another year is named: they state
    no cell of this year's tables. What cannot be attributed is left out, so that a report is flagged only for a
    number that really contradicts a cell."""
    found = []
    for sentence in re.split(r"[。；;！!\n]", _PREVIOUS.sub("", text)):
        kind: str | None = None
        other_year = False
        for clause in re.split(r"[，,、：:（）()]", sentence):
            kind = _kind_of(clause, kind)
            if year is not None and (named := {int(y) for y in _YEAR.findall(clause)}):
                other_year = year not in named  # until the sentence names another year
            if not clause.strip() or other_year or _SKIP_CLAUSE.search(clause) or _last_year(clause):
                continue
            for match in _COUNT.finditer(clause):
                value = chinese_number(match.group("n"))
                if value is None or _idiom(match, clause):
                    continue
                fact = _fact_of(clause, sentence, match.group("unit"), kind)
                if fact is not None:
                    found.append(Statement(fact, value, clause.strip()))
    return found


@dataclass(frozen=True)
class TextParagraph:
    """A paragraph of a published report read as plain text: where it is, for the findings."""

    where: str
    text: str


_HEADING = re.compile(r"^\s*([一二三四五六七八九十]+、.{2,40})$")


def split_report_text(text: str) -> list[TextParagraph]:
    """A published report as plain text (copied from its web page): one paragraph per non-empty line, named by the
    last heading line before it (「三、收到和处理政府信息公开申请情况」) and its line number."""
    heading = "前言"
    paragraphs = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        if _HEADING.match(line):
            heading = line
            continue
        paragraphs.append(TextParagraph(f"「{heading}」第{number}行", line))
    return paragraphs


def check_prose(
    paragraphs: Sequence[TextParagraph], facts: Mapping[str, int], fees: Fees | None, year: int | None = None
) -> list[Finding]:
    """Every number in the paragraphs that names a cell of the tables (or the fees, when their records are given) and
    disagrees with it. This is what flags a published report whose prose and tables disagree."""
    found = []
    for paragraph in paragraphs:
        for statement in parse_statements(paragraph.text, year):
            expected = _expected(statement, facts, fees)
            if expected is not None and expected != statement.value:
                found.append(_mismatch("", paragraph.where, statement, expected))
    return found
