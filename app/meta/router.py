from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import TypeVar

from fastapi import APIRouter
from pydantic import BaseModel

from app.auth.dependencies import PrincipalDep
from app.deps import UnitRoute
from app.domain import codes
from app.domain.lifecycle import CASE_STATUS_LABELS, EVENT_TYPE_LABELS

router = APIRouter(route_class=UnitRoute, prefix="/meta", tags=["meta"])
E = TypeVar("E", bound=StrEnum)


class Code(BaseModel):
    code: str
    label: str


class DispositionCode(Code):
    group: str
    group_label: str
    row_label: str
    basis: str


class Codes(BaseModel):
    applicant_types: list[Code]
    channels: list[Code]
    dispositions: list[DispositionCode]
    review_kinds: list[Code]
    review_outcomes: list[Code]
    consultation_parties: list[Code]
    request_forms: list[Code]
    delivery_methods: list[Code]
    event_types: list[Code]
    statuses: list[Code]


def _codes(labels: Mapping[E, str]) -> list[Code]:
    return [Code(code=str(code), label=label) for code, label in labels.items()]


@router.get("/codes")
def list_codes(_principal: PrincipalDep) -> Codes:
    """Every code the API accepts or returns, with the official Chinese label (国办公开办函〔2021〕30号 for tables)."""
    return Codes(
        applicant_types=_codes(codes.APPLICANT_TYPE_LABELS),
        channels=_codes(codes.CHANNEL_LABELS),
        dispositions=[
            DispositionCode(
                code=d.value,
                label=codes.disposition_label(d),
                group=d.group.value,
                group_label=codes.DISPOSITION_GROUP_LABELS[d.group],
                row_label=info.row_label,
                basis=info.basis,
            )
            for d, info in codes.DISPOSITIONS.items()
        ],
        review_kinds=_codes(codes.REVIEW_KIND_LABELS),
        review_outcomes=_codes(codes.REVIEW_OUTCOME_LABELS),
        consultation_parties=_codes(codes.CONSULTATION_PARTY_LABELS),
        request_forms=_codes(codes.REQUEST_FORM_LABELS),
        delivery_methods=_codes(codes.DELIVERY_METHOD_LABELS),
        event_types=_codes(EVENT_TYPE_LABELS),
        statuses=_codes(CASE_STATUS_LABELS),
    )
