"""The legal receipt date (条例 Art. 31): the day the reply clock starts from, fixed by how the application arrived.

The tracker keeps the facts that fix the date beside the date itself, so that the date can be checked and re-derived.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from app.domain.codes import CHANNEL_LABELS, Channel
from app.domain.errors import InvalidInput


@dataclass(frozen=True)
class ReceiptFacts:
    submitted_on: date | None = None  # Art. 31(1) in person: the day of submission
    signed_on: date | None = None  # Art. 31(2) post: the day the agency signs for it
    confirmed_on: date | None = None  # Art. 31(2) ordinary letter, 31(3) online, email, fax: the day both confirm


RECEIPT_FACT_LABELS: dict[str, str] = {
    "submitted_on": "提交日期",
    "signed_on": "签收日期",
    "confirmed_on": "确认收到日期",
}

_DECIDING_FACT: dict[Channel, str] = {
    Channel.IN_PERSON: "submitted_on",
    Channel.POST: "signed_on",
    Channel.LETTER: "confirmed_on",  # 平常信函: no signature, so the day the agency confirms receipt with the applicant
    Channel.ONLINE: "confirmed_on",
    Channel.EMAIL: "confirmed_on",
    Channel.FAX: "confirmed_on",
}


def deciding_fact(channel: Channel) -> str:
    """The ReceiptFacts field that fixes the legal receipt date for applications arriving by `channel` (Art. 31)."""
    return _DECIDING_FACT[channel]


def legal_receipt_date(channel: Channel, facts: ReceiptFacts) -> date:
    """The legal receipt date of Art. 31; the other facts may be recorded too but do not move it."""
    field = deciding_fact(channel)
    value: date | None = getattr(facts, field)
    if value is None:
        raise InvalidInput(
            "receipt_fact_missing",
            f"以{CHANNEL_LABELS[channel]}方式提交的申请须填写{RECEIPT_FACT_LABELS[field]}（条例第三十一条）。",
        )
    return value


FIRST_RECEIPT = date(2008, 5, 1)  # the 2007 条例 (国务院令第492号) in force: no application under it before


def check_receipt(channel: Channel, facts: ReceiptFacts, today: date) -> date:
    """The legal receipt date of Art. 31, after checking that the facts can be true: none lies in the future (the
    same check every later step has), the date is not before 2008-05-01 (no 条例 to apply for under before), and
    the channel's facts are in their order (a signature for a letter or a confirmation of an online form cannot
    precede its submission, when both are given)."""
    received = legal_receipt_date(channel, facts)
    for field in RECEIPT_FACT_LABELS:
        value: date | None = getattr(facts, field)
        if value is not None and value > today:
            raise InvalidInput(
                "receipt_in_future",
                f"{RECEIPT_FACT_LABELS[field]}{value}晚于今天（{today}），不能登记尚未收到的申请（条例第三十一条）。",
            )
    if received < FIRST_RECEIPT:
        raise InvalidInput(
            "receipt_before_regulation",
            f"收到日期{received}早于《政府信息公开条例》施行之日（{FIRST_RECEIPT}），请核对日期。",
        )
    if facts.submitted_on is not None:
        for field in ("signed_on", "confirmed_on"):
            later: date | None = getattr(facts, field)
            if later is not None and later < facts.submitted_on:
                raise InvalidInput(
                    "receipt_facts_incoherent",
                    f"{RECEIPT_FACT_LABELS[field]}{later}早于提交日期{facts.submitted_on}，请核对（条例第三十一条）。",
                )
    return received
