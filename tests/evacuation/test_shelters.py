"""The shelter registry (避难场所) through the API: who keeps it, validation, scope, occupancy, audit."""

from __future__ import annotations

from sqlalchemy import select

from server.audit_trail import AuditLog
from server.extensions import db
from tests.conftest import assert_error, statements_during
from tests.evacuation.conftest import evacuation


def shelter_body(unit, **overrides) -> dict:
    body = {
        "name": "甲镇中心小学",
        "org_unit_id": unit.id,
        "kind": "school",
        "capacity": 300,
        "area_m2": "1200.50",
        "lat": 29.25,
        "lon": 117.86,
        "address": "甲镇学府路 1 号",
        "facilities": ["water", "power", "toilets"],
    }
    body.update(overrides)
    return body


def test_a_reviewer_registers_a_shelter_and_it_is_audited(tree, make_user, login_as, app):
    reviewer = login_as(make_user("reviewer", tree.town_a))
    response = reviewer.post("/api/v1/shelters", json=shelter_body(tree.town_a))
    assert response.status_code == 201, response.get_json()
    shelter = response.get_json()
    assert shelter["area_m2"] == "1200.50" and shelter["kind_name"] == "学校"
    assert shelter["occupancy"] == 0 and shelter["over_capacity"] is False and shelter["active"] is True
    assert shelter["org_unit"]["id"] == tree.town_a.id
    with app.app_context():
        entry = db.session.scalar(select(AuditLog).where(AuditLog.entity_type == "shelter"))
        assert entry.action == "shelter.create" and entry.changes["capacity"] == [None, 300]


def test_admins_register_too_but_reporters_and_viewers_do_not(tree, make_user, login_as):
    assert (
        login_as(make_user("admin", tree.county)).post("/api/v1/shelters", json=shelter_body(tree.county)).status_code
        == 201
    )
    for role in ("reporter", "viewer"):
        api = login_as(make_user(role, tree.town_a))
        assert_error(api.post("/api/v1/shelters", json=shelter_body(tree.town_a)), 403, "forbidden")


def test_shelters_outside_scope_are_not_found(tree, make_user, login_as, make_shelter):
    reviewer = login_as(make_user("reviewer", tree.town_a))
    assert_error(reviewer.post("/api/v1/shelters", json=shelter_body(tree.town_b)), 404, "not_found")
    other = make_shelter(tree.village_b1)
    assert_error(reviewer.get(f"/api/v1/shelters/{other}"), 404, "not_found")
    assert_error(reviewer.patch(f"/api/v1/shelters/{other}", json={"capacity": 1}), 404, "not_found")
    # A county shelter serves the township: visible, but kept by the county.
    county = make_shelter(tree.county)
    assert reviewer.get(f"/api/v1/shelters/{county}").status_code == 200
    assert_error(reviewer.patch(f"/api/v1/shelters/{county}", json={"capacity": 1}), 404, "not_found")


def test_fields_are_validated(tree, make_user, login_as):
    reviewer = login_as(make_user("reviewer", tree.county))
    bad = shelter_body(tree.county, kind="castle", capacity=-1, lat=91, lon=-181, facilities=["spa"], area_m2="-1",
                       name="")  # fmt: skip
    error = assert_error(reviewer.post("/api/v1/shelters", json=bad), 422, "validation_error")
    assert {"kind", "capacity", "lat", "lon", "facilities.0", "area_m2", "name"} <= set(error["details"]["fields"])
    minimal = {"name": "村委会礼堂", "org_unit_id": tree.village_a1.id, "kind": "hall", "capacity": 0}
    response = reviewer.post("/api/v1/shelters", json=minimal)
    assert (
        response.status_code == 201 and response.get_json()["lat"] is None and response.get_json()["facilities"] == []
    )


def test_patch_changes_fields_takes_a_shelter_out_of_use_and_is_audited(tree, make_user, login_as, app):
    reviewer = login_as(make_user("reviewer", tree.town_a))
    shelter = reviewer.post("/api/v1/shelters", json=shelter_body(tree.town_a)).get_json()
    changes = {"capacity": 250, "active": False, "org_unit_id": tree.village_a1.id}
    response = reviewer.patch(f"/api/v1/shelters/{shelter['id']}", json=changes)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["capacity"] == 250 and body["active"] is False and body["org_unit_id"] == tree.village_a1.id
    assert body["name"] == "甲镇中心小学"
    error = assert_error(
        reviewer.patch(f"/api/v1/shelters/{shelter['id']}", json={"lat": 100}), 422, "validation_error"
    )
    assert "lat" in error["details"]["fields"]
    with app.app_context():
        entry = db.session.scalar(select(AuditLog).where(AuditLog.action == "shelter.update"))
        assert entry.changes["capacity"] == [300, 250] and entry.changes["active"] == [True, False]


def test_list_by_unit_includes_the_subtree_and_what_serves_a_village(tree, make_user, login_as, make_shelter):
    names = ("county", "town_a", "village_a1", "village_a2", "town_b", "village_b1")
    ids = {name: make_shelter(getattr(tree, name)) for name in names}
    viewer = login_as(make_user("viewer", tree.county))
    everything = {s["id"] for s in viewer.get("/api/v1/shelters?per_page=200").get_json()["items"]}
    assert set(ids.values()) <= everything
    town_a = {s["id"] for s in viewer.get(f"/api/v1/shelters?org_unit_id={tree.town_a.id}").get_json()["items"]}
    assert town_a >= {ids["town_a"], ids["village_a1"], ids["village_a2"]}
    assert ids["county"] not in town_a and ids["village_b1"] not in town_a
    reporter = login_as(make_user("reporter", tree.village_a1))
    seen = {s["id"] for s in reporter.get("/api/v1/shelters").get_json()["items"]}
    assert seen >= {ids["county"], ids["town_a"], ids["village_a1"], ids["village_a2"]}
    assert ids["town_b"] not in seen and ids["village_b1"] not in seen
    assert_error(reporter.get(f"/api/v1/shelters?org_unit_id={tree.town_b.id}"), 404, "not_found")


def test_occupancy_counts_current_reports_of_open_real_events_in_one_query(
    tree, make_user, login_as, make_shelter, make_event, app
):
    shelters = [make_shelter(tree.town_a, capacity=5) for _ in range(3)]
    real, drill, closing = make_event(tree.county), make_event(tree.county, drill=True), make_event(tree.county)
    reporter = login_as(make_user("reporter", tree.village_a1))
    allocations = [{"shelter_id": s, "persons": 2} for s in shelters]
    for event_id in (real, drill, closing):
        body = evacuation(tree.village_a1, allocations=allocations)
        assert reporter.post(f"/api/v1/events/{event_id}/evacuations", json=body).status_code == 201
    with app.app_context():
        from server.events.models import Event

        db.session.get(Event, closing).status = "closed"
        db.session.commit()
    answers = []
    statements = statements_during(app, lambda: answers.append(reporter.get("/api/v1/shelters").get_json()))
    [listing] = answers
    assert {s["id"]: s["occupancy"] for s in listing["items"]} == {s: 2 for s in shelters}
    # The user, the page and its count: no query per shelter.
    assert len([s for s in statements if "shelter_allocations" in s]) <= 2, statements


def test_a_drill_warns_about_its_own_overflow_without_counting_in_real_occupancy(
    tree, make_user, login_as, make_shelter, make_event
):
    shelter = make_shelter(tree.town_a, capacity=5)
    drill = make_event(tree.county, drill=True)
    reporter = login_as(make_user("reporter", tree.village_a1))
    body = evacuation(tree.village_a1, allocations=[{"shelter_id": shelter, "persons": 6}])
    response = reporter.post(f"/api/v1/events/{drill}/evacuations", json=body)
    assert response.status_code == 201 and "超出容量" in response.get_json()["warnings"][0]["message"]
    assert reporter.get(f"/api/v1/shelters/{shelter}").get_json()["occupancy"] == 0
