"""Local events under real concurrency (issue 19), through the real app from threads as the sign-off race test does:
decisions released together (exactly one wins, the rest answer 409 ``already_decided``), ledger rows filed while the
event is merged (every accepted row ends on the target), and what a decided event takes afterwards."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.pool import NullPool

from server.extensions import db
from server.ledgers import service as ledger_service
from server.ledgers.models import Casualty, DamagedHouse
from server.localevents import service as local_service
from tests.conftest import assert_error
from tests.damage.test_concurrency import at_once
from tests.evacuation.conftest import evacuation
from tests.ledgers.conftest import add_casualty, casualty_payload, house_payload, id_number
from tests.localevents.test_local_events import county_flood, open_local


@pytest.fixture
def reviewers(tree, make_user, login_as):
    """Sessions of three reviewers above the village: two of its township, one of the county."""
    town_1 = make_user("reviewer", tree.town_a, name="甲镇审核员一")
    town_2 = make_user("reviewer", tree.town_a, name="甲镇审核员二")
    county = make_user("reviewer", tree.county, name="县审核员")
    return [login_as(user) for user in (town_1, town_2, county) for _ in range(7)][:20]


def decisions_of(api, event_id: int) -> list[str]:
    entries = api.get(f"/api/v1/audit?entity_type=event&entity_id={event_id}").get_json()["items"]
    return [e["action"] for e in entries if e["action"] in ("event.confirm", "event.reject", "event.merge")]


def test_twenty_decisions_at_once_one_wins_and_the_rest_are_already_decided(people, tree, reviewers):
    local = open_local(people.reporter)
    flood = county_flood(people, tree)
    url = f"/api/v1/events/{local['id']}"
    calls = []
    for i, api in enumerate(reviewers):
        if i % 3 == 0:
            calls.append(lambda api=api: api.post(f"{url}/confirm"))
        elif i % 3 == 1:
            calls.append(lambda api=api, i=i: api.post(f"{url}/reject", json={"reason": f"不属实 {i}"}))
        else:
            calls.append(lambda api=api: api.post(f"{url}/merge", json={"into_event_id": flood["id"]}))
    responses = at_once(*calls)
    codes = sorted(r.status_code for r in responses)
    assert codes == [200] + [409] * 19, [r.get_json() for r in responses]
    decided = next(r for r in responses if r.status_code == 200).get_json()
    for response in responses:
        if response.status_code == 409:
            error = assert_error(response, 409, "already_decided")
            assert error["details"]["status"] == decided["status"]
    stored = people.county.get(url).get_json()
    assert stored["status"] == decided["status"] != "pending"
    assert len(decisions_of(people.county, local["id"])) == 1  # one decision audited


def test_a_decision_that_lost_past_its_reads_is_already_decided(people, tree, app, monkeypatch):
    """Both decisions pass their checks (the event read as pending) before either writes; the conditional UPDATE
    decides. PostgreSQL only: SQLite takes the write lock before the reads."""
    from tests.damage.test_concurrency import hold_after_reads

    hold_after_reads(monkeypatch, app, local_service, "_pending_for_decision")
    local = open_local(people.reporter)
    responses = at_once(
        lambda: people.town.post(f"/api/v1/events/{local['id']}/confirm"),
        lambda: people.county.post(f"/api/v1/events/{local['id']}/reject", json={"reason": "不属实"}),
    )
    assert sorted(r.status_code for r in responses) == [200, 409], [r.get_json() for r in responses]
    assert_error(next(r for r in responses if r.status_code == 409), 409, "already_decided")
    assert len(decisions_of(people.county, local["id"])) == 1


WAITING_ON_A_LOCK = text(
    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
)


def lock_waiters(watcher) -> int:
    """Sessions of this test's database waiting for a lock now (PostgreSQL), read through ``watcher``: an engine of
    its own, so watching takes no connection from the app's pool, which the racing requests fill."""
    with watcher.connect() as connection:
        return connection.execute(WAITING_ON_A_LOCK).scalar()


def until(condition, failure: str, timeout: float = 10) -> None:
    """Poll ``condition`` (a wait on what the race needs, never a guessed pause); fail with ``failure`` after
    ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, failure
        time.sleep(0.01)


def test_sixteen_ledger_posts_racing_a_merge_all_end_on_the_target(
    people, tree, app, monkeypatch, make_user, login_as, request
):
    """Half the posts are filed as the merge starts, holding the event's row a moment (so the merge must wait for
    them and then move them); the other half are sent once the merge holds the event (so they wait for it and follow
    the event to its target). Every accepted row is on the target afterwards; none stays on the merged event."""
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            pytest.skip("a create committing during a merge needs concurrent writers: PostgreSQL only")
    with app.app_context():
        watcher = create_engine(db.engine.url, poolclass=NullPool)
    request.addfinalizer(watcher.dispose)
    local = open_local(people.reporter)
    flood = county_flood(people, tree)
    merging = threading.Event()
    held = threading.Event()  # an early post holds the event's row
    late_done = []  # the late posts that have their answer
    real_hold, real_settle = ledger_service.hold, local_service.settle

    def slow_hold(*args, **kwargs):  # a post holding the event's row until the merge waits for it
        row = real_hold(*args, **kwargs)
        if not merging.is_set():
            held.set()
        until(lambda: merging.is_set() or lock_waiters(watcher) > 0, "the merge never came to wait for the posts")
        return row

    def settle_then_linger(*args, **kwargs):  # the merge holding the event until every late post waits for it
        until(held.is_set, "no post came to hold the event before the merge")  # so the merge waits for some
        won = real_settle(*args, **kwargs)
        merging.set()
        until(lambda: lock_waiters(watcher) >= 8 - len(late_done), "the late posts never came to wait for the merge")
        return won

    monkeypatch.setattr(ledger_service, "hold", slow_hold)
    monkeypatch.setattr(local_service, "settle", settle_then_linger)
    reporter = make_user("reporter", tree.village_a1)
    apis = [login_as(reporter) for _ in range(16)]

    def post(i: int):
        if i >= 8:
            assert merging.wait(timeout=10)
        kind, payload = ("casualties", casualty_payload(id_number=id_number(100 + i))) if i % 2 else (
            "damaged-houses", house_payload(id_number=id_number(100 + i)))  # fmt: skip
        response = apis[i].post(f"/api/v1/events/{local['id']}/{kind}", json=payload)
        if i >= 8:
            late_done.append(i)
        return response

    calls = [lambda i=i: post(i) for i in range(16)]
    calls.append(lambda: people.town.post(f"/api/v1/events/{local['id']}/merge", json={"into_event_id": flood["id"]}))
    responses = at_once(*calls)
    merge = responses[-1]
    assert merge.status_code == 200, merge.get_json()
    posts = responses[:-1]
    assert [r.status_code for r in posts] == [201] * 16, [r.get_json() for r in posts]
    # Answered on the local event (committed before the merge, then moved) or on the target (followed it): either
    # way the row is on the target now.
    assert {r.get_json()["event_id"] for r in posts} <= {local["id"], flood["id"]}
    for i, response in enumerate(posts):
        kind = "casualties" if i % 2 else "damaged-houses"
        stored = people.county.get(f"/api/v1/{kind}/{response.get_json()['id']}").get_json()
        assert stored["event_id"] == flood["id"], (i, stored)
    with app.app_context():
        for model in (Casualty, DamagedHouse):
            left = db.session.scalar(select(func.count()).select_from(model).where(model.event_id == local["id"]))
            assert left == 0, model
        on_target = db.session.scalar(
            select(func.count()).select_from(Casualty).where(Casualty.event_id == flood["id"])
        )
        assert on_target == 8
        db.session.remove()
    listed = people.county.get(f"/api/v1/events/{flood['id']}/casualties").get_json()
    assert listed["total"] == 8
    # Both kinds of history are there: rows moved by the merge (audited as moves) and rows that followed.
    moved = merge.get_json()
    assert moved["status"] == "merged"
    merge_audit = people.county.get(f"/api/v1/audit?entity_type=event&entity_id={local['id']}").get_json()["items"]
    moved_ids = next(e for e in merge_audit if e["action"] == "event.merge")["changes"]["moved"][1]
    moved_rows = moved_ids.get("casualties", []) + moved_ids.get("damaged_houses", [])
    assert 0 < len(moved_rows) < 16, moved_ids  # some were moved, the rest followed


# --- after the decision ---------------------------------------------------------------------------------------


def test_a_rejected_local_event_takes_no_new_row(people):
    local = open_local(people.reporter)
    reason = "经核实为旧滑坡体，无新灾情"
    assert people.town.post(f"/api/v1/events/{local['id']}/reject", json={"reason": reason}).status_code == 200
    for kind, payload in (("casualties", casualty_payload()), ("damaged-houses", house_payload())):
        refused = people.reporter.post(f"/api/v1/events/{local['id']}/{kind}", json=payload)
        error = assert_error(refused, 409, "event_closed")
        assert "退回" in error["message"] and reason in error["message"]


def test_a_rejected_local_event_takes_no_evacuation_report(people, tree):
    local = open_local(people.reporter)
    assert people.town.post(f"/api/v1/events/{local['id']}/reject", json={"reason": "不属实"}).status_code == 200
    refused = people.reporter.post(f"/api/v1/events/{local['id']}/evacuations", json=evacuation(tree.village_a1))
    assert "退回" in assert_error(refused, 409, "event_closed")["message"]


def test_after_the_merge_ledger_rows_and_evacuations_follow_the_event_to_its_target(people, tree):
    local = open_local(people.reporter)
    flood = county_flood(people, tree)
    before = casualty_payload(id_number=id_number(6))
    assert people.reporter.post(f"/api/v1/events/{local['id']}/casualties", json=before).status_code == 201
    assert (
        people.town.post(f"/api/v1/events/{local['id']}/merge", json={"into_event_id": flood["id"]}).status_code == 200
    )
    payload = casualty_payload(id_number=id_number(7))
    filed = people.reporter.post(f"/api/v1/events/{local['id']}/casualties", json=payload)
    assert filed.status_code == 201 and filed.get_json()["event_id"] == flood["id"]
    # The phone resends (it never saw the answer): the same row.
    again = people.reporter.post(f"/api/v1/events/{local['id']}/casualties", json=payload)
    assert again.status_code == 200 and again.get_json()["id"] == filed.get_json()["id"]
    # A row filed before the merge and resent after it: the same row too (it moved with the event).
    resent = people.reporter.post(f"/api/v1/events/{local['id']}/casualties", json=before)
    assert resent.status_code == 200 and resent.get_json()["event_id"] == flood["id"]
    house = people.reporter.post(f"/api/v1/events/{local['id']}/damaged-houses", json=house_payload())
    assert house.status_code == 201 and house.get_json()["event_id"] == flood["id"]
    body = evacuation(tree.village_a1)
    report = people.reporter.post(f"/api/v1/events/{local['id']}/evacuations", json=body)
    assert report.status_code == 201, report.get_json()
    assert report.get_json()["event_id"] == flood["id"]
    again = people.reporter.post(f"/api/v1/events/{local['id']}/evacuations", json=body)
    assert again.status_code == 200 and again.get_json()["id"] == report.get_json()["id"]
    assert people.county.get(f"/api/v1/events/{flood['id']}/evacuations").get_json()["total"] == 1


def test_a_merge_that_would_register_an_id_number_twice_is_a_conflict_and_nothing_moves(people, tree, make_user,
                                                                                         login_as):  # fmt: skip
    local = open_local(people.reporter)
    flood = county_flood(people, tree)
    mine = add_casualty(people.reporter, local["id"], id_number=id_number(8))
    other = login_as(make_user("reporter", tree.village_b1))
    add_casualty(other, flood["id"], id_number=id_number(8))
    response = people.town.post(f"/api/v1/events/{local['id']}/merge", json={"into_event_id": flood["id"]})
    error = assert_error(response, 409, "merge_conflict")
    assert error["details"] == {"into_event_id": flood["id"], "duplicates": {"casualties": [mine["id"]]}}
    assert id_number(8) not in response.get_data(as_text=True)
    assert people.town.get(f"/api/v1/events/{local['id']}").get_json()["status"] == "pending"
    assert people.county.get(f"/api/v1/events/{local['id']}/casualties").get_json()["total"] == 1
