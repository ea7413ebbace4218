from __future__ import annotations

import re

from sqlalchemy.orm import Session

from app.agency import repository
from app.clock import utcnow
from app.domain.clock import STATUTORY_CHANGE, DeadlinePolicy, statutory_extension_limit
from app.domain.codes import FeeWaitRule
from app.domain.errors import InvalidInput, NotFound
from app.models import Agency

CODE_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$")


def create_agency(
    session: Session,
    *,
    code: str,
    name: str,
    parent_code: str | None = None,
    reply_days: int = 15,
    extension_limit: int | None = None,
    fee_wait_rule: FeeWaitRule = FeeWaitRule.PAUSE,
) -> Agency:
    if not CODE_PATTERN.match(code):
        raise InvalidInput("agency_code_invalid", f"机关代码「{code}」无效：只能使用字母、数字、._-，最长32位。")
    if not name.strip():
        raise InvalidInput("agency_name_missing", "请填写机关名称。")
    if repository.by_code(session, code) is not None:
        raise InvalidInput("agency_exists", f"机关代码「{code}」已存在。")
    parent = get_agency(session, parent_code) if parent_code else None
    check_policy(reply_days, extension_limit)
    agency = Agency(
        code=code,
        name=name.strip(),
        parent_id=parent.id if parent else None,
        reply_days=reply_days,
        extension_limit=extension_limit,
        fee_wait_rule=fee_wait_rule.value,
        created_at=utcnow(),
    )
    session.add(agency)
    session.flush()
    return agency


def check_policy(reply_days: int, extension_limit: int | None) -> None:
    """An agency may promise less than the law allows, never more (条例 Art. 33: 20 working days, extension ≤ 20)."""
    statutory = statutory_extension_limit(STATUTORY_CHANGE)  # the regulation in force since 2019-05-15
    if not 1 <= reply_days <= statutory:
        raise InvalidInput("policy_reply_days_invalid", "答复期限须在1至20个工作日之间（条例第三十三条）。")
    if extension_limit is not None and not 1 <= extension_limit <= statutory:
        raise InvalidInput("policy_extension_invalid", f"延期上限须在1至{statutory}个工作日之间（条例第三十三条）。")


def get_agency(session: Session, code: str) -> Agency:
    agency = repository.by_code(session, code)
    if agency is None:
        raise NotFound("agency_not_found", f"机关代码「{code}」不存在。")
    return agency


def policy_of(agency: Agency) -> DeadlinePolicy:
    return DeadlinePolicy(
        reply_days=agency.reply_days,
        extension_limit=agency.extension_limit,
        fee_wait_rule=FeeWaitRule(agency.fee_wait_rule),
    )
