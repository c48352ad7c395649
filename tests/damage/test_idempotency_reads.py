"""Idempotent filing by client_id, the current report per (event, village), and reads within scope."""

import uuid

from tests.conftest import assert_error, statements_during
from tests.damage.conftest import FLOOD, file_report, open_event, report_payload

SMALL = {"affected_population": 10, "injured": 1, "crops_affected_ha": "2.50"}
BIGGER = {"affected_population": 20, "injured": 3, "crops_affected_ha": "4.00"}


def url(scene) -> str:
    return f"/api/v1/events/{scene.event['id']}/damage-reports"


# --- idempotency -----------------------------------------------------------------------------------------------


def test_same_client_id_and_payload_is_200_with_the_same_report(scene):
    payload = report_payload("initial", FLOOD, note="初报")
    first = scene.api.post(url(scene), json=payload)
    assert first.status_code == 201
    again = scene.api.post(url(scene), json=payload)
    assert again.status_code == 200
    assert again.get_json() == first.get_json()
    # The same figures written differently are the same payload.
    same = dict(payload, figures=dict(FLOOD, crops_lost_ha=3, direct_loss_10k_yuan=86.75, deaths=1, injured=5))
    assert scene.api.post(url(scene), json=same).status_code == 200
    listed = scene.api.get(f"/api/v1/damage-reports?event_id={scene.event['id']}").get_json()
    assert listed["total"] == 1


def test_resend_after_the_state_moved_on_still_answers_200(scene, login_as):
    payload = report_payload("initial", SMALL)
    first = scene.api.post(url(scene), json=payload).get_json()
    file_report(scene.api, scene.event["id"], "update", BIGGER)
    again = scene.api.post(url(scene), json=payload)
    assert again.status_code == 200 and again.get_json()["id"] == first["id"]
    assert again.get_json()["current"] is False


def test_same_client_id_with_another_payload_is_409(scene):
    payload = report_payload("initial", SMALL)
    assert scene.api.post(url(scene), json=payload).status_code == 201
    for changed in (
        dict(payload, figures=BIGGER),
        dict(payload, note="另一份"),
        dict(payload, stage="update"),
        dict(payload, client_id=payload["client_id"].upper(), figures={"affected_population": 11}),
    ):
        error = assert_error(scene.api.post(url(scene), json=changed), 409, "client_id_reused")
        assert error["details"]["client_id"] == payload["client_id"]


def test_same_client_id_in_another_event_is_409(scene, login_as):
    payload = report_payload("initial", SMALL)
    assert scene.api.post(url(scene), json=payload).status_code == 201
    other = open_event(login_as(scene.county_reviewer), scene.tree.county, name="另一场洪涝")
    assert_error(scene.api.post(f"/api/v1/events/{other['id']}/damage-reports", json=payload), 409, "client_id_reused")


def test_client_id_is_canonicalized(scene):
    raw = uuid.uuid4()
    payload = report_payload("initial", SMALL, client_id=str(raw).upper())
    body = scene.api.post(url(scene), json=payload).get_json()
    assert body["client_id"] == str(raw)
    assert scene.api.post(url(scene), json=dict(payload, client_id=str(raw))).status_code == 200


# --- the current report ----------------------------------------------------------------------------------------


def current_ids(scene, village) -> list[int]:
    query = f"event_id={scene.event['id']}&org_unit_id={village.id}&current=true"
    return [item["id"] for item in scene.api.get(f"/api/v1/damage-reports?{query}").get_json()["items"]]


def test_newest_report_is_the_only_current_one(scene):
    event_id = scene.event["id"]
    first = file_report(scene.api, event_id, "initial", SMALL).get_json()
    second = file_report(scene.api, event_id, "update", BIGGER).get_json()
    assert current_ids(scene, scene.tree.village_a1) == [second["id"]]
    assert scene.api.get(f"/api/v1/damage-reports/{first['id']}").get_json()["current"] is False
    third = file_report(scene.api, event_id, "final", BIGGER).get_json()
    assert current_ids(scene, scene.tree.village_a1) == [third["id"]]


def test_current_report_for_helper(scene, app):
    from server.damage.service import current_report_for

    event_id = scene.event["id"]
    file_report(scene.api, event_id, "initial", SMALL)
    second = file_report(scene.api, event_id, "update", BIGGER).get_json()
    with app.app_context():
        assert current_report_for(event_id, scene.tree.village_a1.id).id == second["id"]
        assert current_report_for(event_id, scene.tree.village_a2.id) is None


def test_the_index_refuses_two_current_reports(scene, app):
    """The database itself guards the invariant, whatever a buggy code path does."""
    import pytest
    from sqlalchemy import update
    from sqlalchemy.exc import IntegrityError

    from server.damage.models import DamageReport
    from server.extensions import db

    event_id = scene.event["id"]
    first = file_report(scene.api, event_id, "initial", SMALL).get_json()
    file_report(scene.api, event_id, "update", BIGGER)
    with app.app_context():
        with pytest.raises(IntegrityError):
            db.session.execute(update(DamageReport).where(DamageReport.id == first["id"]).values(current=True))
            db.session.flush()
        db.session.rollback()


# --- reads -----------------------------------------------------------------------------------------------------


def test_list_filters_and_scope(scene, make_user, login_as):
    event_id = scene.event["id"]
    a1 = file_report(scene.api, event_id, "initial", SMALL).get_json()
    a1u = file_report(scene.api, event_id, "update", BIGGER).get_json()
    a2 = file_report(login_as(make_user("reporter", scene.tree.village_a2)), event_id, "initial", {}).get_json()
    b1 = file_report(login_as(make_user("reporter", scene.tree.village_b1)), event_id, "initial", SMALL).get_json()

    def ids(api, query=""):
        body = api.get(f"/api/v1/damage-reports?{query}").get_json()
        assert body["total"] == len(body["items"]) or body["per_page"] < body["total"]
        return {item["id"] for item in body["items"]}

    county = login_as(make_user("viewer", scene.tree.county))
    assert ids(county) == {a1["id"], a1u["id"], a2["id"], b1["id"]}
    assert ids(county, f"org_unit_id={scene.tree.town_a.id}") == {a1["id"], a1u["id"], a2["id"]}
    assert ids(county, "current=true") == {a1u["id"], a2["id"], b1["id"]}
    assert ids(county, "current=false") == {a1["id"]}
    assert ids(county, "stage=update") == {a1u["id"]}
    assert ids(county, "status=submitted") == {a1["id"], a1u["id"], a2["id"], b1["id"]}
    assert ids(county, "status=approved") == set()
    assert ids(county, f"event_id={event_id + 1000}") == set()
    page = county.get("/api/v1/damage-reports?per_page=2&page=2").get_json()
    assert page["total"] == 4 and len(page["items"]) == 2 and page["page"] == 2

    town_a = login_as(scene.town_reviewer)
    assert ids(town_a) == {a1["id"], a1u["id"], a2["id"]}
    assert_error(town_a.get(f"/api/v1/damage-reports?org_unit_id={scene.tree.town_b.id}"), 404, "not_found")
    assert_error(town_a.get(f"/api/v1/damage-reports/{b1['id']}"), 404, "not_found")
    assert ids(scene.api) == {a1["id"], a1u["id"]}
    grid = login_as(make_user("viewer", scene.tree.grid_a1))
    assert ids(grid) == {a1["id"], a1u["id"]}  # a grid reads its village's statistics
    assert_error(scene.api.get("/api/v1/damage-reports/999999"), 404, "not_found")
    assert_error(county.get("/api/v1/damage-reports?current=maybe"), 422, "validation_error")


def test_list_is_one_query_whatever_the_count(scene, make_user, login_as, app):
    """No N+1: the page is read with joined units and users."""
    event_id = scene.event["id"]
    for village in (scene.tree.village_a1, scene.tree.village_a2, scene.tree.village_b1, scene.tree.village_b2):
        file_report(login_as(make_user("reporter", village)), event_id, "initial", SMALL)
    county = login_as(make_user("viewer", scene.tree.county))
    answers = []
    statements = statements_during(app, lambda: answers.append(county.get("/api/v1/damage-reports").get_json()))
    assert len(answers[0]["items"]) == 4
    selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert len(selects) <= 3, selects  # the user, the count, the page
