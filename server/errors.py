"""The one error shape of the API, and the domain errors services raise.

Services never raise HTTP exceptions; they raise the domain errors below, and the handlers registered in
``register_error_handlers`` turn every failure (domain error, werkzeug HTTP error, marshmallow validation,
database outage, anything unexpected) into::

    {"error": {"code": "...", "message": "...", "details": {...}, "request_id": "..."}}
"""

from __future__ import annotations

import logging
import math
import time
from typing import Any

from flask import Flask, g, has_request_context, jsonify
from marshmallow import ValidationError
from sqlalchemy.exc import DataError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException

log = logging.getLogger("server.errors")


class ApiError(Exception):
    """Base of every error that reaches the client with a stable code."""

    status = 500
    code = "internal_error"
    message = "服务器内部错误"

    def __init__(self, message: str | None = None, *, details: dict[str, Any] | None = None):
        super().__init__(message or self.message)
        self.message = message or self.message
        self.details = details or {}


class BadRequest(ApiError):
    status, code, message = 400, "bad_request", "请求格式错误"


class Unauthorized(ApiError):
    status, code, message = 401, "unauthorized", "请先登录"


class Forbidden(ApiError):
    status, code, message = 403, "forbidden", "无权执行此操作"


class CsrfFailed(Forbidden):
    code, message = "csrf_failed", "缺少或无效的 X-CSRF-Token"


class NotFound(ApiError):
    status, code, message = 404, "not_found", "对象不存在"


class MethodNotAllowed(ApiError):
    status, code, message = 405, "method_not_allowed", "不支持该请求方法"


class Conflict(ApiError):
    status, code, message = 409, "conflict", "与当前状态冲突"


class UsernameTaken(Conflict):
    """Another user already has this name, up to case, width and surrounding spaces (``COUNTY_ADMIN``)."""

    code, message = "username_taken", "用户名已存在（不区分大小写和全角半角）"


class SignOffRace(Conflict):
    """Two sign-offs of one township at the same moment: the other one became current first."""

    code, message = "signoff_conflict", "本乡镇刚有另一份上报提交，请刷新后查看"


class PayloadTooLarge(ApiError):
    status, code, message = 413, "payload_too_large", "上传内容过大"


class UnsupportedMediaType(ApiError):
    status, code, message = 415, "unsupported_media_type", "不支持的文件类型"


class Invalid(ApiError):
    """422: ``fields`` maps a dotted field path to a list of (Chinese) messages."""

    status, code, message = 422, "validation_error", "提交的数据有误"

    def __init__(self, fields: dict[str, list[str]], message: str | None = None):
        super().__init__(message, details={"fields": fields})
        self.fields = fields


class RateLimited(ApiError):
    """429; the response says in ``Retry-After`` (and ``details.retry_after``) how many seconds to wait."""

    status, code, message = 429, "rate_limited", "请求过于频繁，请稍后再试"
    DEFAULT_RETRY_AFTER = 60

    def __init__(self, message: str | None = None, *, details: dict[str, Any] | None = None,
                 retry_after: int | None = None):  # fmt: skip
        super().__init__(message, details=details)
        self.retry_after = retry_after


class Unavailable(ApiError):
    status, code, message = 503, "unavailable", "服务暂时不可用，请稍后重试"


_HTTP_CODES = {
    400: BadRequest,
    401: Unauthorized,
    403: Forbidden,
    404: NotFound,
    405: MethodNotAllowed,
    409: Conflict,
    413: PayloadTooLarge,
    415: UnsupportedMediaType,
    422: Invalid,
    429: RateLimited,
    503: Unavailable,
}


def flatten_messages(messages: Any, prefix: str = "") -> dict[str, list[str]]:
    """marshmallow's nested message dict → ``{"figures.deaths": ["..."]}``."""
    out: dict[str, list[str]] = {}
    if isinstance(messages, dict):
        for key, value in messages.items():
            path = f"{prefix}.{key}" if prefix else str(key)
            if key == "_schema" and prefix:
                path = prefix
            out.update(flatten_messages(value, path) if isinstance(value, dict) else {path: _as_list(value)})
    else:
        out[prefix or "_schema"] = _as_list(messages)
    return out


def _as_list(value: Any) -> list[str]:
    if isinstance(value, list):
        return [str(v) for v in value]
    return [str(value)]


def _retry_after(error: RateLimited) -> int:
    """Seconds until the breached limit resets: the error's own, else Flask-Limiter's for this request."""
    if error.retry_after is not None:
        return max(1, int(error.retry_after))
    from server.extensions import limiter

    breached = limiter.current_limit if has_request_context() else None
    if breached is not None:
        return max(1, math.ceil(breached.reset_at - time.time()))
    return RateLimited.DEFAULT_RETRY_AFTER


def error_response(error: ApiError):
    headers = {}
    if isinstance(error, RateLimited):
        seconds = _retry_after(error)
        error.details = {**error.details, "retry_after": seconds}
        headers["Retry-After"] = str(seconds)
    body = {
        "error": {
            "code": error.code,
            "message": error.message,
            "details": error.details,
            "request_id": g.get("request_id"),
        }
    }
    response = jsonify(body)
    response.headers.update(headers)
    return response, error.status


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(ApiError)
    def handle_api_error(error: ApiError):
        return error_response(error)

    @app.errorhandler(ValidationError)
    def handle_validation_error(error: ValidationError):
        return error_response(Invalid(flatten_messages(error.messages)))

    @app.errorhandler(HTTPException)
    def handle_http_exception(error: HTTPException):
        cls = _HTTP_CODES.get(error.code or 500)
        if cls is None:
            api_error = ApiError(error.description)
            api_error.status = error.code or 500
            api_error.code = (error.name or "error").lower().replace(" ", "_")
        elif cls is Invalid:
            api_error = Invalid({})
        else:
            api_error = cls()
        response, status = error_response(api_error)
        if status == 405 and getattr(error, "valid_methods", None):
            response.headers["Allow"] = ", ".join(error.valid_methods)
        return response, status

    @app.errorhandler(DataError)
    @app.errorhandler(OverflowError)
    def handle_out_of_range(error: Exception):
        # The last line of defence: schemas bound integers, but a value the database cannot hold is the
        # client's mistake, not a server error.
        log.warning("value out of range request_id=%s: %s", g.get("request_id"), error)
        _rollback()
        return error_response(Invalid({"_schema": ["数值超出范围"]}))

    @app.errorhandler(OperationalError)
    @app.errorhandler(PoolTimeout)
    def handle_database_down(error: OperationalError | PoolTimeout):
        # A connection refused or timed out, a statement cancelled by statement_timeout, SQLite's write lock not
        # free within the busy timeout, no free pooled connection: the client may retry later.
        log.error("database unavailable request_id=%s: %s", g.get("request_id"), getattr(error, "orig", error))
        _rollback()
        return error_response(Unavailable())

    @app.errorhandler(Exception)
    def handle_unexpected(error: Exception):
        log.exception("unhandled error request_id=%s", g.get("request_id"))
        _rollback()
        return error_response(ApiError())


def _rollback() -> None:
    from server.extensions import db

    try:
        db.session.rollback()
    except Exception:  # the session may be unusable when the database is gone
        log.debug("rollback after error failed", exc_info=True)
