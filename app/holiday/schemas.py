from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field

from app.case.service import DateChange
from app.holiday.service import FIRST_NOTICE_YEAR, LAST_NOTICE_YEAR
from app.inputs import Input, Line


class Day(BaseModel):
    date: date
    kind: str = Field(description="holiday | makeup_workday")
    name: str


class YearRead(BaseModel):
    year: int
    source: str
    version: int
    imported_at: datetime
    imported_by: str
    days: list[Day]


class ImportRead(BaseModel):
    year: int
    version: int
    replaced: bool
    changed_cases: list[DateChange]


class NoticeDay(Input):
    date: date
    name: Line = Field("", max_length=100)


class NoticeIn(Input):
    """A State Council notice for one year; see ``app.holiday.service`` for the file format."""

    year: int = Field(ge=FIRST_NOTICE_YEAR, le=LAST_NOTICE_YEAR)
    source: Line = Field(min_length=1, max_length=300, examples=["国办发明电〔2026〕12号"])
    holidays: list[NoticeDay | date]
    makeup_workdays: list[NoticeDay | date] = []
