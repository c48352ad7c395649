"""The baseline of ``bench/bench_submit.py``: a bare Flask endpoint doing one INSERT and one COMMIT.

Same database, same driver (the URL GridReport gets), same SQLAlchemy engine settings (``config.py``'s
``SQLALCHEMY_ENGINE_OPTIONS`` on a plain engine, which is what Flask-SQLAlchemy builds for PostgreSQL), served by the
same gunicorn command line. No login, no validation, no ORM: parse the JSON body, insert it, commit, answer 201.

``gunicorn 'bench.bare_insert_app:create_app()'`` with ``DATABASE_URL`` set; the table ``bench_bare_reports`` is
created by the bench (``TABLE_SQL``) before the server starts.
"""

from __future__ import annotations

import json
import os

import sqlalchemy as sa
from flask import Flask, request

import config as defaults

TABLE_SQL = {
    "postgresql": "CREATE TABLE IF NOT EXISTS bench_bare_reports (id serial PRIMARY KEY, client_id varchar(36) "
    "NOT NULL, payload text NOT NULL, created_at timestamptz NOT NULL DEFAULT now())",
    "sqlite": "CREATE TABLE IF NOT EXISTS bench_bare_reports (id integer PRIMARY KEY, client_id varchar(36) "
    "NOT NULL, payload text NOT NULL, created_at timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP)",
}
INSERT = sa.text("INSERT INTO bench_bare_reports (client_id, payload) VALUES (:client_id, :payload) RETURNING id")


def database_url(url: str | None = None) -> str:
    url = url or os.environ["DATABASE_URL"]
    if url.startswith("postgresql://") or url.startswith("postgres://"):  # as server.engine.load_config does
        url = "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def create_app(url: str | None = None) -> Flask:
    url = database_url(url)
    engine = sa.create_engine(url, **defaults.SQLALCHEMY_ENGINE_OPTIONS)
    if url.startswith("sqlite"):
        import server.engine  # the app's SQLite set-up on this engine: WAL, foreign keys, BEGIN IMMEDIATE for writes

        sa.event.listen(engine, "connect", server.engine.sqlite_pragmas)
        sa.event.listen(engine, "begin", server.engine.sqlite_begin)
    app = Flask(__name__)

    @app.post("/insert")
    def insert():
        data = request.get_json()
        with engine.begin() as conn:  # one INSERT, one COMMIT
            new_id = conn.execute(
                INSERT, {"client_id": data["client_id"], "payload": json.dumps(data, ensure_ascii=False)}
            ).scalar_one()
        return {"id": new_id}, 201

    @app.get("/healthz")
    def healthz():
        return {"status": "ok"}

    return app
