"""Delivery records (送达) of a case's letters, and the letters whose receipt is still unconfirmed."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from app.agency.repository import policy_of
from app.audit import service as audit
from app.auth.principal import Principal
from app.case import service as case_service
from app.clock import utcnow
from app.document import repository
from app.document.files import get_document
from app.document.profile import profile_of
from app.domain.casefile import (
    RECEIPT_STARTS_PERIOD,
    Carrier,
    Delivery,
    ServiceMethod,
    check_delivery,
    check_receipt,
    clock_receipt,
    letter_step,
    receipt_overdue,
    recorded_receipts,
)
from app.domain.clock import DayNote, open_waits
from app.domain.errors import InvalidInput, NotFound, WrongState
from app.domain.letters import LETTER_LABELS, LetterKind
from app.domain.roles import Permission
from app.holiday.repository import load_calendar
from app.models import CaseDocument, DisclosureCase, DocumentDelivery


@dataclass(frozen=True)
class DeliveryIn:
    method: ServiceMethod
    sent_on: date
    received_on: date | None = None
    carrier: Carrier | None = None
    consent: bool = False
    tracking_number: str | None = None
    proof_document_id: int | None = None
    note: str | None = None


def _feed_clock(
    session: Session, principal: Principal, case: DisclosureCase, document: CaseDocument, received_on: date, today: date
) -> None:
    """A fee notice's or consultation letter's receipt is the day the other party's period counts from (国办函〔2020〕
    109号 第七条; 条例 Art. 32, 34): record it on the clock as the step ``POST /cases/{id}/delivery`` does, naming
    the letter's step, in the same transaction. Nothing to do when the timeline holds that day already or the step
    is no longer open (paid, answered, concluded); a different day already recorded is refused (409)."""
    kind = LetterKind(document.kind)
    if kind not in RECEIPT_STARTS_PERIOD or document.letter_date is None:
        return
    history = [case_service.domain_event(e) for e in case.events]
    seq = letter_step(kind, document.letter_date, document.step_seq, history)
    if seq is None or not clock_receipt(seq, received_on, history):
        return
    waits = open_waits(case.received_date, history, policy_of(case.agency), load_calendar(session))
    if not any(w.key == seq for w in waits):
        return
    note = f"据文书 {document.number} 的送达记录登记"
    case_service.record_delivery(session, principal, case.id, received_on, today, letter_seq=seq, note=note)


def record(session: Session, principal: Principal, document_id: int, body: DeliveryIn, today: date) -> DocumentDelivery:
    """Record how a letter was delivered: the hand-over or posting day, and the receipt when known."""
    document = get_document(session, principal, document_id)
    case = case_service.get_case(session, principal, document.case_id, Permission.CASE_STEP)
    if document.origin != "generated" or document.letter_date is None:
        raise InvalidInput("delivery_not_letter", "只有本机关生成的文书才有送达记录；上传的材料请作为送达凭证关联。")
    if body.proof_document_id is not None:
        proof = repository.document(session, body.proof_document_id, [case.agency_id])
        if proof is None or proof.case_id != case.id:
            raise InvalidInput("proof_not_in_case", "送达凭证须是本申请案卷中已上传的文件。")
    check_delivery(
        Delivery(body.method, body.sent_on, body.received_on, body.carrier, body.consent, body.tracking_number),
        document.letter_date,
        today,
    )
    row = DocumentDelivery(
        document_id=document.id,
        case_id=case.id,
        agency_id=case.agency_id,
        method=body.method.value,
        carrier=body.carrier.value if body.carrier else None,
        consent=body.consent,
        sent_on=body.sent_on,
        received_on=body.received_on,
        tracking_number=body.tracking_number,
        proof_document_id=body.proof_document_id,
        note=body.note,
        recorded_by=principal.actor,
        recorded_at=utcnow(),
    )
    with audit.changing(
        session, row, agency=case.agency, actor=principal.actor, action="document.delivery", entity="document_delivery"
    ):
        document.deliveries.append(row)
        session.flush()
        if body.received_on is not None:
            _feed_clock(session, principal, case, document, body.received_on, today)
    return row


def record_receipt(
    session: Session, principal: Principal, delivery_id: int, received_on: date, today: date
) -> DocumentDelivery:
    """The day the recipient received or signed for the letter, recorded once (a correction is a new delivery)."""
    row = repository.delivery(session, delivery_id, principal.scope)
    if row is None:
        raise NotFound("delivery_not_found", f"送达记录 {delivery_id} 不存在或不在您的权限范围内。")
    case = case_service.get_case(session, principal, row.case_id, Permission.CASE_STEP)
    if row.received_on is not None:
        raise WrongState(
            "receipt_recorded", f"该送达记录已登记签收日期 {row.received_on.isoformat()}；如有误，请新增一条送达记录。"
        )
    check_receipt(row.sent_on, received_on, today)
    with audit.changing(
        session,
        row,
        agency=case.agency,
        actor=principal.actor,
        action="document.receipt",
        entity="document_delivery",
    ):
        row.received_on = received_on
        session.flush()
        _feed_clock(session, principal, case, row.document, received_on, today)
    return row


@dataclass(frozen=True)
class Unreceived:
    """A letter whose receipt is not on record past the agency's number of working days: a generated letter
    (``document``), or a fee notice or consultation letter on the timeline for which none was generated."""

    case: DisclosureCase
    kind: LetterKind
    title: str
    document: CaseDocument | None
    number: str | None
    letter_date: date
    step_seq: int | None
    sent_on: date  # the latest hand-over or posting; the letter's date when none is recorded
    sent: bool  # False: no delivery recorded at all, counted from the letter's date
    record_by: date  # app.domain.casefile.receipt_record_by
    working_days: int  # working days since sent_on

    @property
    def label(self) -> str:
        where = f"时间线第{self.step_seq}项" if self.step_seq is not None else ""
        if self.document is None:
            return f"{self.title}（{where}，未在本系统生成文书）"
        return f"{self.title} {self.number or ''}".strip()


def _days_of(session: Session, agencies: dict[int, int], case: DisclosureCase) -> int:
    if case.agency_id not in agencies:
        agencies[case.agency_id] = profile_of(session, case.agency).receipt_overdue_days
    return agencies[case.agency_id]


_WAIT_KIND = {DayNote.FEE: LetterKind.FEE_NOTICE, DayNote.CONSULTATION: LetterKind.CONSULTATION_LETTER}


def awaiting_receipt(session: Session, agency_ids: Collection[int], as_of: date) -> list[Unreceived]:
    """Every letter of the agencies whose receipt is not on record more than the agency's number of working days
    (``receipt_overdue_days``, default 10; ``app.domain.casefile.receipt_overdue``) after it was handed over or
    posted — or, never sent, after its date. The one list behind ``GET /letters/unreceived`` and the overdue
    report's ``delivery_not_recorded``, each letter once:

    - a generated letter without a receipt in its delivery records; a fee notice or consultation letter also
      counts as received when the timeline holds its receipt (recorded by ``POST /cases/{id}/delivery``); of
      several letters generated for one step only the latest counts;
    - a fee notice or consultation letter on the timeline whose receipt the clock lacks and for which no letter
      was generated here (typed elsewhere), counted from the step's day."""
    calendar = load_calendar(session)
    days: dict[int, int] = {}
    rows: list[Unreceived] = []
    latest: dict[tuple[int, str, int], int] = {}
    letters = repository.unreceived_letters(session, agency_ids, as_of)
    for document in letters:
        if document.step_seq is not None:
            key = (document.case_id, document.kind, document.step_seq)
            latest[key] = max(latest.get(key, 0), document.id)
    for document in letters:
        case = document.case
        kind = LetterKind(document.kind)
        assert document.letter_date is not None
        history = [case_service.domain_event(e) for e in case.events]
        seq = letter_step(kind, document.letter_date, document.step_seq, history)
        if document.step_seq is not None and latest[(case.id, document.kind, document.step_seq)] != document.id:
            continue
        if kind in RECEIPT_STARTS_PERIOD and seq is not None and seq in recorded_receipts(history):
            continue
        sent = [d.sent_on for d in document.deliveries]
        since = max(sent) if sent else document.letter_date
        record_by = receipt_overdue(since, as_of, calendar, _days_of(session, days, case))
        if record_by is not None:
            rows.append(
                Unreceived(
                    case,
                    kind,
                    document.title,
                    document,
                    document.number,
                    document.letter_date,
                    seq,
                    since,
                    bool(sent),
                    record_by,
                    calendar.working_days_between(since, as_of),
                )
            )
    cases = repository.undelivered_cases(session, agency_ids, as_of)
    kinds = [k.value for k in RECEIPT_STARTS_PERIOD]
    generated: dict[int, list[CaseDocument]] = {}
    for document in repository.letter_steps(session, [c.id for c in cases], kinds):
        generated.setdefault(document.case_id, []).append(document)
    for case in cases:
        history = [case_service.domain_event(e) for e in case.events]
        covered = {
            letter_step(LetterKind(d.kind), d.letter_date, d.step_seq, history)
            for d in generated.get(case.id, [])
            if d.letter_date is not None
        }
        for wait in open_waits(case.received_date, history, policy_of(case.agency), calendar):
            if wait.delivered or wait.note not in _WAIT_KIND or wait.key in covered:
                continue
            record_by = receipt_overdue(wait.first, as_of, calendar, _days_of(session, days, case))
            if record_by is not None:
                kind = _WAIT_KIND[wait.note]
                rows.append(
                    Unreceived(
                        case,
                        kind,
                        LETTER_LABELS[kind],
                        None,
                        None,
                        wait.first,
                        wait.key,
                        wait.first,
                        False,
                        record_by,
                        calendar.working_days_between(wait.first, as_of),
                    )
                )
    rows.sort(key=lambda u: (u.sent_on, u.case.id, u.step_seq or 0))
    return rows


def unreceived(session: Session, principal: Principal, as_of: date) -> list[Unreceived]:
    """:func:`awaiting_receipt` over the agencies whose cases the principal may read."""
    return awaiting_receipt(session, principal.agency_ids(Permission.CASE_READ), as_of)
