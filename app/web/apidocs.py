"""The API reference (``/docs`` Swagger UI, ``/redoc`` ReDoc) from copies shipped in the package
(``app/web/static/vendor``), so that it works on a network without internet: no CDN, no inline script."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from app.web.pages import templates

router = APIRouter(include_in_schema=False)


def _page(request: Request, name: str) -> HTMLResponse:
    context = {"title": request.app.title, "openapi_url": request.app.openapi_url}
    return templates.TemplateResponse(request, f"apidocs/{name}.html", context)


@router.get("/docs")
def swagger_ui(request: Request) -> HTMLResponse:
    return _page(request, "swagger")


@router.get("/redoc")
def redoc(request: Request) -> HTMLResponse:
    return _page(request, "redoc")
