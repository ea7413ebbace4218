"""ORM rows to API shapes. The deadline block is computed for ``today`` from the stored projection."""

from __future__ import annotations

from datetime import date
from typing import Protocol

from app.case.schemas import (
    ApplicantRead,
    CaseRead,
    CaseSummary,
    CodeLabel,
    Deadline,
    EventRead,
    ReceiptFactsIn,
    RequestIn,
    ReviewRead,
)
from app.domain.calendar import WorkingCalendar
from app.domain.clock import Projection
from app.domain.codes import (
    APPLICANT_TYPE_LABELS,
    ApplicantType,
    Channel,
    DeliveryMethod,
    Disposition,
    RequestForm,
    ReviewKind,
    ReviewOutcome,
    disposition_label,
)
from app.domain.lifecycle import EVENT_TYPE_LABELS, CaseStatus, EventType
from app.domain.privacy import PersonalField, mask, mask_name
from app.models import DisclosureCase


class ProjectionColumns(Protocol):
    """The projection columns of ``disclosure_case``, on an ORM row or a plain result row."""

    status: str
    clock_start: date
    due_date: date | None
    statutory_due_date: date | None
    correction_notice_due: date | None
    paused: bool
    pending_until: date | None
    provisional: bool
    disposition: str | None
    concluded_on: date | None
    calendar_version: int
    correction_notice_late: bool
    undelivered_since: date | None
    statutory_breached_on: date | None


def stored_projection(case: ProjectionColumns) -> Projection:
    return Projection(
        status=CaseStatus(case.status),
        start=case.clock_start,
        due_date=case.due_date,
        statutory_due_date=case.statutory_due_date,
        correction_notice_due=case.correction_notice_due,
        paused=case.paused,
        pending_until=case.pending_until,
        provisional=case.provisional,
        disposition=Disposition(case.disposition) if case.disposition else None,
        concluded_on=case.concluded_on,
        calendar_version=case.calendar_version,
        correction_notice_late=case.correction_notice_late,
        undelivered_since=case.undelivered_since,
        statutory_breached_on=case.statutory_breached_on,
    )


def deadline(case: DisclosureCase, calendar: WorkingCalendar, today: date) -> Deadline:
    p = stored_projection(case)
    return Deadline(
        start=p.start,
        due_date=p.due_date,
        statutory_due_date=p.statutory_due_date,
        correction_notice_due=p.correction_notice_due,
        correction_notice_late=p.correction_notice_late,
        undelivered_since=p.undelivered_since,
        working_days_left=p.working_days_left(calendar, today),
        paused=p.paused,
        pending_until=p.pending_until,
        overdue=p.overdue(today),
        statutory_overdue=p.statutory_overdue(today),
        statutory_breached_on=p.statutory_breached_on,
        provisional=p.provisional,
        calendar_version=p.calendar_version,
        as_of=today,
    )


def _disposition(case: DisclosureCase) -> CodeLabel | None:
    if case.disposition is None:
        return None
    return CodeLabel(code=case.disposition, label=disposition_label(Disposition(case.disposition)))


def summary(case: DisclosureCase, calendar: WorkingCalendar, today: date, *, personal: bool = False) -> CaseSummary:
    """A line of the case list; a natural person's name masked unless ``personal`` (``case.read_personal``)."""
    return CaseSummary(
        id=case.id,
        number=case.number,
        agency=case.agency.code,
        external_ref=case.external_ref,
        applicant_type=ApplicantType(case.applicant_type),
        applicant_name=case.applicant_name if personal else mask_name(case.applicant_name, case.applicant_type),
        channel=Channel(case.channel),
        received_date=case.received_date,
        status=CaseStatus(case.status),
        disposition=_disposition(case),
        concluded_on=case.concluded_on,
        handler=case.handler,
        handler_username=case.handler_user.username if case.handler_user else None,
        deadline=deadline(case, calendar, today),
    )


def full(case: DisclosureCase, calendar: WorkingCalendar, today: date, *, personal: bool = False) -> CaseRead:
    """The whole case; the applicant's personal information in full only when ``personal`` (``case.read_personal``,
    ``app.domain.privacy``)."""

    def shown(value: str | None, field: PersonalField) -> str | None:
        return value if personal else mask(value, field)

    applicant_type = ApplicantType(case.applicant_type)
    return CaseRead(
        **summary(case, calendar, today, personal=personal).model_dump(),
        applicant=ApplicantRead(
            type=applicant_type,
            type_label=APPLICANT_TYPE_LABELS[applicant_type],
            name=case.applicant_name if personal else mask_name(case.applicant_name, case.applicant_type),
            id_type=case.applicant_id_type,
            id_number=shown(case.applicant_id_number, PersonalField.ID_NUMBER),
            phone=shown(case.applicant_phone, PersonalField.PHONE),
            email=shown(case.applicant_email, PersonalField.EMAIL),
            address=shown(case.applicant_address, PersonalField.ADDRESS),
        ),
        receipt=ReceiptFactsIn(
            submitted_on=case.submitted_on, signed_on=case.signed_on, confirmed_on=case.confirmed_on
        ),
        request=RequestIn(
            description=case.request_description,
            form=RequestForm(case.request_form) if case.request_form else None,
            delivery=DeliveryMethod(case.delivery_method) if case.delivery_method else None,
        ),
        timeline=[
            EventRead(
                seq=e.seq,
                type=e.type,
                label=EVENT_TYPE_LABELS[EventType(e.type)],
                on=e.on,
                data=e.data,
                actor=e.actor,
                recorded_at=e.recorded_at,
            )
            for e in case.events
        ],
        reviews=[
            ReviewRead(
                id=r.id,
                kind=ReviewKind(r.kind),
                filed_on=r.filed_on,
                outcome=ReviewOutcome(r.outcome),
                decided_on=r.decided_on,
            )
            for r in case.reviews
        ],
        version=case.version,
        created_at=case.created_at,
        updated_at=case.updated_at,
        created_by=case.created_by,
    )
