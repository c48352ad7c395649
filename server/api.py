"""Small helpers every route uses: parse JSON and query strings, paginate, and describe itself for OpenAPI."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from flask import current_app, request
from flask.json.provider import DefaultJSONProvider
from marshmallow import RAISE, Schema, ValidationError, fields, pre_load, validate, validates_schema
from sqlalchemy import Select, func, select

from server.clock import as_utc, local_zone, to_local
from server.errors import ApiError, BadRequest, PayloadTooLarge
from server.extensions import db

INT_MAX = 2**31 - 1  # every integer column is a 32-bit INTEGER
_INTEGER_TEXT = re.compile(r"[+-]?[0-9]+")
_DECIMAL_TEXT = re.compile(r"[+-]?[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")


class InputSchema(Schema):
    """Base of every request schema: unknown fields are an error, not silently dropped, and no integer can
    overflow a database column (a 500 from the driver would otherwise answer a typo)."""

    class Meta:
        unknown = RAISE

    @pre_load
    def ascii_numerals(self, data: Any, **kwargs) -> Any:
        """A number given as text (query strings, or JSON strings) is written with ASCII digits only: Python's
        int() and Decimal() would also take "1_000", "１２" and "٣", which no form field means."""
        if not isinstance(data, dict):
            return data
        errors = {}
        for name, field in self.fields.items():
            key = field.data_key or name
            inner = field.inner if isinstance(field, fields.List) else field
            if not isinstance(inner, fields.Number):
                continue
            pattern = _INTEGER_TEXT if isinstance(inner, fields.Integer) else _DECIMAL_TEXT
            values = data.get(key)
            values = values if isinstance(values, list) and inner is not field else [values]
            if any(isinstance(v, str) and v and not pattern.fullmatch(v) for v in values):
                errors[key] = ["须为用阿拉伯数字 0-9 书写的数值"]
        if errors:
            raise ValidationError(errors)
        return data

    @validates_schema
    def integers_fit_the_database(self, data: dict, **kwargs) -> None:
        errors = {}
        for name, field in self.fields.items():
            key = field.data_key or name
            values = data.get(name)
            if isinstance(field, fields.List) and isinstance(field.inner, fields.Integer):
                values = values or []
            elif isinstance(field, fields.Integer):
                values = [values]
            else:
                continue
            if any(isinstance(v, int) and not -INT_MAX - 1 <= v <= INT_MAX for v in values):
                errors[key] = ["数值超出范围"]
        if errors:
            raise ValidationError(errors)


EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)  # times a request may carry: nothing in this domain is older,
LATEST = datetime(2100, 1, 1, tzinfo=UTC)  # and a zone's 1900 rules would show as offsets like +08:05:43
TIME_RANGE_MESSAGE = "时间须在 2000 年至 2100 年之间"


class LocalDateTime(fields.DateTime):
    """The one time field of the API. Dumps an aware UTC time in the deployment's ``TIMEZONE`` with its offset
    (``2026-07-01T08:00:00+08:00``); loads ISO 8601, a time without an offset read as ``TIMEZONE`` local time,
    into aware UTC, between 2000 and 2100."""

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else to_local(value).isoformat()

    def _deserialize(self, value, attr, data, **kwargs) -> datetime:
        parsed = super()._deserialize(value, attr, data, **kwargs)
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=local_zone())
        try:
            return self.bounded(as_utc(parsed))
        except OverflowError:  # year 1 or 9999 moved by the offset
            raise ValidationError(TIME_RANGE_MESSAGE) from None

    @staticmethod
    def bounded(value: datetime) -> datetime:
        if not EARLIEST <= value < LATEST:
            raise ValidationError(TIME_RANGE_MESSAGE)
        return value


class PageQuery(InputSchema):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1))
    per_page = fields.Integer(load_default=None, validate=validate.Range(min=1, max=200))


def page_schema(item_schema: type[Schema]) -> type[Schema]:
    """The list envelope ``{items, page, per_page, total}`` around ``item_schema`` (for OpenAPI)."""
    name = item_schema.__name__.removesuffix("Schema").removesuffix("Out") + "PageSchema"
    return Schema.from_dict(
        {
            "items": fields.List(fields.Nested(item_schema)),
            "page": fields.Integer(),
            "per_page": fields.Integer(),
            "total": fields.Integer(),
        },
        name=name,
    )


MAX_JSON_DEPTH = 64  # a request body nests three levels at most
_SURROGATE = re.compile("[\ud800-\udfff]")


class StrictJSONProvider(DefaultJSONProvider):
    """Flask's JSON, refusing at parse time, once for the whole app, what no valid request holds and what would
    otherwise fail deep inside (a RecursionError, a UnicodeEncodeError at the database or in the response):
    nesting deeper than ``MAX_JSON_DEPTH``, lone surrogates (``"\\ud800"``) in keys or strings, and the non-JSON
    constants NaN and Infinity. Each is a ``ValueError``, which ``request.get_json`` treats as malformed JSON."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        kwargs.setdefault("parse_constant", _refuse_constant)
        try:
            value = super().loads(s, **kwargs)
        except RecursionError as exc:
            raise ValueError("JSON nested too deeply") from exc
        _check_parsed(value)
        return value


def _refuse_constant(name: str) -> None:
    raise ValueError(f"{name} is not JSON")


def _check_parsed(value: Any) -> None:
    pending = [(value, 1)]
    while pending:
        node, depth = pending.pop()
        if isinstance(node, str):
            if _SURROGATE.search(node):
                raise ValueError("lone surrogate in a JSON string")
        elif isinstance(node, dict | list):
            if depth > MAX_JSON_DEPTH:
                raise ValueError("JSON nested too deeply")
            if isinstance(node, dict):
                pending.extend((key, depth) for key in node)
                pending.extend((item, depth + 1) for item in node.values())
            else:
                pending.extend((item, depth + 1) for item in node)


def request_json() -> Any:
    """The request's JSON body, read once per request (the login throttle reads it too): 400 for a wrong content
    type or malformed JSON, 413 past ``MAX_JSON_KB``, also for a chunked body that announces no length (werkzeug
    would cut it at the limit without a word, and the cut JSON would read as malformed)."""
    key = "gridreport.json_body"  # in the WSGI environ: one per request, whatever app context is around
    if key not in request.environ:
        try:
            request.environ[key] = (_read_json(), None)
        except ApiError as error:
            request.environ[key] = (None, error)
    payload, error = request.environ[key]
    if error is not None:
        raise error
    return payload


def _read_json() -> Any:
    if not request.is_json:
        raise BadRequest("Content-Type 必须为 application/json")
    limit = int(current_app.config["MAX_JSON_KB"]) * 1024
    too_large = PayloadTooLarge(f"请求体不能超过 {limit // 1024} KB")
    if request.content_length is not None and request.content_length > limit:
        raise too_large
    chunks, size = [], 0
    while size <= limit and (chunk := request.stream.read(min(64 * 1024, limit + 1 - size))):
        chunks.append(chunk)
        size += len(chunk)
    if size > limit:
        raise too_large
    try:
        return current_app.json.loads(b"".join(chunks))
    except ValueError:  # also bytes that are not UTF-8, and what StrictJSONProvider refuses
        raise BadRequest("请求体不是合法的 JSON") from None


def json_body(schema: Schema, *, partial: bool = False) -> Any:
    """Load a JSON request body: 400 for a wrong content type or malformed JSON, 413 if too large, 422 for
    invalid fields."""
    payload = request_json()
    if not isinstance(payload, dict):
        raise BadRequest("请求体应为 JSON 对象")
    _strict_integers(schema)
    return schema.load(payload, partial=partial)


def _strict_integers(schema: Schema) -> None:
    """In a JSON body a whole number is a JSON integer: 1.5 is not 1, and "12" is text (query strings, where
    everything is text, keep the lenient parse). Set on this schema instance and the schemas nested in it."""
    pending = [schema]
    while pending:
        current = pending.pop()
        for field in current.fields.values():
            inner = field.inner if isinstance(field, fields.List) else field
            if isinstance(inner, fields.Integer):
                inner.strict = True
            elif isinstance(inner, fields.Nested) and isinstance(inner.schema, Schema):
                pending.append(inner.schema)


def query_args(schema: Schema) -> Any:
    return schema.load(request.args.to_dict())


def paginate(
    stmt: Select,
    schema: Schema,
    *,
    page: int = 1,
    per_page: int | None = None,
    prepare: Callable[[list[Any]], Any] | None = None,
) -> dict[str, Any]:
    """One page of ``stmt`` dumped by ``schema``; ``prepare(items)`` may attach what the page needs beside the rows
    (read for the whole page at once) before they are dumped."""
    per_page = min(per_page or current_app.config["PER_PAGE_DEFAULT"], current_app.config["PER_PAGE_MAX"])
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    items = db.session.scalars(stmt.limit(per_page).offset((page - 1) * per_page)).unique().all()
    if prepare is not None:
        prepare(items)
    return {"items": schema.dump(items, many=True), "page": page, "per_page": per_page, "total": total}


def doc(
    *,
    body: type[Schema] | Schema | None = None,
    query: type[Schema] | Schema | None = None,
    response: type[Schema] | Schema | None = None,
    status: int = 200,
    content_type: str | None = None,
    form: type[Schema] | Schema | None = None,
    public: bool = False,
    roles: tuple[str, ...] | None = None,
) -> Callable:
    """Attach the request and response schemas to a view for the OpenAPI document (server/openapi.py).

    ``roles``: who may call the view at all. Checked before the view runs (server/__init__.py), so a caller without
    the role gets 403 before its body or query is read or validated; the services keep their own checks."""

    def decorate(view: Callable) -> Callable:
        view.__apidoc__ = {
            "body": body,
            "query": query,
            "response": response,
            "status": status,
            "content_type": content_type,
            "form": form,
            "public": public,
            "roles": roles,
        }
        return view

    return decorate
