"""A damage report submit costs at most four round trips to PostgreSQL in the steady state (issue 9): BEGIN, the
session check (login_sessions ⋈ users), the one submit statement, COMMIT; whatever the village's history.

Counted on the app's engine: every statement the driver executes (``before_cursor_execute``), every BEGIN and
COMMIT, and every connection liveness ping of the pool, which is a round trip too when it is sent.
"""

from __future__ import annotations

import pytest
from sqlalchemy import event

from server.extensions import db
from tests.damage.conftest import FLOOD, file_report

HISTORY = 40  # an initial and 39 updates before the counted one


class RoundTrips:
    def __init__(self, engine):
        self.engine = engine
        self.trips: list[str] = []

    def _statement(self, conn, cursor, statement, parameters, context, executemany):
        self.trips.append(" ".join(statement.split())[:60])

    def _begin(self, conn):
        self.trips.append("BEGIN")

    def _commit(self, conn):
        self.trips.append("COMMIT")

    def _ping(self, dbapi_connection):
        self.trips.append("PING")
        return self.real_ping(dbapi_connection)

    def __enter__(self):
        event.listen(self.engine, "before_cursor_execute", self._statement)
        event.listen(self.engine, "begin", self._begin)
        event.listen(self.engine, "commit", self._commit)
        self.real_ping = self.engine.dialect.do_ping
        self.engine.dialect.do_ping = self._ping
        return self

    def __exit__(self, *exc):
        event.remove(self.engine, "before_cursor_execute", self._statement)
        event.remove(self.engine, "begin", self._begin)
        event.remove(self.engine, "commit", self._commit)
        self.engine.dialect.do_ping = self.real_ping


def grown(step: int) -> dict:
    return {key: value * step if isinstance(value, int) else value for key, value in FLOOD.items()}


def counted_update(app, scene, step: int) -> list[str]:
    with app.app_context():
        engine = db.engine
    with RoundTrips(engine) as probe:
        file_report(scene.api, scene.event["id"], "update", grown(step))
    return probe.trips


def test_a_submit_is_four_round_trips_on_postgresql_whatever_the_history(app, scene, is_postgres):
    file_report(scene.api, scene.event["id"], "initial", FLOOD)
    short = counted_update(app, scene, 2)
    for step in range(3, HISTORY + 1):
        file_report(scene.api, scene.event["id"], "update", grown(step))
    long = counted_update(app, scene, HISTORY + 1)
    print(f"\n{'PostgreSQL' if is_postgres else 'SQLite'}: {len(long)} round trips per submit: {long}")

    assert len(long) == len(short), (short, long)  # the history does not show
    if is_postgres:
        assert len(long) <= 4, long
        assert long[0] == "BEGIN" and long[-1] == "COMMIT" and "PING" not in long
        assert long[1].startswith("SELECT users.") and long[2].startswith("WITH facts AS")
    else:
        # SQLite is in-process (no network): the facts, the flag move, the insert and the audit row, each a statement
        # (BEGIN twice in the list: SQLAlchemy's begin event and the BEGIN IMMEDIATE it sends).
        assert long[-1] == "COMMIT" and "BEGIN IMMEDIATE" in long and "PING" not in long
        assert len(long) == 8, long


@pytest.mark.parametrize("stage", ["initial", "update"])
def test_a_refused_submit_writes_nothing(app, scene, stage):
    """The refusals run through the same one statement: its write did not happen (nothing to roll back)."""
    if stage == "update":
        file_report(scene.api, scene.event["id"], "initial", FLOOD)
        response = file_report(scene.api, scene.event["id"], "update", {"affected_population": 1}, expect=422)
    else:
        response = file_report(scene.api, scene.event["id"], "update", FLOOD, expect=409)
    assert response.get_json()["error"]["code"] in ("validation_error", "stage_order")
    listed = scene.api.get(f"/api/v1/damage-reports?event_id={scene.event['id']}").get_json()
    assert listed["total"] == (1 if stage == "update" else 0)
    with app.app_context():
        audit = db.session.execute(db.text("SELECT count(*) FROM audit_logs WHERE action = 'damage_report.create'"))
        assert audit.scalar() == listed["total"]
