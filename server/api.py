"""The API layer every route uses: flask-smorest blueprints whose arguments are parsed by webargs through the strict
JSON reader of this module, the roles a route admits, the page envelope, and the error envelope in the OpenAPI
document."""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal
from functools import wraps
from typing import Any

import flask_smorest
from flask import Response, current_app, request
from flask.json.provider import DefaultJSONProvider
from marshmallow import Schema, ValidationError, fields
from sqlalchemy import Select, func, select
from webargs.core import missing
from webargs.flaskparser import FlaskParser

from server.access import Rule
from server.errors import ApiError, BadRequest, PayloadTooLarge, error_codes
from server.extensions import db

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
        if _may_need_checking(s):
            _check_parsed(value)
        return value


# What a lone surrogate can look like in a body: a \uD800-\uDFFF escape, its UTF-8-style bytes (json.loads decodes
# bytes with "surrogatepass"), or the character itself in a str.
_SURROGATE_TEXT = re.compile(r"\\u[dD][89a-fA-F]|[\ud800-\udfff]")
_SURROGATE_BYTES = re.compile(rb"\\u[dD][89a-fA-F]|\xed[\xa0-\xbf]")


def _may_need_checking(raw: str | bytes) -> bool:
    """False when the raw text alone shows that no string holds a lone surrogate and no nesting can reach
    ``MAX_JSON_DEPTH`` (fewer brackets than that): the usual body, which then needs no walk over its values."""
    if isinstance(raw, str):
        brackets, surrogate = raw.count("{") + raw.count("["), _SURROGATE_TEXT.search(raw)
    else:
        brackets, surrogate = raw.count(b"{") + raw.count(b"["), _SURROGATE_BYTES.search(raw)
    return surrogate is not None or brackets > MAX_JSON_DEPTH


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


class StrictParser(FlaskParser):
    """webargs reading through this module: a JSON body through ``request_json`` (size limit, nesting, surrogates,
    400 for anything but a JSON object), the schema's own ``unknown = RAISE`` at every location (webargs would
    drop unknown query parameters), a query string and a form as one value per name (as the views always read
    them), a multipart body as one object of its text and file parts, and validation errors raised as marshmallow's
    ``ValidationError`` for the app's handler: 422 with the flat dotted ``details.fields``, not keyed by location."""

    DEFAULT_UNKNOWN_BY_LOCATION: dict[str, str | None] = {}

    def load_json(self, req, schema) -> Any:
        # A schema whose every field is optional may say so (``BODY_OPTIONAL``): then a request without a body
        # (no content at all) reads as ``{}``; any body sent is still read and checked as JSON.
        if getattr(schema, "BODY_OPTIONAL", False) and not req.content_length and not req.is_json:
            return missing
        payload = request_json()
        if not isinstance(payload, dict):
            raise BadRequest("请求体应为 JSON 对象")
        return payload

    def load_querystring(self, req, schema) -> dict[str, str]:
        return req.args.to_dict()

    def load_files(self, req, schema) -> dict[str, Any]:
        return {**req.form.to_dict(), **req.files.to_dict()}

    def handle_error(self, error, req, schema, *, error_status_code, error_headers):
        messages = error.messages
        if isinstance(messages, dict) and len(messages) == 1 and next(iter(messages)) in self.__location_map__:
            messages = next(iter(messages.values()))
        raise ValidationError(messages)


def strict_integers(schema: Schema) -> Schema:
    """In a JSON body a whole number is a JSON integer: 1.5 is not 1, and "12" is text (query strings, where
    everything is text, keep the lenient parse). Set once on this schema instance and the schemas nested in it."""
    pending = [schema]
    while pending:
        current = pending.pop()
        for field in current.fields.values():
            inner = field.inner if isinstance(field, fields.List) else field
            if isinstance(inner, fields.Integer):
                inner.strict = True
            elif isinstance(inner, fields.Nested) and isinstance(inner.schema, Schema):
                pending.append(inner.schema)
    return schema


class Blueprint(flask_smorest.Blueprint):
    """A feature's routes. ``arguments`` and ``response`` are flask-smorest's (one schema declaration documents and
    parses or dumps), with a parser reading through the strict JSON reader; ``roles`` and ``public`` say who may
    call the view, checked by the app's request hook before anything of the request is read (server/__init__.py);
    ``paginated`` answers a list as the page envelope ``{items, page, per_page, total}``. Every view runs in one
    transaction owned here (``in_transaction``): routes and services never commit."""

    ARGUMENTS_PARSER = StrictParser()

    def add_url_rule(self, rule, endpoint=None, view_func=None, *args, **kwargs):
        if view_func is not None:
            view_func = in_transaction(view_func)
        return super().add_url_rule(rule, endpoint, view_func, *args, **kwargs)

    def arguments(self, schema, *, location: str = "json", **kwargs) -> Callable:
        instance = schema() if isinstance(schema, type) else schema
        if location == "json":
            strict_integers(instance)
        if location == "files":
            kwargs.setdefault("content_type", "multipart/form-data")
        decorate = super().arguments(instance, location=location, **kwargs)

        def decorator(view: Callable) -> Callable:
            wrapper = decorate(view)
            wrapper.__arguments__ = {**getattr(view, "__arguments__", {}), location: instance}
            return wrapper

        return decorator

    def roles(self, rule: Rule) -> Callable:
        """Only the roles of ``rule`` (the feature's, server/<feature>/access.py) may call the view: 403 before its
        body or query is read; OpenAPI ``x-roles``."""
        if not isinstance(rule, Rule):
            raise TypeError(f"bp.roles takes a Rule declared in the feature's access.py, not {rule!r}")

        def decorator(view: Callable) -> Callable:
            view = self.doc(**{"x-roles": list(rule.roles)})(view)
            view.__access__ = {"roles": rule.roles, "rule": rule}
            return view

        return decorator

    def public(self, view: Callable) -> Callable:
        """No login needed (log in, the API reference)."""
        view = self.doc(security=[])(view)
        view.__access__ = {"public": True}
        return view

    def paginated(self, item_schema: type[Schema], *, prepare: Callable[[list[Any]], Any] | None = None) -> Callable:
        """The view takes the page arguments of its query (``page``, ``per_page``: ``PageQuery``) and returns a
        ``Select``; the answer is the page envelope with the items dumped through ``item_schema``. ``prepare(items)``
        returns what is dumped instead of the rows: their read models (``server/reads.py``), with what the page shows
        beside the rows read for the whole page at once."""
        envelope = page_schema(item_schema)

        def decorator(view: Callable) -> Callable:
            @self.response(200, envelope)
            @wraps(view)
            def wrapper(*args, page: int = 1, per_page: int | None = None, **kwargs):
                result = paginate(view(*args, **kwargs), page=page, per_page=per_page)
                if prepare is not None:
                    result["items"] = prepare(result["items"])
                return result

            return wrapper

        return decorator


def in_transaction(view: Callable) -> Callable:
    """The one owner of a request's transaction (indico's RH pattern): the view's answer (dumped) is committed when
    it succeeds (status below 400), and everything is rolled back when the view raises (whatever handler answers
    the error) or answers an error itself. A streamed body (an export) is read after this commit, in a transaction
    of its own that only reads: the stream's rows are asked for after the view returns."""

    @wraps(view)
    def wrapper(*args, **kwargs) -> Response:
        try:
            response = current_app.make_response(view(*args, **kwargs))
            if response.status_code < 400:
                db.session.commit()  # the transaction's owner: the one commit of a request
                return response
        except BaseException as error:
            if getattr(error, "keeps_writes", False):
                db.session.commit()  # a refusal that keeps its own record (errors.ApiError.keeps_writes)
            else:
                _rollback()
            raise
        _rollback()
        return response

    return wrapper


def _rollback() -> None:
    try:
        db.session.rollback()
    except Exception:  # the session may be unusable when the database is gone; the error handler answers
        current_app.logger.debug("rollback failed", exc_info=True)


def reads_first(view: Callable) -> Callable:
    """A writing route whose first transaction only reads (on SQLite a deferred ``BEGIN``, not ``BEGIN IMMEDIATE``):
    the route ends it itself before its slow part (a photo's decoding), which then holds no database lock; the
    request's later transactions take SQLite's write lock as every writing request's do. Put it outermost."""
    view.reads_first = True
    return view


def view_meta(view: Callable) -> dict[str, Any]:
    """What a view declares: ``roles``/``public`` and its argument schemas by location (``json``, ``query``,
    ``files``), for the request hook and the tests that walk every route."""
    return {**getattr(view, "__access__", {}), **getattr(view, "__arguments__", {})}


def page_schema(item_schema: type[Schema]) -> Schema:
    """The list envelope ``{items, page, per_page, total}`` around ``item_schema``."""
    name = item_schema.__name__.removesuffix("Schema").removesuffix("Out") + "Page"
    return Schema.from_dict(
        {
            "items": fields.List(fields.Nested(item_schema), required=True),
            "page": fields.Integer(required=True),
            "per_page": fields.Integer(required=True),
            "total": fields.Integer(required=True),
        },
        name=name,
    )()


def paginate(stmt: Select, *, page: int = 1, per_page: int | None = None) -> dict[str, Any]:
    per_page = min(per_page or current_app.config["PER_PAGE_DEFAULT"], current_app.config["PER_PAGE_MAX"])
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    items = db.session.scalars(stmt.limit(per_page).offset((page - 1) * per_page)).unique().all()
    return {"items": items, "page": page, "per_page": per_page, "total": total}


class ErrorBody(Schema):
    code = fields.String(required=True)
    message = fields.String(required=True)
    details = fields.Dict(required=True)
    request_id = fields.String(required=True)


class Error(Schema):
    """The one error shape of every endpoint (API.md)."""

    error = fields.Nested(ErrorBody, required=True)


class Api(flask_smorest.Api):
    """flask-smorest's Api with the app's error envelope: its own handler (an English ``{code, status, message}``)
    is never registered, the app's handlers (server/errors.py) answer every error, and the document describes
    the envelope and lists every error code."""

    ERROR_SCHEMA = Error

    def __init__(self, app=None) -> None:
        info = {"description": _description()}
        super().__init__(
            app,
            spec_kwargs={"title": TITLE, "version": "1", "openapi_version": "3.0.3", "info": info},
        )

    def _register_error_handlers(self) -> None:
        pass

    def _register_doc_blueprint(self) -> None:
        pass  # served by the app (server/__init__.py): the document under API_PREFIX, the reference page with our CSP

    def document(self) -> dict[str, Any]:
        """The OpenAPI document as served: paths relative to the server URL ``/api/v1``, login by session cookie
        unless an operation says ``security: []``, numeric bounds as numbers."""
        if self._document is None:
            spec = self.spec.to_dict()
            spec["paths"] = {path.removeprefix(API_PREFIX): item for path, item in spec["paths"].items()}
            spec["servers"] = [{"url": API_PREFIX}]
            spec.setdefault("components", {}).setdefault("securitySchemes", {})["session"] = {
                "type": "apiKey",
                "in": "cookie",
                "name": "session",
            }
            spec["security"] = [{"session": []}]
            self._document = _numeric_bounds(spec)
        return self._document

    _document: dict[str, Any] | None = None


RESENT = "A resend (same client_id, same content): the object as first created"
API_PREFIX = "/api/v1"
TITLE = "GridReport 网格灾情报送 API"


def _description() -> str:
    rows = "\n".join(f"| {status} | `{code}` | {meaning} |" for status, code, meaning in error_codes())
    return (
        "Grassroots disaster reporting: hazards, damage statistics, roll-ups, warnings.\n\n"
        'Every error answers `{"error": {code, message, details, request_id}}`. The `code` is stable and says the '
        "cause (one code per cause; the `message` is Chinese text for people and may change). A request that fails "
        "validation answers 422 `validation_error` with `details.fields` mapping each dotted field path to its "
        "messages. `x-roles` on an operation lists the roles that may call it; others get 403 before the body or "
        "query is read.\n\n"
        "| status | code | meaning |\n| --- | --- | --- |\n" + rows
    )


def _numeric_bounds(node):
    """apispec keeps a Decimal field's Range bound as a Decimal (JSON "0.00"); JSON Schema wants a number."""
    if isinstance(node, dict):
        return {
            key: float(value)
            if key in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum")
            and isinstance(value, str | Decimal)
            else _numeric_bounds(value)
            for key, value in node.items()
        }
    if isinstance(node, list):
        return [_numeric_bounds(item) for item in node]
    return node
