"""The case file (案卷): what may be kept in it and how a letter is delivered (送达).

Sources: 条例 Art. 45 (登记、审核、办理、答复、归档); 国办公开办函〔2016〕235号 (delivery: direct with a signed
送达回证, by post through China Post/EMS only, or electronic with the applicant's consent; for the agency's
deadline the day it hands over or posts the letter counts, 交邮之日; for periods counted from the other party's
receipt, the receipt day).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from app.domain.calendar import WorkingCalendar
from app.domain.errors import InvalidInput, WrongState
from app.domain.events import CaseEvent, EventType
from app.domain.letters import LETTER_STEP, LetterKind


class AttachmentKind(StrEnum):
    APPLICATION_FORM = "application_form"  # the application as received
    IDENTITY_DOCUMENT = "identity_document"  # the applicant's ID copy (Art. 29 ¶2(1))
    CORRECTION = "correction"  # the applicant's correction (Art. 30)
    THIRD_PARTY_OPINION = "third_party_opinion"  # Art. 32, 34
    INFORMATION_PROVIDED = "information_provided"  # what was provided (Art. 40)
    DELIVERY_PROOF = "delivery_proof"  # signed 送达回证, EMS record, system log
    OTHER = "other"


ATTACHMENT_LABELS: dict[AttachmentKind, str] = {
    AttachmentKind.APPLICATION_FORM: "申请材料（原件扫描）",
    AttachmentKind.IDENTITY_DOCUMENT: "申请人身份证明",
    AttachmentKind.CORRECTION: "补正材料",
    AttachmentKind.THIRD_PARTY_OPINION: "第三方或有关机关意见",
    AttachmentKind.INFORMATION_PROVIDED: "提供的政府信息",
    AttachmentKind.DELIVERY_PROOF: "送达凭证",
    AttachmentKind.OTHER: "其他材料",
}

PERSONAL_KINDS = frozenset({AttachmentKind.APPLICATION_FORM, AttachmentKind.IDENTITY_DOCUMENT})
"""Kinds that always hold the applicant's personal data (name, ID number, address): readable only with
``case.read_personal`` (《个人信息保护法》 Art. 51). Any other attachment can be marked personal when uploaded."""


class ServiceMethod(StrEnum):
    """送达方式 (国办公开办函〔2016〕235号)."""

    DIRECT = "direct"  # 直接送达: signed 送达回证
    POST = "post"  # 邮寄送达: China Post or EMS only
    ELECTRONIC = "electronic"  # 电子送达: only with the applicant's consent


SERVICE_METHOD_LABELS: dict[ServiceMethod, str] = {
    ServiceMethod.DIRECT: "直接送达",
    ServiceMethod.POST: "邮寄送达",
    ServiceMethod.ELECTRONIC: "电子送达",
}


class Carrier(StrEnum):
    CHINA_POST = "china_post"
    EMS = "ems"


CARRIER_LABELS: dict[Carrier, str] = {Carrier.CHINA_POST: "中国邮政", Carrier.EMS: "EMS"}

DEFAULT_RECEIPT_OVERDUE_DAYS = 10
"""Working days after which a letter without a recorded receipt is listed (configurable per agency)."""


@dataclass(frozen=True)
class Delivery:
    method: ServiceMethod
    sent_on: date  # handed over (direct, electronic) or posted (交邮之日)
    received_on: date | None = None
    carrier: Carrier | None = None
    consent: bool = False
    tracking_number: str | None = None


def check_delivery(delivery: Delivery, letter_date: date, today: date) -> None:
    """The delivery rules of 国办公开办函〔2016〕235号 and plain chronology; refusals say what to fix."""
    if delivery.method is ServiceMethod.POST and delivery.carrier is None:
        raise InvalidInput("carrier_required", "邮寄送达须通过中国邮政或EMS，请选择承运方（china_post 或 ems）。")
    if delivery.method is not ServiceMethod.POST and delivery.carrier is not None:
        raise InvalidInput("carrier_not_post", "只有邮寄送达才有承运方。")
    if delivery.method is ServiceMethod.ELECTRONIC and not delivery.consent:
        raise InvalidInput("consent_required", "电子送达须经申请人同意，请先确认并勾选申请人同意电子送达。")
    if delivery.sent_on < letter_date:
        raise InvalidInput(
            "delivery_before_letter", f"送达（交付或交邮）日期不能早于文书日期 {letter_date.isoformat()}。"
        )
    if delivery.sent_on > today:
        raise InvalidInput("delivery_in_future", "送达（交付或交邮）日期不能晚于今天。")
    check_receipt(delivery.sent_on, delivery.received_on, today)


def check_receipt(sent_on: date, received_on: date | None, today: date) -> None:
    if received_on is None:
        return
    if received_on < sent_on:
        raise InvalidInput("receipt_before_delivery", "签收日期不能早于交付或交邮日期。")
    if received_on > today:
        raise InvalidInput("receipt_in_future", "签收日期不能晚于今天。")


def receipt_record_by(sent_on: date, calendar: WorkingCalendar, days: int = DEFAULT_RECEIPT_OVERDUE_DAYS) -> date:
    """The day by which a letter's receipt should be on record: the ``days``-th working day after it was handed
    over or posted (the sending day not counted, as every period here). No text sets it; a registered letter inside
    China comes back with its receipt well within 10 working days, and until the receipt is recorded a period that
    runs from it (109号 第七条, Art. 32) has no end. One rule for the list of unreceived letters and the overdue
    report (``delivery_not_recorded``)."""
    return calendar.add_working_days(sent_on, days)


def receipt_overdue(
    sent_on: date, as_of: date, calendar: WorkingCalendar, days: int = DEFAULT_RECEIPT_OVERDUE_DAYS
) -> date | None:
    """:func:`receipt_record_by` when ``as_of`` is past it (the letter is to be listed), else None."""
    record_by = receipt_record_by(sent_on, calendar, days)
    return record_by if as_of > record_by else None


RECEIPT_STARTS_PERIOD = frozenset({LetterKind.FEE_NOTICE, LetterKind.CONSULTATION_LETTER})
"""Letters whose *receipt* starts the other party's period, so that the clock needs the receipt day: the fee notice
(国办函〔2020〕109号 第七条: 20 working days to pay from the day after receipt) and the consultation letter (条例
Art. 32, 34: 15 working days to answer from receipt)."""

_LETTER_STEPS = frozenset({EventType.FEE_NOTICE_SENT, EventType.CONSULTATION_STARTED})


def recorded_receipts(events: Sequence[CaseEvent]) -> dict[int, date]:
    """The receipt day the timeline holds for each fee notice and consultation letter step, by the step's ``seq``:
    given with the step itself, or by a later delivery step naming it (``ref``) or, without a name, the only such
    step still without one (as ``app.domain.lifecycle`` admitted it)."""
    found: dict[int, date] = {}
    steps: list[int] = []
    for event in events:
        if event.seq is None:
            continue
        if event.type in _LETTER_STEPS:
            steps.append(event.seq)
            if event.delivered_on is not None:
                found[event.seq] = event.delivered_on
        elif event.type is EventType.DELIVERY_RECORDED and event.delivered_on is not None:
            open_ = [seq for seq in steps if seq not in found]
            target = event.ref if event.ref is not None else (open_[0] if len(open_) == 1 else None)
            if target is not None and target not in found:
                found[target] = event.delivered_on
    return found


def letter_step(kind: LetterKind, letter_date: date, step_seq: int | None, events: Sequence[CaseEvent]) -> int | None:
    """The ``seq`` of the step a letter reports: stored with it, or (a letter made before it was stored) the latest
    step of its kind on the letter's date."""
    if step_seq is not None:
        return step_seq
    step = LETTER_STEP.get(kind)
    same = [e.seq for e in events if e.type is step and e.on == letter_date and e.seq is not None]
    return same[-1] if same else None


def clock_receipt(step_seq: int, received_on: date, events: Sequence[CaseEvent]) -> bool:
    """Whether the receipt day of a fee notice or consultation letter is still to be recorded on the clock: False
    when the timeline holds the same day already; a different day is a conflict the clerk must resolve (the
    timeline is append-only, so the earlier record stands until corrected)."""
    recorded = recorded_receipts(events).get(step_seq)
    if recorded is None:
        return True
    if recorded != received_on:
        raise WrongState(
            "delivery_conflict",
            f"时间线第{step_seq}项已登记送达（签收）日期 {recorded.isoformat()}，与本次登记的签收日期 "
            f"{received_on.isoformat()} 不一致。期限按已登记的日期计算；如本次日期正确，请先核实并更正时间线。",
        )
    return False
