"""Migration 0040 on a database that already holds the same ID number twice (the race it closes had happened): the
earliest row of each number keeps counting, every later one is returned with a comment, then the unique indexes are
built. Rows that do not count (returned, found alive, no number) are left alone."""

from __future__ import annotations

from datetime import UTC, datetime

import flask_migrate
import pytest
import sqlalchemy as sa

from server import create_app
from server.extensions import db


def _filler(column: sa.Column):
    kind = column.type
    if isinstance(kind, sa.Boolean):
        return False
    if isinstance(kind, sa.Integer | sa.Numeric):
        return 0
    if isinstance(kind, sa.DateTime) or "DateTime" in type(kind).__name__:
        return datetime(2026, 7, 1, tzinfo=UTC)
    if isinstance(kind, sa.JSON):
        return {}
    return "x"


def insert(conn, table: sa.Table, **values) -> None:
    """A row with ``values`` and a plain value in every other NOT NULL column (the schema as of revision 0031)."""
    row = {
        c.name: _filler(c) for c in table.columns if not c.nullable and not c.primary_key and c.server_default is None
    }
    conn.execute(table.insert().values({**row, **values}))


def test_earlier_duplicates_are_returned_and_the_indexes_built(scratch_database_url, tmp_path):
    scratch = create_app({"TESTING": True, "DATABASE_URL": scratch_database_url, "SECRET_KEY": "t",
                          "MEDIA_DIR": str(tmp_path)})  # fmt: skip
    with scratch.app_context():
        try:
            flask_migrate.upgrade(revision="0031")
            tables = sa.MetaData()
            tables.reflect(db.engine)
            t = tables.tables
            with db.engine.begin() as conn:
                insert(conn, t["org_units"], id=1, code="36", level="village", path="/36/")
                insert(conn, t["users"], id=1, org_unit_id=1, username="u", username_key="u", session_token="t")
                insert(conn, t["events"], id=1, org_unit_id=1, created_by_id=1, status="active")
                insert(conn, t["events"], id=2, org_unit_id=1, created_by_id=1, status="active")
                people = [  # id, event, number, review_status, found_alive
                    (1, 1, "A", "approved", False),
                    (2, 1, "A", "submitted", False),  # the duplicate: returned
                    (3, 1, "A", "returned", False),  # already not counting
                    (4, 1, "A", "submitted", True),  # found alive: not counting
                    (5, 2, "A", "submitted", False),  # another event: its own first
                    (6, 1, "", "submitted", False),  # no number
                    (7, 1, "", "submitted", False),
                    (8, 1, "B", "submitted", False),
                    (9, 1, "B", "submitted", False),  # the duplicate: returned
                ]
                for row_id, event_id, number, status, alive in people:
                    insert(conn, t["casualties"], id=row_id, client_id=f"c{row_id}", event_id=event_id,
                           org_unit_id=1, submitted_by_id=1, id_number=number, review_status=status,
                           found_alive=alive, version=1)  # fmt: skip
                for row_id, number in ((1, "H"), (2, "H")):
                    insert(conn, t["damaged_houses"], id=row_id, client_id=f"h{row_id}", event_id=1, org_unit_id=1,
                           submitted_by_id=1, id_number=number, review_status="submitted", version=1)  # fmt: skip
            flask_migrate.upgrade(revision="0040")
            with db.engine.connect() as conn:
                casualties = conn.execute(
                    sa.text("SELECT id, review_status, version, review_comment FROM casualties ORDER BY id")
                ).all()
                houses = conn.execute(sa.text("SELECT id, review_status FROM damaged_houses ORDER BY id")).all()
            returned = {row.id for row in casualties if row.review_status == "returned"}
            assert returned == {2, 3, 9}
            assert {row.id: row.version for row in casualties} == {i: 2 if i in (2, 9) else 1 for i in range(1, 10)}
            assert "重复" in next(row.review_comment for row in casualties if row.id == 2)
            assert [row.review_status for row in houses] == ["submitted", "returned"]
            # The indexes hold now.
            with db.engine.begin() as conn, pytest.raises(sa.exc.IntegrityError):
                conn.execute(sa.text("UPDATE casualties SET review_status = 'submitted' WHERE id = 2"))
        finally:
            db.session.remove()
            db.engine.dispose()
