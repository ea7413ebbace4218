"""Rules that keep the year-end tables honest: which case records a table cannot count correctly (data faults), which
disposition codes each result row counts, and which changes to a case would alter a published year.

``app.domain.statistics`` classifies counts into rows and checks their arithmetic; this module covers what only the
records can tell, so that a fault is reported with the cases at fault instead of being counted silently.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from functools import cache

from app.domain.codes import ApplicantType, Disposition
from app.domain.errors import WrongState
from app.domain.lifecycle import EventType
from app.domain.statistics import LEAF_ROWS, ReportFormat, build_applications_table


class DataFault(StrEnum):
    """Records that break a rule of the tables (domain.md §3). Stable codes, reported in ``checks`` as
    ``data.<code>``."""

    CONCLUDED_BEFORE_RECEIVED = "concluded_before_received"
    CONCLUDED_WITHOUT_DISPOSITION = "concluded_without_disposition"
    DISPOSITION_WITHOUT_CONCLUSION = "disposition_without_conclusion"
    REVIEW_DECIDED_BEFORE_FILED = "review_decided_before_filed"
    REVIEW_DECIDED_WITHOUT_DATE = "review_decided_without_date"


DATA_FAULT_DESCRIPTIONS: dict[DataFault, str] = {
    DataFault.CONCLUDED_BEFORE_RECEIVED: "办结日期不得早于收到申请日期（否则该申请在收到和办结的年度之间无法结转）",
    DataFault.CONCLUDED_WITHOUT_DISPOSITION: "已办结的申请必须有办理结果（否则无法计入三、本年度办理结果）",
    DataFault.DISPOSITION_WITHOUT_CONCLUSION: "有办理结果的申请必须有办结日期（否则仍被计为结转下年度继续办理）",
    DataFault.REVIEW_DECIDED_BEFORE_FILED: "复议或诉讼的审结日期不得早于立案日期",
    DataFault.REVIEW_DECIDED_WITHOUT_DATE: "有结果的复议或诉讼必须有审结日期（否则按尚未审结计）",
}


@dataclass(frozen=True)
class FaultyCase:
    id: int
    number: str
    agency: str

    def to_dict(self) -> dict[str, object]:
        return {"id": self.id, "number": self.number, "agency": self.agency}


def fault_checks(found: Mapping[DataFault, Sequence[FaultyCase]]) -> list[dict[str, object]]:
    """One entry per fault kind, in the shape of ``statistics.Check.to_dict`` plus ``cases`` (the records at fault)."""
    return [
        {
            "rule": f"data.{fault.value}",
            "ok": not found.get(fault),
            "description": DATA_FAULT_DESCRIPTIONS[fault],
            "cells": [],
            "cases": [case.to_dict() for case in found.get(fault, ())],
        }
        for fault in DataFault
    ]


@cache
def row_dispositions(fmt: ReportFormat) -> dict[str, frozenset[Disposition]]:
    """Result row key → the disposition codes it counts, read off the classifier itself
    (:func:`~app.domain.statistics.build_applications_table`) so that tracing a cell and counting it cannot disagree."""
    rows: dict[str, set[Disposition]] = {key: set() for key in LEAF_ROWS[fmt]}
    for disposition in Disposition:
        table = build_applications_table(fmt, {}, {}, {(disposition, ApplicantType.NATURAL_PERSON): 1}, {})
        (key,) = (row.key for row in table.rows if row.key in rows and row.values[-1])
        rows[key].add(disposition)
    return {key: frozenset(codes) for key, codes in rows.items()}


CONCLUDING_EVENTS = frozenset(
    {EventType.CONCLUDED, EventType.WITHDRAWN, EventType.CORRECTION_LAPSED, EventType.FEE_LAPSED}
)


def year_altered(event_type: EventType, on: date, review_filed_on: date | None = None) -> int | None:
    """The report year whose cells a new event would change, or None.

    A conclusion (reply, withdrawal, lapse) moves a case from 四 to 三 of the year it is dated in; a review filed adds
    to that year's reviews table; a review decided by 31 Dec of the year it was filed moves it out of 尚未审结."""
    if event_type in CONCLUDING_EVENTS or event_type is EventType.REVIEW_FILED:
        return on.year
    if event_type is EventType.REVIEW_DECIDED and review_filed_on is not None and review_filed_on.year == on.year:
        return on.year
    return None


def check_override(year: int, published_on: date, override: str | None, may_override: bool) -> str | None:
    """A change to a published year goes through only with a stated reason from someone who may publish; returns the
    reason to record against the snapshot."""
    reason = (override or "").strip()
    if reason and may_override:
        return reason
    hint = "只有管理员可以强制提交" if reason else "如确需更改，请由管理员注明理由后强制提交"
    raise WrongState(
        "report_published",
        f"{year}年度政府信息公开工作年度报告已于{published_on.isoformat()}发布，"
        f"此项操作会改变已发布报表中的数字，已拒绝。{hint}。",
    )
