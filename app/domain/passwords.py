"""The password policy for people signing in (等级保护 GB/T 22239-2019 8.1.4.1 b: 口令具有复杂度要求).

Reading: the standard asks for complexity without fixing it. Long passphrases are stronger than short complex ones,
so the policy asks for length first (10 characters) and only two kinds of characters (letters, digits, others) —
a phrase such as ``correct-horse-battery`` passes, ``12345678901`` does not — and refuses a password that contains
the username. Pure: the caller checks "not the same as the current password" against the stored hash.
"""

from __future__ import annotations

MIN_LENGTH = 10
MAX_LENGTH = 200
MIN_KINDS = 2


def _kinds(password: str) -> int:
    letters = any(c.isalpha() for c in password)
    digits = any(c.isdigit() for c in password)
    others = any(not c.isalnum() for c in password)
    return letters + digits + others


def password_problems(password: str, username: str = "") -> list[str]:
    """What is wrong with ``password`` for the account ``username``, in words a clerk can act on; empty when it is
    acceptable."""
    problems: list[str] = []
    if len(password) < MIN_LENGTH:
        problems.append(f"密码至少 {MIN_LENGTH} 位。")
    if len(password) > MAX_LENGTH:
        problems.append(f"密码最多 {MAX_LENGTH} 位。")
    if _kinds(password) < MIN_KINDS:
        problems.append("密码须包含字母、数字、符号中的至少两类。")
    if any(ord(c) < 32 or ord(c) == 127 for c in password):
        problems.append("密码不能包含控制字符。")
    if len(username) >= 3 and username.lower() in password.lower():
        problems.append("密码不能包含用户名。")
    return problems
