"""The clerks' web pages, assembled: each area is a module with its own router (``app/web/<area>.py``, built with
``app.web.pages.page_router``), included here. Shared machinery (templates, the visitor, CSRF, error pages) is in
``app.web.pages``."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI
from fastapi.staticfiles import StaticFiles

from app.web import account, admin, apidocs, cases, deadline, letters, overdue, report_document, reports
from app.web.pages import HERE

router = APIRouter(include_in_schema=False)
router.include_router(account.router)
router.include_router(cases.router)
router.include_router(deadline.router)
router.include_router(apidocs.router)
router.include_router(letters.router)
router.include_router(report_document.router)
router.include_router(reports.router)
router.include_router(overdue.router)
router.include_router(admin.router)


def install(app: FastAPI) -> None:
    """The pages and their stylesheet, outside ``/api/v1``."""
    app.include_router(router)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
