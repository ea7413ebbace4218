"""超期提醒: what the nightly overdue report would say now, by kind, and what is new since its last delivered run
(``app.overdue.service.preview``: nothing is recorded or delivered from this page)."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import HTMLResponse

from app.deps import SessionDep, TodayDep
from app.domain.overdue import DEFAULT_DUE_WITHIN, FINDING_LABELS, FindingKind
from app.domain.roles import Permission
from app.inputs import plain_int
from app.overdue import service
from app.overdue.schemas import OverdueItem
from app.web.pages import VisitorDep, page_router, render
from app.web.reports import readable_agencies

router = page_router()


@router.get("/overdue")
def overdue_page(request: Request, session: SessionDep, today: TodayDep, visitor: VisitorDep) -> HTMLResponse:
    visitor.principal.require_anywhere(Permission.REPORT_READ)
    agency = request.query_params.get("agency") or None
    raw = request.query_params.get("due_within", "")
    chosen = plain_int(raw)
    due_within = chosen if chosen is not None and chosen <= 20 else DEFAULT_DUE_WITHIN
    readable = visitor.principal.agency_ids(Permission.REPORT_READ)
    report = service.preview(session, readable, agency, today, due_within)
    return render(
        request,
        "overdue.html",
        {
            "report": report,
            "by_kind": _by_kind(report.items),
            "labels": FINDING_LABELS,
            "agency": agency or "",
            "due_within": due_within,
            "readable": readable_agencies(session, visitor),
            "new_keys": {i.key for i in report.changes.new} if report.changes else set(),
            "breach": FindingKind.STATUTORY_OVERDUE,
        },
        visitor=visitor,
    )


def _by_kind(items: list[OverdueItem]) -> dict[FindingKind, list[OverdueItem]]:
    """The findings under their kind, most serious kind first, soonest date first within it."""
    grouped: dict[FindingKind, list[OverdueItem]] = {kind: [] for kind in FindingKind}
    for item in items:
        grouped[item.kind].append(item)
    return {kind: sorted(found, key=lambda i: (i.due_date, i.case_number)) for kind, found in grouped.items() if found}
