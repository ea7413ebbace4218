"""HTML forms to and from the API's own schemas: flat form fields in, the same Pydantic bodies out; errors back to the
fields they belong to. Presentation only: every rule is judged by the schemas, ``app.case.service`` and ``app.domain``.
"""

from __future__ import annotations

import types
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError

from app.case.schemas import (
    STEPS,
    ReviewDecision,
    ReviewFiling,
    StepKind,
)
from app.case.service import PROJECTED_DATES, RECOMPUTE_CAUSES
from app.domain.codes import (
    APPLICANT_TYPE_LABELS,
    CHANNEL_LABELS,
    CONSULTATION_PARTY_LABELS,
    DELIVERY_METHOD_LABELS,
    DISPOSITION_GROUP_LABELS,
    DISPOSITIONS,
    REQUEST_FORM_LABELS,
    REVIEW_KIND_LABELS,
    REVIEW_OUTCOME_LABELS,
    ApplicantType,
    Channel,
    ConsultationParty,
    DeliveryMethod,
    Disposition,
    RequestForm,
    ReviewKind,
    ReviewOutcome,
    disposition_label,
)
from app.domain.errors import DomainError
from app.domain.lifecycle import EVENT_TYPE_LABELS, LAPSE_STEPS, EventType
from app.domain.receipt import deciding_fact
from app.errors import validation_message

ENUM_LABELS: dict[type[StrEnum], Mapping[Any, str]] = {
    ApplicantType: APPLICANT_TYPE_LABELS,
    Channel: CHANNEL_LABELS,
    ConsultationParty: CONSULTATION_PARTY_LABELS,
    DeliveryMethod: DELIVERY_METHOD_LABELS,
    RequestForm: REQUEST_FORM_LABELS,
    ReviewKind: REVIEW_KIND_LABELS,
    ReviewOutcome: REVIEW_OUTCOME_LABELS,
}

FIELD_LABELS: dict[str, str] = {
    "on": "日期",
    "note": "备注",
    "until": "截止日期",
    "items": "需补正的全部内容",
    "party": "征求意见对象",
    "addressee": "受文单位或个人",
    "days": "延长的工作日数",
    "approver": "批准人",
    "notice_on": "告知申请人的日期",
    "reason": "延期理由",
    "late_reason": "逾期补正的正当理由",
    "amount": "金额（元）",
    "basis": "收费依据",
    "disposition": "办理结果",
    "delivery": "送达方式",
    "document_number": "答复文号",
    "kind": "类型",
    "filed_on": "立案日期",
    "outcome": "结果",
}
"""Labels of the step bodies' fields (``app.case.schemas``), as the clerk reads them."""

TEXTAREAS = frozenset({"note", "items"})

DOMAIN_ERROR_FIELDS: dict[str, str] = {
    "agency_not_found": "agency",
    "external_ref_exists": "external_ref",
    "receipt_fact_missing": "receipt",
    "disposition_reason_required": "disposition",
    "disposition_unknown": "disposition",
    "until_required": "until",
    "days_required": "days",
    "notice_on_required": "notice_on",
    "disposition_required": "disposition",
    "extension_days_invalid": "days",
    "extension_too_long": "days",
    "extension_notice_before_approval": "notice_on",
    "extension_notice_too_late": "notice_on",
    "correction_period_invalid": "until",
    "correction_late_without_reason": "late_reason",
    "agency_deadline_not_later": "until",
    "event_before_receipt": "on",
    "event_in_future": "on",
    "event_out_of_order": "on",
    "review_decided_before_filed": "on",
    "review_outcome_pending": "outcome",
}
"""Which form field a domain error is about, so that the message is shown next to it (else above the form)."""


@dataclass(frozen=True)
class Widget:
    name: str
    label: str
    kind: str  # date | number | text | textarea | select | disposition
    required: bool
    options: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class StepForm:
    """One form of the case page: where it posts, its title and its fields."""

    path: str
    title: str
    widgets: tuple[Widget, ...]
    supervisor: bool = False


@dataclass
class FormErrors:
    """Messages by form field; ``general`` for those that belong to no one field."""

    fields: dict[str, str] = field(default_factory=dict)
    general: list[str] = field(default_factory=list)
    override: bool = False
    """The change touches a published year's report: the form asks an administrator for a reason."""

    def __bool__(self) -> bool:
        return bool(self.fields or self.general)


def _inner(annotation: Any) -> Any:
    """``X`` from ``X | None``."""
    if get_origin(annotation) in (Union, types.UnionType):
        args = [a for a in get_args(annotation) if a is not type(None)]
        return args[0] if len(args) == 1 else annotation
    return annotation


def widgets_of(model: type[BaseModel]) -> tuple[Widget, ...]:
    """The inputs of a step body, in the order of its fields, typed after the schema's own annotations."""
    out: list[Widget] = []
    for name, info in model.model_fields.items():
        kind: str = "text"
        options: tuple[tuple[str, str], ...] = ()
        inner = _inner(info.annotation)
        if name == "disposition":
            kind = "disposition"
        elif inner is date:
            kind = "date"
        elif inner is int:
            kind = "number"
        elif isinstance(inner, type) and issubclass(inner, StrEnum):
            kind = "select"
            labels = ENUM_LABELS.get(inner, {})
            options = tuple((member.value, labels.get(member, member.value)) for member in inner)
        elif name in TEXTAREAS:
            kind = "textarea"
        out.append(Widget(name, FIELD_LABELS.get(name, name), kind, info.is_required(), options))
    return tuple(out)


def step_forms() -> dict[EventType, StepForm]:
    return {
        event: StepForm(kind.path, EVENT_TYPE_LABELS[event], widgets_of(kind.body)) for event, kind in STEPS.items()
    }


REVIEW_FILING_FORM = StepForm("reviews", "登记行政复议或行政诉讼", widgets_of(ReviewFiling))
REVIEW_DECISION_WIDGETS = widgets_of(ReviewDecision)
STEP_BY_PATH: dict[str, tuple[EventType, StepKind]] = {kind.path: (event, kind) for event, kind in STEPS.items()}


def disposition_groups() -> list[tuple[str, list[tuple[str, str]]]]:
    """The disposition codes a conclusion may give, grouped under the official group labels of the annual table, in
    its order: not a lapse, which the case page records with its own step (``lifecycle.LAPSE_STEPS``)."""
    groups: dict[str, list[tuple[str, str]]] = {}
    for code, info in DISPOSITIONS.items():
        if code in LAPSE_STEPS:
            continue
        group = DISPOSITION_GROUP_LABELS[code.group]
        groups.setdefault(group, []).append((code.value, info.row_label or disposition_label(code)))
    return list(groups.items())


def label_of_disposition(code: str) -> str:
    try:
        return disposition_label(Disposition(code))
    except ValueError:
        return code


def _blank_to_none(value: str | None) -> str | None:
    return value if value and value.strip() else None


def body_data(model: type[BaseModel], form: Mapping[str, str]) -> dict[str, Any]:
    """The form's values for ``model``'s fields; empty inputs are absent, as in a JSON body that omits them."""
    return {name: value for name in model.model_fields if (value := _blank_to_none(form.get(name))) is not None}


ONCE = "once"
"""The registration form's one-time token (``app.idempotency.new_form_token``): a field of the form, not of the case."""


def case_create_data(form: Mapping[str, str]) -> dict[str, Any]:
    """A ``CaseCreate`` body from the registration form, whose field names are the body's dotted paths
    (``applicant.name``). The receipt fact is taken from the chosen channel's fieldset (``receipt@post``)."""
    data: dict[str, Any] = {"applicant": {}, "receipt": {}, "request": {}}
    for key, raw in form.items():
        value = _blank_to_none(raw)
        if value is None or key in ("csrf_token", ONCE) or key.startswith("receipt@"):
            continue
        head, _, tail = key.partition(".")
        if tail and head in data:
            data[head][tail] = value
        elif not tail and head not in data:
            data[head] = value
    try:
        channel = Channel(form.get("channel", ""))
    except ValueError:
        return data
    fact = _blank_to_none(form.get(f"receipt@{channel.value}"))
    if fact is not None:
        data["receipt"][deciding_fact(channel)] = fact
    return data


def validation_errors(exc: ValidationError) -> FormErrors:
    """Pydantic's errors by form field: the location joined with dots is the field's name in the form."""
    errors = FormErrors()
    for error in exc.errors():
        name = ".".join(str(part) for part in error["loc"])
        if name.startswith("receipt."):
            name = "receipt"
        errors.fields.setdefault(name or "_", validation_message(error))
    if "_" in errors.fields:
        errors.general.append(errors.fields.pop("_"))
    return errors


def domain_errors(exc: DomainError, known: set[str]) -> FormErrors:
    """A domain error next to the field it is about when the form has it, else above the form."""
    errors = FormErrors()
    name = DOMAIN_ERROR_FIELDS.get(exc.code)
    if name is not None and name in known:
        errors.fields[name] = exc.detail
    else:
        errors.general.append(exc.detail)
    return errors


DATA_LABELS: dict[str, str] = {
    "channel": "提交方式",
    "review_id": "复议或诉讼记录",
    "cause": "原因",
    "old": "原期限",
    "new": "新期限",
}
VALUE_LABELS: dict[str, Mapping[Any, str]] = {
    "cause": RECOMPUTE_CAUSES,
    "channel": CHANNEL_LABELS,
    "party": CONSULTATION_PARTY_LABELS,
    "delivery": DELIVERY_METHOD_LABELS,
    "kind": REVIEW_KIND_LABELS,
    "outcome": REVIEW_OUTCOME_LABELS,
}
HIDDEN_DATA = frozenset({"calendar_version"})


def validation_summary(exc: ValidationError, labels: Mapping[str, str]) -> str:
    """A form's refused values in one line: each field's label (``labels``, e.g. 「送达方式：」) and what is wrong."""
    return "；".join(
        f"{labels.get(str(error['loc'][0]), '') if error.get('loc') else ''}{validation_message(error)}"
        for error in exc.errors()
    )


def event_facts(data: Mapping[str, Any]) -> list[tuple[str, str]]:
    """A timeline entry's recorded data as label and text, codes shown by their labels."""
    facts: list[tuple[str, str]] = []
    for key, value in data.items():
        if key in HIDDEN_DATA or value is None:
            continue
        if key == "disposition":
            text = label_of_disposition(str(value))
        elif isinstance(value, dict):
            text = "；".join(f"{PROJECTED_DATES.get(k, k)} {v or '—'}" for k, v in value.items())
        elif key in VALUE_LABELS:
            text = VALUE_LABELS[key].get(value, str(value))
        else:
            text = str(value)
        facts.append((FIELD_LABELS.get(key) or DATA_LABELS.get(key, key), text))
    return facts
