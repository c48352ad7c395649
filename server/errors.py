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

from server.logs import RedactIdNumbers

log = logging.getLogger("server.errors")
# Database errors are logged here, and PostgreSQL's error text quotes a failing row: no full ID number in the log.
log.addFilter(RedactIdNumbers())


class ApiError(Exception):
    """Base of every error that reaches the client with a stable code."""

    status = 500
    code = "internal_error"
    message = "服务器内部错误"
    meaning = "an unexpected server error (logged with the request_id)"
    # True for a refusal whose own record must stand although the request fails (the audit of a refused probe):
    # the transaction's owner (server/api.py in_transaction) then commits what was written before raising.
    keeps_writes = False

    def __init__(self, message: str | None = None, *, details: dict[str, Any] | None = None):
        super().__init__(message or self.message)
        self.message = message or self.message
        self.details = details or {}


class BadRequest(ApiError):
    status, code, message = 400, "bad_request", "请求格式错误"
    meaning = "the request is malformed: wrong content type, not JSON, not an object, a bad header"


class Unauthorized(ApiError):
    status, code, message = 401, "unauthorized", "请先登录"
    meaning = "not logged in, or the session ended"


class Forbidden(ApiError):
    status, code, message = 403, "forbidden", "无权执行此操作"
    meaning = "logged in, but the role may not do this (checked before the body is read)"


class CsrfFailed(Forbidden):
    code, message = "csrf_failed", "缺少或无效的 X-CSRF-Token"
    meaning = "an unsafe method without the session's X-CSRF-Token"


class NotFound(ApiError):
    status, code, message = 404, "not_found", "对象不存在"
    meaning = "no such object, or outside the caller's scope"


class MethodNotAllowed(ApiError):
    status, code, message = 405, "method_not_allowed", "不支持该请求方法"
    meaning = "the path exists but not with this method"


class Conflict(ApiError):
    """409. Each cause has its own stable code (the subclasses below), so a client can tell one from another
    without reading the message; ``conflict`` itself is left for any other."""

    status, code, message = 409, "conflict", "与当前状态冲突"
    meaning = "a conflict with the current state not covered by a more specific code below"


class ClientIdReused(Conflict):
    """The same ``client_id`` came with another payload (or from outside the sender's scope)."""

    code, message = "client_id_reused", "该 client_id 已用于另一份数据"
    meaning = "the same client_id came before with another payload (or from outside the sender's scope)"


class StageOrder(Conflict):
    """初报/续报/核报 out of order for the village (or for the event's stage)."""

    code, message = "stage_order", "报送阶段顺序不对"
    meaning = "初报/续报/核报 out of order for the village, or an initial report once the event is stable"


class Superseded(Conflict):
    """A newer report (or sign-off) for the same village (township) replaced this one, or did so meanwhile."""

    code, message = "superseded", "该报告已被新报告替代"
    meaning = "a newer report (sign-off) for the same village (township) replaced this one, possibly meanwhile"


class AlreadyReviewed(Conflict):
    code, message = "already_reviewed", "已审核过"
    meaning = "the report or sign-off was reviewed already"


class InvalidTransition(Conflict):
    """The object's lifecycle does not allow this step from its current status (hazard, event)."""

    code, message = "invalid_transition", "当前状态不允许此操作"
    meaning = "the lifecycle does not allow this step from the current status (hazard, event, photo on a closed hazard)"


class EventClosed(Conflict):
    code, message = "event_closed", "灾害过程已结束"
    meaning = "the disaster event is closed: nothing new can be filed"


class StaleVersion(Conflict):
    """Someone else changed the object since the client read it (``version`` mismatch or a lost race)."""

    code, message = "stale_version", "已被他人更新，请刷新后重试"
    meaning = "someone else changed the object since the client read it (version mismatch or a lost race): reload"


class Duplicate(Conflict):
    """A unique name or code is taken."""

    code, message = "duplicate", "已存在"
    meaning = "a unique name or code is taken"


class UsernameTaken(Conflict):
    """Another user already has this name, up to case, width and surrounding spaces (``COUNTY_ADMIN``)."""

    code, message = "username_taken", "用户名已存在（不区分大小写和全角半角）"
    meaning = "another user has this username, up to case, width and surrounding spaces"


class SignOffRace(Conflict):
    """Two sign-offs of one township at the same moment: the other one became current first."""

    code, message = "signoff_conflict", "本乡镇刚有另一份上报提交，请刷新后查看"
    meaning = "two sign-offs of one unit at the same moment: the other one became current first"


class MergeConflict(Conflict):
    """A local event cannot be merged: its village already reports to the target event (two 初报 would count)."""

    code, message = "merge_conflict", "该村在目标灾害过程中已有报告，不能合并"
    meaning = "the village of a local event already reports to the event it would be merged into"


class AlreadyDecided(Conflict):
    """A local event was confirmed, merged or rejected already: exactly one decision wins, however many are sent."""

    code, message = "already_decided", "该本地灾害事件已处理"
    meaning = "a local event was confirmed, merged or rejected already (by another reviewer, possibly meanwhile)"


class PayloadTooLarge(ApiError):
    status, code, message = 413, "payload_too_large", "上传内容过大"
    meaning = "the body or the upload is larger than allowed"


class UnsupportedMediaType(ApiError):
    status, code, message = 415, "unsupported_media_type", "不支持的文件类型"
    meaning = "the upload is not an image of an accepted type, or cannot be decoded"


class Invalid(ApiError):
    """422: ``fields`` maps a dotted field path to a list of (Chinese) messages."""

    status, code, message = 422, "validation_error", "提交的数据有误"
    meaning = "invalid fields: details.fields maps each dotted field path to Chinese messages"

    def __init__(self, fields: dict[str, list[str]], message: str | None = None):
        super().__init__(message, details={"fields": fields})
        self.fields = fields


class RateLimited(ApiError):
    """429; the response says in ``Retry-After`` (and ``details.retry_after``) how many seconds to wait."""

    status, code, message = 429, "rate_limited", "请求过于频繁，请稍后再试"
    meaning = "too many requests; Retry-After says when to try again"
    DEFAULT_RETRY_AFTER = 60

    def __init__(self, message: str | None = None, *, details: dict[str, Any] | None = None,
                 retry_after: int | None = None):  # fmt: skip
        super().__init__(message, details=details)
        self.retry_after = retry_after


class Unavailable(ApiError):
    status, code, message = 503, "unavailable", "服务暂时不可用，请稍后重试"
    meaning = "the database or another dependency is unavailable; retry later"


def error_codes() -> list[tuple[int, str, str]]:
    """Every stable error code as ``(status, code, meaning)``, for the OpenAPI description."""
    rows: dict[str, tuple[int, str, str]] = {}
    pending: list[type[ApiError]] = [ApiError]
    while pending:
        cls = pending.pop(0)
        rows.setdefault(cls.code, (cls.status, cls.code, cls.meaning))
        pending.extend(cls.__subclasses__())
    return sorted(rows.values())


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


# Chinese for the HTTP errors werkzeug raises that have no domain error of their own (its descriptions are English).
_HTTP_MESSAGES = {
    406: "无法提供所要求的内容类型",
    408: "请求超时",
    410: "对象已不存在",
    411: "缺少 Content-Length",
    412: "请求的前提条件不满足",
    414: "请求地址过长",
    416: "请求的范围无法满足",
    417: "无法满足 Expect 请求头",
    418: "请求无法处理",
    423: "对象已锁定",
    428: "缺少前提条件请求头",
    431: "请求头过大",
    451: "因法律原因不可用",
    500: "服务器内部错误",
    501: "服务器不支持该功能",
    502: "上游服务出错",
    504: "上游服务超时",
    505: "不支持该 HTTP 版本",
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

    if not has_request_context():
        return RateLimited.DEFAULT_RETRY_AFTER
    # Every breached limit is known (RATELIMIT_FAIL_ON_FIRST_BREACH off): the client may retry once all have reset.
    breached = [limit for limit in limiter.current_limits if limit.breached] or [limiter.current_limit]
    resets = [limit.reset_at for limit in breached if limit is not None]
    if resets:
        return max(1, math.ceil(max(resets) - time.time()))
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
            code = error.code or 500
            api_error = ApiError(_HTTP_MESSAGES.get(code, f"请求无法处理（HTTP {code}）"))
            api_error.status = error.code or 500
            api_error.code = (error.name or "error").lower().replace(" ", "_")
        elif cls is Invalid:
            api_error = Invalid({})
        else:
            api_error = cls()
        response, status = error_response(api_error)
        if status == 405 and getattr(error, "valid_methods", None):
            response.headers["Allow"] = ", ".join(error.valid_methods)
        if status == 416 and getattr(error, "length", None) is not None:  # the size the range missed (RFC 9110)
            response.headers["Content-Range"] = f"{error.units} */{error.length}"
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
