import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.domain.privacy import MIN_HIDDEN, PersonalField, mask, mask_name


@pytest.mark.parametrize(
    ("value", "field", "masked"),
    [
        ("110101199001011234", PersonalField.ID_NUMBER, "1101**********1234"),
        ("91110000MA01ABCD2X", PersonalField.ID_NUMBER, "9111**********CD2X"),
        ("123456789", PersonalField.ID_NUMBER, "123****89"),  # a passport: never all but one character shown
        ("E12345678", PersonalField.ID_NUMBER, "E12****78"),
        ("1234567890123", PersonalField.ID_NUMBER, "1234*****0123"),
        ("12345678", PersonalField.ID_NUMBER, "********"),
        ("13800001234", PersonalField.PHONE, "138****1234"),
        ("010-12345678", PersonalField.PHONE, "010*****5678"),
        ("62345678", PersonalField.PHONE, "62****78"),  # a landline without its area code
        ("1234567", PersonalField.PHONE, "*******"),
        ("", PersonalField.PHONE, ""),
        (None, PersonalField.PHONE, None),
    ],
)
def test_mask_keeps_only_the_head_and_tail(value, field, masked):
    assert mask(value, field) == masked


@given(st.text(alphabet="0123456789X-", max_size=30), st.sampled_from([PersonalField.ID_NUMBER, PersonalField.PHONE]))
def test_a_masked_number_hides_at_least_four_characters_and_a_third_and_shows_only_its_ends(value, field):
    masked = mask(value, field)
    assert masked is not None
    assert len(masked) == len(value)
    hidden = masked.count("*")
    assert hidden >= min(len(value), max(MIN_HIDDEN, -(-len(value) // 3)))
    assert all(shown == value[i] for i, shown in enumerate(masked) if shown != "*")
    stars = [i for i, shown in enumerate(masked) if shown == "*"]
    assert stars == list(range(stars[0], stars[-1] + 1)) if stars else value == ""  # one run: only the ends show


@pytest.mark.parametrize(
    ("value", "field", "masked"),
    [
        ("张三", PersonalField.NAME, "张*"),
        ("欧阳娜娜", PersonalField.NAME, "欧***"),
        ("张", PersonalField.NAME, "张*"),  # never the whole name
        ("ouyang@example.com", PersonalField.EMAIL, "o***@example.com"),
        ("not-an-address", PersonalField.EMAIL, "n*************"),
        ("北京市海淀区中关村大街27号", PersonalField.ADDRESS, "北京市海淀区****"),
        ("某地", PersonalField.ADDRESS, "某****"),  # at most half, and the length not shown
        (None, PersonalField.NAME, None),
    ],
)
def test_names_emails_and_addresses_keep_only_what_identifies_no_one(value, field, masked):
    assert mask(value, field) == masked


@given(st.text(min_size=1, max_size=40), st.sampled_from([PersonalField.NAME, PersonalField.ADDRESS]))
def test_a_masked_name_or_address_never_shows_more_than_its_first_characters(value, field):
    masked = mask(value, field)
    assert masked is not None
    shown = masked.rstrip("*")
    assert value.startswith(shown)
    assert len(shown) <= max(1, len(value) // 2) if field is PersonalField.ADDRESS else len(shown) == 1
    assert masked != value


def test_an_organisations_name_is_not_masked_a_persons_is():
    assert mask_name("某某科技有限公司", "commercial_enterprise") == "某某科技有限公司"
    assert mask_name("张三", "natural_person") == "张*"
    assert mask_name("张三", None) == "张*"  # kind unknown: masked
