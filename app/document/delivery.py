"""Delivery records (送达) of a case's letters, and the letters whose receipt is still unconfirmed."""

from __future__ import annotations

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
    receipt_overdue_since,
)
from app.domain.clock import open_waits
from app.domain.errors import InvalidInput, NotFound, WrongState
from app.domain.letters import LetterKind
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


def _snapshot(row: DocumentDelivery) -> dict[str, object]:
    return audit.snapshot(row)


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
    document.deliveries.append(row)
    session.flush()
    if body.received_on is not None:
        _feed_clock(session, principal, case, document, body.received_on, today)
    audit.record(
        session,
        agency=case.agency,
        actor=principal.actor,
        action="document.delivery",
        entity="document_delivery",
        entity_id=row.id,
        before=None,
        after=_snapshot(row),
    )
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
    before = _snapshot(row)
    row.received_on = received_on
    session.flush()
    _feed_clock(session, principal, case, row.document, received_on, today)
    audit.record(
        session,
        agency=case.agency,
        actor=principal.actor,
        action="document.receipt",
        entity="document_delivery",
        entity_id=row.id,
        before=before,
        after=_snapshot(row),
    )
    return row


@dataclass(frozen=True)
class Unreceived:
    document: CaseDocument
    case_number: str
    agency: str
    sent_on: date
    sent: bool  # False: no delivery recorded at all, counted from the letter's date
    working_days: int


def unreceived(session: Session, principal: Principal, as_of: date) -> list[Unreceived]:
    """Letters without a recorded receipt more than the agency's configured number of working days (default 10)
    after they were handed over or posted — or, never sent, after their date."""
    scope = principal.agency_ids(Permission.CASE_READ)
    calendar = load_calendar(session)
    rows: list[Unreceived] = []
    profiles: dict[int, int] = {}
    for document in repository.unreceived_letters(session, scope, as_of):
        case = document.case
        if document.agency_id not in profiles:
            profiles[document.agency_id] = profile_of(session, case.agency).receipt_overdue_days
        sent = [d.sent_on for d in document.deliveries]
        since = max(sent) if sent else document.letter_date
        assert since is not None
        days = receipt_overdue_since(since, as_of, calendar, profiles[document.agency_id])
        if days is not None:
            rows.append(Unreceived(document, case.number, case.agency.code, since, bool(sent), days))
    return rows
