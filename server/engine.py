"""The app's configuration (config.py, the environment, the overrides) and its database engines' hooks.

Every wait on the database is bounded (``engine_timeouts``); SQLite gets WAL, foreign keys and BEGIN IMMEDIATE for a
request that may write; a pooled PostgreSQL connection is checked at checkout without a round trip.
"""

from __future__ import annotations

import json
import math
import os
import select
from datetime import timedelta
from pathlib import Path
from typing import Any

import psycopg
from flask import Flask, current_app, g, has_request_context, request
from sqlalchemy import event
from sqlalchemy.exc import DisconnectionError

import config as defaults
from server.extensions import db

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


def load_config(app: Flask, overrides: dict[str, Any]) -> None:
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
        **engine_timeouts(url, app.config["DB_CONNECT_TIMEOUT"], app.config["DB_STATEMENT_TIMEOUT"]),
        **app.config["SQLALCHEMY_ENGINE_OPTIONS"],
    }
    app.config.setdefault("MEDIA_DIR", None)
    app.config["MEDIA_DIR"] = app.config["MEDIA_DIR"] or str(Path(app.instance_path) / "media")
    # Headroom for the multipart envelope around a photo of MAX_UPLOAD_MB.
    app.config["MAX_CONTENT_LENGTH"] = int(app.config["MAX_UPLOAD_MB"]) * 1024 * 1024 + 64 * 1024
    app.json.ensure_ascii = False
    app.json.sort_keys = False


def engine_timeouts(url: str, connect_timeout: float, statement_timeout: float) -> dict[str, Any]:
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


def register_engine_hooks(app: Flask) -> None:
    """Connection hooks on this app's engines only (not the global ``Engine`` class, which would reach every engine
    of the process: a bench's, another app's)."""
    with app.app_context():
        engines = list(db.engines.values())
    for engine in engines:
        if engine.dialect.name == "sqlite":
            event.listen(engine, "connect", sqlite_pragmas)
            event.listen(engine, "begin", sqlite_begin)
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


def sqlite_pragmas(dbapi_connection, connection_record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()
    # pysqlite opens transactions only before INSERT/UPDATE/DELETE, so a SAVEPOINT issued first would become the
    # outer transaction and its RELEASE would commit. SQLAlchemy's documented fix: let the driver do nothing and
    # emit BEGIN ourselves (``sqlite_begin``).
    dbapi_connection.isolation_level = None


def sqlite_begin(connection) -> None:
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
