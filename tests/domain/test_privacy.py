import pytest

from app.domain.privacy import PersonalField, mask


@pytest.mark.parametrize(
    ("value", "field", "masked"),
    [
        ("110101199001011234", PersonalField.ID_NUMBER, "1101**********1234"),
        ("91110000MA01ABCD2X", PersonalField.ID_NUMBER, "9111**********CD2X"),
        ("123456789", PersonalField.ID_NUMBER, "1234*6789"),
        ("12345678", PersonalField.ID_NUMBER, "********"),
        ("13800001234", PersonalField.PHONE, "138****1234"),
        ("010-12345678", PersonalField.PHONE, "010*****5678"),
        ("1234567", PersonalField.PHONE, "*******"),
        ("", PersonalField.PHONE, ""),
        (None, PersonalField.PHONE, None),
    ],
)
def test_mask_keeps_only_the_head_and_tail(value, field, masked):
    assert mask(value, field) == masked
