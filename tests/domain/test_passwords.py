import pytest

from app.domain.passwords import password_problems


@pytest.mark.parametrize(
    ("password", "username", "expected"),
    [
        ("correct-horse-battery", "zhangsan", []),
        ("abcdefgh12", "zhangsan", []),
        ("短密码1", "", ["密码至少 10 位。"]),
        ("abcdefghijkl", "", ["密码须包含字母、数字、符号中的至少两类。"]),
        ("12345678901", "", ["密码须包含字母、数字、符号中的至少两类。"]),
        ("zhangsan-2026", "zhangsan", ["密码不能包含用户名。"]),
        ("ZhangSan-2026", "zhangsan", ["密码不能包含用户名。"]),
        ("ab-2026\x00xyz", "", ["密码不能包含控制字符。"]),
        ("a1" * 101, "", ["密码最多 200 位。"]),
        ("政府信息公开申请办理2026", "", []),
    ],
)
def test_password_policy(password, username, expected):
    assert password_problems(password, username) == expected


def test_every_disposition_has_a_short_label():
    from app.domain.codes import DISPOSITION_SHORT_LABELS, Disposition

    assert set(DISPOSITION_SHORT_LABELS) == set(Disposition)
    assert all(len(label) <= 14 for label in DISPOSITION_SHORT_LABELS.values())
