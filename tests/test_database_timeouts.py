"""A database that does not answer costs a request a few seconds and a 503 ``unavailable`` in the contract's
shape, never a 30 s hang; the app recovers by itself when the database does (issue 7).

Never touches the shared PostgreSQL server's state: outages are a local TCP server that accepts and never answers
(or forwards to the real server once "recovered"), a lock held by the test, or a slow statement.
"""

from __future__ import annotations

import contextlib
import socket
import threading

import pytest
import sqlalchemy as sa
from sqlalchemy import text

from server.extensions import db
from tests.conftest import PASSWORD, assert_error

BOUND = 15  # seconds: far below gunicorn's 30 s worker timeout (a bound on hanging, not a benchmark)


class StalledDatabase:
    """A TCP server on 127.0.0.1 that accepts connections and never answers; ``recover(host, port)`` makes it
    forward new connections to a real database, ``restart()`` drops every open connection (a database restart)."""

    def __init__(self):
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.target: tuple[str, int] | None = None
        self.open: list[socket.socket] = []
        self.lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            with self.lock:
                self.open.append(conn)
                target = self.target
            if target is not None:
                upstream = socket.create_connection(target)
                with self.lock:
                    self.open.append(upstream)
                for a, b in ((conn, upstream), (upstream, conn)):
                    threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(source, sink):
        with contextlib.suppress(OSError):
            while data := source.recv(65536):
                sink.sendall(data)
        with contextlib.suppress(OSError):
            sink.shutdown(socket.SHUT_RDWR)

    def recover(self, host: str, port: int):
        with self.lock:
            self.target = (host, port)

    def restart(self):
        with self.lock:
            conns, self.open = self.open, []
        for conn in conns:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
            conn.close()

    def close(self):
        self.listener.close()
        self.restart()


@pytest.fixture
def stalled():
    server = StalledDatabase()
    yield server
    server.close()


def within(seconds, call):
    """``call()``'s result, or a test failure (not a hung suite) if it takes longer than ``seconds``."""
    result: list = []
    worker = threading.Thread(target=lambda: result.append(call()), daemon=True)
    worker.start()
    worker.join(timeout=seconds)
    assert result, f"no answer within {seconds} s"
    return result[0]


def login(client, user):
    return client.post("/api/v1/auth/login", json={"username": user.username, "password": PASSWORD})


def test_a_database_that_never_answers_gives_503_quickly_and_recovers(make_app, stalled, database_url, make_user,
                                                                        tree):  # fmt: skip
    if database_url.startswith("postgresql"):
        real = sa.make_url(database_url)
        url = real.set(host="127.0.0.1", port=stalled.port).render_as_string(hide_password=False)
    else:  # the outage needs a network database; recovery below is checked on PostgreSQL runs
        url = f"postgresql+psycopg://postgres@127.0.0.1:{stalled.port}/gridreport"
    app = make_app(DATABASE_URL=url, DB_CONNECT_TIMEOUT=2)
    client = app.test_client()
    user = make_user("reporter", tree.village_a1)

    assert_error(within(BOUND, lambda: login(client, user)), 503, "unavailable")
    health = within(BOUND, lambda: client.get("/healthz"))
    assert health.status_code == 503 and health.get_json()["error"]["code"] == "unavailable"

    if not database_url.startswith("postgresql"):
        return
    stalled.recover(real.host or "127.0.0.1", real.port or 5432)
    assert login(client, user).status_code == 200  # the database is back: no restart of the app needed
    stalled.restart()  # the database restarts under the pool: pre-ping replaces the dead connection
    assert login(client, user).status_code == 200


def test_a_statement_past_the_statement_timeout_gives_503_and_the_next_request_works(make_app, is_postgres,
                                                                                      make_user, tree):  # fmt: skip
    if not is_postgres:
        pytest.skip("SQLite has no statement timeout (only the lock wait is bounded: the next test)")
    app = make_app(DB_STATEMENT_TIMEOUT=0.2)

    @app.get("/_test/slow")
    def slow():
        db.session.execute(text("SELECT pg_sleep(3)"))
        return {"slept": True}

    client = app.test_client()
    assert_error(within(BOUND, lambda: client.get("/_test/slow")), 503, "unavailable")  # pg_sleep(3) cancelled
    assert login(client, make_user("reporter", tree.village_a1)).status_code == 200


def test_a_write_blocked_by_a_lock_gives_503_and_works_once_the_lock_is_gone(make_app, database_url, make_user,
                                                                               tree):  # fmt: skip
    """Another connection holds the lock a login's write needs (SQLite: the database's write lock; PostgreSQL: the
    login_sessions table) for longer than DB_STATEMENT_TIMEOUT."""
    app = make_app(DB_STATEMENT_TIMEOUT=0.3)
    user = make_user("reporter", tree.village_a1)
    client = app.test_client()
    blocker = sa.create_engine(database_url)
    try:
        with blocker.connect() as conn:
            if conn.dialect.name == "sqlite":
                conn.exec_driver_sql("UPDATE users SET name = name")  # takes the write lock until rollback
            else:
                conn.exec_driver_sql("LOCK TABLE login_sessions IN ACCESS EXCLUSIVE MODE")
            # Well before SQLite's old fixed 10 s busy timeout, and PostgreSQL would wait for the lock forever.
            assert_error(within(5, lambda: login(client, user)), 503, "unavailable")
            conn.rollback()
        assert login(client, user).status_code == 200
    finally:
        blocker.dispose()


def test_a_statement_timeout_of_zero_means_no_limit(make_app, is_postgres):
    """``DB_STATEMENT_TIMEOUT=0`` lifts the limit (a bulk import, a benchmark's setup), as PostgreSQL's own 0 does;
    it once meant 1 ms."""
    app = make_app(DB_STATEMENT_TIMEOUT=0)
    with app.app_context():
        if is_postgres:
            assert db.session.execute(text("SHOW statement_timeout")).scalar() == "0"
            assert db.session.execute(text("SELECT 1 FROM pg_sleep(0.05)")).scalar() == 1  # not cancelled at 1 ms
        else:
            assert db.engine.dialect.name == "sqlite"
            assert db.session.execute(text("PRAGMA busy_timeout")).scalar() >= 86_400_000
        db.session.rollback()
