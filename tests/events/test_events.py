"""Disaster events through the API: the national type list, scope, visibility, status chain, drill flag."""

from datetime import UTC, datetime, timedelta

import pytest

from server import clock
from tests.conftest import assert_error

NOW = datetime(2026, 6, 20, 6, 0, tzinfo=UTC)  # 14:00 in Asia/Shanghai


def event_payload(unit, **overrides):
    payload = {
        "name": "测试县6·20洪涝",
        "disaster_type": "洪涝",
        "disaster_subtype": "山区洪水",
        "started_at": "2026-06-20T12:30:00+08:00",
        "org_unit_id": unit.id,
        "drill": False,
    }
    payload.update(overrides)
    return payload


@pytest.fixture
def county_reviewer(make_user, tree):
    return make_user("reviewer", tree.county)


def open_event(api, unit, **overrides):
    response = api.post("/api/v1/events", json=event_payload(unit, **overrides))
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_reviewer_opens_an_event_in_its_scope(login_as, county_reviewer, tree):
    clock.set_now(NOW)
    api = login_as(county_reviewer)
    body = open_event(api, tree.county)
    assert body["name"] == "测试县6·20洪涝"
    assert body["disaster_type"] == "洪涝" and body["disaster_subtype"] == "山区洪水"
    assert body["org_unit_id"] == tree.county.id and body["org_unit"]["code"] == tree.county.code
    assert body["status"] == "active" and body["drill"] is False
    assert body["started_at"] == "2026-06-20T12:30:00+08:00"
    assert body["created_at"] == "2026-06-20T14:00:00+08:00"
    assert body["stable_at"] is None and body["closed_at"] is None
    assert api.get(f"/api/v1/events/{body['id']}").get_json() == body
    audit = api.get(f"/api/v1/audit?entity_type=event&entity_id={body['id']}").get_json()["items"]
    assert [entry["action"] for entry in audit] == ["event.create"]


def test_started_at_defaults_to_now_and_naive_times_are_local(login_as, county_reviewer, tree):
    clock.set_now(NOW)
    api = login_as(county_reviewer)
    payload = event_payload(tree.county)
    del payload["started_at"]
    assert api.post("/api/v1/events", json=payload).get_json()["started_at"] == "2026-06-20T14:00:00+08:00"
    body = open_event(api, tree.county, started_at="2026-06-20T09:15:00")
    assert body["started_at"] == "2026-06-20T09:15:00+08:00"


def test_started_in_the_future_is_refused(login_as, county_reviewer, tree):
    clock.set_now(NOW)
    api = login_as(county_reviewer)
    response = api.post("/api/v1/events", json=event_payload(tree.county, started_at="2026-06-21T14:00:00+08:00"))
    assert "started_at" in assert_error(response, 422, "validation_error")["details"]["fields"]


@pytest.mark.parametrize(
    ("disaster_type", "subtype"),
    [
        ("洪涝", "江河洪水"),
        ("洪涝", "城镇内涝"),
        ("风雹", "冰雹"),
        ("地质灾害", "泥石流"),
        ("干旱", None),
        ("地震", ""),
        ("其他", None),
    ],
)
def test_types_of_the_national_list_are_accepted(login_as, county_reviewer, tree, disaster_type, subtype):
    api = login_as(county_reviewer)
    body = open_event(api, tree.county, disaster_type=disaster_type, disaster_subtype=subtype)
    assert body["disaster_type"] == disaster_type
    assert body["disaster_subtype"] == (subtype or None)


@pytest.mark.parametrize(
    ("disaster_type", "subtype", "field", "fragment"),
    [
        ("火山", None, "disaster_type", "国家灾种目录"),
        ("洪涝", None, "disaster_subtype", "需要选择亚灾种"),
        ("洪涝", "冰雹", "disaster_subtype", "不是洪涝的亚灾种"),
        ("干旱", "山区洪水", "disaster_subtype", "没有亚灾种"),
    ],
)
def test_types_outside_the_national_list_are_refused(
    login_as, county_reviewer, tree, disaster_type, subtype, field, fragment
):
    api = login_as(county_reviewer)
    response = api.post(
        "/api/v1/events", json=event_payload(tree.county, disaster_type=disaster_type, disaster_subtype=subtype)
    )
    messages = assert_error(response, 422, "validation_error")["details"]["fields"][field]
    assert fragment in messages[0]


def test_missing_and_unknown_fields_are_422(login_as, county_reviewer, tree):
    api = login_as(county_reviewer)
    fields = assert_error(
        api.post("/api/v1/events", json={"disaster_type": "洪涝", "colour": "red"}), 422, "validation_error"
    )["details"]["fields"]
    assert {"name", "org_unit_id", "colour"} <= set(fields)


def test_only_reviewers_open_events(login_as, make_user, tree):
    for role in ("reporter", "viewer", "admin"):
        api = login_as(make_user(role, tree.county))
        assert_error(api.post("/api/v1/events", json=event_payload(tree.county)), 403, "forbidden")


def test_area_outside_the_reviewers_scope_is_404(login_as, make_user, tree):
    api = login_as(make_user("reviewer", tree.town_a))
    assert_error(api.post("/api/v1/events", json=event_payload(tree.county)), 404, "not_found")
    assert_error(api.post("/api/v1/events", json=event_payload(tree.village_b1)), 404, "not_found")
    assert open_event(api, tree.village_a1)["org_unit_id"] == tree.village_a1.id


def test_a_grid_is_not_an_event_area(login_as, county_reviewer, tree):
    api = login_as(county_reviewer)
    response = api.post("/api/v1/events", json=event_payload(tree.grid_a1))
    assert "org_unit_id" in assert_error(response, 422, "validation_error")["details"]["fields"]


def test_visibility_covers_events_above_and_below_the_scope(login_as, make_user, tree):
    county_event = open_event(login_as(make_user("reviewer", tree.county)), tree.county, name="全县洪涝")
    town_a_event = open_event(login_as(make_user("reviewer", tree.town_a)), tree.town_a, name="甲镇山洪")
    town_b_event = open_event(login_as(make_user("reviewer", tree.town_b)), tree.town_b, name="乙乡冰雹")

    def names(user):
        items = login_as(user).get("/api/v1/events").get_json()["items"]
        return {item["name"] for item in items}

    assert names(make_user("viewer", tree.county)) == {"全县洪涝", "甲镇山洪", "乙乡冰雹"}
    assert names(make_user("reviewer", tree.town_a)) == {"全县洪涝", "甲镇山洪"}
    # A village reporter must see the county's event it reports to, and its township's, not the neighbour's.
    assert names(make_user("reporter", tree.village_a1)) == {"全县洪涝", "甲镇山洪"}
    assert names(make_user("reporter", tree.grid_a1)) == {"全县洪涝", "甲镇山洪"}
    assert names(make_user("reporter", tree.village_b2)) == {"全县洪涝", "乙乡冰雹"}

    village_api = login_as(make_user("reporter", tree.village_a1))
    assert village_api.get(f"/api/v1/events/{county_event['id']}").status_code == 200
    assert village_api.get(f"/api/v1/events/{town_a_event['id']}").status_code == 200
    assert_error(village_api.get(f"/api/v1/events/{town_b_event['id']}"), 404, "not_found")
    assert_error(village_api.get("/api/v1/events/999999"), 404, "not_found")


def test_list_filters_by_status_and_drill(login_as, county_reviewer, tree):
    api = login_as(county_reviewer)
    real = open_event(api, tree.county, name="真实洪涝")
    drill = open_event(api, tree.county, name="防汛演练", drill=True)
    assert api.post(f"/api/v1/events/{real['id']}/status", json={"status": "stable"}).status_code == 200

    def names(query):
        body = api.get(f"/api/v1/events?{query}").get_json()
        assert body["total"] == len(body["items"])
        return [item["name"] for item in body["items"]]

    assert sorted(names("")) == ["真实洪涝", "防汛演练"]
    assert names("drill=true") == ["防汛演练"]
    assert names("drill=false") == ["真实洪涝"]
    assert names("status=active") == ["防汛演练"]
    assert names("status=stable") == ["真实洪涝"]
    assert api.get(f"/api/v1/events/{drill['id']}").get_json()["drill"] is True
    assert_error(api.get("/api/v1/events?status=open"), 422, "validation_error")


def test_status_goes_active_stable_closed_with_times(login_as, county_reviewer, tree):
    clock.set_now(NOW)
    api = login_as(county_reviewer)
    event = open_event(api, tree.county)
    url = f"/api/v1/events/{event['id']}/status"

    assert_error(api.post(url, json={"status": "closed"}), 409, "invalid_transition")  # active → closed skips stable
    assert_error(api.post(url, json={"status": "active"}), 409, "invalid_transition")

    clock.set_now(NOW + timedelta(days=1))
    stable = api.post(url, json={"status": "stable"})
    assert stable.status_code == 200
    assert stable.get_json()["status"] == "stable"
    assert stable.get_json()["stable_at"] == "2026-06-21T14:00:00+08:00"
    assert_error(api.post(url, json={"status": "stable"}), 409, "invalid_transition")
    assert_error(api.post(url, json={"status": "active"}), 409, "invalid_transition")

    clock.set_now(NOW + timedelta(days=3))
    closed = api.post(url, json={"status": "closed"}).get_json()
    assert closed["status"] == "closed" and closed["closed_at"] == "2026-06-23T14:00:00+08:00"
    for status in ("active", "stable", "closed"):
        assert_error(api.post(url, json={"status": status}), 409, "invalid_transition")
    assert_error(api.post(url, json={"status": "reopened"}), 422, "validation_error")

    audit = api.get(f"/api/v1/audit?entity_type=event&entity_id={event['id']}").get_json()["items"]
    assert [entry["action"] for entry in audit] == ["event.closed", "event.stable", "event.create"]
    assert audit[1]["changes"]["status"] == ["active", "stable"]


def test_status_change_needs_a_reviewer_over_the_area(login_as, make_user, county_reviewer, tree):
    event = open_event(login_as(county_reviewer), tree.county)
    url = f"/api/v1/events/{event['id']}/status"
    # Sees the county's event, but it is not theirs to change.
    assert_error(login_as(make_user("reviewer", tree.town_a)).post(url, json={"status": "stable"}), 403, "forbidden")
    assert_error(login_as(make_user("viewer", tree.county)).post(url, json={"status": "stable"}), 403, "forbidden")
    town_event = open_event(login_as(make_user("reviewer", tree.town_b)), tree.town_b)
    other = login_as(make_user("reviewer", tree.town_a))
    assert_error(other.post(f"/api/v1/events/{town_event['id']}/status", json={"status": "stable"}), 404, "not_found")


def test_events_need_login(client):
    assert_error(client.get("/api/v1/events"), 401, "unauthorized")


def test_the_national_type_list_is_published_and_is_what_events_accept(login_as, make_user, tree, client):
    api = login_as(make_user("reporter", tree.village_a1))
    body = api.get("/api/v1/disaster-types").get_json()
    by_name = {item["name"]: item["subtypes"] for item in body["items"]}
    assert by_name["洪涝"] == ["江河洪水", "山区洪水", "城镇内涝"]
    assert by_name["海洋灾害"] == ["风暴潮", "海浪", "海冰", "海啸"]  # a coastal county's storm surge
    assert by_name["干旱"] == []
    reviewer = login_as(make_user("reviewer", tree.county))
    response = reviewer.post(
        "/api/v1/events", json=event_payload(tree.county, disaster_type="海洋灾害", disaster_subtype="风暴潮")
    )
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["disaster_subtype"] == "风暴潮"


def test_the_type_list_needs_a_login(client):
    assert_error(client.get("/api/v1/disaster-types"), 401, "unauthorized")
