"""The deadline of a case, day by day (``app.domain.clock.explain`` through ``app.case.service``)."""

from __future__ import annotations

from datetime import timedelta

from fastapi import Request
from fastapi.responses import HTMLResponse

from app.case import service as case_service
from app.deps import SessionDep
from app.domain.clock import ExplanationStep
from app.inputs import RowId
from app.web.pages import VisitorDep, page_router, render

router = page_router()


def _weeks(steps: tuple[ExplanationStep, ...]) -> list[list[ExplanationStep | None]]:
    """The explanation's days laid out Monday to Sunday, one row per week."""
    if not steps:
        return []
    by_day = {step.on: step for step in steps}
    day = steps[0].on - timedelta(days=steps[0].on.weekday())
    weeks: list[list[ExplanationStep | None]] = []
    while day <= steps[-1].on:
        weeks.append([by_day.get(day + timedelta(days=i)) for i in range(7)])
        day += timedelta(days=7)
    return weeks


@router.get("/cases/{case_id}/deadline")
def deadline_page(request: Request, case_id: RowId, session: SessionDep, visitor: VisitorDep) -> HTMLResponse:
    case = case_service.get_case(session, visitor.principal, case_id)
    explanation = case_service.explain_deadline(session, visitor.principal, case_id)
    return render(
        request,
        "deadline.html",
        {"case": case, "explanation": explanation, "weeks": _weeks(explanation.steps)},
        visitor=visitor,
    )
