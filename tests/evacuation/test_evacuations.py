"""Evacuation reports (转移避险) through the API: rules, idempotency, the current report, scope, audit.

The races run from threads on both databases: on PostgreSQL they meet in the constraints, on SQLite writing
requests take the write lock up front and run one after the other; either way the answers must be the same."""

from __future__ import annotations

import threading
import uuid

import pytest
from sqlalchemy import select

from server.audit_trail import AuditLog
from server.evacuation import service
from server.evacuation.models import EvacuationReport
from server.extensions import db
from tests.conftest import assert_error
from tests.evacuation.conftest import evacuation


@pytest.fixture
def setup(tree, make_user, make_event, login_as):
    event_id = make_event(tree.county)
    reporter = login_as(make_user("reporter", tree.village_a1))
    return event_id, reporter


def url(event_id: int) -> str:
    return f"/api/v1/events/{event_id}/evacuations"


def test_reporter_files_a_report_and_reads_it_back(setup, tree, make_shelter):
    event_id, reporter = setup
    shelter_id = make_shelter(tree.village_a1, capacity=50)
    body = evacuation(
        tree.village_a1, returned=3, allocations=[{"shelter_id": shelter_id, "persons": 6}], note="夜间转移"
    )
    response = reporter.post(url(event_id), json=body)
    assert response.status_code == 201, response.get_json()
    report = response.get_json()
    assert report["evacuated"] == 10 and report["centralized"] == 6 and report["dispersed"] == 4
    assert report["returned"] == 3 and report["displaced"] == 7 and report["current"] is True
    assert [(a["shelter_id"], a["persons"]) for a in report["allocations"]] == [(shelter_id, 6)]
    assert report["allocations"][0]["shelter_name"].startswith("避难点")
    assert report["warnings"] == [] and report["note"] == "夜间转移"
    again = reporter.get(f"/api/v1/evacuations/{report['id']}")
    assert again.status_code == 200 and again.get_json()["client_id"] == body["client_id"]


def test_same_client_id_same_payload_is_200_with_the_same_report(setup, tree):
    event_id, reporter = setup
    body = evacuation(tree.village_a1)
    first = reporter.post(url(event_id), json=body)
    second = reporter.post(url(event_id), json=body)
    assert first.status_code == 201 and second.status_code == 200
    assert second.get_json()["id"] == first.get_json()["id"]
    listing = reporter.get(url(event_id)).get_json()
    assert listing["total"] == 1


def test_same_client_id_other_payload_is_409(setup, tree):
    event_id, reporter = setup
    body = evacuation(tree.village_a1)
    assert reporter.post(url(event_id), json=body).status_code == 201
    assert_error(reporter.post(url(event_id), json={**body, "returned": 1}), 409, "client_id_reused")


def test_a_lost_race_on_the_client_id_answers_like_a_resend(setup, tree, monkeypatch):
    """Two identical requests pass the look-up at once; the unique constraint decides, not luck."""
    event_id, reporter = setup
    body = evacuation(tree.village_a1)
    assert reporter.post(url(event_id), json=body).status_code == 201
    real = service._existing
    calls = {"n": 0}

    def miss_first(client_id):
        calls["n"] += 1
        return None if calls["n"] == 1 else real(client_id)

    monkeypatch.setattr(service, "_existing", miss_first)
    response = reporter.post(url(event_id), json=body)
    assert response.status_code == 200 and calls["n"] == 2
    calls["n"] = 0
    assert_error(reporter.post(url(event_id), json={**body, "note": "另一内容"}), 409, "client_id_reused")
    # The lost race rolled back its savepoint: the first report is still the village's current one.
    listing = reporter.get(url(event_id) + "?current=true").get_json()
    assert listing["total"] == 1 and listing["items"][0]["client_id"] == body["client_id"]


def test_concurrent_identical_requests_give_one_report(setup, tree, app, make_user, login_as):
    event_id, _ = setup
    clients = [login_as(make_user("reporter", tree.village_a1)) for _ in range(4)]
    body = evacuation(tree.village_a1)
    barrier = threading.Barrier(len(clients))
    statuses: list[int] = []

    def send(api):
        barrier.wait()
        statuses.append(api.post(url(event_id), json=body).status_code)

    threads = [threading.Thread(target=send, args=(api,)) for api in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(statuses) == [200, 200, 200, 201]
    with app.app_context():
        assert len(db.session.scalars(select(EvacuationReport)).all()) == 1


def test_concurrent_reports_for_one_village_keep_one_current(setup, tree, app, make_user, login_as):
    event_id, _ = setup
    clients = [login_as(make_user("reporter", tree.village_a1)) for _ in range(4)]
    barrier = threading.Barrier(len(clients))
    statuses: list[int] = []

    def send(api):
        barrier.wait()
        statuses.append(api.post(url(event_id), json=evacuation(tree.village_a1)).status_code)

    threads = [threading.Thread(target=send, args=(api,)) for api in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert set(statuses) <= {201, 409} and 201 in statuses
    with app.app_context():
        current = db.session.scalars(select(EvacuationReport).where(EvacuationReport.current.is_(True))).all()
        assert len(current) == 1


def test_the_newest_report_is_current(setup, tree):
    event_id, reporter = setup
    first = reporter.post(url(event_id), json=evacuation(tree.village_a1)).get_json()
    second = reporter.post(url(event_id), json=evacuation(tree.village_a1, returned=4)).get_json()
    other = reporter.post(url(event_id), json=evacuation(tree.village_a1, evacuated=0, centralized=0, dispersed=0))
    assert other.status_code == 201
    assert reporter.get(f"/api/v1/evacuations/{first['id']}").get_json()["current"] is False
    assert reporter.get(f"/api/v1/evacuations/{second['id']}").get_json()["current"] is False
    current = reporter.get(url(event_id) + "?current=true").get_json()
    assert current["total"] == 1 and current["items"][0]["id"] == other.get_json()["id"]
    assert reporter.get(url(event_id) + "?current=false").get_json()["total"] == 2


def test_villages_are_current_independently(setup, tree, make_user, login_as):
    event_id, reporter = setup
    other = login_as(make_user("reporter", tree.village_a2))
    assert reporter.post(url(event_id), json=evacuation(tree.village_a1)).status_code == 201
    assert other.post(url(event_id), json=evacuation(tree.village_a2)).status_code == 201
    reviewer = login_as(make_user("reviewer", tree.town_a))
    listing = reviewer.get(url(event_id) + "?current=true").get_json()
    assert {i["org_unit_id"] for i in listing["items"]} == {tree.village_a1.id, tree.village_a2.id}


@pytest.mark.parametrize(
    ("overrides", "fields"),
    [
        ({"centralized": 5}, {"centralized", "dispersed"}),
        ({"dispersed": 5}, {"centralized", "dispersed"}),
        ({"returned": 11}, {"returned"}),
        ({"evacuated": -1, "centralized": -1, "dispersed": 0}, {"evacuated", "centralized"}),
        ({"returned": -2}, {"returned"}),
        ({"evacuated": 1.5}, {"evacuated"}),
        ({"evacuated": "10"}, {"evacuated"}),
        ({"client_id": "not-a-uuid"}, {"client_id"}),
        ({"unknown": 1}, {"unknown"}),
    ],
)
def test_each_count_rule_is_refused_with_a_chinese_message(setup, tree, overrides, fields):
    event_id, reporter = setup
    error = assert_error(reporter.post(url(event_id), json=evacuation(tree.village_a1, **overrides)), 422,
                         "validation_error")  # fmt: skip
    assert fields <= set(error["details"]["fields"]), error
    for name, messages in error["details"]["fields"].items():
        if name == "unknown":  # the foundation's shared unknown-field message
            continue
        assert all(any("\u4e00" <= ch <= "\u9fff" for ch in m) for m in messages), messages


def test_boundary_values_are_accepted(setup, tree, make_shelter):
    event_id, reporter = setup
    shelter_id = make_shelter(tree.village_a1, capacity=100)
    # returned == evacuated, allocations == centralized, everything dispersed or everything zero.
    cases = [
        {"returned": 10, "allocations": [{"shelter_id": shelter_id, "persons": 6}]},
        {"centralized": 0, "dispersed": 10},
        {"evacuated": 0, "centralized": 0, "dispersed": 0},
    ]
    for case in cases:
        response = reporter.post(url(event_id), json=evacuation(tree.village_a1, **case))
        assert response.status_code == 201, response.get_json()


def test_allocations_above_centralized_are_refused(setup, tree, make_shelter):
    event_id, reporter = setup
    a, b = make_shelter(tree.village_a1), make_shelter(tree.town_a)
    body = evacuation(tree.village_a1, allocations=[{"shelter_id": a, "persons": 4}, {"shelter_id": b, "persons": 3}])
    error = assert_error(reporter.post(url(event_id), json=body), 422, "validation_error")
    assert "集中安置" in error["details"]["fields"]["allocations"][0]
    allocation = [{"shelter_id": a, "persons": -1}]
    error = assert_error(reporter.post(url(event_id), json=evacuation(tree.village_a1, allocations=allocation)), 422,
                         "validation_error")  # fmt: skip
    assert "allocations.0.persons" in error["details"]["fields"]


def test_shelters_must_exist_be_active_serve_the_village_and_appear_once(setup, tree, make_shelter):
    event_id, reporter = setup
    inactive = make_shelter(tree.village_a1, active=False)
    other_township = make_shelter(tree.village_b1)
    fine = make_shelter(tree.village_a1)
    for bad in (inactive, other_township, 999999):
        body = evacuation(tree.village_a1, allocations=[{"shelter_id": bad, "persons": 1}])
        error = assert_error(reporter.post(url(event_id), json=body), 422, "validation_error")
        assert "allocations.0.shelter_id" in error["details"]["fields"]
    twice = [{"shelter_id": fine, "persons": 1}, {"shelter_id": fine, "persons": 1}]
    error = assert_error(reporter.post(url(event_id), json=evacuation(tree.village_a1, allocations=twice)), 422,
                         "validation_error")  # fmt: skip
    assert "allocations.1.shelter_id" in error["details"]["fields"]


def test_shelters_of_the_township_its_villages_and_the_county_are_usable(setup, tree, make_shelter):
    event_id, reporter = setup
    allocations = [
        {"shelter_id": make_shelter(tree.village_a1), "persons": 1},
        {"shelter_id": make_shelter(tree.village_a2), "persons": 1},
        {"shelter_id": make_shelter(tree.town_a), "persons": 1},
        {"shelter_id": make_shelter(tree.county), "persons": 1},
    ]
    response = reporter.post(url(event_id), json=evacuation(tree.village_a1, allocations=allocations))
    assert response.status_code == 201, response.get_json()
    assert len(response.get_json()["allocations"]) == 4


def test_a_shelter_above_capacity_is_accepted_with_a_warning(setup, tree, make_shelter, make_user, login_as):
    event_id, reporter = setup
    shelter_id = make_shelter(tree.town_a, capacity=10)
    body = evacuation(tree.village_a1, allocations=[{"shelter_id": shelter_id, "persons": 6}])
    first = reporter.post(url(event_id), json=body)
    assert first.status_code == 201 and first.get_json()["warnings"] == []
    neighbour = login_as(make_user("reporter", tree.village_a2))
    second = neighbour.post(url(event_id), json=evacuation(tree.village_a2, allocations=[{"shelter_id": shelter_id,
                                                                                           "persons": 5}]))  # fmt: skip
    assert second.status_code == 201
    warnings = second.get_json()["warnings"]
    assert [w["shelter_id"] for w in warnings] == [shelter_id] and "超出容量" in warnings[0]["message"]
    shelter = reporter.get(f"/api/v1/shelters/{shelter_id}").get_json()
    assert shelter["occupancy"] == 11 and shelter["over_capacity"] is True
    # The village's newer report moves people out: occupancy counts current reports only.
    assert reporter.post(url(event_id), json=evacuation(tree.village_a1, returned=6)).status_code == 201
    shelter = reporter.get(f"/api/v1/shelters/{shelter_id}").get_json()
    assert shelter["occupancy"] == 5 and shelter["over_capacity"] is False


def test_closed_event_refuses_new_reports_but_a_resend_still_answers(setup, tree, app):
    event_id, reporter = setup
    body = evacuation(tree.village_a1)
    assert reporter.post(url(event_id), json=body).status_code == 201
    with app.app_context():
        from server.events.models import Event

        db.session.get(Event, event_id).status = "closed"
        db.session.commit()
    assert reporter.post(url(event_id), json=body).status_code == 200
    assert_error(reporter.post(url(event_id), json=evacuation(tree.village_a1)), 409, "event_closed")


def test_scope_is_enforced(tree, make_user, make_event, login_as):
    event_b = make_event(tree.town_b)
    event = make_event(tree.county)
    reporter = login_as(make_user("reporter", tree.village_a1))
    assert_error(reporter.post(url(event_b), json=evacuation(tree.village_a1)), 404, "not_found")
    assert_error(reporter.post(url(999999), json=evacuation(tree.village_a1)), 404, "not_found")
    assert_error(reporter.post(url(event), json=evacuation(tree.village_a2)), 404, "not_found")
    assert_error(reporter.get(url(event_b)), 404, "not_found")
    other = login_as(make_user("reporter", tree.village_b1))
    report = other.post(url(event), json=evacuation(tree.village_b1)).get_json()
    assert_error(reporter.get(f"/api/v1/evacuations/{report['id']}"), 404, "not_found")
    assert_error(reporter.get(url(event) + f"?org_unit_id={tree.village_b1.id}"), 404, "not_found")
    assert reporter.get(url(event)).get_json()["total"] == 0


def test_a_grid_reporter_files_for_its_village(tree, make_user, make_event, login_as):
    event_id = make_event(tree.county)
    grid = login_as(make_user("reporter", tree.grid_a1))
    response = grid.post(url(event_id), json=evacuation(tree.village_a1))
    assert response.status_code == 201 and response.get_json()["org_unit_id"] == tree.village_a1.id


def test_only_reporters_file_and_only_for_villages_of_the_event(tree, make_user, make_event, login_as):
    event_id = make_event(tree.town_a)
    reviewer = login_as(make_user("reviewer", tree.town_a))
    assert_error(reviewer.post(url(event_id), json=evacuation(tree.village_a1)), 403, "forbidden")
    town_reporter = login_as(make_user("reporter", tree.town_a))
    error = assert_error(town_reporter.post(url(event_id), json=evacuation(tree.town_a)), 422, "validation_error")
    assert "org_unit_id" in error["details"]["fields"]
    county_event = make_event(tree.town_b)
    county_reporter = login_as(make_user("reporter", tree.county))
    error = assert_error(county_reporter.post(url(county_event), json=evacuation(tree.village_a1)), 422,
                         "validation_error")  # fmt: skip
    assert "org_unit_id" in error["details"]["fields"]


def test_filing_is_audited(setup, tree, app):
    event_id, reporter = setup
    report = reporter.post(url(event_id), json=evacuation(tree.village_a1)).get_json()
    with app.app_context():
        entry = db.session.scalar(select(AuditLog).where(AuditLog.entity_type == "evacuation_report"))
        assert entry.action == "evacuation.create" and entry.entity_id == report["id"]
        assert entry.changes["evacuated"] == [None, 10]


def test_list_filters_by_unit_subtree_and_paginates(tree, make_user, make_event, login_as):
    event_id = make_event(tree.county)
    for village in tree.villages:
        api = login_as(make_user("reporter", village))
        assert api.post(url(event_id), json=evacuation(village, client_id=str(uuid.uuid4()))).status_code == 201
    viewer = login_as(make_user("viewer", tree.county))
    assert viewer.get(url(event_id)).get_json()["total"] == 4
    town_a = viewer.get(url(event_id) + f"?org_unit_id={tree.town_a.id}").get_json()
    assert {i["org_unit_id"] for i in town_a["items"]} == {tree.village_a1.id, tree.village_a2.id}
    page = viewer.get(url(event_id) + "?per_page=3&page=2").get_json()
    assert page["total"] == 4 and len(page["items"]) == 1


def test_a_failure_after_the_insert_leaves_nothing_behind(setup, tree, app, monkeypatch):
    """The report, the previous report's current flag and the audit row commit together or not at all (on SQLite
    too, where a savepoint opened first would otherwise commit on release)."""
    event_id, reporter = setup
    first = reporter.post(url(event_id), json=evacuation(tree.village_a1)).get_json()

    def broken_audit(**kwargs):
        raise RuntimeError("audit store down")

    monkeypatch.setattr(service, "record", broken_audit)
    assert_error(reporter.post(url(event_id), json=evacuation(tree.village_a1, returned=2)), 500, "internal_error")
    with app.app_context():
        reports = db.session.scalars(select(EvacuationReport)).all()
        assert [(r.id, r.current) for r in reports] == [(first["id"], True)]
