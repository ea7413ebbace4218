"""Codes and their official Chinese labels.

Every code the service stores or accepts is defined here, next to the label the State Council's forms print, so that
clients (``GET /api/v1/meta/codes``) and reports never hard-code a label. Sources: 《中华人民共和国政府信息公开条例》
(国务院令第711号), the annual report formats 国办公开办函〔2019〕60号 and 国办公开办函〔2021〕30号.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from app.domain.errors import InvalidInput


class ApplicantType(StrEnum):
    """The six applicant columns of the annual table, in the official order (format 〔2021〕30号 §四)."""

    NATURAL_PERSON = "natural_person"
    COMMERCIAL_ENTERPRISE = "commercial_enterprise"
    RESEARCH_INSTITUTION = "research_institution"
    SOCIAL_WELFARE_ORG = "social_welfare_org"
    LEGAL_SERVICE_ORG = "legal_service_org"
    OTHER_ORG = "other_org"


APPLICANT_TYPE_LABELS: dict[ApplicantType, str] = {
    ApplicantType.NATURAL_PERSON: "自然人",
    ApplicantType.COMMERCIAL_ENTERPRISE: "商业企业",
    ApplicantType.RESEARCH_INSTITUTION: "科研机构",
    ApplicantType.SOCIAL_WELFARE_ORG: "社会公益组织",
    ApplicantType.LEGAL_SERVICE_ORG: "法律服务机构",
    ApplicantType.OTHER_ORG: "其他",
}
LEGAL_PERSON_GROUP_LABEL = "法人或其他组织"


class Channel(StrEnum):
    """How an application arrived; each channel fixes the legal receipt date differently (Art. 31)."""

    IN_PERSON = "in_person"
    POST = "post"
    LETTER = "letter"
    ONLINE = "online"
    EMAIL = "email"
    FAX = "fax"


CHANNEL_LABELS: dict[Channel, str] = {
    Channel.IN_PERSON: "当面提交",
    Channel.POST: "邮寄",
    Channel.LETTER: "平常信函",
    Channel.ONLINE: "互联网",
    Channel.EMAIL: "电子邮件",
    Channel.FAX: "传真",
}


class RequestForm(StrEnum):
    """载体形式 asked for (条例 Art. 29 ¶2(3))."""

    PAPER = "paper"
    ELECTRONIC = "electronic"
    ANY = "any"


class DeliveryMethod(StrEnum):
    """获取方式 asked for (条例 Art. 29 ¶2(3))."""

    MAIL = "mail"
    EMAIL = "email"
    PICKUP = "pickup"
    ONLINE = "online"
    FAX = "fax"


REQUEST_FORM_LABELS: dict[RequestForm, str] = {
    RequestForm.PAPER: "纸质",
    RequestForm.ELECTRONIC: "电子",
    RequestForm.ANY: "不限",
}

DELIVERY_METHOD_LABELS: dict[DeliveryMethod, str] = {
    DeliveryMethod.MAIL: "邮寄",
    DeliveryMethod.EMAIL: "电子邮件",
    DeliveryMethod.PICKUP: "自行领取",
    DeliveryMethod.ONLINE: "网上获取",
    DeliveryMethod.FAX: "传真",
}


class Disposition(StrEnum):
    """How an application was concluded: the leaf rows of 三、本年度办理结果.

    Each application counts once, in one row."""

    DISCLOSED = "disclosed"
    PARTIALLY_DISCLOSED = "partially_disclosed"
    WITHHELD_STATE_SECRET = "withheld.state_secret"
    WITHHELD_PROHIBITED_BY_LAW = "withheld.prohibited_by_law"
    WITHHELD_SECURITY_STABILITY = "withheld.security_stability"
    WITHHELD_THIRD_PARTY_RIGHTS = "withheld.third_party_rights"
    WITHHELD_INTERNAL_AFFAIRS = "withheld.internal_affairs"
    WITHHELD_PROCESS_INFORMATION = "withheld.process_information"
    WITHHELD_ENFORCEMENT_FILE = "withheld.enforcement_file"
    WITHHELD_ADMINISTRATIVE_QUERY = "withheld.administrative_query"
    UNAVAILABLE_NOT_HELD = "unavailable.not_held"
    UNAVAILABLE_NEEDS_CREATION = "unavailable.needs_creation"
    UNAVAILABLE_UNCLEAR_AFTER_CORRECTION = "unavailable.unclear_after_correction"
    NOT_PROCESSED_COMPLAINT = "not_processed.complaint"
    NOT_PROCESSED_DUPLICATE = "not_processed.duplicate"
    NOT_PROCESSED_PUBLICATION = "not_processed.publication"
    NOT_PROCESSED_EXCESSIVE = "not_processed.excessive"
    NOT_PROCESSED_CONFIRM_OR_REISSUE = "not_processed.confirm_or_reissue"
    OTHER_CORRECTION_LAPSED = "other.correction_lapsed"
    OTHER_FEE_UNPAID = "other.fee_unpaid"
    OTHER_OTHER = "other.other"

    @property
    def group(self) -> DispositionGroup:
        return DispositionGroup(self.value.split(".", 1)[0])


class DispositionGroup(StrEnum):
    DISCLOSED = "disclosed"
    PARTIALLY_DISCLOSED = "partially_disclosed"
    WITHHELD = "withheld"
    UNAVAILABLE = "unavailable"
    NOT_PROCESSED = "not_processed"
    OTHER = "other"


DISPOSITION_GROUP_LABELS: dict[DispositionGroup, str] = {
    DispositionGroup.DISCLOSED: "（一）予以公开",
    DispositionGroup.PARTIALLY_DISCLOSED: "（二）部分公开（区分处理的，只计这一情形，不计其他情形）",
    DispositionGroup.WITHHELD: "（三）不予公开",
    DispositionGroup.UNAVAILABLE: "（四）无法提供",
    DispositionGroup.NOT_PROCESSED: "（五）不予处理",
    DispositionGroup.OTHER: "（六）其他处理",
}


@dataclass(frozen=True)
class DispositionInfo:
    """The printed row label (empty for the two groups that are rows themselves) and the legal basis."""

    row_label: str
    basis: str


DISPOSITIONS: dict[Disposition, DispositionInfo] = {
    Disposition.DISCLOSED: DispositionInfo("", "第三十六条第（一）（二）项"),
    Disposition.PARTIALLY_DISCLOSED: DispositionInfo("", "第三十七条"),
    Disposition.WITHHELD_STATE_SECRET: DispositionInfo("1.属于国家秘密", "第十四条"),
    Disposition.WITHHELD_PROHIBITED_BY_LAW: DispositionInfo("2.其他法律行政法规禁止公开", "第十四条"),
    Disposition.WITHHELD_SECURITY_STABILITY: DispositionInfo("3.危及“三安全一稳定”", "第十四条"),
    Disposition.WITHHELD_THIRD_PARTY_RIGHTS: DispositionInfo("4.保护第三方合法权益", "第十五条"),
    Disposition.WITHHELD_INTERNAL_AFFAIRS: DispositionInfo("5.属于三类内部事务信息", "第十六条第一款"),
    Disposition.WITHHELD_PROCESS_INFORMATION: DispositionInfo("6.属于四类过程性信息", "第十六条第二款"),
    Disposition.WITHHELD_ENFORCEMENT_FILE: DispositionInfo("7.属于行政执法案卷", "第十六条第二款"),
    Disposition.WITHHELD_ADMINISTRATIVE_QUERY: DispositionInfo("8.属于行政查询事项", "第三十六条第（七）项"),
    Disposition.UNAVAILABLE_NOT_HELD: DispositionInfo("1.本机关不掌握相关政府信息", "第三十六条第（四）（五）项"),
    Disposition.UNAVAILABLE_NEEDS_CREATION: DispositionInfo("2.没有现成信息需要另行制作", "第三十八条"),
    Disposition.UNAVAILABLE_UNCLEAR_AFTER_CORRECTION: DispositionInfo("3.补正后申请内容仍不明确", "第三十条"),
    Disposition.NOT_PROCESSED_COMPLAINT: DispositionInfo("1.信访举报投诉类申请", "第三十九条第一款"),
    Disposition.NOT_PROCESSED_DUPLICATE: DispositionInfo("2.重复申请", "第三十六条第（六）项"),
    Disposition.NOT_PROCESSED_PUBLICATION: DispositionInfo("3.要求提供公开出版物", "第三十九条第二款"),
    Disposition.NOT_PROCESSED_EXCESSIVE: DispositionInfo("4.无正当理由大量反复申请", "第三十五条"),
    Disposition.NOT_PROCESSED_CONFIRM_OR_REISSUE: DispositionInfo("5.要求行政机关确认或重新出具已获取信息", "实践"),
    Disposition.OTHER_CORRECTION_LAPSED: DispositionInfo(
        "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请", "第三十条"
    ),
    Disposition.OTHER_FEE_UNPAID: DispositionInfo(
        "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请", "国办函〔2020〕109号"
    ),
    Disposition.OTHER_OTHER: DispositionInfo("3.其他", ""),
}


def disposition_label(code: Disposition) -> str:
    """The full label a clerk reads, e.g. 「（三）不予公开 4.保护第三方合法权益」."""
    row = DISPOSITIONS[code].row_label
    group = DISPOSITION_GROUP_LABELS[code.group]
    return f"{group} {row}" if row else group


DISPOSITION_SHORT_LABELS: dict[Disposition, str] = {
    Disposition.DISCLOSED: "予以公开",
    Disposition.PARTIALLY_DISCLOSED: "部分公开",
    Disposition.WITHHELD_STATE_SECRET: "不予公开·国家秘密",
    Disposition.WITHHELD_PROHIBITED_BY_LAW: "不予公开·法律法规禁止",
    Disposition.WITHHELD_SECURITY_STABILITY: "不予公开·三安全一稳定",
    Disposition.WITHHELD_THIRD_PARTY_RIGHTS: "不予公开·第三方权益",
    Disposition.WITHHELD_INTERNAL_AFFAIRS: "不予公开·内部事务",
    Disposition.WITHHELD_PROCESS_INFORMATION: "不予公开·过程性信息",
    Disposition.WITHHELD_ENFORCEMENT_FILE: "不予公开·执法案卷",
    Disposition.WITHHELD_ADMINISTRATIVE_QUERY: "不予公开·行政查询",
    Disposition.UNAVAILABLE_NOT_HELD: "无法提供·本机关不掌握",
    Disposition.UNAVAILABLE_NEEDS_CREATION: "无法提供·需另行制作",
    Disposition.UNAVAILABLE_UNCLEAR_AFTER_CORRECTION: "无法提供·补正后仍不明确",
    Disposition.NOT_PROCESSED_COMPLAINT: "不予处理·信访举报投诉",
    Disposition.NOT_PROCESSED_DUPLICATE: "不予处理·重复申请",
    Disposition.NOT_PROCESSED_PUBLICATION: "不予处理·公开出版物",
    Disposition.NOT_PROCESSED_EXCESSIVE: "不予处理·大量反复申请",
    Disposition.NOT_PROCESSED_CONFIRM_OR_REISSUE: "不予处理·确认或重新出具",
    Disposition.OTHER_CORRECTION_LAPSED: "其他处理·逾期不补正",
    Disposition.OTHER_FEE_UNPAID: "其他处理·逾期未缴费",
    Disposition.OTHER_OTHER: "其他处理",
}
"""Short forms for tags in lists and headings; the full official label (``disposition_label``) goes in the title."""


class ReviewKind(StrEnum):
    """Remedies the applicant took afterwards (table 「政府信息公开行政复议、行政诉讼情况」)."""

    REVIEW = "review"
    LAWSUIT = "lawsuit"
    LAWSUIT_AFTER_REVIEW = "lawsuit_after_review"


REVIEW_KIND_LABELS: dict[ReviewKind, str] = {
    ReviewKind.REVIEW: "行政复议",
    ReviewKind.LAWSUIT: "行政诉讼（未经复议直接起诉）",
    ReviewKind.LAWSUIT_AFTER_REVIEW: "行政诉讼（复议后起诉）",
}


class ReviewOutcome(StrEnum):
    UPHELD = "upheld"
    CORRECTED = "corrected"
    OTHER = "other"
    PENDING = "pending"


REVIEW_OUTCOME_LABELS: dict[ReviewOutcome, str] = {
    ReviewOutcome.UPHELD: "结果维持",
    ReviewOutcome.CORRECTED: "结果纠正",
    ReviewOutcome.OTHER: "其他结果",
    ReviewOutcome.PENDING: "尚未审结",
}


class ConsultationParty(StrEnum):
    """Whom a consultation letter (征求意见书) goes to (Art. 32–34)."""

    THIRD_PARTY = "third_party"
    CO_PRODUCER = "co_producer"


CONSULTATION_PARTY_LABELS: dict[ConsultationParty, str] = {
    ConsultationParty.THIRD_PARTY: "第三方",
    ConsultationParty.CO_PRODUCER: "共同制作机关",
}


def parse_disposition(code: str) -> Disposition:
    """A disposition code as a clerk or an outside system sends it. A bare group such as ``withheld`` is refused:
    the annual table counts each application in exactly one leaf row, so the reason is part of the code."""
    try:
        return Disposition(code)
    except ValueError:
        pass
    groups_with_rows = {d.group.value for d in Disposition if DISPOSITIONS[d].row_label}
    if code in groups_with_rows:
        group = DispositionGroup(code)
        choices = "、".join(d.value for d in Disposition if d.group is group)
        raise InvalidInput(
            "disposition_reason_required",
            f"「{DISPOSITION_GROUP_LABELS[group]}」须注明具体情形，请选择其一：{choices}。",
        )
    raise InvalidInput("disposition_unknown", f"办理结果代码「{code}」不存在，请从 /api/v1/meta/codes 中选择。")
