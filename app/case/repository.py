"""Every query on cases. Filters that mirror a rule (``overdue``) say which rule they mirror."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Select, func, or_, select, update
from sqlalchemy.orm import Session, selectinload

from app.db import insert_or_ignore
from app.domain.codes import ApplicantType
from app.domain.lifecycle import CLOCK_RUNNING, CaseStatus
from app.models import CaseCounter, DisclosureCase


@dataclass(frozen=True)
class CaseFilter:
    agency_ids: Collection[int]
    status: CaseStatus | None = None
    applicant_type: ApplicantType | None = None
    received_from: date | None = None
    received_to: date | None = None
    due_before: date | None = None
    overdue_as_of: date | None = None
    external_ref: str | None = None
    text: str | None = None
    handler_user_id: int | None = None
    open_only: bool = False
    """Leave concluded cases out (我的待办)."""


SORTS: dict[str, tuple[ColumnElement[Any], ...]] = {
    "due_date": (DisclosureCase.due_date.asc().nulls_last(), DisclosureCase.id.asc()),
    "-due_date": (DisclosureCase.due_date.desc().nulls_last(), DisclosureCase.id.desc()),
    "received_date": (DisclosureCase.received_date.asc(), DisclosureCase.id.asc()),
    "-received_date": (DisclosureCase.received_date.desc(), DisclosureCase.id.desc()),
    "number": (DisclosureCase.year.asc(), DisclosureCase.seq.asc()),
    "-number": (DisclosureCase.year.desc(), DisclosureCase.seq.desc()),
}


def _filtered(f: CaseFilter) -> Select[DisclosureCase]:
    stmt = select(DisclosureCase).where(DisclosureCase.agency_id.in_(f.agency_ids))
    if f.status is not None:
        stmt = stmt.where(DisclosureCase.status == f.status.value)
    if f.applicant_type is not None:
        stmt = stmt.where(DisclosureCase.applicant_type == f.applicant_type.value)
    if f.received_from is not None:
        stmt = stmt.where(DisclosureCase.received_date >= f.received_from)
    if f.received_to is not None:
        stmt = stmt.where(DisclosureCase.received_date <= f.received_to)
    if f.due_before is not None:
        stmt = stmt.where(DisclosureCase.due_date < f.due_before)
    if f.overdue_as_of is not None:
        stmt = stmt.where(
            DisclosureCase.status.in_([s.value for s in CLOCK_RUNNING]), DisclosureCase.due_date < f.overdue_as_of
        )
    if f.external_ref is not None:
        stmt = stmt.where(DisclosureCase.external_ref == f.external_ref)
    if f.handler_user_id is not None:
        stmt = stmt.where(DisclosureCase.handler_user_id == f.handler_user_id)
    if f.open_only:
        stmt = stmt.where(DisclosureCase.status != CaseStatus.CONCLUDED.value)
    if f.text:
        pattern = "%" + f.text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        stmt = stmt.where(
            or_(
                DisclosureCase.number.ilike(pattern, escape="\\"),
                DisclosureCase.applicant_name.ilike(pattern, escape="\\"),
                DisclosureCase.request_description.ilike(pattern, escape="\\"),
                DisclosureCase.external_ref.ilike(pattern, escape="\\"),
            )
        )
    return stmt


def page(session: Session, f: CaseFilter, sort: str, offset: int, limit: int) -> tuple[list[DisclosureCase], int]:
    stmt = _filtered(f)
    total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    rows = session.scalars(stmt.order_by(*SORTS[sort]).offset(offset).limit(limit))
    return list(rows), total


def get(
    session: Session, case_id: int, agency_ids: Collection[int], *, for_update: bool = False
) -> DisclosureCase | None:
    stmt = (
        select(DisclosureCase)
        .where(DisclosureCase.id == case_id, DisclosureCase.agency_id.in_(agency_ids))
        .options(selectinload(DisclosureCase.events), selectinload(DisclosureCase.reviews))
    )
    if for_update:
        stmt = stmt.with_for_update(of=DisclosureCase)
    return session.scalars(stmt).one_or_none()


def by_external_ref(session: Session, agency_id: int, external_ref: str) -> DisclosureCase | None:
    return session.scalars(
        select(DisclosureCase).where(DisclosureCase.agency_id == agency_id, DisclosureCase.external_ref == external_ref)
    ).one_or_none()


def open_cases(session: Session, agency_id: int | None = None) -> list[DisclosureCase]:
    stmt = select(DisclosureCase).where(DisclosureCase.status != CaseStatus.CONCLUDED.value)
    if agency_id is not None:
        stmt = stmt.where(DisclosureCase.agency_id == agency_id)
    return list(
        session.scalars(
            stmt.options(selectinload(DisclosureCase.events))
            .order_by(DisclosureCase.id)
            .with_for_update(of=DisclosureCase)
        )
    )


def next_sequence(session: Session, agency_id: int, year: int) -> int:
    """The next case number of an agency's year, gap-free under concurrency: the counter row is created if missing,
    then incremented with one UPDATE … RETURNING, which holds its row lock until the creating transaction ends (a
    rolled-back creation gives its number back). The row is created only on the year's first number."""
    increment = (
        update(CaseCounter)
        .where(CaseCounter.agency_id == agency_id, CaseCounter.year == year)
        .values(last_value=CaseCounter.last_value + 1)
        .returning(CaseCounter.last_value)
    )
    value = session.scalar(increment)
    if value is None:
        insert_or_ignore(session, CaseCounter, agency_id=agency_id, year=year, last_value=0)
        value = session.scalar(increment)
    assert isinstance(value, int)
    return value
