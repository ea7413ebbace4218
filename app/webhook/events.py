"""The outbound event types and the payloads they carry (the contract documented in ``docs/integration.md``)."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from app.domain.lifecycle import CASE_STATUS_LABELS, CaseStatus
from app.models import DisclosureCase


class EventType(StrEnum):
    CASE_CREATED = "case.created"
    CASE_STEP_RECORDED = "case.step_recorded"
    CASE_DEADLINE_CHANGED = "case.deadline_changed"
    CASE_DUE_SOON = "case.due_soon"
    CASE_OVERDUE = "case.overdue"
    CASE_CONCLUDED = "case.concluded"
    REPORT_GENERATED = "report.generated"
    DOCUMENT_CREATED = "document.created"


def case_payload(case: DisclosureCase) -> dict[str, Any]:
    """What every ``case.*`` event says about the case: identity, the projected deadlines after the change, and the
    latest step of its timeline."""
    status = CaseStatus(case.status)
    last = case.events[-1]
    return {
        "case_id": case.id,
        "case_number": case.number,
        "external_ref": case.external_ref,
        "agency": case.agency.code,
        "status": status.value,
        "status_label": CASE_STATUS_LABELS[status],
        "received_date": case.received_date.isoformat(),
        "due_date": case.due_date.isoformat() if case.due_date else None,
        "statutory_due_date": case.statutory_due_date.isoformat() if case.statutory_due_date else None,
        "statutory_breached_on": case.statutory_breached_on.isoformat() if case.statutory_breached_on else None,
        "pending_until": case.pending_until.isoformat() if case.pending_until else None,
        "disposition": case.disposition,
        "concluded_on": case.concluded_on.isoformat() if case.concluded_on else None,
        "provisional": case.provisional,
        "version": case.version,
        "last_step": {"seq": last.seq, "type": last.type, "on": last.on.isoformat()},
    }
