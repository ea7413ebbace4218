"""The nightly overdue report: which deadlines a case has passed or is about to pass (条例 Art. 30-35).

Pure classification of a case's stored projection (``app.domain.clock.Projection``) on a day ``as_of``. A case may
yield several findings (past the agency's deadline *and* past the statutory one); each finding is one deadline.
"Within N working days" means ``0 <= working days in (as_of, date] <= N``; overdue counts are negative (the working
days in (date, as_of]), so a deadline that fell on a Friday reads 0 on the Saturday after.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from app.domain.calendar import WorkingCalendar
from app.domain.clock import Projection
from app.domain.lifecycle import CaseStatus

DEFAULT_DUE_WITHIN = 3


class FindingKind(StrEnum):
    STATUTORY_OVERDUE = "statutory_overdue"  # Art. 33 ¶2 (Art. 24 of 2007): a breach of the 条例, must stand out
    OVERDUE = "overdue"  # past the agency's own deadline
    DUE_SOON = "due_soon"
    CORRECTION_NOTICE_DUE = "correction_notice_due"  # Art. 30: the 7-working-day window for a correction notice
    CONSULTATION_LAPSED = "consultation_lapsed"  # Art. 32, 34: 15 working days without an answer
    FEE_LAPSED = "fee_lapsed"  # 国办函〔2020〕109号: 20 working days without payment
    CORRECTION_LAPSED = "correction_lapsed"  # Art. 30: the applicant's reply-by day has passed
    DELIVERY_NOT_RECORDED = "delivery_not_recorded"  # a letter's receipt unknown (app.domain.casefile's rule)
    CORRECTION_NOTICE_LATE = "correction_notice_late"  # Art. 30: the notice went out after 7 working days (defect)


FINDING_LABELS: dict[FindingKind, str] = {
    FindingKind.STATUTORY_OVERDUE: "超过法定答复期限",
    FindingKind.OVERDUE: "超过本机关答复期限",
    FindingKind.DUE_SOON: "即将到期",
    FindingKind.CORRECTION_NOTICE_DUE: "补正告知期限将届满",
    FindingKind.CONSULTATION_LAPSED: "征求意见期限已届满",
    FindingKind.FEE_LAPSED: "缴费期限已届满",
    FindingKind.CORRECTION_LAPSED: "补正期限已届满",
    FindingKind.DELIVERY_NOT_RECORDED: "文书已发出，签收（送达）日期逾期未登记",
    FindingKind.CORRECTION_NOTICE_LATE: "补正告知超过7个工作日才发出（程序瑕疵）",
}

_LAPSES: dict[CaseStatus, FindingKind] = {
    CaseStatus.IN_CONSULTATION: FindingKind.CONSULTATION_LAPSED,
    CaseStatus.AWAITING_FEE: FindingKind.FEE_LAPSED,
    CaseStatus.AWAITING_CORRECTION: FindingKind.CORRECTION_LAPSED,
}


@dataclass(frozen=True)
class Finding:
    kind: FindingKind
    due_date: date
    working_days: int  # working days left (0 on the day itself); negative when past


def horizon(as_of: date, calendar: WorkingCalendar, due_within: int) -> date:
    """The first day *beyond* the window: a date is within ``due_within`` working days iff it is before this day.
    The SQL that selects candidates uses it, so that the database and this module agree on the window."""
    return calendar.add_working_days(as_of, due_within + 1)


def classify(
    case: Projection,
    *,
    correction_requested: bool,
    as_of: date,
    calendar: WorkingCalendar,
    due_within: int = DEFAULT_DUE_WITHIN,
    edge: date | None = None,
) -> list[Finding]:
    """Every finding of one case on ``as_of``, most serious first. Letters whose receipt is not on record
    (``delivery_not_recorded``) are findings of the letters, not of the case's projection: one rule for generated
    letters and the clock's fee notices and consultation letters, ``app.document.delivery.awaiting_receipt``.

    The correction notice (Art. 30) is listed only for an *open* case with no correction requested yet and its
    notice day not passed: the lifecycle admits a correction request only then, and only once, so any other case
    has nothing the clerk could still send.

    ``edge`` is ``horizon(as_of, calendar, due_within)``, passed by a caller classifying many cases on one day so
    that it is computed once rather than per case (it is the one costly calendar query here).
    """
    if case.status is CaseStatus.CONCLUDED:
        return []
    if edge is None:
        edge = horizon(as_of, calendar, due_within)
    findings: list[Finding] = []

    def add(kind: FindingKind, day: date) -> None:
        findings.append(Finding(kind, day, calendar.working_days_between(as_of, day)))

    statutory = case.statutory_breached_on or case.statutory_due_date  # the first statutory deadline passed
    if statutory is not None and case.statutory_overdue(as_of):
        add(FindingKind.STATUTORY_OVERDUE, statutory)
    if case.due_date is not None and case.status is not CaseStatus.AWAITING_CORRECTION:
        if case.overdue(as_of):
            add(FindingKind.OVERDUE, case.due_date)
        elif case.due_date < edge:
            add(FindingKind.DUE_SOON, case.due_date)
    lapse = _LAPSES.get(case.status)
    if lapse is not None and case.pending_until is not None and as_of > case.pending_until:
        add(lapse, case.pending_until)
    notice_due = case.correction_notice_due
    if (
        case.status is CaseStatus.OPEN
        and not correction_requested
        and notice_due is not None
        and as_of <= notice_due < edge
    ):
        add(FindingKind.CORRECTION_NOTICE_DUE, notice_due)
    if case.correction_notice_late and case.correction_notice_due is not None:
        add(FindingKind.CORRECTION_NOTICE_LATE, case.correction_notice_due)
    return findings
