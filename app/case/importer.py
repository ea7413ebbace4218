"""Bulk import of existing cases from JSON Lines: all or nothing, every bad line reported with its number.

One object per line (the contract is in README.md): ``agency``, ``applicant_type``, ``applicant_name``, ``channel``,
``received_date``; optionally ``external_ref``, ``request``, ``events`` (``{"type": …, "date": …, …}`` with the same
fields as the step endpoints), ``concluded_date`` with ``disposition``, and ``reviews``
(``{"kind", "filed_date", "outcome"}``). Imported cases pass through the same services, so they get the same deadlines
and the same checks as cases entered by hand.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy.orm import Session

from app.agency import locks as agency_locks
from app.auth.principal import Principal
from app.case import service
from app.case.schemas import STEPS, Applicant, CaseCreate, ReceiptFactsIn, RequestIn, ReviewFiling
from app.domain.codes import ApplicantType, Channel, ConsultationParty, ReviewKind, ReviewOutcome
from app.domain.errors import DomainError, InvalidInput
from app.domain.lifecycle import CONCLUDING_EVENTS, EventType
from app.domain.receipt import deciding_fact
from app.errors import validation_message


class ReviewLine(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: ReviewKind
    filed_date: date
    outcome: ReviewOutcome = ReviewOutcome.PENDING


class CaseLine(BaseModel):
    model_config = ConfigDict(extra="forbid")
    agency: str
    applicant_type: ApplicantType
    applicant_name: str = Field(min_length=1, max_length=200)
    channel: Channel
    received_date: date
    external_ref: str | None = Field(None, min_length=1, max_length=128)
    request: str = "（导入的历史申请）"
    handler: str | None = Field(None, max_length=100)
    """A username or display name of the agency (matched to the account) or any name (kept as text)."""
    concluded_date: date | None = None
    disposition: str | None = None
    events: list[dict[str, Any]] = []
    reviews: list[ReviewLine] = []


@dataclass(frozen=True)
class LineError:
    line: int
    code: str
    message: str


@dataclass(frozen=True)
class ImportReport:
    imported: int
    errors: list[LineError]


UNRECORDED = "（迁移前的记录未载明）"
IMPORT_DEFAULTS: dict[str, str] = {"approver": UNRECORDED, "items": UNRECORDED, "addressee": UNRECORDED}
"""Descriptive fields that older registers often lack. They are required when a step is recorded today, but a
history is imported as it was kept; fields that move a deadline (days, until, disposition) are never filled in."""

_BY_NAME: dict[str, EventType] = {
    **{event.value: event for event in STEPS},
    **{kind.path.replace("-", "_"): event for event, kind in STEPS.items()},
}
"""An event type by its code (``fee_notice_sent``) or by its endpoint's name (``fee_notice``)."""


def _event(raw: dict[str, Any]) -> tuple[EventType, dict[str, Any]]:
    fields = dict(raw)
    name = str(fields.pop("type", "")).replace("-", "_")
    event_type = _BY_NAME.get(name)
    if event_type is None:
        choices = "、".join(sorted(e.value for e in STEPS))
        raise InvalidInput("event_type_unknown", f"事件类型「{raw.get('type')}」不存在或不能导入；可用：{choices}。")
    fields["on"] = fields.pop("date", None)
    body = STEPS[event_type].body
    for key, value in IMPORT_DEFAULTS.items():
        if key in body.model_fields and key not in fields:
            fields[key] = value
    if "notice_on" in body.model_fields:
        fields.setdefault("notice_on", fields["on"])  # an extension is notified the day it is granted unless told
    if "party" in body.model_fields:
        fields.setdefault("party", ConsultationParty.THIRD_PARTY.value)
    return event_type, fields


def _steps(line: CaseLine) -> list[tuple[EventType, dict[str, Any]]]:
    steps = [_event(raw) for raw in line.events]
    if (line.concluded_date is None) != (line.disposition is None):
        raise InvalidInput("conclusion_incomplete", "concluded_date 与 disposition 须同时填写。")
    concluded_in_events = [fields for event, fields in steps if event in CONCLUDING_EVENTS]
    if line.concluded_date is not None:
        if not concluded_in_events:
            steps.append((EventType.CONCLUDED, {"on": line.concluded_date, "disposition": line.disposition}))
        else:
            last = concluded_in_events[-1]
            same_day = str(last["on"]) == line.concluded_date.isoformat()
            if not same_day or last.get("disposition", line.disposition) != line.disposition:
                raise InvalidInput("conclusion_conflict", "concluded_date、disposition 与 events 中的办结记录不一致。")
    return steps


def _import_line(session: Session, principal: Principal, line: CaseLine, today: date) -> None:
    body = CaseCreate(
        agency=line.agency,
        external_ref=line.external_ref,
        applicant=Applicant(type=line.applicant_type, name=line.applicant_name),
        channel=line.channel,
        receipt=ReceiptFactsIn.model_validate({deciding_fact(line.channel): line.received_date}),
        request=RequestIn(description=line.request),
        handler=line.handler,
    )
    case = service.open_case(session, principal, body, today=today)
    for event_type, fields in _steps(line):
        event, data = STEPS[event_type].body.model_validate(fields).to_event(event_type)
        service.record_step(session, principal, case.id, event, data, today)
    for review in line.reviews:
        filing = ReviewFiling(kind=review.kind, filed_on=review.filed_date, outcome=review.outcome)
        service.file_review(session, principal, case.id, filing, today)


def import_lines(session: Session, principal: Principal, lines: list[str], today: date) -> ImportReport:
    """Import every line, each in a savepoint so that one bad line does not hide the next; the caller commits only
    when ``errors`` is empty."""
    errors: list[LineError] = []
    imported = 0
    # Every agency the lines may register in, in the order of their ids, before the first line: taken line by line
    # (in the file's order) they deadlocked with a calendar import, which takes every agency in id order.
    agency_locks.share(session, principal.scope)
    for number, text in enumerate(lines, 1):
        if not text.strip():
            continue
        savepoint = session.begin_nested()
        try:
            _import_line(session, principal, CaseLine.model_validate(json.loads(text)), today)
            savepoint.commit()
            imported += 1
        except json.JSONDecodeError as exc:
            savepoint.rollback()
            errors.append(LineError(number, "json_invalid", f"不是有效的 JSON：{exc.msg}（第{exc.colno}列）"))
        except ValidationError as exc:
            savepoint.rollback()
            fields = "；".join(f"{'.'.join(map(str, e['loc']))}：{validation_message(e)}" for e in exc.errors())
            errors.append(LineError(number, "validation_failed", fields))
        except DomainError as exc:
            savepoint.rollback()
            errors.append(LineError(number, exc.code, exc.detail))
    return ImportReport(imported, errors)
