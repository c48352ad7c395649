"""GridReport (网格灾情报送): the Flask application factory."""

from __future__ import annotations

import importlib
import re
import uuid
from pathlib import Path
from typing import Any

import swagger_ui_bundle
from flask import Flask, g, jsonify, request, send_from_directory
from flask_login import current_user
from sqlalchemy import text
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

import server.messages  # noqa: F401  (before any schema is built: Chinese validation messages)
from server.api import Api, StrictJSONProvider, view_meta
from server.auth.session_cookie import StaleRefreshSessionInterface
from server.engine import SAFE_METHODS, load_config, register_engine_hooks
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
from server.logs import configure_logging
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
    load_config(app, config or {})
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    configure_logging(app)
    if int(app.config["TRUSTED_PROXIES"]) > 0:
        # The client's address from the last TRUSTED_PROXIES hops of X-Forwarded-For (what our own proxies
        # appended); anything a client put in front of that is ignored.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=int(app.config["TRUSTED_PROXIES"]))

    db.init_app(app)
    migrate.init_app(
        app, db, directory=str(Path(__file__).resolve().parent.parent / "migrations"), render_as_batch=True
    )
    register_engine_hooks(app)
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
