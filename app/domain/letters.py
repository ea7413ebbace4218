"""The letters a case produces, what each must say in law, and the remedy clause (条例 Art. 30–40; 行政复议法 2023;
行政诉讼法 Art. 46).

Pure rules: which step each letter belongs to, which Art. 36 reply type and which article a disposition cites, which
facts a decision letter cannot do without, the remedy clause computed from the agency's level and its configured
review body, and the letter number (文号, GB/T 9704: 机关代字〔年份〕序号号).

Readings where the text leaves a choice (also in the README):

* **Review first** (行政复议法 2023 Art. 23 ¶1(4), in force 2024-01-01: 「申请政府信息公开，行政机关不予公开」): applies
  to every ``withheld.*`` disposition and to ``partially_disclosed`` (the withheld part is a refusal), when the
  reply is dated on or after 2024-01-01 — the law in force when the decision is made is the one the letter states.
  ``withheld.administrative_query`` (Art. 36(7)) is counted under 不予公开 in the annual table, so it is treated as a
  refusal too: the safer reading for the applicant, who otherwise might sue directly and be turned away.
* **Which letters carry a remedy clause**: every decision letter (``reply``) and the fee notice (a charge is a burden
  the applicant may contest). The receipt, the correction and extension notices (补正, 延期: procedural, not
  challengeable on their own), consultation letters and the Art. 35 notices carry none.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from app.domain.codes import Disposition, DispositionGroup
from app.domain.errors import InvalidInput
from app.domain.lifecycle import EventType, within_reasonable_period

REVIEW_FIRST_SINCE = date(2024, 1, 1)  # 行政复议法 (2023年修订) in force; Art. 23 ¶1(4)
REVIEW_DAYS = 60  # 行政复议法 Art. 20 ¶1: 自知道或者应当知道该行政行为之日起六十日内
LAWSUIT_MONTHS = 6  # 行政诉讼法 Art. 46 ¶1: 自知道或者应当知道作出行政行为之日起六个月内


class LetterKind(StrEnum):
    RECEIPT = "receipt"  # 登记回执 (Art. 31)
    CORRECTION_NOTICE = "correction_notice"  # 补正告知书 (Art. 30)
    EXTENSION_NOTICE = "extension_notice"  # 延期答复告知书 (Art. 33 ¶2)
    CONSULTATION_LETTER = "consultation_letter"  # 征求意见书 (Art. 32 third party, Art. 34 co-producer)
    CONSULTATION_NOTICE = "consultation_notice"  # to the applicant: a consultation is under way (Art. 32–34)
    FEE_NOTICE = "fee_notice"  # 收费通知书 (国办函〔2020〕109号)
    REASONS_NOTICE = "reasons_notice"  # 说明理由告知书 (Art. 35)
    REASONS_OUTCOME = "reasons_outcome"  # Art. 35: the reasonable later deadline
    REPLY = "reply"  # 政府信息公开申请答复书 (Art. 36–39)


LETTER_LABELS: dict[LetterKind, str] = {
    LetterKind.RECEIPT: "政府信息公开申请登记回执",
    LetterKind.CORRECTION_NOTICE: "补正申请告知书",
    LetterKind.EXTENSION_NOTICE: "延期答复告知书",
    LetterKind.CONSULTATION_LETTER: "征求意见书",
    LetterKind.CONSULTATION_NOTICE: "征求意见告知书",
    LetterKind.FEE_NOTICE: "收费通知书",
    LetterKind.REASONS_NOTICE: "说明理由告知书",
    LetterKind.REASONS_OUTCOME: "延迟答复告知书",
    LetterKind.REPLY: "政府信息公开申请答复书",
}

LETTER_STEP: dict[LetterKind, EventType | None] = {
    LetterKind.RECEIPT: EventType.RECEIVED,
    LetterKind.CORRECTION_NOTICE: EventType.CORRECTION_REQUESTED,
    LetterKind.EXTENSION_NOTICE: EventType.EXTENSION_GRANTED,
    LetterKind.CONSULTATION_LETTER: EventType.CONSULTATION_STARTED,
    LetterKind.CONSULTATION_NOTICE: EventType.CONSULTATION_STARTED,
    LetterKind.FEE_NOTICE: EventType.FEE_NOTICE_SENT,
    LetterKind.REASONS_NOTICE: None,
    LetterKind.REASONS_OUTCOME: EventType.AGENCY_DEADLINE_SET,  # Art. 35, second step: the later deadline
    LetterKind.REPLY: None,  # the concluding event, whichever it is (lifecycle.CONCLUDING_EVENTS)
}
"""The step of the timeline a letter reports: its facts and its date come from the latest such event, so that the
letter never disagrees with the file. ``reasons_notice`` asks before any step is recorded (its date is the day it
is made); ``reply`` needs the case concluded."""

LETTER_TO_THIRD_PARTY = frozenset({LetterKind.CONSULTATION_LETTER})
"""Letters addressed to someone other than the applicant (the consulted party)."""


class Article36(StrEnum):
    """The reply types of 条例 Art. 36."""

    PUBLISHED = "36.1"  # 已经主动公开的，告知获取的方式、途径
    PROVIDED = "36.2"  # 可以公开的，提供或告知获取的方式、途径和时间
    REFUSED = "36.3"  # 决定不予公开的，告知并说明理由
    NOT_EXIST = "36.4"  # 经检索没有所申请公开信息的，告知该政府信息不存在
    NOT_OURS = "36.5"  # 不属于本机关负责公开的，告知并说明理由；能够确定的，告知负责机关名称、联系方式
    DUPLICATE = "36.6"  # 重复申请的，告知不予重复处理
    SPECIAL_LAW = "36.7"  # 工商、不动产登记资料等，告知依照有关法律、行政法规的规定办理


ARTICLE36_LABELS: dict[Article36, str] = {
    Article36.PUBLISHED: "第三十六条第（一）项",
    Article36.PROVIDED: "第三十六条第（二）项",
    Article36.REFUSED: "第三十六条第（三）项",
    Article36.NOT_EXIST: "第三十六条第（四）项",
    Article36.NOT_OURS: "第三十六条第（五）项",
    Article36.DUPLICATE: "第三十六条第（六）项",
    Article36.SPECIAL_LAW: "第三十六条第（七）项",
}

REGULATION = "《中华人民共和国政府信息公开条例》"
FEE_MEASURES = "《政府信息公开信息处理费管理办法》（国办函〔2020〕109号）"


class Fact(StrEnum):
    """Facts a decision letter states that the case record does not hold; the clerk gives them with the request."""

    FINDINGS = "findings"  # 查明的事实
    PUBLISHED_AT = "published_at"  # where it was published (36(1))
    HOW_PROVIDED = "how_provided"  # how and when it is provided (36(2), Art. 40)
    REDACTIONS = "redactions"  # what was withheld or redacted and why (Art. 37)
    SEARCH = "search"  # what search was made (36(4))
    COMPETENT_AGENCY = "competent_agency"  # 36(5)
    COMPETENT_AGENCY_CONTACT = "competent_agency_contact"  # 36(5), when known
    EARLIER_REPLY_NUMBER = "earlier_reply_number"  # 36(6)
    REASONS = "reasons"  # why it is refused, not processed or cannot be provided
    CHANNEL = "channel"  # the proper channel (Art. 36(7) query, Art. 39 complaint or publication)


FACT_LABELS: dict[Fact, str] = {
    Fact.FINDINGS: "经查明的事实",
    Fact.PUBLISHED_AT: "信息已主动公开的位置（网址、公报期号等）",
    Fact.HOW_PROVIDED: "提供信息的方式、途径和时间",
    Fact.REDACTIONS: "不予公开（删除、遮盖）的内容及理由",
    Fact.SEARCH: "检索的范围、方法和结果",
    Fact.COMPETENT_AGENCY: "负责公开该信息的行政机关名称",
    Fact.COMPETENT_AGENCY_CONTACT: "该机关的联系方式",
    Fact.EARLIER_REPLY_NUMBER: "此前答复的文号",
    Fact.REASONS: "理由",
    Fact.CHANNEL: "可以办理或获取的渠道",
}


@dataclass(frozen=True)
class DecisionBasis:
    """What a decision letter cites for one disposition."""

    reply_type: Article36 | None  # the Art. 36 item the reply falls under; None where the basis is elsewhere
    articles: tuple[str, ...]  # the articles of the 条例 (or the fee measures) relied on, to the paragraph
    decision: str  # the operative sentence, in the letter's words
    required: tuple[Fact, ...] = ()  # facts the letter cannot be written without
    refusal: bool = False  # 不予公开 in the sense of 行政复议法 Art. 23 ¶1(4)


_WITHHELD = "经审查，您申请公开的政府信息{what}，根据{basis}的规定，本机关决定不予公开。"


def _withheld(what: str, article: str) -> DecisionBasis:
    return DecisionBasis(
        Article36.REFUSED,
        (article, ARTICLE36_LABELS[Article36.REFUSED]),
        _WITHHELD.format(what=what, basis=f"{REGULATION}{article}和{ARTICLE36_LABELS[Article36.REFUSED]}"),
        (Fact.REASONS,),
        refusal=True,
    )


DECISIONS: dict[Disposition, DecisionBasis] = {
    Disposition.PARTIALLY_DISCLOSED: DecisionBasis(
        Article36.REFUSED,
        ("第三十七条", ARTICLE36_LABELS[Article36.REFUSED]),
        f"经审查，您申请公开的政府信息中含有不应当公开的内容，但能够作区分处理。根据{REGULATION}第三十七条、"
        f"{ARTICLE36_LABELS[Article36.REFUSED]}的规定，"
        "本机关向您提供可以公开的内容，提供方式如下：{how_provided}。不予公开的内容及理由：{redactions}。",
        (Fact.REDACTIONS, Fact.HOW_PROVIDED),
        refusal=True,
    ),
    Disposition.WITHHELD_STATE_SECRET: _withheld("属于依法确定为国家秘密的政府信息", "第十四条"),
    Disposition.WITHHELD_PROHIBITED_BY_LAW: _withheld("属于法律、行政法规禁止公开的政府信息", "第十四条"),
    Disposition.WITHHELD_SECURITY_STABILITY: _withheld(
        "公开后可能危及国家安全、公共安全、经济安全、社会稳定", "第十四条"
    ),
    Disposition.WITHHELD_THIRD_PARTY_RIGHTS: _withheld(
        "涉及商业秘密、个人隐私等，公开会对第三方合法权益造成损害", "第十五条"
    ),
    Disposition.WITHHELD_INTERNAL_AFFAIRS: _withheld("属于行政机关的内部事务信息", "第十六条第一款"),
    Disposition.WITHHELD_PROCESS_INFORMATION: _withheld(
        "属于行政机关在履行行政管理职能过程中形成的过程性信息", "第十六条第二款"
    ),
    Disposition.WITHHELD_ENFORCEMENT_FILE: _withheld("属于行政执法案卷信息", "第十六条第二款"),
    Disposition.WITHHELD_ADMINISTRATIVE_QUERY: DecisionBasis(
        Article36.SPECIAL_LAW,
        (ARTICLE36_LABELS[Article36.SPECIAL_LAW],),
        f"经审查，您申请获取的信息属于有关法律、行政法规对信息的获取有特别规定的查询事项。根据{REGULATION}"
        f"{ARTICLE36_LABELS[Article36.SPECIAL_LAW]}的规定，请您依照有关法律、行政法规的规定办理。",
        (Fact.CHANNEL,),
        refusal=True,
    ),
    Disposition.UNAVAILABLE_NEEDS_CREATION: DecisionBasis(
        None,
        ("第三十八条",),
        f"经审查，您申请公开的信息需要本机关对现有政府信息进行加工、分析。根据{REGULATION}第三十八条的规定，"
        "本机关不予提供。",
        (Fact.REASONS,),
    ),
    Disposition.UNAVAILABLE_UNCLEAR_AFTER_CORRECTION: DecisionBasis(
        None,
        ("第三十条",),
        f"本机关已依据{REGULATION}第三十条的规定告知您补正，补正后申请内容仍不明确，本机关无法确定您所需的政府信息，"
        "无法提供。",
        (Fact.REASONS,),
    ),
    Disposition.NOT_PROCESSED_COMPLAINT: DecisionBasis(
        None,
        ("第三十九条第一款",),
        f"经审查，您以政府信息公开申请的形式进行信访、投诉、举报等活动。根据{REGULATION}第三十九条第一款的规定，"
        "本机关不作为政府信息公开申请处理，您可以通过相应渠道提出。",
        (Fact.CHANNEL,),
    ),
    Disposition.NOT_PROCESSED_DUPLICATE: DecisionBasis(
        Article36.DUPLICATE,
        (ARTICLE36_LABELS[Article36.DUPLICATE],),
        "本机关已就您提出的相同政府信息公开申请作出答复（{earlier_reply_number}），您再次申请公开相同的政府信息。"
        f"根据{REGULATION}{ARTICLE36_LABELS[Article36.DUPLICATE]}的规定，本机关不予重复处理。",
        (Fact.EARLIER_REPLY_NUMBER,),
    ),
    Disposition.NOT_PROCESSED_PUBLICATION: DecisionBasis(
        None,
        ("第三十九条第二款",),
        f"经审查，您要求提供的是政府公报、报刊、书籍等公开出版物。根据{REGULATION}第三十九条第二款的规定，"
        "现告知您获取的途径。",
        (Fact.CHANNEL,),
    ),
    Disposition.NOT_PROCESSED_EXCESSIVE: DecisionBasis(
        None,
        ("第三十五条",),
        "您申请公开政府信息的数量、频次明显超过合理范围，本机关已要求您说明理由，经审查，申请理由不合理。"
        f"根据{REGULATION}第三十五条的规定，本机关不予处理。",
        (Fact.REASONS,),
    ),
    Disposition.NOT_PROCESSED_CONFIRM_OR_REISSUE: DecisionBasis(
        None,
        ("第二条",),
        "您要求本机关确认或者重新出具已经获取的信息，不属于"
        f"{REGULATION}第二条所称的获取政府信息的申请，本机关不作为政府信息公开申请处理。",
        (Fact.REASONS,),
    ),
    Disposition.OTHER_CORRECTION_LAPSED: DecisionBasis(
        None,
        ("第三十条",),
        f"本机关已依据{REGULATION}第三十条的规定告知您补正，您无正当理由逾期未补正，视为放弃申请，"
        "本机关不再处理您的该项政府信息公开申请。",
    ),
    Disposition.OTHER_FEE_UNPAID: DecisionBasis(
        None,
        ("第七条",),
        f"本机关已向您发出收费通知，您逾期未缴纳信息处理费。根据{FEE_MEASURES}第七条的规定，"
        "视为放弃申请，本机关不再处理您的该项政府信息公开申请。",
    ),
    Disposition.OTHER_OTHER: DecisionBasis(
        None,
        (),
        "您已撤回该项政府信息公开申请（或该申请因其他原因终止），本机关终止办理。",
        (Fact.REASONS,),
    ),
}
"""Every disposition but the two whose reply type depends on the facts (``disclosed``, ``unavailable.not_held``):
see ``decision_basis``."""


def decision_basis(disposition: Disposition, facts: dict[Fact, str]) -> DecisionBasis:
    """What the decision letter cites for ``disposition``. ``disclosed`` is 36(1) when the clerk names where it was
    published, else 36(2); ``unavailable.not_held`` is 36(5) when the competent agency is named, else 36(4)."""
    if disposition is Disposition.DISCLOSED:
        if facts.get(Fact.PUBLISHED_AT):
            item = Article36.PUBLISHED
            sentence = "经审查，您申请公开的政府信息已经主动公开，获取的方式、途径如下：{published_at}。"
            return DecisionBasis(
                item, (ARTICLE36_LABELS[item],), f"{sentence}根据{REGULATION}{ARTICLE36_LABELS[item]}的规定予以告知。"
            )
        item = Article36.PROVIDED
        return DecisionBasis(
            item,
            (ARTICLE36_LABELS[item], "第四十条"),
            f"经审查，您申请公开的政府信息属于可以公开的信息。根据{REGULATION}{ARTICLE36_LABELS[item]}"
            "和第四十条的规定，本机关予以公开，提供方式如下：{how_provided}。",
            (Fact.HOW_PROVIDED,),
        )
    if disposition is Disposition.UNAVAILABLE_NOT_HELD:
        if facts.get(Fact.COMPETENT_AGENCY):
            item = Article36.NOT_OURS
            return DecisionBasis(
                item,
                (ARTICLE36_LABELS[item],),
                "经审查，您申请公开的政府信息不属于本机关负责公开。根据"
                f"{REGULATION}{ARTICLE36_LABELS[item]}的规定，负责公开该政府信息的行政机关为{{competent_agency}}"
                "{competent_agency_contact}，请您向该机关提出申请。",
                (Fact.COMPETENT_AGENCY, Fact.REASONS),
            )
        item = Article36.NOT_EXIST
        return DecisionBasis(
            item,
            (ARTICLE36_LABELS[item],),
            "本机关经检索（{search}），没有您所申请公开的政府信息。根据"
            f"{REGULATION}{ARTICLE36_LABELS[item]}的规定，现告知您该政府信息不存在。",
            (Fact.SEARCH,),
        )
    return DECISIONS[disposition]


def decision_text(disposition: Disposition, facts: dict[Fact, str]) -> tuple[DecisionBasis, str]:
    """The basis and the operative paragraph with the facts filled in. Refuses a missing required fact with the
    list of what is missing, so that no letter goes out with a blank where the law wants a statement."""
    basis = decision_basis(disposition, facts)
    missing = [fact for fact in basis.required if not (facts.get(fact) or "").strip()]
    if missing:
        names = "、".join(f"{fact.value}（{FACT_LABELS[fact]}）" for fact in missing)
        raise InvalidInput("letter_facts_missing", f"该答复书须写明：{names}。请在 facts 中填写后再生成。")
    values = {fact.value: (facts.get(fact) or "").strip() for fact in Fact}
    contact = values[Fact.COMPETENT_AGENCY_CONTACT.value]
    values[Fact.COMPETENT_AGENCY_CONTACT.value] = f"（联系方式：{contact}）" if contact else ""
    text = basis.decision.format(**values)
    stated = [
        f"{FACT_LABELS[f]}：{values[f.value]}。" for f in basis.required if "{" + f.value + "}" not in basis.decision
    ]
    return basis, text + "".join(stated)


# --- the remedy clause ------------------------------------------------------------------------------------------


class AgencyLevel(StrEnum):
    """Where the agency sits, which fixes its review body (行政复议法 2023 Art. 24–28)."""

    DEPARTMENT = "department"  # 县级以上地方人民政府工作部门 → 本级人民政府 (Art. 24 ¶1(1))
    LOCAL_GOVERNMENT = "local_government"  # 地方人民政府 → 上一级人民政府 (Art. 24 ¶1(2))
    PROVINCIAL_GOVERNMENT = "provincial_government"  # 省级人民政府 → 本机关 (Art. 24 ¶2)
    STATE_COUNCIL_DEPARTMENT = "state_council_department"  # 国务院部门 → 本部门 (Art. 25(1))
    VERTICAL = "vertical"  # 海关、金融、外汇、税务、国家安全等垂直领导 → 上一级主管部门 (Art. 27)


@dataclass(frozen=True)
class LevelRule:
    label: str
    review_body: str  # who the law names as the review body, in general terms
    article: str


LEVELS: dict[AgencyLevel, LevelRule] = {
    AgencyLevel.DEPARTMENT: LevelRule("县级以上地方人民政府工作部门", "本级人民政府", "第二十四条第一款第（一）项"),
    AgencyLevel.LOCAL_GOVERNMENT: LevelRule("地方人民政府", "上一级地方人民政府", "第二十四条第一款第（二）项"),
    AgencyLevel.PROVINCIAL_GOVERNMENT: LevelRule(
        "省、自治区、直辖市人民政府", "本机关（省级人民政府）", "第二十四条第二款"
    ),
    AgencyLevel.STATE_COUNCIL_DEPARTMENT: LevelRule("国务院部门", "本部门", "第二十五条第（一）项"),
    AgencyLevel.VERTICAL: LevelRule("实行垂直领导的行政机关", "上一级主管部门", "第二十七条"),
}

REVIEW_LAW = "《中华人民共和国行政复议法》"
LITIGATION_LAW = "《中华人民共和国行政诉讼法》"


@dataclass(frozen=True)
class Remedy:
    """The remedy clause of a letter and the facts it was computed from."""

    review_body: str
    review_first: bool
    text: str


REMEDY_LETTERS = frozenset({LetterKind.REPLY, LetterKind.FEE_NOTICE})
"""Letters that decide something the applicant may contest (see the module note)."""


def requires_review_first(disposition: Disposition | None, on: date) -> bool:
    """行政复议法 (2023) Art. 23 ¶1(4): since 2024-01-01 a refusal to disclose goes to review before any lawsuit."""
    if disposition is None or on < REVIEW_FIRST_SINCE:
        return False
    return disposition.group is DispositionGroup.WITHHELD or disposition is Disposition.PARTIALLY_DISCLOSED


def remedy_clause(
    kind: LetterKind,
    *,
    level: AgencyLevel,
    review_body: str,
    court: str | None,
    on: date,
    disposition: Disposition | None = None,
) -> Remedy | None:
    """The remedy clause of a ``kind`` letter dated ``on``, or None for a letter that carries none.

    行政复议 within 60 days (行政复议法 Art. 20) to ``review_body``, the body the agency configured for its
    ``level`` (Art. 24–28); 行政诉讼 within 6 months (行政诉讼法 Art. 46) — or, for a refusal dated since 2024-01-01,
    review first and a lawsuit only against the review decision (Art. 23 ¶1(4))."""
    if kind not in REMEDY_LETTERS:
        return None
    body = review_body.strip()
    if not body:
        raise InvalidInput("review_body_missing", "本机关尚未设置行政复议机关，无法生成救济告知，请管理员先设置。")
    rule = LEVELS[level]
    target = court.strip() if court and court.strip() else "有管辖权的人民法院"
    first = requires_review_first(disposition, on) if kind is LetterKind.REPLY else False
    # Before 2024-01-01 the 1999 text applied (Art. 9, 12–15, with other numbering): the clause then cites no article.
    cited = f"依照{REVIEW_LAW}第二十条、{rule.article}的规定" if on >= REVIEW_FIRST_SINCE else "依法"
    review = (
        f"如对本{'答复' if kind is LetterKind.REPLY else '通知'}不服，可以自收到之日起{REVIEW_DAYS}日内，"
        f"{cited}向{body}申请行政复议"
    )
    if first:
        text = (
            f"{review}。根据{REVIEW_LAW}第二十三条第一款第（四）项的规定，对行政机关不予公开政府信息不服的，"
            "应当先申请行政复议；对行政复议决定不服的，可以依法向人民法院提起行政诉讼。"
        )
    else:
        text = (
            f"{review}；也可以自收到之日起{LAWSUIT_MONTHS}个月内，依照{LITIGATION_LAW}第四十六条的规定"
            f"向{target}提起行政诉讼。"
        )
    return Remedy(body, first, text)


# --- letter numbers (文号) ---------------------------------------------------------------------------------------

KIND_CODES: dict[LetterKind, str] = {
    LetterKind.RECEIPT: "收",
    LetterKind.CORRECTION_NOTICE: "补",
    LetterKind.EXTENSION_NOTICE: "延",
    LetterKind.CONSULTATION_LETTER: "征",
    LetterKind.CONSULTATION_NOTICE: "征告",
    LetterKind.FEE_NOTICE: "费",
    LetterKind.REASONS_NOTICE: "理",
    LetterKind.REASONS_OUTCOME: "迟",
    LetterKind.REPLY: "复",
}
"""The default 代字 suffix of each kind: numbers run per kind, so each kind needs its own 代字
(「某自然资信公开复〔2026〕12号」) or two letters of one agency and year would share a number."""


def number_pattern(kind: LetterKind, patterns: dict[str, str]) -> str:
    """The agency's pattern for ``kind``, else the default with the kind's 代字."""
    return patterns.get(kind.value) or "{prefix}" + KIND_CODES[kind] + "〔{year}〕{seq}号"


def check_reasons_until(letter_date: date, until: date) -> None:
    """The day by which the applicant states reasons (条例 Art. 35, the 说明理由告知书): after the letter's date, and
    within the same one-year horizon as the later deadline Art. 35 allows (``lifecycle.REASONABLE_HORIZON_DAYS``, whose
    reading is written there)."""
    if not within_reasonable_period(letter_date, until):
        raise InvalidInput(
            "reasons_until_invalid",
            f"说明理由的期限应晚于告知书日期（{letter_date}），且不超过一年（条例第三十五条）。",
        )


def check_distinct_patterns(patterns: dict[LetterKind, str]) -> None:
    """Numbers run per kind and year, so two kinds with one pattern would issue the same 文号 twice."""
    seen: dict[str, LetterKind] = {}
    for kind, pattern in patterns.items():
        if pattern in seen:
            raise InvalidInput(
                "number_patterns_collide",
                f"「{LETTER_LABELS[seen[pattern]]}」与「{LETTER_LABELS[kind]}」的文号格式相同（{pattern}），"
                "会产生重复文号；请为每类文书设置不同的代字。",
            )
        seen[pattern] = kind


_FIELD = re.compile(r"\{(\w*)\}")
NUMBER_FIELDS = frozenset({"prefix", "year", "seq"})


def check_number_pattern(pattern: str) -> None:
    """A 文号 pattern must carry the year and the sequence (GB/T 9704: 机关代字〔年份〕序号号), and nothing else
    in braces."""
    fields = set(_FIELD.findall(pattern))
    unknown = fields - NUMBER_FIELDS
    if unknown or not {"year", "seq"} <= fields or pattern.count("{") != pattern.count("}"):
        raise InvalidInput(
            "number_pattern_invalid",
            f"文号格式「{pattern}」无效：须含 {{year}} 与 {{seq}}，可含 {{prefix}}，"
            "例如「某自然资信公开〔{year}〕{seq}号」。",
        )


def letter_number(pattern: str, prefix: str, year: int, seq: int) -> str:
    """The letter's 文号, e.g. 「某自然资信公开〔2026〕12号」 (GB/T 9704: the sequence without leading zeros)."""
    check_number_pattern(pattern)
    return pattern.format(prefix=prefix, year=year, seq=seq)
