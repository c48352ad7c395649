"""Fixtures shared by every test: the app on SQLite or PostgreSQL, real migrations, factories, login.

``TEST_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test`` runs the suite on PostgreSQL: a fresh
database is created beside the given one for this run (so parallel runs never share tables) and dropped at the end.
"""

from __future__ import annotations

import itertools
import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import flask_migrate
import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from server import clock, create_app
from server.extensions import db, limiter
from server.orgunits.models import OrgUnit
from server.users.models import User
from tests.openapi_responses import ResponseLedger

PASSWORD = "correct-horse-9"
_codes = itertools.count(1)


def _postgres_url() -> str | None:
    return os.environ.get("TEST_DATABASE_URL") or None


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> Iterator[str]:
    base = _postgres_url()
    if base is None:
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
        return
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    name = f"gridreport_test_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield sa.make_url(base).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _test_config(database_url: str) -> dict[str, Any]:
    return {
        "TESTING": True,
        "DATABASE_URL": database_url,
        "SECRET_KEY": "test-secret",
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",  # fast in tests; production uses scrypt
        "RATELIMIT_STORAGE_URI": "memory://",
    }


@pytest.fixture
def make_app(app: Flask, database_url: str, tmp_path):
    """``make_app(**config)``: a second app on the suite's (migrated) database with other settings, e.g.
    ``TRUSTED_PROXIES=1``; its engine is disposed afterwards."""
    made: list[Flask] = []

    def make(**overrides: Any) -> Flask:
        other = create_app({**_test_config(database_url), "MEDIA_DIR": app.config["MEDIA_DIR"], **overrides})
        made.append(other)
        return other

    yield make
    for other in made:
        with other.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def scratch_database_url(database_url: str, tmp_path) -> Iterator[str]:
    """An empty database of the same kind as the suite's, for migration tests; dropped afterwards."""
    if not database_url.startswith("postgresql"):
        yield f"sqlite:///{tmp_path / 'scratch.db'}"
        return
    admin = sa.create_engine(database_url, isolation_level="AUTOCOMMIT")
    name = f"gridreport_scratch_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield sa.make_url(database_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The OpenAPI completeness check runs after every other test (tests/test_openapi_responses.py)."""
    items.sort(key=lambda item: item.get_closest_marker("openapi_completeness") is not None)


@pytest.fixture(scope="session")
def app(database_url: str, tmp_path_factory) -> Iterator[Flask]:
    app = create_app({**_test_config(database_url), "MEDIA_DIR": str(tmp_path_factory.mktemp("media"))})
    app.extensions["response_ledger"] = ledger = ResponseLedger(app)
    app.after_request(ledger.record)
    with app.app_context():
        flask_migrate.upgrade()
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(autouse=True)
def _clean_state(app: Flask) -> Iterator[None]:
    yield
    # The e2e suite's app (tests/e2e/conftest.py, a live server for the browser) keeps no response ledger.
    ledger = app.extensions.get("response_ledger")
    failures = ledger.take_failures() if ledger is not None else []
    assert not failures, "responses that do not match the OpenAPI document:\n" + "\n".join(failures)
    clock.set_now(None)
    limiter.reset()
    with app.app_context():
        db.session.remove()
        tables = [t.name for t in db.metadata.sorted_tables]
        with db.engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                conn.execute(sa.text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
            else:
                for name in reversed(tables):
                    conn.execute(sa.text(f"DELETE FROM {name}"))


@pytest.fixture
def is_postgres(app: Flask) -> bool:
    with app.app_context():
        return db.engine.dialect.name == "postgresql"


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def db_session(app: Flask) -> Iterator[Any]:
    """An app context for tests that call services directly; commit or roll back yourself."""
    with app.app_context():
        yield db.session
        db.session.rollback()


def _detached(obj):
    db.session.refresh(obj)
    db.session.expunge(obj)
    return obj


@pytest.fixture
def make_unit(app: Flask):
    """``make_unit(level, parent=None, code=None, name=None)``: a committed OrgUnit (detached)."""

    def make(level: str, parent: OrgUnit | None = None, code: str | None = None, name: str | None = None) -> OrgUnit:
        with app.app_context():
            if code is None:
                width = {"province": 2, "city": 2, "county": 2, "township": 3, "village": 3, "grid": 3}[level]
                code = (parent.code if parent else "36") + str(next(_codes) % 10**width).zfill(width)
                if level == "county" and parent is None:
                    code = "36" + str(next(_codes) % 10**4).zfill(4)
            unit = OrgUnit(
                code=code,
                name=name or f"{level}-{code}",
                level=level,
                parent_id=parent.id if parent else None,
                path=f"{parent.path if parent else '/'}{code}/",
            )
            db.session.add(unit)
            db.session.commit()
            return _detached(unit)

    return make


@dataclass
class Tree:
    """A county with two townships of two villages each; village a1 has a grid."""

    county: OrgUnit
    town_a: OrgUnit
    town_b: OrgUnit
    village_a1: OrgUnit
    village_a2: OrgUnit
    village_b1: OrgUnit
    village_b2: OrgUnit
    grid_a1: OrgUnit

    @property
    def villages(self) -> list[OrgUnit]:
        return [self.village_a1, self.village_a2, self.village_b1, self.village_b2]


@pytest.fixture
def tree(make_unit) -> Tree:
    county = make_unit("county", name="测试县")
    town_a = make_unit("township", county, name="甲镇")
    town_b = make_unit("township", county, name="乙乡")
    village_a1 = make_unit("village", town_a, name="甲一村")
    village_a2 = make_unit("village", town_a, name="甲二村")
    village_b1 = make_unit("village", town_b, name="乙一村")
    village_b2 = make_unit("village", town_b, name="乙二村")
    grid_a1 = make_unit("grid", village_a1, name="甲一村第一网格")
    return Tree(county, town_a, town_b, village_a1, village_a2, village_b1, village_b2, grid_a1)


@pytest.fixture
def make_user(app: Flask):
    """``make_user(role, unit, username=None, active=True, name="", phone="")``: a committed User (detached);
    password PASSWORD."""
    from server.users.passwords import hash_password

    def make(
        role: str, unit: OrgUnit, username: str | None = None, active: bool = True, name: str = "", phone: str = ""
    ) -> User:
        with app.app_context():
            user = User(
                username=username or f"{role}_{unit.code}_{uuid.uuid4().hex[:6]}",
                name=name or f"{role}@{unit.name}",
                phone=phone,
                role=role,
                org_unit_id=unit.id,
                active=active,
                password_hash=hash_password(PASSWORD),
            )
            db.session.add(user)
            db.session.commit()
            return _detached(user)

    return make


class ApiClient:
    """A logged-in test client that sends the CSRF header on unsafe methods, like the PWA does."""

    def __init__(self, client: FlaskClient, csrf_token: str, user: dict):
        self.client = client
        self.csrf_token = csrf_token
        self.user = user

    def _headers(self, headers: dict | None) -> dict:
        return {"X-CSRF-Token": self.csrf_token, **(headers or {})}

    def get(self, url: str, **kw):
        return self.client.get(url, **kw)

    def post(self, url: str, **kw):
        return self.client.post(url, headers=self._headers(kw.pop("headers", None)), **kw)

    def patch(self, url: str, **kw):
        return self.client.patch(url, headers=self._headers(kw.pop("headers", None)), **kw)

    def put(self, url: str, **kw):
        return self.client.put(url, headers=self._headers(kw.pop("headers", None)), **kw)

    def delete(self, url: str, **kw):
        return self.client.delete(url, headers=self._headers(kw.pop("headers", None)), **kw)


@pytest.fixture
def login_as(app: Flask):
    """``login_as(user)`` → ApiClient with its own cookie jar, logged in as ``user``."""

    def login(user: User, password: str = PASSWORD) -> ApiClient:
        client = app.test_client()
        response = client.post("/api/v1/auth/login", json={"username": user.username, "password": password})
        assert response.status_code == 200, response.get_json()
        body = response.get_json()
        return ApiClient(client, body["csrf_token"], body["user"])

    return login


def statements_during(app: Flask, call) -> list[str]:
    """The SQL statements ``call()`` sends through the app's engine, in order: counted by the tests that keep a
    request's queries fixed (a count, not a timing: deterministic)."""
    seen: list[str] = []

    def count(conn, cursor, statement, *args) -> None:
        seen.append(statement)

    with app.app_context():
        sa.event.listen(db.engine, "before_cursor_execute", count)
        try:
            call()
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", count)
    return seen


def assert_error(response, status: int, code: str) -> dict:
    """The response is the contract's error shape with this status and code; returns the error object."""
    assert response.status_code == status, (response.status_code, response.get_data(as_text=True)[:500])
    body = response.get_json()
    assert set(body) == {"error"}, body
    error = body["error"]
    assert error["code"] == code, error
    assert isinstance(error["message"], str) and error["message"]
    assert isinstance(error["details"], dict)
    assert error["request_id"] and response.headers["X-Request-ID"] == error["request_id"]
    return error


def missing_once(monkeypatch, module: Any, name: str) -> dict[str, int]:
    """``module.<name>``, the look-up before an insert, finds nothing on its first call, as if a concurrent request
    had not committed yet: the insert then meets the unique key and the create answers as the loser of a race
    (idempotency.insert_unless_taken). Later calls look up for real. Returns the count of calls."""
    real = getattr(module, name)
    calls = {"n": 0}

    def lookup(*args, **kwargs):
        calls["n"] += 1
        return None if calls["n"] == 1 else real(*args, **kwargs)

    monkeypatch.setattr(module, name, lookup)
    return calls
