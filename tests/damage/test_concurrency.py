"""Races through the real app from threads, on SQLite (file, WAL) and PostgreSQL: identical resends, two reports
for one village, two reviewers. The database constraints decide, never luck."""

from __future__ import annotations

import contextlib
import threading
import time
import uuid

import pytest
from sqlalchemy import create_engine, func, select, text, update

from server.damage import facts as submit_facts
from server.damage import review as review_module
from server.damage import rules, service
from server.damage.models import DamageReport
from server.extensions import db
from tests.damage.conftest import file_report, report_payload

SMALL = {"affected_population": 10, "injured": 1}
BIGGER = {"affected_population": 20, "injured": 3}


# The race at_once runs now: how many calls, how many of them have finished, and how many got past the point where
# ``pause_after`` holds them (nothing is held outside a race: a test's set-up requests go straight through).
_RACE = {"parties": 0, "finished": 0, "arrived": 0}
_RACE_LOCK = threading.Lock()


def at_once(*calls):
    """Run the calls in threads released together; return their results in order."""
    start = threading.Barrier(len(calls))
    results: list = [None] * len(calls)
    errors: list = []

    def run(index, call):
        try:
            start.wait(timeout=10)
            results[index] = call()
        except Exception as exc:  # surfaced in the main thread below
            errors.append(exc)
        finally:
            with _RACE_LOCK:
                _RACE["finished"] += 1

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    _RACE.update(parties=len(calls), finished=0, arrived=0)
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    finally:
        _RACE.update(parties=0, finished=0, arrived=0)
    assert not errors, errors
    return results


def hold_after_reads(monkeypatch, app, target, name, parties=2, timeout=1.5):
    """Make each request wait, after its reads and before its writes, for the other one. PostgreSQL only: SQLite
    serializes writers (a writing request takes the write lock up front with BEGIN IMMEDIATE), so two requests can
    never both pass their reads before either writes; rather than let the requests quietly run one after the other
    and call that a race, the test is skipped there and says so."""
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            pytest.skip("a race past the reads needs concurrent writers: PostgreSQL only (SQLite serializes them)")
    barrier = threading.Barrier(parties)
    real = getattr(target, name)

    def held(*args, **kwargs):
        result = real(*args, **kwargs)
        with contextlib.suppress(threading.BrokenBarrierError):
            barrier.wait(timeout=timeout)
        return result

    monkeypatch.setattr(target, name, held)


def pause_after(monkeypatch, app, target, name, timeout=10.0):
    """Make each request of a race (``at_once``) pause after ``name`` returns, its write done and its locks
    held, until another request waits for those locks (PostgreSQL's ``pg_stat_activity`` shows a session
    waiting on a lock) or every other request of the race got here or finished without waiting: a request released at
    the same moment thus runs its own statement against the uncommitted write and waits for the first to commit. No
    guessed delay: the pause ends on the condition it is for. PostgreSQL only, like ``hold_after_reads``: SQLite's
    first writer holds the write lock from its first statement, so the requests could only run one after the other."""
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            pytest.skip("a race against an uncommitted write needs concurrent writers: PostgreSQL only")
    real = getattr(target, name)
    waiting_on_a_lock = text(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
    )

    def another_waits_or_none_left() -> bool:
        if _RACE["arrived"] + _RACE["finished"] >= _RACE["parties"]:
            return True
        with db.engine.connect() as connection:
            return connection.execute(waiting_on_a_lock).scalar() > 0

    def paused(*args, **kwargs):
        result = real(*args, **kwargs)
        if not _RACE["parties"]:
            return result  # not in a race: a set-up request
        with _RACE_LOCK:
            _RACE["arrived"] += 1
        deadline = time.monotonic() + timeout
        while not another_waits_or_none_left():
            assert time.monotonic() < deadline, "no other request came to wait for this one's locks"
            time.sleep(0.01)  # polling the condition, not waiting for time to pass
        return result

    monkeypatch.setattr(target, name, paused)


def rows(app, **where):
    with app.app_context():
        stmt = select(DamageReport)
        for key, value in where.items():
            stmt = stmt.where(getattr(DamageReport, key) == value)
        found = db.session.scalars(stmt).all()
        db.session.remove()
        return found


def test_identical_requests_at_once_make_one_report(scene, login_as, app):
    apis = [login_as(scene.reporter), login_as(scene.reporter)]
    url = f"/api/v1/events/{scene.event['id']}/damage-reports"
    for stage, figures in (("initial", SMALL), ("update", BIGGER), ("update", dict(BIGGER, injured=4))):
        payload = report_payload(stage, figures)
        responses = at_once(*(lambda api=api, p=payload: api.post(url, json=p) for api in apis))
        codes = sorted(r.status_code for r in responses)
        assert codes == [200, 201], [r.get_json() for r in responses]
        assert responses[0].get_json()["id"] == responses[1].get_json()["id"]
        assert len(rows(app, client_id=payload["client_id"])) == 1
    current = rows(app, event_id=scene.event["id"], current=True)
    assert len(current) == 1 and current[0].injured == 4


def test_identical_requests_racing_past_their_reads(scene, login_as, app, monkeypatch):
    """Both requests' snapshots see "no such client_id"; the second writes against the first's uncommitted row and
    the unique constraint decides (PostgreSQL)."""
    pause_after(monkeypatch, app, service, "insert_current")
    apis = [login_as(scene.reporter), login_as(scene.reporter)]
    url = f"/api/v1/events/{scene.event['id']}/damage-reports"
    file_report(scene.api, scene.event["id"], "initial", SMALL)
    for stage in ("update", "final"):
        payload = report_payload(stage, BIGGER)
        responses = at_once(*(lambda api=api, p=payload: api.post(url, json=p) for api in apis))
        assert sorted(r.status_code for r in responses) == [200, 201], [r.get_json() for r in responses]
        assert responses[0].get_json()["id"] == responses[1].get_json()["id"]
    assert len(rows(app, event_id=scene.event["id"])) == 3
    assert len(rows(app, event_id=scene.event["id"], current=True)) == 1


def test_a_resend_that_loses_the_race_gets_the_winners_report(scene, app, monkeypatch):
    """Deterministic: the resend's snapshot did not see the first request's row (as when the first commits after the
    resend's statement began). Its write moves the current flag, its INSERT hits the unique client_id and inserts
    nothing; it puts the flag back, re-reads and answers 200. (An initial's stage probe and client_id probe read
    one snapshot, so a resend can no longer see "initial already filed" without seeing its own report.)"""
    url = f"/api/v1/events/{scene.event['id']}/damage-reports"
    file_report(scene.api, scene.event["id"], "initial", SMALL)
    payload = report_payload("update", BIGGER)
    first = scene.api.post(url, json=payload)
    assert first.status_code == 201
    assert (first.get_json()["client_id"], first.get_json()["stage"]) == (payload["client_id"], "update")

    real = submit_facts.probe
    calls = []

    def blind_once(event_id, unit_id, client_id):
        calls.append(client_id)
        return real(event_id, unit_id, str(uuid.uuid4()) if len(calls) == 1 else client_id)

    monkeypatch.setattr(submit_facts, "probe", blind_once)
    again = scene.api.post(url, json=payload)
    assert again.status_code == 200, again.get_json()
    assert again.get_json()["id"] == first.get_json()["id"]
    assert len(calls) == 1
    current = rows(app, event_id=scene.event["id"], current=True)
    assert [r.id for r in current] == [first.get_json()["id"]]  # the flag it moved went back
    assert len(rows(app, event_id=scene.event["id"])) == 2


def test_a_different_report_that_loses_the_race_is_409(scene, app, monkeypatch, is_postgres, database_url):
    """A report whose snapshot saw a current report that another transaction superseded before its write: 409
    superseded, nothing of it kept. PostgreSQL: a real second transaction holds the row and commits while the submit
    waits on it. SQLite (its write lock is taken up front, so this cannot happen between requests): the flag is
    cleared between the checks and the write."""
    url = f"/api/v1/events/{scene.event['id']}/damage-reports"
    initial = file_report(scene.api, scene.event["id"], "initial", SMALL).get_json()
    if is_postgres:
        other = create_engine(database_url)
        try:
            with other.connect() as conn:
                conn.execute(update(DamageReport).where(DamageReport.id == initial["id"]).values(current=False))
                submit = threading.Thread(
                    target=lambda: results.append(scene.api.post(url, json=report_payload("update", BIGGER)))
                )
                results: list = []
                submit.start()
                submit.join(timeout=1)  # the submit now waits for the row this transaction holds
                assert submit.is_alive()
                conn.commit()
                submit.join(timeout=30)
        finally:
            other.dispose()
        response = results[0]
        expected_current: list[int] = []  # the other transaction's doing, not the loser's
    else:
        real = rules.check_stage

        def stale_stage(facts, stage):
            real(facts, stage)
            db.session.execute(update(DamageReport).where(DamageReport.id == initial["id"]).values(current=False))

        monkeypatch.setattr(rules, "check_stage", stale_stage)
        response = scene.api.post(url, json=report_payload("update", BIGGER))
        expected_current = [initial["id"]]
    assert response.status_code == 409, response.get_json()
    assert response.get_json()["error"]["code"] == "superseded"
    assert [r.id for r in rows(app, event_id=scene.event["id"], current=True)] == expected_current
    assert len(rows(app, event_id=scene.event["id"])) == 1


def test_two_different_reports_for_one_village_never_both_current(scene, login_as, app, monkeypatch):
    pause_after(monkeypatch, app, service, "insert_current")
    apis = [login_as(scene.reporter), login_as(scene.reporter)]
    url = f"/api/v1/events/{scene.event['id']}/damage-reports"
    # Two initials at once (no current report yet: the partial unique index decides), then two updates at once
    # (the conditional move of the current flag decides).
    for stage in ("initial", "update"):
        # Change notes so that whichever runs second may lower the other's figures.
        payloads = [report_payload(stage, SMALL, change_note="甲"), report_payload(stage, BIGGER, change_note="乙")]
        responses = at_once(
            *(lambda api=api, p=p: api.post(url, json=p) for api, p in zip(apis, payloads, strict=True))
        )
        codes = sorted(r.status_code for r in responses)
        assert codes == [201, 409], [r.get_json() for r in responses]
        loser = next(r for r in responses if r.status_code == 409).get_json()["error"]
        assert loser["code"] == "superseded", loser
        current = rows(app, event_id=scene.event["id"], current=True)
        assert len(current) == 1


def test_two_reviewers_racing_get_one_200_and_one_409(scene, login_as, app, monkeypatch):
    hold_after_reads(monkeypatch, app, review_module, "get_report")
    report = file_report(scene.api, scene.event["id"], figures=SMALL).get_json()
    town, county = login_as(scene.town_reviewer), login_as(scene.county_reviewer)
    review_url = f"/api/v1/damage-reports/{report['id']}/review"
    responses = at_once(
        lambda: town.post(review_url, json={"decision": "approve"}),
        lambda: county.post(review_url, json={"decision": "return", "comment": "数据存疑"}),
    )
    codes = sorted(r.status_code for r in responses)
    assert codes == [200, 409], [r.get_json() for r in responses]
    winner = next(r for r in responses if r.status_code == 200).get_json()
    stored = rows(app, id=report["id"])[0]
    assert stored.status == winner["status"] and stored.version == 2
    with app.app_context():
        audit_count = db.session.scalar(
            select(func.count())
            .select_from(db.metadata.tables["audit_logs"])
            .where(db.metadata.tables["audit_logs"].c.action.in_(["damage_report.approve", "damage_report.return"]))
        )
        db.session.remove()
    assert audit_count == 1
