from __future__ import annotations

from datetime import date

import pytest

from app.domain.codes import Channel
from app.domain.errors import InvalidInput
from app.domain.receipt import RECEIPT_FACT_LABELS, ReceiptFacts, check_receipt, deciding_fact, legal_receipt_date

ALL_FACTS = ReceiptFacts(submitted_on=date(2025, 3, 3), signed_on=date(2025, 3, 4), confirmed_on=date(2025, 3, 5))

# Art. 31: the channel decides which fact fixes the date.
CASES = [
    (Channel.IN_PERSON, "submitted_on", date(2025, 3, 3)),
    (Channel.POST, "signed_on", date(2025, 3, 4)),
    (Channel.LETTER, "confirmed_on", date(2025, 3, 5)),
    (Channel.ONLINE, "confirmed_on", date(2025, 3, 5)),
    (Channel.EMAIL, "confirmed_on", date(2025, 3, 5)),
    (Channel.FAX, "confirmed_on", date(2025, 3, 5)),
]


def test_every_channel_is_covered() -> None:
    assert {channel for channel, _, _ in CASES} == set(Channel)
    assert set(RECEIPT_FACT_LABELS) == {fact for _, fact, _ in CASES}


@pytest.mark.parametrize(("channel", "fact", "expected"), CASES)
def test_the_deciding_fact_fixes_the_date(channel: Channel, fact: str, expected: date) -> None:
    assert deciding_fact(channel) == fact
    assert legal_receipt_date(channel, ALL_FACTS) == expected


@pytest.mark.parametrize(("channel", "fact", "expected"), CASES)
def test_only_the_deciding_fact_is_needed(channel: Channel, fact: str, expected: date) -> None:
    assert legal_receipt_date(channel, ReceiptFacts(**{fact: expected})) == expected


@pytest.mark.parametrize(("channel", "fact", "expected"), CASES)
def test_a_missing_deciding_fact_is_rejected(channel: Channel, fact: str, expected: date) -> None:
    others = {name: expected for name in RECEIPT_FACT_LABELS if name != fact}
    with pytest.raises(InvalidInput) as caught:
        legal_receipt_date(channel, ReceiptFacts(**others))
    assert caught.value.code == "receipt_fact_missing"
    assert RECEIPT_FACT_LABELS[fact] in caught.value.detail


# Art. 31 plausibility: check_receipt ---------------------------------------------------------------------------------

TODAY = date(2026, 11, 27)


@pytest.mark.parametrize(
    ("channel", "facts", "expected"),
    [
        (Channel.ONLINE, ReceiptFacts(submitted_on=date(2026, 11, 27), confirmed_on=date(2026, 11, 27)), "2026-11-27"),
        (Channel.ONLINE, ReceiptFacts(submitted_on=date(2026, 9, 30), confirmed_on=date(2026, 10, 9)), "2026-10-09"),
        (Channel.POST, ReceiptFacts(signed_on=date(2008, 5, 1)), "2008-05-01"),  # the 2007 条例's first day
        (Channel.IN_PERSON, ReceiptFacts(submitted_on=date(2019, 5, 14)), "2019-05-14"),
    ],
)
def test_plausible_receipts(channel: Channel, facts: ReceiptFacts, expected: str) -> None:
    assert check_receipt(channel, facts, TODAY) == date.fromisoformat(expected)


@pytest.mark.parametrize(
    ("channel", "facts", "code"),
    [
        (Channel.IN_PERSON, ReceiptFacts(submitted_on=date(2026, 11, 28)), "receipt_in_future"),
        # a later fact in the future is as impossible as the deciding one
        (
            Channel.ONLINE,
            ReceiptFacts(submitted_on=date(2026, 11, 28), confirmed_on=date(2026, 11, 27)),
            "receipt_in_future",
        ),
        (Channel.POST, ReceiptFacts(signed_on=date(2008, 4, 30)), "receipt_before_regulation"),
        # an online confirmation cannot precede the submission it confirms
        (
            Channel.ONLINE,
            ReceiptFacts(submitted_on=date(2026, 3, 3), confirmed_on=date(2026, 3, 2)),
            "receipt_facts_incoherent",
        ),
        (
            Channel.POST,
            ReceiptFacts(submitted_on=date(2026, 3, 3), signed_on=date(2026, 3, 2)),
            "receipt_facts_incoherent",
        ),
    ],
)
def test_implausible_receipts(channel: Channel, facts: ReceiptFacts, code: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        check_receipt(channel, facts, TODAY)
    assert caught.value.code == code
    assert "日期" in caught.value.detail
