"""Generating a case's letters: the facts from the case's own timeline, the law from ``app.domain.letters``, the
layout from the agency's template (or the default), a gap-free 文号, and the result kept in the case file.

A letter reports one step of the timeline (``LETTER_STEP``): its date and facts are that step's, and the deadline it
states is the one the clock gave *as of that step*, so a letter made later never disagrees with the file."""

from __future__ import annotations

import logging
import queue
import threading
from contextlib import suppress
from dataclasses import dataclass
from datetime import date
from functools import partial
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from app.agency.repository import policy_of
from app.auth.principal import Principal
from app.case import service as case_service
from app.db import transaction
from app.document import docx, files, repository, templates
from app.document.naming import safe_filename
from app.document.profile import profile_of
from app.document.variables import LETTER_VARIABLES
from app.domain.clock import project
from app.domain.codes import (
    CHANNEL_LABELS,
    CONSULTATION_PARTY_LABELS,
    ApplicantType,
    Channel,
    ConsultationParty,
    Disposition,
    disposition_label,
)
from app.domain.errors import InvalidInput, WrongState
from app.domain.letters import (
    ARTICLE36_LABELS,
    FEE_MEASURES,
    LETTER_LABELS,
    LETTER_STEP,
    LETTER_TO_THIRD_PARTY,
    REGULATION,
    Fact,
    LetterKind,
    check_reasons_until,
    decision_text,
    letter_number,
    remedy_clause,
)
from app.domain.lifecycle import CONCLUDING_EVENTS, EventType
from app.domain.roles import Permission
from app.holiday.repository import load_calendar
from app.models import CaseDocument, CaseEvent, DisclosureCase
from app.settings import Settings

SILENCE: dict[ConsultationParty, str] = {
    ConsultationParty.THIRD_PARTY: "逾期未提出意见的，由本机关依照《中华人民共和国政府信息公开条例》的规定"
    "决定是否公开。",
    ConsultationParty.CO_PRODUCER: "逾期未提出意见的，视为同意公开。",
}
"""条例 Art. 32 (a third party's silence leaves the decision to the agency) and Art. 34 (a co-producing agency's
silence is consent)."""

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LetterRequest:
    kind: LetterKind
    facts: dict[Fact, str]
    reasons_until: date | None = None
    step: int | None = None  # the timeline seq of the step to report; default its latest occurrence


def cn_date(value: date | None) -> str:
    return f"{value.year}年{value.month}月{value.day}日" if value else ""


def _step_event(case: DisclosureCase, kind: LetterKind, seq: int | None = None) -> CaseEvent | None:
    """The step a ``kind`` letter reports (the one numbered ``seq``, else its latest occurrence: several consultation
    letters may be out at once, 条例 Art. 32–34), or None for a letter that reports none."""
    if seq is not None:
        step = LETTER_STEP[kind]
        chosen = next((e for e in case.events if e.seq == seq), None)
        allowed = CONCLUDING_EVENTS if kind is LetterKind.REPLY else {step} if step is not None else set()
        if chosen is None or EventType(chosen.type) not in allowed:
            raise InvalidInput(
                "letter_step_mismatch",
                f"时间线第{seq}项不是「{LETTER_LABELS[kind]}」所报告的步骤，请核对 step。",
            )
        return chosen
    if kind is LetterKind.REPLY:
        if case.disposition is None:
            raise WrongState("letter_case_open", "该申请尚未办结，请先登记办理结果，再生成答复书。")
        return next(e for e in reversed(case.events) if EventType(e.type) in CONCLUDING_EVENTS)
    step = LETTER_STEP[kind]
    if step is None:
        return None
    event = next((e for e in reversed(case.events) if e.type == step.value), None)
    if event is None:
        raise WrongState(
            "letter_step_missing",
            f"生成「{LETTER_LABELS[kind]}」前，请先在时间线上登记相应步骤（{step.value}），文书的日期和内容取自该步骤。",
        )
    return event


def _before(case: DisclosureCase, event: CaseEvent | None, type_: EventType) -> CaseEvent | None:
    limit = event.seq if event is not None else len(case.events) + 1
    return next((e for e in reversed(case.events) if e.seq <= limit and e.type == type_.value), None)


def build_context(
    session: Session, case: DisclosureCase, request: LetterRequest, event: CaseEvent | None, on: date
) -> tuple[dict[str, Any], str | None, Disposition | None]:
    """The template variables of a letter (``app.document.variables``), its remedy clause and disposition."""
    kind = request.kind
    profile = profile_of(session, case.agency)
    calendar = load_calendar(session)
    history = [case_service.domain_event(e) for e in case.events if event is None or e.seq <= event.seq]
    projection = project(case.received_date, history, policy_of(case.agency), calendar)
    data: dict[str, Any] = dict(event.data) if event is not None else {}
    correction = _before(case, event, EventType.CORRECTION_REQUESTED)
    corrected = _before(case, event, EventType.CORRECTION_RECEIVED)
    consultation = _before(case, event, EventType.CONSULTATION_STARTED)
    fee = _before(case, event, EventType.FEE_NOTICE_SENT)
    disposition = Disposition(case.disposition) if kind is LetterKind.REPLY and case.disposition else None
    remedy = remedy_clause(
        kind,
        level=profile.level,
        review_body=profile.review_body,
        court=profile.court,
        on=on,
        disposition=disposition,
    )
    party = ConsultationParty(consultation.data["party"]) if consultation is not None else None
    context: dict[str, Any] = dict.fromkeys(LETTER_VARIABLES, "")
    context.update(
        title=LETTER_LABELS[kind],
        letter_date=cn_date(on),
        agency_name=case.agency.name,
        agency_address=profile.address or "",
        agency_phone=profile.phone or "",
        addressee=consultation.data.get("addressee", "") if kind in LETTER_TO_THIRD_PARTY and consultation else "",
        applicant_name=case.applicant_name,
        applicant_address=case.applicant_address or "",
        case_number=case.number,
        channel=CHANNEL_LABELS[Channel(case.channel)],
        received_date=cn_date(case.received_date),
        correction_received_date=cn_date(corrected.on) if corrected else "",
        request_summary=case.request_description,
        due_date=cn_date(projection.due_date),
        statutory_due_date=cn_date(projection.statutory_due_date),
        correction_items=correction.data.get("items", "") if correction else "",
        correction_until=cn_date(date.fromisoformat(correction.data["until"])) if correction else "",
        extension_days=str(data.get("days", "")) if kind is LetterKind.EXTENSION_NOTICE else "",
        consulted_party=consultation.data.get("addressee", "") if consultation else "",
        consultation_party_kind=CONSULTATION_PARTY_LABELS[party] if party else "",
        consultation_silence=SILENCE[party] if party else "",
        fee_amount=str(fee.data.get("amount", "")) if fee else "",
        fee_basis=(fee.data.get("basis") or "") if fee else "",
        fee_payment=profile.payment_instructions or "",
        reasons_until=cn_date(request.reasons_until),
        findings=request.facts.get(Fact.FINDINGS, ""),
        remedy=remedy.text if remedy else "",
    )
    if not context["addressee"]:
        context["addressee"] = case.applicant_name
    if kind is LetterKind.REASONS_NOTICE and request.reasons_until is None:
        raise InvalidInput("letter_facts_missing", "说明理由告知书须写明说明理由的期限（reasons_until）。")
    if request.reasons_until is not None:
        check_reasons_until(on, request.reasons_until)
    if disposition is not None:
        basis, text = decision_text(disposition, request.facts)
        law = FEE_MEASURES if disposition is Disposition.OTHER_FEE_UNPAID else REGULATION
        context.update(
            disposition=disposition_label(disposition),
            reply_type=ARTICLE36_LABELS[basis.reply_type] if basis.reply_type else "",
            legal_basis=f"{law}{'、'.join(basis.articles)}" if basis.articles else "",
            decision=text,
        )
    return context, remedy.text if remedy else None, disposition


def generate(session: Session, principal: Principal, case_id: int, request: LetterRequest, today: date) -> CaseDocument:
    """Make a ``kind`` letter for the case and keep it in the case file, numbered. The case row is locked for the
    transaction, so two clerks generating at once get consecutive numbers, never the same one."""
    case = case_service.get_case(session, principal, case_id, Permission.CASE_STEP)
    event = _step_event(case, request.kind, request.step)
    on = event.on if event is not None else today
    context, remedy, disposition = build_context(session, case, request, event, on)
    profile = profile_of(session, case.agency)
    seq = repository.next_letter_sequence(session, case.agency_id, request.kind.value, on.year)
    number = letter_number(profile.pattern(request.kind), profile.number_prefix, on.year, seq)
    context["number"] = number
    template = templates.effective(session, case.agency_id, request.kind.value)
    content = docx.render(template.content, context, isolated=template.custom)
    title = LETTER_LABELS[request.kind]
    return files.store(
        session,
        principal,
        case,
        "document.generate",
        content,
        kind=request.kind.value,
        origin="generated",
        title=title,
        filename=safe_filename(f"{case.number}-{title}-{number}.docx", f"{request.kind.value}.docx"),
        media_type=docx.DOCX_MEDIA_TYPE,
        # a letter about a natural person's application names them (and may give their address): personal
        # information, read in full only with case.read_personal, like an ID copy (个人信息保护法 第四条)
        personal=case.applicant_type == ApplicantType.NATURAL_PERSON,
        number=number,
        letter_date=on,
        addressee=context["addressee"][:200],
        disposition=disposition.value if disposition else None,
        remedy=remedy,
        template_sha256=template.sha256,
        step_seq=event.seq if event is not None else None,
    )


def attach_pdf(
    factory: sessionmaker[Session], document_id: int, settings: Settings, *, wait: float = 0.0, reserved: bool = False
) -> bool:
    """Render a stored letter that has no PDF yet to PDF with LibreOffice and keep it beside the DOCX. The conversion
    runs between two short transactions, never inside one (design mistake 7); without LibreOffice it does nothing.
    Bounded (``app.document.docx.conversion_slot``): :class:`~app.document.docx.ConverterBusy` when every slot is
    taken for ``wait`` seconds; ``reserved``: the caller took the slot (``docx.reserve_slot``) and this gives it
    back. The slot is held until the PDF is stored: a reader asking for it in between would otherwise find neither
    the PDF nor a conversion running, and start a second one."""
    slot = docx.conversion_slot(settings.pdf_conversions, wait, settings.pdf_timeout_seconds, reserved=reserved)
    with slot:
        with transaction(factory) as session:
            content = repository.letter_without_pdf(session, document_id)
        pdf = docx.to_pdf(content, timeout=settings.pdf_timeout_seconds) if content is not None else None
        if pdf is None:
            return False
        with transaction(factory) as session:
            repository.set_pdf(session, document_id, pdf)
    return True


_queued: queue.SimpleQueue[tuple[sessionmaker[Session], int, Settings]] = queue.SimpleQueue()
_renderers: list[threading.Thread] = []
_renderers_lock = threading.Lock()


def render_pdf_later(factory: sessionmaker[Session], document_id: int, settings: Settings) -> None:
    """Queue the rendering of a letter just generated (call it once the letter is committed: after the response) and
    return at once. The queue is worked by the process's own renderer threads, as many as its LibreOffice slots
    (``GONGKAI_PDF_CONVERSIONS``): each takes a letter, waits for a slot as long as one conversion may take, then
    leaves it without PDF (made on demand by ``GET /documents/{id}/content?format=pdf``). The wait was a background
    task of the request: it held one of the process's request slots (``app.concurrency``) and a request thread while
    LibreOffice was busy, so a clerk generating letters in a row made every page wait, then answer 503."""
    with _renderers_lock:
        while len(_renderers) < settings.pdf_conversions:
            renderer = threading.Thread(target=_render_queued, name="gongkai-pdf", daemon=True)
            renderer.start()
            _renderers.append(renderer)
    _queued.put((factory, document_id, settings))


def render_reserved(factory: sessionmaker[Session], document_id: int, settings: Settings) -> None:
    """Render now, in a thread of its own, a letter whose caller took the slot (``docx.reserve_slot``): at most as many
    of these run as there are slots, and none waits for one."""
    work = partial(_render_logged, factory, document_id, settings, reserved=True)
    threading.Thread(target=work, name="gongkai-pdf-now", daemon=True).start()


def _render_queued() -> None:
    while True:
        factory, document_id, settings = _queued.get()
        _render_logged(factory, document_id, settings, wait=settings.pdf_timeout_seconds)


def _render_logged(
    factory: sessionmaker[Session], document_id: int, settings: Settings, *, wait: float = 0.0, reserved: bool = False
) -> None:
    """:func:`attach_pdf` off the request path: a failure is logged (the PDF is then made on demand), never raised
    into a thread that must go on."""
    try:
        with suppress(docx.ConverterBusy):
            attach_pdf(factory, document_id, settings, wait=wait, reserved=reserved)
    except Exception:
        log.exception("the PDF rendering of document %s failed", document_id)
