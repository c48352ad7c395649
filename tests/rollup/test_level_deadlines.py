"""Sign-off and deadlines at every level: villages report, townships and the county sign off (乡镇上报, 县级上报),
each with its own clock; per disaster type (干旱 every 10 days); shown in the deadlines list, the roll-up and the
dashboard as on_time / pending / late / missing.

T0 is 2026-07-01 10:00 Asia/Shanghai: villages are due at 11:00, townships at 11:30, the county at 12:00 (2 hours
after the event opened); the first daily update is due 07-02 08:00, townships 08:30, the county 09:00.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from server import clock
from tests.conftest import assert_error
from tests.rollup.factories import T0, file_report, make_event, update_event

SH = ZoneInfo("Asia/Shanghai")


def local(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 7, day, hour, minute, tzinfo=SH).astimezone(UTC)


@pytest.fixture
def desk(tree, make_user, login_as):
    class Desk:
        county_user = make_user("reviewer", tree.county, name="县审核员")
        county = login_as(county_user)
        town_a = login_as(make_user("reviewer", tree.town_a, name="甲镇审核员"))
        town_b = login_as(make_user("reviewer", tree.town_b, name="乙乡审核员"))

    return Desk


def deadlines(api, event, level: str, **params) -> tuple[dict, dict]:
    query = "&".join(f"{k}={v}" for k, v in {"level": level, **params}.items())
    response = api.get(f"/api/v1/events/{event.id}/deadlines?{query}")
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    return body, {unit["org_unit"]["name"]: unit["status"] for unit in body["units"]}


def sign_off(api, event, unit, expect: int = 201) -> dict:
    response = api.post(f"/api/v1/events/{event.id}/signoffs", json={"org_unit_id": unit.id, "note": ""})
    assert response.status_code == expect, response.get_json()
    return response.get_json()


def test_the_county_initial_is_late_at_two_hours_and_one_minute_without_its_signoff(desk, tree):
    """Done when: the county's own 初报 shows late at 2 h 01 min after the event opened when the county has not
    signed off."""
    event = make_event(tree.county, desk.county_user)
    clock.set_now(T0 + timedelta(hours=1, minutes=59))
    body, status = deadlines(desk.county, event, "county")
    assert body["obligation"] == "initial" and body["due_at"] == "2026-07-01T12:00:00+08:00"
    assert status == {"测试县": "pending"}

    clock.set_now(T0 + timedelta(hours=2, minutes=1))
    body, status = deadlines(desk.county, event, "county")
    assert status == {"测试县": "late"} and body["counts"] == {"on_time": 0, "pending": 0, "late": 1, "missing": 0}
    rollup = desk.county.get(f"/api/v1/events/{event.id}/rollup").get_json()
    assert rollup["signoff_status"] == "late"
    county_level = next(level for level in rollup["levels"] if level["level"] == "county")
    assert county_level["counts"]["late"] == 1 and county_level["due_at"] == "2026-07-01T12:00:00+08:00"
    dashboard = desk.county.get("/api/v1/dashboard").get_json()
    item = next(e for e in dashboard["events"] if e["event"]["id"] == event.id)
    assert item["signoff_status"] == "late"
    assert dashboard["overdue"]["signoffs"] >= 1

    # Signing now is still late (after 12:00); signed before 12:00 it would have been on time.
    sign_off(desk.county, event, tree.county)
    assert deadlines(desk.county, event, "county")[1] == {"测试县": "late"}


def test_a_county_that_signs_within_two_hours_is_on_time(desk, tree):
    event = make_event(tree.county, desk.county_user)
    clock.set_now(T0 + timedelta(hours=1, minutes=50))
    signed = sign_off(desk.county, event, tree.county)
    assert signed["org_unit_id"] == tree.county.id and signed["status"] == "submitted"
    clock.set_now(T0 + timedelta(hours=3))
    assert deadlines(desk.county, event, "county")[1] == {"测试县": "on_time"}


def test_townships_sign_off_thirty_minutes_after_their_villages(desk, tree):
    event = make_event(tree.county, desk.county_user)
    clock.set_now(T0 + timedelta(minutes=80))
    sign_off(desk.town_a, event, tree.town_a)  # 11:20, before 11:30
    body, status = deadlines(desk.county, event, "township")
    assert body["due_at"] == "2026-07-01T11:30:00+08:00"
    assert status == {"甲镇": "on_time", "乙乡": "pending"}

    clock.set_now(T0 + timedelta(minutes=91))
    body, status = deadlines(desk.county, event, "township")
    assert status == {"甲镇": "on_time", "乙乡": "late"}
    _, only_late = deadlines(desk.county, event, "township", status="late")
    assert only_late == {"乙乡": "late"}

    # The roll-up at the county: each township child carries its sign-off status, the levels their counts.
    rollup = desk.county.get(f"/api/v1/events/{event.id}/rollup").get_json()
    assert {c["org_unit"]["name"]: c["deadline_status"] for c in rollup["children"]} == {
        "甲镇": "on_time",
        "乙乡": "late",
    }
    by_level = {level["level"]: level["counts"] for level in rollup["levels"]}
    assert by_level["township"] == {"on_time": 1, "pending": 0, "late": 1, "missing": 0}
    assert by_level["village"]["missing"] == 4  # nothing filed, past 11:00
    assert [level["level"] for level in rollup["levels"]] == ["village", "township", "county"]


def test_a_returned_signoff_does_not_count(desk, tree, make_unit, make_user, login_as):
    city = make_unit("city", name="测试市")
    county = make_unit("county", city, name="市辖县")
    town = make_unit("township", county, name="丙镇")
    make_unit("village", town, name="丙一村")
    county_reviewer = make_user("reviewer", county)
    event = make_event(county, county_reviewer)
    clock.set_now(T0 + timedelta(minutes=100))
    signed = sign_off(login_as(county_reviewer), event, county)  # 县级上报 to the city
    city_api = login_as(make_user("reviewer", city))
    response = city_api.post(f"/api/v1/signoffs/{signed['id']}/review", json={"decision": "return", "comment": "核对"})
    assert response.status_code == 200 and response.get_json()["status"] == "returned"
    clock.set_now(T0 + timedelta(hours=2, minutes=5))
    assert deadlines(city_api, event, "county")[1] == {"市辖县": "late"}
    # A city signs off to the province the same way; its clock follows the county's by 30 minutes.
    body, status = deadlines(city_api, event, "city")
    assert body["due_at"] == "2026-07-01T12:30:00+08:00" and status == {"测试市": "pending"}


def test_the_level_above_reviews_a_county_signoff_and_no_one_else(desk, tree, make_unit, make_user, login_as):
    event = make_event(tree.county, desk.county_user)
    signed = sign_off(desk.county, event, tree.county)
    # The county cannot accept its own 县级上报; a township is below it.
    review = {"decision": "accept"}
    assert_error(desk.county.post(f"/api/v1/signoffs/{signed['id']}/review", json=review), 403, "forbidden")
    assert_error(desk.town_a.post(f"/api/v1/signoffs/{signed['id']}/review", json=review), 404, "not_found")
    # A township reviewer cannot sign off the county; a village is no sign-off level.
    assert_error(
        desk.town_a.post(f"/api/v1/events/{event.id}/signoffs", json={"org_unit_id": tree.county.id}), 404, "not_found"
    )
    village_reviewer = login_as(make_user("reviewer", tree.village_a1))
    response = village_reviewer.post(f"/api/v1/events/{event.id}/signoffs", json={"org_unit_id": tree.village_a1.id})
    assert list(assert_error(response, 422, "validation_error")["details"]["fields"]) == ["org_unit_id"]


def test_a_drought_is_reported_every_ten_days(desk, tree):
    event = make_event(tree.county, desk.county_user, disaster_type="干旱", disaster_subtype=None)
    file_report(event, tree.village_a1, desk.county_user, stage="initial", at=T0 + timedelta(minutes=30))
    # A flood would owe its daily update at 07-02 08:00; a drought still owes only its 初报 then.
    clock.set_now(local(2, 9))
    body, _ = deadlines(desk.county, event, "village")
    assert body["obligation"] == "initial"
    # The first 续报 is due 10 days on, at 08:00 (07-11), covering the 10 days before.
    clock.set_now(local(11, 9))
    body, status = deadlines(desk.county, event, "village")
    assert body["obligation"] == "daily"
    assert body["due_at"] == "2026-07-11T08:00:00+08:00" and body["window_start"] == "2026-07-01T08:00:00+08:00"
    assert status[tree.village_a1.name] == "on_time"  # its 初报 lies in the window
    clock.set_now(local(21, 9))
    body, status = deadlines(desk.county, event, "village")
    assert body["due_at"] == "2026-07-21T08:00:00+08:00" and status[tree.village_a1.name] == "late"
    # The township's 续报 sign-off follows 30 minutes later.
    body, _ = deadlines(desk.county, event, "township")
    assert body["due_at"] == "2026-07-21T08:30:00+08:00"


def test_the_cadence_and_clocks_are_configurable_per_type(app, desk, tree):
    event = make_event(tree.county, desk.county_user, disaster_type="台风", disaster_subtype=None)
    saved = app.config["DEADLINES_BY_TYPE"]
    app.config["DEADLINES_BY_TYPE"] = {**saved, "台风": {"DEADLINE_COUNTY_INITIAL_MINUTES": 90}}
    try:
        clock.set_now(T0 + timedelta(minutes=91))
        body, status = deadlines(desk.county, event, "county")
        assert body["due_at"] == "2026-07-01T11:30:00+08:00" and status == {"测试县": "late"}
    finally:
        app.config["DEADLINES_BY_TYPE"] = saved


def test_a_daily_signoff_counts_only_inside_its_window(desk, tree):
    event = make_event(tree.county, desk.county_user)
    clock.set_now(T0 + timedelta(minutes=80))
    sign_off(desk.town_a, event, tree.town_a)  # the 初报 sign-off, 07-01 11:20
    clock.set_now(local(2, 8, 40))  # the township's daily sign-off was due at 08:30
    body, status = deadlines(desk.county, event, "township")
    assert body["obligation"] == "daily" and body["due_at"] == "2026-07-02T08:30:00+08:00"
    # 甲镇 signed inside (07-01 08:30, 07-02 08:30]; 乙乡 never signed: missing once the 初报 is long past.
    assert status == {"甲镇": "on_time", "乙乡": "missing"}
    clock.set_now(local(3, 9))
    assert deadlines(desk.county, event, "township")[1] == {"甲镇": "late", "乙乡": "missing"}


def test_a_level_above_the_caller_is_refused(desk, tree):
    event = make_event(tree.county, desk.county_user)
    response = desk.town_a.get(f"/api/v1/events/{event.id}/deadlines?level=county")
    assert list(assert_error(response, 422, "validation_error")["details"]["fields"]) == ["level"]
    response = desk.town_a.get(f"/api/v1/events/{event.id}/deadlines?level=province")
    assert_error(response, 422, "validation_error")


def test_a_stable_event_owes_the_final_signoff_after_it_became_stable(desk, tree):
    event = make_event(tree.county, desk.county_user)
    clock.set_now(T0 + timedelta(minutes=80))
    sign_off(desk.town_a, event, tree.town_a)
    update_event(event, status="stable", stable_at=local(5, 10))
    clock.set_now(local(6, 9))
    body, status = deadlines(desk.county, event, "township")
    assert body["obligation"] == "final" and body["due_at"] == "2026-07-07T10:30:00+08:00"
    assert status == {"甲镇": "pending", "乙乡": "pending"}  # the 初报 sign-off is not the final one
    sign_off(desk.town_a, event, tree.town_a)
    assert deadlines(desk.county, event, "township")[1]["甲镇"] == "on_time"
