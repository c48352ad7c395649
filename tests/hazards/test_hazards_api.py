"""Hazards through the API: filing (idempotent), reading within scope, lists and filters."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from server import clock
from server.extensions import db
from server.hazards.models import Hazard
from tests.conftest import assert_error, statements_during

from .factories import create_hazard, hazard_payload

URL = "/api/v1/hazards"


def test_reporter_files_a_hazard(people, tree):
    response = people.reporter_a1.post(URL, json=hazard_payload(tree.village_a1))
    assert response.status_code == 201
    hazard = response.get_json()
    assert hazard["status"] == "reported" and hazard["status_name"] == "已上报"
    assert hazard["org_unit_id"] == tree.village_a1.id
    assert hazard["org_unit"] == {
        "id": tree.village_a1.id,
        "code": tree.village_a1.code,
        "name": tree.village_a1.name,
        "level": "village",
    }  # named: the desk's ledger shows the village
    assert hazard["category"] == "landslide" and hazard["category_name"] == "滑坡"
    assert hazard["risk_level"] == "high" and hazard["supervised"] is False
    assert hazard["found_at"] == "2026-07-01T08:30:00+08:00"
    assert (hazard["lat"], hazard["lon"], hazard["accuracy_m"]) == (29.2481, 117.8612, 8.5)
    assert hazard["threatened_households"] == 3 and hazard["threatened_persons"] == 11
    assert hazard["photos"] == [] and hazard["overdue"] is False
    assert hazard["number"].startswith("YH2026-")
    [step] = hazard["history"]
    assert step["action"] == "report" and step["to_status"] == "reported"
    assert step["by"]["id"] == people.reporter_a1.user["id"] and step["at"]

    audit = people.county.get(f"/api/v1/audit?entity_type=hazard&entity_id={hazard['id']}").get_json()
    assert [entry["action"] for entry in audit["items"]] == ["hazard.create"]


def test_resend_with_same_payload_returns_the_same_hazard(people, tree):
    body = hazard_payload(tree.village_a1)
    first = people.reporter_a1.post(URL, json=body)
    again = people.reporter_a1.post(URL, json=body)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.get_json()["id"] == first.get_json()["id"]
    # the same instant written in another offset is the same payload
    same_instant = {**body, "found_at": "2026-07-01T00:30:00+00:00"}
    assert people.reporter_a1.post(URL, json=same_instant).status_code == 200


def test_same_client_id_with_another_payload_is_a_conflict(people, tree, app):
    body = hazard_payload(tree.village_a1)
    people.reporter_a1.post(URL, json=body)
    error = assert_error(people.reporter_a1.post(URL, json={**body, "title": "另一处隐患"}), 409, "client_id_reused")
    assert error["details"]["client_id"] == body["client_id"]
    # a user who cannot see the first hazard learns nothing about it either
    assert_error(people.reporter_b1.post(URL, json={**body, "org_unit_id": None}), 409, "client_id_reused")
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Hazard)) == 1


def test_race_between_identical_creates_ends_in_one_hazard(people, tree, app, monkeypatch):
    """The unique client_id, not the look-up, decides: simulate a look-up that missed a concurrent insert."""
    from server.hazards import service

    body = hazard_payload(tree.village_a1)
    assert people.reporter_a1.post(URL, json=body).status_code == 201
    real_scalar = db.session.scalar
    calls = {"n": 0}

    def missing_first_lookup(stmt, *args, **kwargs):
        if "FROM hazards" in str(stmt):
            calls["n"] += 1
            if calls["n"] == 1:
                return None  # as if the other request had not committed yet
        return real_scalar(stmt, *args, **kwargs)

    monkeypatch.setattr(service.db.session, "scalar", missing_first_lookup)
    again = people.reporter_a1.post(URL, json=body)
    assert again.status_code == 200, again.get_json()
    assert calls["n"] == 2  # the look-up missed, the insert hit the constraint, the second look-up found it
    calls["n"] = 0
    assert_error(people.reporter_a1.post(URL, json={**body, "title": "改了"}), 409, "client_id_reused")
    monkeypatch.undo()
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Hazard)) == 1


def test_concurrent_identical_creates_give_one_hazard(people, tree, app, make_user, login_as):
    clients = [login_as(make_user("reporter", tree.village_a1)) for _ in range(4)]
    body = hazard_payload(tree.village_a1)
    barrier = threading.Barrier(len(clients))
    statuses: list[int] = []

    def send(api):
        barrier.wait()
        statuses.append(api.post(URL, json=body).status_code)

    threads = [threading.Thread(target=send, args=(api,)) for api in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(statuses) == [200, 200, 200, 201]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Hazard)) == 1


def test_major_hazard_is_supervised(people, tree):
    hazard = create_hazard(people.reporter_a1, tree.village_a1, risk_level="major")
    assert hazard["supervised"] is True and hazard["risk_level_name"] == "重大（红）"


def test_unit_defaults_to_the_reporters_own_and_grid_reporters_file_for_their_grid(people, tree):
    hazard = create_hazard(people.grid_reporter, tree.grid_a1, org_unit_id=None)
    assert hazard["org_unit_id"] == tree.grid_a1.id
    # a grid reporter cannot file for the village around its grid
    assert_error(people.grid_reporter.post(URL, json=hazard_payload(tree.village_a1)), 404, "not_found")


def test_chinese_category_names_are_accepted(people, tree):
    assert create_hazard(people.reporter_a1, tree.village_a1, category="危房")["category"] == "dangerous_house"


def test_address_alone_is_a_location(people, tree):
    hazard = create_hazard(people.reporter_a1, tree.village_a1, lat=None, lon=None, accuracy_m=None)
    assert hazard["lat"] is None and hazard["address"] == "甲一村后山"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"lat": None, "lon": None, "address": ""}, "address"),
        ({"lon": None}, "lon"),
        ({"category": "火山"}, "category"),
        ({"category": {}}, "category"),
        ({"threatened_households": 2**40}, "threatened_households"),
        ({"risk_level": "red"}, "risk_level"),
        ({"threatened_persons": -1}, "threatened_persons"),
        ({"lat": 91}, "lat"),
        ({"found_at": "昨天"}, "found_at"),
        ({"client_id": "not-a-uuid"}, "client_id"),
        ({"title": ""}, "title"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_invalid_payloads_name_the_field(people, tree, overrides, field):
    response = people.reporter_a1.post(URL, json=hazard_payload(tree.village_a1, **overrides))
    error = assert_error(response, 422, "validation_error")
    assert field in error["details"]["fields"], error


def test_found_at_may_not_lie_in_the_future(people, tree):
    clock.set_now(datetime(2026, 7, 1, 0, 0, tzinfo=UTC))
    late = hazard_payload(tree.village_a1, found_at="2026-07-01T09:00:00+08:00")  # an hour ahead
    error = assert_error(people.reporter_a1.post(URL, json=late), 422, "validation_error")
    assert "found_at" in error["details"]["fields"]
    skewed = hazard_payload(tree.village_a1, found_at="2026-07-01T08:05:00+08:00")  # a phone clock 5 min fast
    assert people.reporter_a1.post(URL, json=skewed).status_code == 201


def test_hazards_are_filed_for_a_village_or_grid(people, tree):
    error = assert_error(people.town_a.post(URL, json=hazard_payload(tree.town_a)), 422, "validation_error")
    assert "org_unit_id" in error["details"]["fields"]
    # a township reviewer may file for its villages (found on an inspection)
    assert create_hazard(people.town_a, tree.village_a2)["org_unit_id"] == tree.village_a2.id


def test_who_may_file(people, tree):
    assert_error(people.viewer.post(URL, json=hazard_payload(tree.village_a1)), 403, "forbidden")
    assert_error(people.admin.post(URL, json=hazard_payload(tree.village_a1)), 403, "forbidden")
    assert_error(people.reporter_b1.post(URL, json=hazard_payload(tree.village_a1)), 404, "not_found")


def test_reading_is_scoped(people, tree):
    hazard = create_hazard(people.reporter_a1, tree.village_a1)
    url = f"{URL}/{hazard['id']}"
    for api in (people.reporter_a1, people.town_a, people.county, people.viewer, people.village_reviewer_a1):
        assert api.get(url).status_code == 200
    for api in (people.reporter_a2, people.reporter_b1, people.town_b, people.grid_reporter):
        assert_error(api.get(url), 404, "not_found")
    assert_error(people.county.get(f"{URL}/999999"), 404, "not_found")


def test_list_is_scoped_filtered_and_paged(people, tree):
    a1 = create_hazard(people.reporter_a1, tree.village_a1, category="landslide", risk_level="major")
    a1_house = create_hazard(people.reporter_a1, tree.village_a1, category="dangerous_house", risk_level="low")
    grid = create_hazard(people.grid_reporter, tree.grid_a1, risk_level="medium")
    a2 = create_hazard(people.reporter_a2, tree.village_a2)
    b1 = create_hazard(people.reporter_b1, tree.village_b1, found_at="2026-07-02T08:00:00+08:00")

    def ids(api, query=""):
        body = api.get(f"{URL}{query}").get_json()
        return {item["id"] for item in body["items"]}

    assert ids(people.reporter_a1) == {a1["id"], a1_house["id"], grid["id"]}
    assert ids(people.grid_reporter) == {grid["id"]}
    assert ids(people.town_a) == {a1["id"], a1_house["id"], grid["id"], a2["id"]}
    assert ids(people.town_b) == {b1["id"]}
    assert ids(people.county) == {a1["id"], a1_house["id"], grid["id"], a2["id"], b1["id"]}

    assert ids(people.county, "?category=dangerous_house") == {a1_house["id"]}
    assert ids(people.county, "?risk_level=major") == {a1["id"]}
    assert ids(people.county, "?supervised=true") == {a1["id"]}
    assert ids(people.county, f"?org_unit_id={tree.village_a1.id}") == {a1["id"], a1_house["id"], grid["id"]}
    assert ids(people.county, "?status=verified") == set()
    assert_error(people.town_b.get(f"{URL}?org_unit_id={tree.village_a1.id}"), 404, "not_found")
    assert_error(people.county.get(f"{URL}?status=unknown"), 422, "validation_error")

    page = people.county.get(f"{URL}?per_page=2&page=1").get_json()
    assert (page["total"], page["per_page"], page["page"], len(page["items"])) == (5, 2, 1, 2)
    assert page["items"][0]["id"] == b1["id"]  # newest found first
    assert page["items"][0]["org_unit"]["name"] == tree.village_b1.name
    last = people.county.get(f"{URL}?per_page=2&page=3").get_json()
    assert len(last["items"]) == 1


def test_a_failure_after_the_insert_leaves_no_hazard(people, tree, app, monkeypatch):
    """The hazard, its history and its audit row commit together or not at all (SQLite included)."""
    from server.hazards import service

    def crash(**kwargs):
        raise RuntimeError("audit write failed")

    monkeypatch.setattr(service, "record", crash)
    assert_error(people.reporter_a1.post(URL, json=hazard_payload(tree.village_a1)), 500, "internal_error")
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Hazard)) == 0


def test_hazards_and_photos_are_in_the_openapi_document(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    paths = spec["paths"]
    for path in (
        "/hazards",
        "/hazards/{hazard_id}",
        "/hazards/{hazard_id}/transitions",
        "/hazards/export.xlsx",
        "/hazards/{hazard_id}/photos",
        "/damage-reports/{report_id}/photos",
        "/photos/{photo_id}",
        "/photos/{photo_id}/thumbnail",
    ):
        assert path in paths, path
    assert "multipart/form-data" in paths["/hazards/{hazard_id}/photos"]["post"]["requestBody"]["content"]
    hazard = spec["components"]["schemas"]["HazardOut"]["properties"]
    assert {"status", "supervised", "overdue", "photos", "history", "deadline"} <= set(hazard)
    assert hazard["status_name"]["type"] == "string"


def test_listing_a_page_costs_the_same_queries_whatever_its_size(people, tree, app):
    """Photos, history and people come in a fixed number of queries per page (no N+1)."""
    from .factories import add_after_photo

    def queries_for_listing() -> int:
        answers = []
        statements = statements_during(app, lambda: answers.append(people.county.get(URL + "?per_page=50")))
        assert answers[0].status_code == 200
        return len(statements)

    for _ in range(2):
        hazard = create_hazard(people.reporter_a1, tree.village_a1)
        add_after_photo(people.reporter_a1, hazard["id"])
    few = queries_for_listing()
    for i in range(6):
        hazard = create_hazard(people.reporter_b1, tree.village_b1)
        add_after_photo(people.reporter_b1, hazard["id"], color=(i * 30, 10, 10))
    assert queries_for_listing() == few
