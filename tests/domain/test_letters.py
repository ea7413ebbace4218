"""What each letter must say in law: the article and Art. 36 reply type per disposition, the remedy clause, 文号."""

from __future__ import annotations

from datetime import date

import pytest

from app.domain.casefile import Carrier, Delivery, ServiceMethod, check_delivery, receipt_overdue
from app.domain.codes import Disposition as D
from app.domain.errors import InvalidInput
from app.domain.letters import (
    REMEDY_LETTERS,
    AgencyLevel,
    Article36,
    Fact,
    LetterKind,
    check_number_pattern,
    check_reasons_until,
    decision_text,
    letter_number,
    remedy_clause,
    requires_review_first,
)

ALL_FACTS = {fact: f"〈{fact.value}〉" for fact in Fact}

# disposition, facts given (None = all), Art. 36 item, articles cited (in order), refusal (行政复议法 Art. 23 ¶1(4))
CASES = [
    (D.DISCLOSED, {Fact.PUBLISHED_AT: "http://x.gov.cn/1"}, Article36.PUBLISHED, ("第三十六条第（一）项",), False),
    (D.DISCLOSED, {Fact.HOW_PROVIDED: "电子邮件"}, Article36.PROVIDED, ("第三十六条第（二）项", "第四十条"), False),
    (D.PARTIALLY_DISCLOSED, None, Article36.REFUSED, ("第三十七条", "第三十六条第（三）项"), True),
    (D.WITHHELD_STATE_SECRET, None, Article36.REFUSED, ("第十四条", "第三十六条第（三）项"), True),
    (D.WITHHELD_PROHIBITED_BY_LAW, None, Article36.REFUSED, ("第十四条", "第三十六条第（三）项"), True),
    (D.WITHHELD_SECURITY_STABILITY, None, Article36.REFUSED, ("第十四条", "第三十六条第（三）项"), True),
    (D.WITHHELD_THIRD_PARTY_RIGHTS, None, Article36.REFUSED, ("第十五条", "第三十六条第（三）项"), True),
    (D.WITHHELD_INTERNAL_AFFAIRS, None, Article36.REFUSED, ("第十六条第一款", "第三十六条第（三）项"), True),
    (D.WITHHELD_PROCESS_INFORMATION, None, Article36.REFUSED, ("第十六条第二款", "第三十六条第（三）项"), True),
    (D.WITHHELD_ENFORCEMENT_FILE, None, Article36.REFUSED, ("第十六条第二款", "第三十六条第（三）项"), True),
    (D.WITHHELD_ADMINISTRATIVE_QUERY, None, Article36.SPECIAL_LAW, ("第三十六条第（七）项",), True),
    (D.UNAVAILABLE_NOT_HELD, {Fact.SEARCH: "档案室"}, Article36.NOT_EXIST, ("第三十六条第（四）项",), False),
    (
        D.UNAVAILABLE_NOT_HELD,
        {Fact.COMPETENT_AGENCY: "某市住建局", Fact.REASONS: "职责", Fact.COMPETENT_AGENCY_CONTACT: "0000-1"},
        Article36.NOT_OURS,
        ("第三十六条第（五）项",),
        False,
    ),
    (D.UNAVAILABLE_NEEDS_CREATION, None, None, ("第三十八条",), False),
    (D.UNAVAILABLE_UNCLEAR_AFTER_CORRECTION, None, None, ("第三十条",), False),
    (D.NOT_PROCESSED_COMPLAINT, None, None, ("第三十九条第一款",), False),
    (D.NOT_PROCESSED_DUPLICATE, None, Article36.DUPLICATE, ("第三十六条第（六）项",), False),
    (D.NOT_PROCESSED_PUBLICATION, None, None, ("第三十九条第二款",), False),
    (D.NOT_PROCESSED_EXCESSIVE, None, None, ("第三十五条",), False),
    (D.NOT_PROCESSED_CONFIRM_OR_REISSUE, None, None, ("第二条",), False),
    (D.OTHER_CORRECTION_LAPSED, None, None, ("第三十条",), False),
    (D.OTHER_FEE_UNPAID, None, None, ("第七条",), False),
    (D.OTHER_OTHER, None, None, (), False),
]


def test_every_disposition_has_a_row() -> None:
    assert {row[0] for row in CASES} == set(D)


@pytest.mark.parametrize(("disposition", "facts", "item", "articles", "refusal"), CASES)
def test_decision_cites_the_article_and_reply_type(disposition, facts, item, articles, refusal) -> None:
    given = ALL_FACTS if facts is None else facts
    basis, text = decision_text(disposition, given)
    assert basis.reply_type is item
    assert basis.articles == articles
    assert basis.refusal is refusal
    for article in articles:
        assert article in text
    for fact in basis.required:  # every fact the law wants stated is in the letter
        assert given[fact] in text
    assert "{" not in text


def test_a_missing_fact_is_refused_by_name() -> None:
    with pytest.raises(InvalidInput) as error:
        decision_text(D.NOT_PROCESSED_DUPLICATE, {})
    assert error.value.code == "letter_facts_missing"
    assert "earlier_reply_number" in error.value.detail
    _, text = decision_text(D.NOT_PROCESSED_DUPLICATE, {Fact.EARLIER_REPLY_NUMBER: "某公复〔2025〕3号"})
    assert "某公复〔2025〕3号" in text


# level, the article of 行政复议法 2023 fixing the body
LEVELS = [
    (AgencyLevel.DEPARTMENT, "第二十四条第一款第（一）项"),
    (AgencyLevel.LOCAL_GOVERNMENT, "第二十四条第一款第（二）项"),
    (AgencyLevel.PROVINCIAL_GOVERNMENT, "第二十四条第二款"),
    (AgencyLevel.STATE_COUNCIL_DEPARTMENT, "第二十五条第（一）项"),
    (AgencyLevel.VERTICAL, "第二十七条"),
]


@pytest.mark.parametrize(("level", "article"), LEVELS)
def test_remedy_names_the_configured_body_and_the_level_article(level, article) -> None:
    remedy = remedy_clause(
        LetterKind.REPLY,
        level=level,
        review_body="某市人民政府",
        court=None,
        on=date(2026, 3, 20),
        disposition=D.DISCLOSED,
    )
    assert remedy is not None
    assert "向某市人民政府申请行政复议" in remedy.text
    assert article in remedy.text
    assert "60日内" in remedy.text
    assert "6个月内" in remedy.text
    assert "第四十六条" in remedy.text
    assert "有管辖权的人民法院" in remedy.text


# disposition, reply date, review first?
REVIEW_FIRST = [
    (D.WITHHELD_THIRD_PARTY_RIGHTS, date(2024, 1, 1), True),
    (D.WITHHELD_THIRD_PARTY_RIGHTS, date(2023, 12, 31), False),
    (D.PARTIALLY_DISCLOSED, date(2026, 3, 20), True),
    (D.WITHHELD_ADMINISTRATIVE_QUERY, date(2026, 3, 20), True),
    (D.DISCLOSED, date(2026, 3, 20), False),
    (D.UNAVAILABLE_NOT_HELD, date(2026, 3, 20), False),
    (D.NOT_PROCESSED_DUPLICATE, date(2026, 3, 20), False),
    (D.OTHER_FEE_UNPAID, date(2026, 3, 20), False),
]


@pytest.mark.parametrize(("disposition", "on", "first"), REVIEW_FIRST)
def test_refusals_since_2024_go_to_review_first(disposition, on, first) -> None:
    assert requires_review_first(disposition, on) is first
    remedy = remedy_clause(
        LetterKind.REPLY,
        level=AgencyLevel.DEPARTMENT,
        review_body="某区人民政府",
        court="某区人民法院",
        on=on,
        disposition=disposition,
    )
    assert remedy is not None
    assert remedy.review_first is first
    assert ("第二十三条第一款第（四）项" in remedy.text) is first
    assert ("应当先申请行政复议" in remedy.text) is first
    assert ("也可以自收到之日起6个月内" in remedy.text) is not first
    if not first:
        assert "向某区人民法院提起行政诉讼" in remedy.text


def test_before_2024_the_clause_cites_no_2023_article() -> None:
    remedy = remedy_clause(
        LetterKind.REPLY, level=AgencyLevel.DEPARTMENT, review_body="某市人民政府", court=None, on=date(2023, 6, 1)
    )
    assert remedy is not None
    assert "第二十条" not in remedy.text
    assert "依法向某市人民政府申请行政复议" in remedy.text


@pytest.mark.parametrize("kind", list(LetterKind))
def test_procedural_notices_carry_no_remedy(kind) -> None:
    remedy = remedy_clause(
        kind,
        level=AgencyLevel.DEPARTMENT,
        review_body="某市人民政府",
        court=None,
        on=date(2026, 3, 20),
        disposition=None,
    )
    assert (remedy is not None) is (kind in REMEDY_LETTERS)
    assert LetterKind.CORRECTION_NOTICE not in REMEDY_LETTERS
    assert LetterKind.EXTENSION_NOTICE not in REMEDY_LETTERS


def test_a_remedy_needs_a_review_body() -> None:
    with pytest.raises(InvalidInput) as error:
        remedy_clause(LetterKind.REPLY, level=AgencyLevel.DEPARTMENT, review_body=" ", court=None, on=date(2026, 1, 5))
    assert error.value.code == "review_body_missing"


@pytest.mark.parametrize(
    ("pattern", "number"),
    [
        ("{prefix}〔{year}〕{seq}号", "某自然资信公开〔2026〕12号"),
        ("某公复〔{year}〕第{seq}号", "某公复〔2026〕第12号"),
    ],
)
def test_letter_numbers(pattern, number) -> None:
    assert letter_number(pattern, "某自然资信公开", 2026, 12) == number


@pytest.mark.parametrize("pattern", ["{prefix}{seq}号", "{prefix}〔{year}〕号", "{x}〔{year}〕{seq}", "{year}{seq}{"])
def test_bad_number_patterns_are_refused(pattern) -> None:
    with pytest.raises(InvalidInput):
        check_number_pattern(pattern)


# method, carrier, consent, sent, received, error code
DELIVERIES = [
    (ServiceMethod.POST, Carrier.EMS, False, date(2026, 3, 20), date(2026, 3, 23), None),
    (ServiceMethod.POST, None, False, date(2026, 3, 20), None, "carrier_required"),
    (ServiceMethod.DIRECT, Carrier.EMS, False, date(2026, 3, 20), None, "carrier_not_post"),
    (ServiceMethod.ELECTRONIC, None, False, date(2026, 3, 20), None, "consent_required"),
    (ServiceMethod.ELECTRONIC, None, True, date(2026, 3, 20), date(2026, 3, 20), None),
    (ServiceMethod.DIRECT, None, False, date(2026, 3, 19), None, "delivery_before_letter"),
    (ServiceMethod.DIRECT, None, False, date(2026, 3, 20), date(2026, 3, 19), "receipt_before_delivery"),
    (ServiceMethod.DIRECT, None, False, date(2026, 3, 20), date(2026, 3, 31), "receipt_in_future"),
]


@pytest.mark.parametrize(("method", "carrier", "consent", "sent", "received", "code"), DELIVERIES)
def test_delivery_rules(method, carrier, consent, sent, received, code) -> None:
    delivery = Delivery(method, sent, received, carrier, consent)
    if code is None:
        check_delivery(delivery, date(2026, 3, 20), date(2026, 3, 30))
    else:
        with pytest.raises(InvalidInput) as error:
            check_delivery(delivery, date(2026, 3, 20), date(2026, 3, 30))
        assert error.value.code == code


def test_receipt_overdue_counts_working_days(cal) -> None:
    sent = date(2026, 3, 20)  # a Friday
    assert receipt_overdue(sent, date(2026, 4, 3), cal) is None  # its 10th working day: not yet listed
    assert receipt_overdue(sent, date(2026, 4, 7), cal) == date(2026, 4, 3)  # listed, due by Fri 3 Apr
    assert receipt_overdue(sent, date(2026, 4, 7), cal, days=11) is None  # 4-6 Apr Qingming: Tue 7 Apr is the 11th


@pytest.mark.parametrize(
    ("letter", "until", "accepted"),
    [
        ("2026-03-05", "2026-03-19", True),  # two weeks to state reasons
        ("2026-03-05", "2027-03-05", True),  # 365 days: within the one-year horizon
        ("2026-03-05", "2027-03-06", True),  # 366 days: the horizon itself
        ("2026-03-05", "2027-03-07", False),  # beyond it
        ("2026-03-05", "2026-03-05", False),  # not after the letter's date
        ("2026-03-05", "0001-01-01", False),
    ],
)
def test_the_reasons_period_follows_the_letter_within_a_year(letter: str, until: str, accepted: bool) -> None:
    if accepted:
        check_reasons_until(date.fromisoformat(letter), date.fromisoformat(until))
    else:
        with pytest.raises(InvalidInput) as refused:
            check_reasons_until(date.fromisoformat(letter), date.fromisoformat(until))
        assert refused.value.code == "reasons_until_invalid"
