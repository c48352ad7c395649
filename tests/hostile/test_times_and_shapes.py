"""Times come back in local time everywhere, times sent are bounded to a sane range, and the OpenAPI document says
what the API really sends."""

from __future__ import annotations

import uuid

import pytest

from tests.conftest import assert_error
from tests.hazards.factories import hazard_payload
from tests.test_authorization_features import evacuation_body, event_payload, shelter_body

LOCAL = "+08:00"


def test_evacuation_shelter_and_audit_times_are_local(hostile):
    village = hostile.world.sides["in"].village.id
    reviewer, reporter = hostile.world.actor("reviewer"), hostile.world.actor("reporter")
    shelter = reviewer.post("/api/v1/shelters", json={**shelter_body({"village": village}), "area_m2": "120.5"})
    assert shelter.status_code == 201, shelter.get_json()
    shelter = shelter.get_json()
    assert shelter["created_at"].endswith(LOCAL) and shelter["updated_at"].endswith(LOCAL), shelter
    url = f"/api/v1/events/{hostile.args['event_id']}/evacuations"
    evacuation = reporter.post(url, json=evacuation_body({"village": village}))
    assert evacuation.status_code == 201, evacuation.get_json()
    assert evacuation.get_json()["submitted_at"].endswith(LOCAL)
    read = reporter.get(f"/api/v1/evacuations/{evacuation.get_json()['id']}").get_json()
    assert read["submitted_at"].endswith(LOCAL)
    entries = reviewer.get("/api/v1/audit").get_json()["items"]
    assert entries and all(entry["at"].endswith(LOCAL) for entry in entries)


@pytest.mark.parametrize("started_at", ["1900-01-01T00:00:00", "1999-12-31T23:59:59+08:00", "2150-01-01T00:00:00Z"])
def test_event_times_are_bounded(hostile, started_at):
    town = hostile.world.sides["in"].town.id
    body = {**event_payload(town), "started_at": started_at}
    error = assert_error(hostile.world.actor("reviewer").post("/api/v1/events", json=body), 422, "validation_error")
    assert "started_at" in error["details"]["fields"]


@pytest.mark.parametrize(
    ("field", "value"),
    [("found_at", "1900-06-01T08:00:00+08:00"), ("found_at", "0001-01-01T00:00:00")],
)
def test_hazard_times_are_bounded(hostile, field, value):
    village = hostile.world.sides["in"].village
    body = {**hazard_payload(village), field: value}
    error = assert_error(hostile.world.actor("reporter").post("/api/v1/hazards", json=body), 422, "validation_error")
    assert field in error["details"]["fields"]


def test_a_rectification_deadline_is_bounded(hostile):
    reviewer = hostile.world.actor("reviewer")
    hazard = hostile.world.new_hazard("in", "verified")
    body = {
        "action": "start_rectification",
        "measures": "削坡",
        "responsible_person": "李明",
        "deadline": "1900-01-01",
    }
    error = assert_error(reviewer.post(f"/api/v1/hazards/{hazard}/transitions", json=body), 422, "validation_error")
    assert "deadline" in error["details"]["fields"]


def test_an_event_in_range_keeps_an_ordinary_offset(hostile):
    town = hostile.world.sides["in"].town.id
    body = {**event_payload(town), "started_at": "2026-07-01T08:00:00", "client_id": None}
    body.pop("client_id")
    event = hostile.world.actor("reviewer").post("/api/v1/events", json=body)
    assert event.status_code == 201, event.get_json()
    assert event.get_json()["started_at"] == "2026-07-01T08:00:00+08:00"


def test_openapi_types_area_m2_as_the_string_it_is(client, hostile):
    village = hostile.world.sides["in"].village.id
    shelter = hostile.world.actor("reviewer").post(
        "/api/v1/shelters",
        json={**shelter_body({"village": village}), "area_m2": 88, "name": f"点{uuid.uuid4().hex[:6]}"},
    )
    assert shelter.get_json()["area_m2"] == "88.00"
    document = client.get("/api/v1/openapi.json").get_json()
    assert document["components"]["schemas"]["ShelterOut"]["properties"]["area_m2"]["type"] == "string"
