"""RFC 9457 problem details: the one shape of every error the API returns.

Domain and service code raise ``DomainError`` subclasses; only this module knows HTTP status codes.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm.exc import StaleDataError
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.db import Busy, Outage, unavailable
from app.domain.errors import DomainError, ErrorKind

log = logging.getLogger("gongkai")

PROBLEM_JSON = "application/problem+json"

STATUS_BY_KIND = {
    ErrorKind.INVALID: 422,
    ErrorKind.CONFLICT: 409,
    ErrorKind.NOT_FOUND: 404,
    ErrorKind.FORBIDDEN: 403,
    ErrorKind.STALE: 412,
}


STATUS_TITLES = {
    400: "请求无效",
    401: "需要登录或访问令牌",
    403: "无权进行此项操作",
    404: "未找到",
    405: "不支持的请求方法",
    409: "与现有状态冲突",
    412: "内容已被他人修改",
    413: "请求内容过大",
    422: "请求内容有误",
    429: "请求过于频繁",
    500: "服务器内部错误",
    503: "暂时无法服务",
}
"""A short summary of an HTTP status for a person, in Chinese: a problem's ``title`` (the same for every occurrence of
a ``code``: each code has one status) and the heading of the clerks' error page. What went wrong this time is the
``detail``; what a program matches on is the ``code``."""


def status_title(status: int) -> str:
    return STATUS_TITLES.get(status, "出错了" if status >= 500 else "请求有误")


class ApiError(Exception):
    """An error that belongs to the HTTP edge itself (authentication, preconditions, limits)."""

    def __init__(self, status: int, code: str, detail: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(detail)
        self.status = status
        self.code = code
        self.detail = detail
        self.headers = headers


def problem(
    request: Request,
    status: int,
    code: str,
    detail: str,
    *,
    errors: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": f"https://gongkai.example/problems/{code}",
        "title": status_title(status),
        "status": status,
        "code": code,
        "detail": detail,
        "instance": str(request.url.path),
        "request_id": getattr(request.state, "request_id", None),
    }
    if errors:
        body["errors"] = errors
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def database_unavailable(request: Request, outage: Outage) -> JSONResponse:
    """503 with ``Retry-After``: the database is down, full, read-only or overloaded (``app.db.unavailable``)."""
    log.warning("database unavailable (%s) on %s %s", outage.reason, request.method, request.url.path)
    headers = {"Retry-After": str(outage.retry_after)}
    return problem(request, 503, "database_unavailable", outage.detail, headers=headers)


async def handled(request: Request, exc: Exception) -> Response:
    """The answer the application's error handlers give to ``exc``: for errors raised in a middleware (outside the
    routes, e.g. ``app.idempotency``), which would otherwise end as a bare 500 or a dropped connection."""
    handlers: dict[Any, Any] = request.app.exception_handlers
    handler = next((handlers[cls] for cls in type(exc).__mro__ if cls in handlers), None)
    if handler is None:
        raise exc
    response = handler(request, exc)
    result: Response = await response if inspect.isawaitable(response) else response
    return result


def validation_message(error: Mapping[str, Any]) -> str:
    """Pydantic's error for one field, in Chinese (the API, the web forms and the CLI all say it this way). Unknown
    error types fall back to a general sentence rather than pydantic's English."""
    kind = str(error.get("type", ""))
    ctx = error.get("ctx") or {}
    if kind == "missing" or (kind == "string_too_short" and ctx.get("min_length") == 1):
        return "必填。"
    # A length of text is in characters, of a list in items (a length on an optional form field comes as the
    # general too_long, with the text as its input).
    unit = "个字符" if kind.startswith("string") or isinstance(error.get("input"), str) else "项"
    if kind in ("string_too_short", "too_short"):
        return f"至少 {ctx.get('min_length')} {unit}。"
    if kind in ("string_too_long", "too_long"):
        return f"最多 {ctx.get('max_length')} {unit}。"
    if kind.startswith("datetime"):
        return "时间格式应为 YYYY-MM-DDTHH:MM:SS。"
    if kind.startswith("date"):
        return "日期格式应为 YYYY-MM-DD。"
    if kind.startswith("int") or kind == "multiple_of":
        return "应为整数。"
    if kind.startswith(("float", "decimal")):
        return "应为数字。"
    if kind.startswith("bool"):
        return "应为是或否（true / false）。"
    for bound, text in (("greater_than_equal", "不能小于"), ("less_than_equal", "不能大于")):
        if kind == bound:
            return f"{text} {ctx.get('ge', ctx.get('le'))}。"
    if kind == "greater_than":
        return f"应大于 {ctx.get('gt')}。"
    if kind == "less_than":
        return f"应小于 {ctx.get('lt')}。"
    if kind in ("enum", "literal_error"):
        expected = ctx.get("expected")
        return f"请从允许的值中选择：{expected}。" if expected else "请从列表中选择。"
    if kind == "extra_forbidden":
        return "不认识的字段，请删除。"
    if kind == "string_pattern_mismatch":
        return "格式不正确。"
    if kind.startswith("string") or kind == "string_type":
        return "应为文字。"
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return "应为一个对象（JSON 对象）。"
    if kind in ("list_type", "tuple_type", "set_type"):
        return "应为列表。"
    if kind == "finite_number":
        return "应为有限的数字（不能是无穷大或非数字）。"
    if kind == "url_scheme":
        return "网址应以 http:// 或 https:// 开头。"
    if kind == "url_too_long":
        return f"网址最多 {ctx.get('max_length')} 个字符。"
    if kind.startswith("url"):
        return "不是有效的网址（例如 https://oa.example.gov.cn/hooks/gongkai；端口应在 1–65535 之间）。"
    if kind == "json_invalid":  # its location ends in the character's offset, not a field
        at = next((part for part in reversed(error.get("loc", ())) if isinstance(part, int)), None)
        return f"不是有效的 JSON（第 {at + 1} 个字符附近）。" if at is not None else "不是有效的 JSON。"
    # Our own checks (``value_error`` from a validator, custom types such as ``control_character``) say it in Chinese.
    message = str(error.get("msg", "")).removeprefix("Value error, ")
    return message if _is_chinese(message) else "取值无效。"


def _is_chinese(text: str) -> bool:
    """Whether a message is already written for a Chinese reader (ours), rather than a library's English."""
    return any("\u4e00" <= c <= "\u9fff" for c in text)


HTTP_REFUSALS = {
    400: ("bad_request", "请求格式有误（例如表单或上传内容无法解析、缺少分隔符或单个字段过大），请检查后重试。"),
    404: ("not_found", "请求的资源不存在。"),
    405: ("method_not_allowed", "该地址不支持此请求方法。"),
    413: ("payload_too_large", "请求内容过大。"),
}
"""Refusals raised by the framework itself (Starlette's form parser, routing), whose own details are English."""


def http_refusal(exc: StarletteHTTPException) -> tuple[str, str]:
    """The stable code and the Chinese detail of a framework ``HTTPException``; a detail of ours (in Chinese) is
    kept."""
    code, detail = HTTP_REFUSALS.get(exc.status_code, (f"http_{exc.status_code}", "请求无法处理。"))
    ours = str(exc.detail)
    return code, ours if _is_chinese(ours) else detail


def refusal(request: Request, status: int, code: str, detail: str, headers: dict[str, str] | None = None) -> Response:
    """A refusal outside any route (an unknown path, a body too large, a bad URL): problem+json, or the clerks'
    error page for a browser asking for a page (not under ``/api/``, ``Accept: text/html``)."""
    if request.url.path.startswith("/api/") or "text/html" not in request.headers.get("accept", ""):
        return problem(request, status, code, detail, headers=headers)
    from app.web.pages import error_page  # the pages' layout; imported late, the web package imports this one

    page = error_page(request, status, detail)
    page.headers.update(headers or {})
    return page


def _field_path(loc: tuple[Any, ...] | list[Any]) -> str:
    return ".".join(str(part) for part in loc if part not in ("body", "query", "path", "header"))


def install(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    def domain_error(request: Request, exc: DomainError) -> JSONResponse:
        return problem(request, STATUS_BY_KIND[exc.kind], exc.code, exc.detail)

    @app.exception_handler(ApiError)
    def api_error(request: Request, exc: ApiError) -> JSONResponse:
        return problem(request, exc.status, exc.code, exc.detail, headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {
                "field": "" if e.get("type") == "json_invalid" else _field_path(e.get("loc", ())),
                "message": validation_message(e),
                "type": e.get("type", ""),
            }
            for e in exc.errors()
        ]
        fields = "、".join(sorted({e["field"] or "请求体" for e in errors}))
        return problem(request, 422, "validation_failed", f"请求内容有误，请检查：{fields}", errors=errors)

    @app.exception_handler(StarletteHTTPException)
    def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        code, detail = http_refusal(exc)
        return refusal(request, exc.status_code, code, detail, headers=getattr(exc, "headers", None))

    @app.exception_handler(IntegrityError)
    def integrity_error(request: Request, exc: IntegrityError) -> JSONResponse:
        log.warning("integrity error: %s", exc.orig)
        return problem(request, 409, "conflict", "数据与已有记录冲突（可能是同时提交），请刷新后重试。")

    @app.exception_handler(StaleDataError)
    def stale(request: Request, exc: StaleDataError) -> JSONResponse:
        return problem(request, 409, "concurrent_update", "该申请刚被他人修改，请刷新后再操作。")

    @app.exception_handler(OverflowError)
    @app.exception_handler(DataError)
    def out_of_range(request: Request, exc: Exception) -> JSONResponse:
        # A number the database cannot hold (e.g. a 30-digit id or page in the URL): the input's fault, not ours.
        return problem(request, 422, "value_out_of_range", "请求中的数值超出允许范围，请检查编号、页码或年份。")

    @app.exception_handler(DBAPIError)
    @app.exception_handler(Busy)
    @app.exception_handler(PoolTimeout)
    def database_error(request: Request, exc: Exception) -> JSONResponse:
        # Down, full, read-only (issue #11) or overloaded: no lock, connection or request slot within busy_timeout
        # (issue #9, app.concurrency). One answer for all: 503 problem+json with Retry-After.
        outage = unavailable(exc)
        return database_unavailable(request, outage) if outage else unexpected(request, exc)

    @app.exception_handler(Exception)
    def unexpected(request: Request, exc: Exception) -> JSONResponse:
        if outage := unavailable(exc):  # raised by a middleware (e.g. app.idempotency), outside the routes
            return database_unavailable(request, outage)
        log.exception("unexpected error (request %s)", getattr(request.state, "request_id", "-"), exc_info=exc)
        return problem(request, 500, "internal_error", "服务器内部错误，请将请求编号告知管理员。")
