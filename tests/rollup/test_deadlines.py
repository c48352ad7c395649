"""Deadlines at set times: initial within 60 minutes, the daily 08:00 update, the final after stable.

T0 is 2026-07-01 10:00 Asia/Shanghai, so the initial report is due at 11:00 and the first daily deadline is
2026-07-02 08:00 (covering 07-01 08:00 .. 07-02 08:00).
"""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from server import clock
from server.rollup import deadlines
from tests.conftest import statements_during
from tests.rollup.factories import T0, file_report, make_event, return_report, update_event

SH = ZoneInfo("Asia/Shanghai")


def local(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 7, day, hour, minute, tzinfo=SH).astimezone(UTC)


@pytest.fixture
def setup(tree, make_user, login_as):
    reviewer = make_user("reviewer", tree.county)
    event = make_event(tree.county, reviewer)
    return event, reviewer, login_as(reviewer)


def statuses(api, event, **params):
    query = "&".join(f"{k}={v}" for k, v in params.items())
    response = api.get(f"/api/v1/events/{event.id}/deadlines?{query}")
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    return body, {u["org_unit"]["id"]: u["status"] for u in body["units"]}


def test_initial_report_on_time_pending_late_and_missing(setup, tree):
    event, reviewer, api = setup
    file_report(event, tree.village_a1, reviewer, stage="initial", at=T0 + timedelta(minutes=30))
    clock.set_now(T0 + timedelta(minutes=45))
    body, status = statuses(api, event)
    assert body["obligation"] == "initial" and body["due_at"] == "2026-07-01T11:00:00+08:00"
    assert status == {
        tree.village_a1.id: "on_time",
        tree.village_a2.id: "pending",
        tree.village_b1.id: "pending",
        tree.village_b2.id: "pending",
    }

    file_report(event, tree.village_a2, reviewer, stage="initial", at=T0 + timedelta(minutes=90))
    clock.set_now(T0 + timedelta(hours=2))
    body, status = statuses(api, event)
    assert status == {
        tree.village_a1.id: "on_time",
        tree.village_a2.id: "late",
        tree.village_b1.id: "missing",
        tree.village_b2.id: "missing",
    }
    assert body["counts"] == {"on_time": 1, "pending": 0, "late": 1, "missing": 2}
    rollup = api.get(f"/api/v1/events/{event.id}/rollup").get_json()
    assert rollup["reporting"]["late"] == 1 and rollup["reporting"]["overdue_missing"] == 2
    assert {c["org_unit"]["id"]: c["reporting"]["late"] for c in rollup["children"]} == {
        tree.town_a.id: 1,
        tree.town_b.id: 0,
    }
    # The filter narrows the list; the township filter narrows the villages.
    _, only_late = statuses(api, event, status="late")
    assert list(only_late) == [tree.village_a2.id]
    _, town_b = statuses(api, event, org_unit_id=tree.town_b.id)
    assert set(town_b) == {tree.village_b1.id, tree.village_b2.id}


def test_an_initial_report_exactly_at_the_deadline_is_on_time(setup, tree):
    event, reviewer, api = setup
    file_report(event, tree.village_a1, reviewer, stage="initial", at=T0 + timedelta(minutes=60))
    clock.set_now(T0 + timedelta(hours=3))
    assert statuses(api, event)[1][tree.village_a1.id] == "on_time"


def test_daily_update_by_0800_covers_the_day_before(setup, tree):
    event, reviewer, api = setup
    file_report(event, tree.village_a1, reviewer, stage="initial", at=local(1, 10, 20))  # in the window
    file_report(event, tree.village_a2, reviewer, stage="initial", at=local(1, 10, 30))
    file_report(event, tree.village_a2, reviewer, at=local(2, 8, 0))  # exactly at 08:00: on time
    file_report(event, tree.village_b1, reviewer, stage="initial", at=local(1, 12, 0))
    file_report(event, tree.village_b1, reviewer, at=local(2, 8, 30))  # newer than D, but one in the window too

    clock.set_now(local(2, 7, 59))  # before the first daily deadline: still the initial obligation
    body, status = statuses(api, event)
    assert body["obligation"] == "initial"
    assert status[tree.village_b1.id] == "late"  # its initial came at 12:00, after 11:00

    clock.set_now(local(2, 9, 0))
    body, status = statuses(api, event)
    assert body["obligation"] == "daily" and body["due_at"] == "2026-07-02T08:00:00+08:00"
    assert body["window_start"] == "2026-07-01T08:00:00+08:00"
    assert status == {
        tree.village_a1.id: "on_time",
        tree.village_a2.id: "on_time",
        tree.village_b1.id: "on_time",
        tree.village_b2.id: "missing",
    }

    # The next morning only a2 has something in (07-02 08:00, 07-03 08:00]; b1's 08:30 report counts for it.
    file_report(event, tree.village_a2, reviewer, stage="update", at=local(3, 7, 0))
    file_report(event, tree.village_a1, reviewer, stage="update", at=local(3, 8, 15))  # too late for 07-03
    clock.set_now(local(3, 10, 0))
    body, status = statuses(api, event)
    assert body["due_at"] == "2026-07-03T08:00:00+08:00"
    assert status == {
        tree.village_a1.id: "late",
        tree.village_a2.id: "on_time",
        tree.village_b1.id: "on_time",
        tree.village_b2.id: "missing",
    }


def test_a_returned_report_does_not_satisfy_a_deadline(setup, tree):
    event, reviewer, api = setup
    early = file_report(event, tree.village_a1, reviewer, stage="initial", at=local(1, 10, 30))
    return_report(early)  # it met the deadline, but a returned report stops counting
    file_report(event, tree.village_a1, reviewer, stage="initial", at=local(1, 13, 0))
    clock.set_now(local(1, 14, 0))
    assert statuses(api, event)[1][tree.village_a1.id] == "late"


def test_final_due_two_days_after_stable(setup, tree):
    event, reviewer, api = setup
    file_report(event, tree.village_a1, reviewer, stage="initial", at=local(1, 10, 30))
    file_report(event, tree.village_a2, reviewer, stage="initial", at=local(1, 10, 30))
    file_report(event, tree.village_b1, reviewer, stage="initial", at=local(1, 10, 30))
    event = update_event(event, status="stable", stable_at=local(3, 12, 0))
    file_report(event, tree.village_a1, reviewer, stage="final", at=local(4, 9, 0))

    clock.set_now(local(4, 10, 0))
    body, status = statuses(api, event)
    assert body["obligation"] == "final" and body["due_at"] == "2026-07-05T12:00:00+08:00"
    assert status == {
        tree.village_a1.id: "on_time",
        tree.village_a2.id: "pending",
        tree.village_b1.id: "pending",
        tree.village_b2.id: "missing",
    }

    file_report(event, tree.village_a2, reviewer, stage="final", at=local(5, 13, 0))  # after the deadline
    clock.set_now(local(5, 14, 0))
    _, status = statuses(api, event)
    assert status == {
        tree.village_a1.id: "on_time",
        tree.village_a2.id: "late",
        tree.village_b1.id: "late",
        tree.village_b2.id: "missing",
    }


def test_closed_event_owes_nothing(setup, tree):
    event, reviewer, api = setup
    file_report(event, tree.village_a1, reviewer, stage="final", at=local(1, 10, 30))
    event = update_event(event, status="closed")
    clock.set_now(local(9, 10, 0))
    body, status = statuses(api, event)
    assert body["obligation"] == "none" and body["due_at"] is None
    assert status[tree.village_a1.id] == "on_time" and status[tree.village_b2.id] == "missing"
    assert api.get(f"/api/v1/events/{event.id}/rollup").get_json()["reporting"]["late"] == 0


def test_deadlines_follow_the_configuration(app, setup):
    event, _, _ = setup
    app.config.update(DEADLINE_INITIAL_MINUTES=30, DEADLINE_DAILY_UPDATE_HOUR=9)
    context = app.app_context()
    context.push()
    try:
        ob = deadlines.current_obligation(event, at=T0 + timedelta(minutes=10))
        assert ob.kind == "initial" and ob.due_at == T0 + timedelta(minutes=30)
        ob = deadlines.current_obligation(event, at=local(2, 9, 1))
        assert ob.kind == "daily" and ob.due_at == local(2, 9) and ob.window_start == local(1, 9)
    finally:
        context.pop()
        app.config.update(DEADLINE_INITIAL_MINUTES=60, DEADLINE_DAILY_UPDATE_HOUR=8)


def test_an_event_opened_before_dawn_has_its_first_daily_deadline_the_same_morning(app, setup):
    event, _, _ = setup
    event = update_event(event, started_at=local(1, 5, 0))  # initial due 06:00, first daily deadline 08:00
    with app.app_context():
        ob = deadlines.current_obligation(event, at=local(1, 8, 1))
    assert ob.kind == "daily" and ob.due_at == local(1, 8) and ob.window_start == local(1, 8) - timedelta(days=1)


def test_a_missing_village_names_whom_to_call(setup, tree, make_user, make_unit, app):
    """催报: a village whose initial report is overdue carries its active officers and their phones (its grids'
    too, the village's own first); a village that reported or is not yet due carries none. One query for all."""
    event, reviewer, api = setup
    officer = make_user("reporter", tree.village_b1, name="王建国", phone="138 0013 8000")
    make_user("reporter", tree.village_b1, name="已停用", phone="139", active=False)
    grid = make_unit("grid", tree.village_b1, name="乙一村第一网格")
    grid_officer = make_user("reporter", grid, name="网格员", phone="137")
    make_user("reviewer", tree.town_b, name="镇应急所", phone="0793")  # not a village officer
    file_report(event, tree.village_a1, reviewer, stage="initial", at=T0 + timedelta(minutes=30))
    clock.set_now(T0 + timedelta(hours=2))

    body, status = statuses(api, event)
    units = {u["org_unit"]["id"]: u for u in body["units"]}
    assert status[tree.village_b1.id] == "missing" and status[tree.village_a1.id] == "on_time"
    assert units[tree.village_b1.id]["officers"] == [
        {"id": officer.id, "name": "王建国", "phone": "138 0013 8000"},
        {"id": grid_officer.id, "name": "网格员", "phone": "137"},
    ]
    assert units[tree.village_b2.id]["officers"] == []  # missing, nobody registered: the desk says so
    assert "officers" not in units[tree.village_a1.id]

    before = len(statements_during(app, lambda: statuses(api, event)))
    for n in range(3):
        village = make_unit("village", tree.town_b, name=f"新村{n}")
        make_user("reporter", village, phone=f"1380000000{n}")
    assert (
        len(statements_during(app, lambda: statuses(api, event))) == before
    )  # the officers of any number of missing villages in one query
