"""GridReport (网格灾情报送): the Flask application factory."""

from __future__ import annotations

import importlib
import json
import logging
import math
import os
import re
import select
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import psycopg
import swagger_ui_bundle
from flask import Flask, current_app, g, has_request_context, jsonify, request, send_from_directory
from flask_login import current_user
from sqlalchemy import event, text
from sqlalchemy.exc import DisconnectionError
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

import config as defaults
import server.messages  # noqa: F401  (before any schema is built: Chinese validation messages)
from server.api import Api, StrictJSONProvider, view_meta
from server.auth.session_cookie import StaleRefreshSessionInterface
from server.errors import (
    CsrfFailed,
    Forbidden,
    NotFound,
    Unauthorized,
    Unavailable,
    error_response,
    register_error_handlers,
)
from server.extensions import db, limiter, login_manager, migrate
from server.logs import RedactIdNumbers
from server.shell import PWA_DIST as PWA_DIST  # the e2e fixtures read it here
from server.shell import register_shell

# Feature packages, each with a ``routes.bp`` blueprint mounted under /api/v1.
FEATURES = (
    "auth",
    "orgunits",
    "users",
    "audit",
    "events",
    "damage",
    "rollup",
    "exports",
    "evacuation",
    "localevents",
    "hazards",
    "ledgers",
    "photos",
    "warnings",
    "dashboard",
    "settings",
    "sms",
)
API_PREFIX = "/api/v1"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
# On every response, API, errors and static files alike. Photos are shown from blob: URLs (the outbox) and
# thumbnails may be data: URLs; nothing may frame the app, and no plugin or foreign form target is allowed.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' blob: data:; frame-ancestors 'none'; base-uri 'self'; "
        "form-action 'self'; object-src 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}
SWAGGER_UI_FILES = {"swagger-ui.css", "swagger-ui-bundle.js", "favicon-32x32.png", "favicon-16x16.png"}
REFERENCE_PAGE = """<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<title>GridReport API 参考</title>
<link rel="stylesheet" href="docs/swagger-ui.css">
<link rel="icon" type="image/png" href="docs/favicon-32x32.png">
</head>
<body>
<div id="swagger-ui"></div>
<script src="docs/swagger-ui-bundle.js"></script>
<script src="docs/init.js"></script>
</body>
</html>
"""


def create_app(config: dict[str, Any] | None = None) -> Flask:
    app = Flask(__name__, static_folder=None)
    app.json = StrictJSONProvider(app)
    app.url_map.converters["int"] = _IdConverter
    _load_config(app, config or {})
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    _configure_logging(app)
    if int(app.config["TRUSTED_PROXIES"]) > 0:
        # The client's address from the last TRUSTED_PROXIES hops of X-Forwarded-For (what our own proxies
        # appended); anything a client put in front of that is ignored.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=int(app.config["TRUSTED_PROXIES"]))

    db.init_app(app)
    migrate.init_app(
        app, db, directory=str(Path(__file__).resolve().parent.parent / "migrations"), render_as_batch=True
    )
    _register_engine_hooks(app)
    app.session_interface = StaleRefreshSessionInterface()
    login_manager.init_app(app)
    limiter.init_app(app)
    importlib.import_module("server.models")  # every model on the metadata, for Alembic and the app

    register_error_handlers(app)
    _register_request_hooks(app)
    _place_rate_limit_hook(app)
    api = Api(app)
    # Every feature's schemas are defined before the first blueprint is documented: a lower feature may nest an
    # upper one's schema by name (HazardOut's "PhotoOut"), resolved through marshmallow's class registry.
    blueprints = [importlib.import_module(f"server.{feature}.routes").bp for feature in FEATURES]
    for bp in blueprints:
        api.register_blueprint(bp, url_prefix=API_PREFIX)
    _register_core_routes(app, api)
    register_shell(app, api_prefix=API_PREFIX)

    from server.cli import register_cli

    register_cli(app)
    return app


def _load_config(app: Flask, overrides: dict[str, Any]) -> None:
    app.config.from_object(defaults)
    for key in dir(defaults):
        if key.isupper() and key in os.environ:
            app.config[key] = _coerce(getattr(defaults, key), os.environ[key])
    app.config.update(overrides)

    production = app.config["ENV_NAME"] == "production"
    if production and app.config["SECRET_KEY"] == defaults.DEV_SECRET_KEY:
        raise RuntimeError("SECRET_KEY must be set in production (the development key is public)")
    if production:
        app.config["SESSION_COOKIE_SECURE"] = app.config["REMEMBER_COOKIE_SECURE"] = True
    if production and app.config["RATELIMIT_STORAGE_URI"].startswith("memory://") and not app.config["SINGLE_PROCESS"]:
        raise RuntimeError(
            "RATELIMIT_STORAGE_URI is memory:// in production: each worker process would count failed logins on its "
            "own (8 workers, 8 times the guesses). Set RATELIMIT_STORAGE_URI=redis://127.0.0.1:6379, or "
            "SINGLE_PROCESS=1 if exactly one process serves the app."
        )

    url = app.config["DATABASE_URL"] or f"sqlite:///{Path(app.instance_path) / 'gridreport.db'}"
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        url = "postgresql+psycopg://" + url.split("://", 1)[1]
    app.config["SQLALCHEMY_DATABASE_URI"] = url
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {
        **_engine_timeouts(url, app.config["DB_CONNECT_TIMEOUT"], app.config["DB_STATEMENT_TIMEOUT"]),
        **app.config["SQLALCHEMY_ENGINE_OPTIONS"],
    }
    app.config.setdefault("MEDIA_DIR", None)
    app.config["MEDIA_DIR"] = app.config["MEDIA_DIR"] or str(Path(app.instance_path) / "media")
    # Headroom for the multipart envelope around a photo of MAX_UPLOAD_MB.
    app.config["MAX_CONTENT_LENGTH"] = int(app.config["MAX_UPLOAD_MB"]) * 1024 * 1024 + 64 * 1024
    app.json.ensure_ascii = False
    app.json.sort_keys = False


def _engine_timeouts(url: str, connect_timeout: float, statement_timeout: float) -> dict[str, Any]:
    """Engine options that bound every wait on the database; a timeout surfaces as OperationalError (503).

    ``_alive_or_replaced`` tests a pooled connection before use, so after a database restart the next request gets a
    fresh connection instead of an error.
    """
    # PostgreSQL: a dead pooled connection is replaced at checkout (_alive_or_replaced). hide_parameters: a failing
    # statement's values never reach an exception message or a log line (ledger rows carry ID numbers).
    options: dict[str, Any] = {"hide_parameters": True}
    # 0 (or less) means no limit, as PostgreSQL's own statement_timeout=0 does (a bulk import, a benchmark's setup).
    unbounded = float(statement_timeout) <= 0
    if url.startswith("sqlite"):
        # sqlite3's timeout is SQLite's busy timeout: how long a writer waits for the database's write lock.
        options["connect_args"] = {"timeout": 86400.0 if unbounded else float(statement_timeout)}
    else:
        milliseconds = 0 if unbounded else max(1, round(float(statement_timeout) * 1000))
        options["connect_args"] = {
            "connect_timeout": max(2, math.ceil(float(connect_timeout))),  # libpq's minimum is 2 s
            "options": f"-c statement_timeout={milliseconds}",
        }
    if not url.startswith("sqlite:///:memory:") and url != "sqlite://":
        options["pool_timeout"] = float(connect_timeout)  # waiting for a free connection of the pool
    return options


def _coerce(default: Any, raw: str) -> Any:
    if isinstance(default, bool):
        return raw.strip().lower() in {"1", "true", "yes", "on"}
    if isinstance(default, int):
        return int(raw)
    if isinstance(default, float):
        return float(raw)
    if isinstance(default, timedelta):
        return timedelta(seconds=int(raw))
    if isinstance(default, dict):  # DEADLINES_BY_TYPE='{"干旱": {"DEADLINE_UPDATE_EVERY_DAYS": 10}}'
        return json.loads(raw)
    return raw


class _RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        from flask import has_request_context

        record.request_id = g.get("request_id", "-") if has_request_context() else "-"
        return True


def _configure_logging(app: Flask) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s"))
    handler.addFilter(_RequestIdFilter())
    handler.addFilter(RedactIdNumbers())
    for name in ("server", app.logger.name):
        logger = logging.getLogger(name)
        logger.handlers = [handler]
        logger.setLevel(logging.INFO)
        logger.propagate = name != "server"  # let pytest's caplog see server logs via the root logger
    logging.getLogger("server").propagate = True


def _place_rate_limit_hook(app: Flask) -> None:
    """Every rate limit of the app is a decorator on its view (login failures, photo uploads), and a decorated view
    checks its own limits when called. Flask-Limiter's before-request hook only adds default, application and
    blueprint limits, which the app does not set, yet it resolved them on every request (0.3 ms of a damage report
    submit): it is dropped. A deployment that configures such limits (RATELIMIT_DEFAULT, RATELIMIT_APPLICATION)
    keeps it, after the app's own hooks, so that a 429 carries its request id like every error."""
    hooks = app.before_request_funcs[None]
    hooks.remove(limiter._check_request_limit)
    if app.config.get("RATELIMIT_DEFAULT") or app.config.get("RATELIMIT_APPLICATION"):
        hooks.append(limiter._check_request_limit)


def _register_engine_hooks(app: Flask) -> None:
    """Connection hooks on this app's engines only (not the global ``Engine`` class, which would reach every engine
    of the process: a bench's, another app's)."""
    with app.app_context():
        engines = list(db.engines.values())
    for engine in engines:
        if engine.dialect.name == "sqlite":
            event.listen(engine, "connect", _sqlite_pragmas)
            event.listen(engine, "begin", _sqlite_begin)
        else:
            event.listen(engine, "checkout", _alive_or_replaced(engine.dialect))
            _cache_long_statements()


# psycopg turns a query's %(name)s placeholders into $n by parsing its text, and keeps the result in an LRU of 128
# queries only for texts under 4 KB with at most 50 parameters (psycopg/_queries.py; the bounds keep ad-hoc SQL with
# inlined values out of the cache). The damage submit is one 12 KB statement, and parsing it cost 0.3 ms, a tenth of
# a submit's CPU, on every request. The app's statements are a fixed set (values are always bound), so raising the
# bounds costs at most 128 cached texts. tests/damage/test_round_trips.py checks that a submit's text is parsed once.
PSYCOPG_CACHED_QUERY_BYTES = 64 * 1024
PSYCOPG_CACHED_QUERY_PARAMS = 200


def _cache_long_statements() -> None:
    from psycopg import _queries

    _queries.MAX_CACHED_STATEMENT_LENGTH = max(_queries.MAX_CACHED_STATEMENT_LENGTH, PSYCOPG_CACHED_QUERY_BYTES)
    _queries.MAX_CACHED_STATEMENT_PARAMS = max(_queries.MAX_CACHED_STATEMENT_PARAMS, PSYCOPG_CACHED_QUERY_PARAMS)


def _sqlite_pragmas(dbapi_connection, connection_record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()
    # pysqlite opens transactions only before INSERT/UPDATE/DELETE, so a SAVEPOINT issued first would become the
    # outer transaction and its RELEASE would commit. SQLAlchemy's documented fix: let the driver do nothing and
    # emit BEGIN ourselves (``_sqlite_begin``).
    dbapi_connection.isolation_level = None


def _sqlite_begin(connection) -> None:
    # A request that may write takes SQLite's single write lock up front: writers queue (busy_timeout) instead of
    # failing when a read snapshot turns out stale at the first write. Reads stay concurrent under WAL.
    connection.exec_driver_sql("BEGIN IMMEDIATE" if _may_write() else "BEGIN")


def _may_write() -> bool:
    """Whether the transaction beginning now may write: any of a writing request's, except the first of a route
    marked ``reads_first`` (server/api.py), which only reads and is ended by the route before its slow part."""
    if not has_request_context() or request.method in SAFE_METHODS:
        return False
    if getattr(current_app.view_functions.get(request.endpoint), "reads_first", False) and "read_done" not in g:
        g.read_done = True
        return False
    return True


def _alive_or_replaced(dialect):
    """The pool's pre-ping without its round trip: an idle PostgreSQL connection has nothing to read, so a socket
    with something waiting (the server closed it on a restart, or sent a notice) gets a real ping, and a failed ping
    makes the pool replace the connection (``DisconnectionError``). A healthy connection costs one ``select()``;
    a submit stays at four round trips instead of five."""

    def check(dbapi_connection, connection_record, connection_proxy) -> None:
        try:
            waiting, _, _ = select.select([dbapi_connection.fileno()], [], [], 0)
        except (OSError, ValueError, psycopg.Error):
            raise DisconnectionError("connection closed") from None
        if not waiting:
            return
        try:
            alive = dialect.do_ping(dbapi_connection)  # the ping pool_pre_ping would send
        except Exception as exc:
            raise DisconnectionError(str(exc)) from exc
        if not alive:
            raise DisconnectionError("ping failed")

    return check


def _register_request_hooks(app: Flask) -> None:
    @app.before_request
    def assign_request_id() -> None:
        given = request.headers.get("X-Request-ID", "")
        g.request_id = given if _REQUEST_ID.match(given) else uuid.uuid4().hex

    @app.before_request
    def require_login_and_csrf() -> None:
        if request.routing_exception is not None or not request.path.startswith(API_PREFIX + "/"):
            return
        meta = view_meta(app.view_functions[request.endpoint])
        if meta.get("public"):
            return
        if not current_user.is_authenticated:
            raise Unauthorized()
        from server.auth.service import csrf_valid

        if request.method not in SAFE_METHODS and not csrf_valid(request.headers.get("X-CSRF-Token")):
            raise CsrfFailed()
        # The route's roles before anything of the request is read: a wrong role is 403, never a 422 about a body
        # it had no business sending.
        roles = meta.get("roles")
        if roles and current_user.role not in roles:
            from server.access import roles_only_message

            raise Forbidden(roles_only_message(roles))

    from server.settings.csp import with_map_tiles

    headers = with_map_tiles(SECURITY_HEADERS, app.config["MAP_TILE_URL"])

    @app.after_request
    def add_request_id(response):
        response.headers["X-Request-ID"] = g.get("request_id", "")
        response.headers.update(headers)
        if app.config["ENV_NAME"] == "production":
            response.headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
        if request.path.startswith(API_PREFIX) and "Cache-Control" not in response.headers:
            response.headers["Cache-Control"] = "no-store"
        return response

    @login_manager.user_loader
    def load_user(cookie_id: str):
        from server.auth.service import load_user

        return load_user(cookie_id)

    @login_manager.unauthorized_handler
    def unauthorized():
        return error_response(Unauthorized())


def _at_most(limit: int) -> str:
    """A regex for the decimal numbers 0..``limit`` (leading zeros allowed up to its width)."""
    digits = str(limit)
    parts = [f"[0-9]{{1,{len(digits) - 1}}}"] if len(digits) > 1 else []
    for i, digit in enumerate(digits):
        rest = len(digits) - i - 1
        if rest == 0:
            parts.append(f"{digits[:i]}[0-{digit}]")
        elif digit != "0":
            parts.append(f"{digits[:i]}[0-{int(digit) - 1}][0-9]{{{rest}}}")
    return "(?:" + "|".join(parts) + ")"


class _IdConverter(IntegerConverter):
    """``<int:id>`` bounded to the 32-bit id columns: a larger id is simply not found (not a driver error).

    The bound is in the regex, not only in ``max``: werkzeug notes a rule whose pattern matched before the converter
    refuses the value, so a PATCH to /users/2147483648 would answer 405 ("GET only") instead of 404."""

    regex = _at_most(2**31 - 1)

    def __init__(self, url_map, *args, **kwargs):
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(url_map, *args, **kwargs)


def _register_core_routes(app: Flask, api: Api) -> None:
    @app.get("/healthz")
    def healthz():
        try:
            db.session.execute(text("SELECT 1"))
        except Exception:
            db.session.rollback()
            response, status = error_response(Unavailable("数据库不可用", details={"database": "unavailable"}))
            return response, status
        return {"status": "ok", "database": "ok"}

    def public(view):
        view.__access__ = {"public": True}
        return view

    @app.get(API_PREFIX + "/openapi.json", endpoint="openapi")
    @public
    def openapi():
        """The OpenAPI 3 document, generated by flask-smorest from the routes' schemas."""
        return jsonify(api.document())

    # The API reference: Swagger UI from the swagger-ui-bundle package (no CDN), started by a script file of our
    # own, so the page runs under the app's CSP (default-src 'self', no inline script) like every other page.
    @app.get(API_PREFIX + "/docs", endpoint="api_reference")
    @public
    def api_reference():
        return app.response_class(REFERENCE_PAGE, mimetype="text/html")

    @app.get(API_PREFIX + "/docs/<path:filename>", endpoint="api_reference_file")
    @public
    def api_reference_file(filename: str):
        if filename == "init.js":
            return send_from_directory(Path(__file__).parent / "static", "swagger-init.js")
        if filename not in SWAGGER_UI_FILES:
            raise NotFound()
        return send_from_directory(swagger_ui_bundle.swagger_ui_path, filename)
