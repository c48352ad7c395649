"""Township sign-off (乡镇上报): freeze, supersede, county accept / return, live vs signed-off figures."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from server import clock
from server.audit_trail import AuditLog
from tests.conftest import assert_error
from tests.rollup.factories import T0, file_report, in_db, make_event, update_event


@pytest.fixture
def world(tree, make_user, login_as):
    county_reviewer = make_user("reviewer", tree.county)
    town_reviewer = make_user("reviewer", tree.town_a)
    event = make_event(tree.county, county_reviewer)
    clock.set_now(T0 + timedelta(minutes=20))
    file_report(
        event, tree.village_a1, town_reviewer, stage="initial", affected_population=12, crops_affected_ha="2.50"
    )
    return {
        "event": event,
        "county": login_as(county_reviewer),
        "town": login_as(town_reviewer),
        "town_reviewer": town_reviewer,
    }


def sign(api, event, unit, note="核对无误"):
    return api.post(f"/api/v1/events/{event.id}/signoffs", json={"org_unit_id": unit.id, "note": note})


def test_signoff_lifecycle_with_live_and_signed_figures(world, tree):
    event, county, town = world["event"], world["county"], world["town"]
    response = sign(town, event, tree.town_a)
    assert response.status_code == 201, response.get_json()
    signoff = response.get_json()
    assert signoff["status"] == "submitted" and signoff["note"] == "核对无误" and signoff["current"] is True
    assert signoff["figures"]["affected_population"] == 12 and signoff["figures"]["crops_affected_ha"] == "2.50"
    assert signoff["reporting"]["expected"] == 2 and signoff["reporting"]["missing"] == 1
    assert signoff["created_by"]["id"] == world["town_reviewer"].id
    assert signoff["created_at"].endswith("+08:00")

    children = {c["org_unit"]["id"]: c for c in county.get(f"/api/v1/events/{event.id}/rollup").get_json()["children"]}
    assert children[tree.town_a.id]["signoff"]["id"] == signoff["id"]
    assert children[tree.town_a.id]["differs"] is False and children[tree.town_b.id]["signoff"] is None

    # A village files again after the sign-off: the county sees the difference flagged.
    file_report(event, tree.village_a2, world["town_reviewer"], stage="initial", affected_population=3)
    children = {c["org_unit"]["id"]: c for c in county.get(f"/api/v1/events/{event.id}/rollup").get_json()["children"]}
    assert children[tree.town_a.id]["differs"] is True
    assert children[tree.town_a.id]["figures"]["affected_population"] == 15
    assert children[tree.town_a.id]["signoff"]["figures"]["affected_population"] == 12

    # Return needs a comment; then returned; reviewing again is a conflict.
    url = f"/api/v1/signoffs/{signoff['id']}/review"
    error = assert_error(county.post(url, json={"decision": "return"}), 422, "validation_error")
    assert "comment" in error["details"]["fields"]
    returned = county.post(url, json={"decision": "return", "comment": "甲二村漏报，请补报后重新上报", "version": 1})
    assert returned.status_code == 200, returned.get_json()
    assert returned.get_json()["status"] == "returned" and returned.get_json()["version"] == 2
    assert_error(county.post(url, json={"decision": "accept"}), 409, "already_reviewed")

    # The township signs again: the new one supersedes the old; the county accepts it.
    second = sign(town, event, tree.town_a, note="已补报").get_json()
    assert second["figures"]["affected_population"] == 15
    listed = town.get(f"/api/v1/events/{event.id}/signoffs").get_json()
    assert listed["total"] == 2 and [s["id"] for s in listed["items"]] == [second["id"], signoff["id"]]
    assert [s["current"] for s in listed["items"]] == [True, False]
    assert town.get(f"/api/v1/events/{event.id}/signoffs?current=true").get_json()["total"] == 1
    accepted = county.post(f"/api/v1/signoffs/{second['id']}/review", json={"decision": "accept"})
    assert accepted.status_code == 200 and accepted.get_json()["status"] == "accepted"
    assert accepted.get_json()["reviewed_by"]["username"] == county.user["username"]
    children = {c["org_unit"]["id"]: c for c in county.get(f"/api/v1/events/{event.id}/rollup").get_json()["children"]}
    assert children[tree.town_a.id]["signoff"]["status"] == "accepted" and children[tree.town_a.id]["differs"] is False

    actions = in_db(lambda s: s.scalars(select(AuditLog.action).where(AuditLog.entity_type == "signoff")).all())
    assert sorted(actions) == ["signoff.accept", "signoff.create", "signoff.create", "signoff.return"]


def test_a_superseded_or_stale_signoff_cannot_be_reviewed(world, tree):
    event, county, town = world["event"], world["county"], world["town"]
    first = sign(town, event, tree.town_a).get_json()
    second = sign(town, event, tree.town_a).get_json()
    assert_error(county.post(f"/api/v1/signoffs/{first['id']}/review", json={"decision": "accept"}), 409, "superseded")
    stale = county.post(f"/api/v1/signoffs/{second['id']}/review", json={"decision": "accept", "version": 7})
    assert_error(stale, 409, "stale_version")
    assert county.post(f"/api/v1/signoffs/{second['id']}/review", json={"decision": "accept"}).status_code == 200


def test_who_may_sign_off_and_review(world, tree, make_user, login_as):
    event, county, town = world["event"], world["county"], world["town"]
    # Only the township's own reviewer signs; only a township; only inside scope.
    assert_error(sign(county, event, tree.town_a), 403, "forbidden")
    assert_error(sign(login_as(make_user("reporter", tree.town_a)), event, tree.town_a), 403, "forbidden")
    assert_error(sign(town, event, tree.village_a1), 422, "validation_error")
    assert_error(sign(town, event, tree.town_b), 404, "not_found")
    assert_error(
        town.post(f"/api/v1/events/{event.id}/signoffs", json={"org_unit_id": tree.town_a.id, "x": 1}),
        422,
        "validation_error",
    )

    signoff = sign(town, event, tree.town_a).get_json()
    url = f"/api/v1/signoffs/{signoff['id']}/review"
    assert_error(town.post(url, json={"decision": "accept"}), 403, "forbidden")  # not their own
    assert_error(login_as(make_user("viewer", tree.county)).post(url, json={"decision": "accept"}), 403, "forbidden")
    assert_error(login_as(make_user("reviewer", tree.town_b)).post(url, json={"decision": "accept"}), 404, "not_found")
    assert_error(county.post(url, json={"decision": "maybe"}), 422, "validation_error")
    assert county.get(f"/api/v1/signoffs/{signoff['id']}").get_json()["id"] == signoff["id"]
    # Town B's reviewer sees none of town A's sign-offs.
    other = login_as(make_user("reviewer", tree.town_b))
    assert other.get(f"/api/v1/events/{event.id}/signoffs").get_json()["total"] == 0


def test_signoff_of_a_closed_event_is_a_conflict(world, tree):
    event = update_event(world["event"], status="closed")
    assert_error(sign(world["town"], event, tree.town_a), 409, "event_closed")


def test_demo_seed_signs_off_qiukou(app):
    from server.demo import seed
    from server.extensions import db
    from server.rollup.models import SignOff

    with app.app_context():
        seed()
        db.session.commit()
        signoff = db.session.scalar(select(SignOff))
        assert signoff is not None and signoff.org_unit.code == "361130102" and signoff.status == "submitted"
        assert signoff.reporting["expected"] == 4
