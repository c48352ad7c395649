"""A savepoint that is a savepoint on SQLite too.

pysqlite (Python's sqlite3 in its legacy transaction mode) opens a transaction only before INSERT/UPDATE/DELETE.
A SAVEPOINT issued before any of those starts the transaction itself, and its RELEASE then commits everything:
a later failure in the same request could no longer be rolled back. Opening the transaction explicitly first
keeps the savepoint nested, as it is on PostgreSQL. (Engine-wide, SQLAlchemy's documented fix is to set
``isolation_level=None`` on connect and emit BEGIN on the ``begin`` event.)
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from server.extensions import db


@contextmanager
def savepoint() -> Iterator[None]:
    connection = db.session.connection()
    if connection.dialect.name == "sqlite":
        dbapi_connection = connection.connection.dbapi_connection
        if dbapi_connection is not None and not dbapi_connection.in_transaction:
            connection.exec_driver_sql("BEGIN")
    with db.session.begin_nested():
        yield
