"""Integrity of the ledgers under races and probing (issue 19): one row per ID number and event among the rows that
count, decided by the partial unique index when posts race; a duplicate outside the caller's scope names nothing and
is audited; an approved row changed by its village waits for review again; a rejected local event takes no row;
ledger writes are rate-limited per user."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy import func, select

from server.extensions import db
from server.ledgers.models import Casualty, DamagedHouse
from tests.conftest import assert_error
from tests.damage.test_concurrency import at_once
from tests.ledgers.conftest import add_casualty, add_house, casualty_payload, house_payload, id_number

NAMES_NOTHING = "该身份证号码已在本次灾害过程的台账中登记"


def count_rows(app, model, **where) -> int:
    with app.app_context():
        stmt = select(func.count()).select_from(model)
        for key, value in where.items():
            stmt = stmt.where(getattr(model, key) == value)
        found = db.session.scalar(stmt)
        db.session.remove()
        return found


def audit(api, entity_type: str, entity_id: int) -> list[dict]:
    response = api.get(f"/api/v1/audit?entity_type={entity_type}&entity_id={entity_id}")
    assert response.status_code == 200, response.get_json()
    return response.get_json()["items"]


# --- one row per ID number ----------------------------------------------------------------------------------


def test_sixteen_posts_of_one_id_number_at_once_register_one_row(scene, login_as, app):
    """Real concurrency: 16 sessions of the village's reporter post the same person (each its own client_id) at the
    same moment. PostgreSQL: the partial unique index lets one in; SQLite serializes the writers. Either way one 201
    and fifteen 409 ``duplicate`` naming the row (it is the caller's own village)."""
    apis = [login_as(scene.reporter) for _ in range(16)]
    url = f"/api/v1/events/{scene.event_id}/casualties"
    number = id_number(16)
    responses = at_once(*(lambda api=api: api.post(url, json=casualty_payload(id_number=number)) for api in apis))
    codes = sorted(r.status_code for r in responses)
    assert codes == [201] + [409] * 15, [r.get_json() for r in responses]
    winner = next(r for r in responses if r.status_code == 201).get_json()
    for response in responses:
        if response.status_code == 409:
            error = assert_error(response, 409, "duplicate")
            assert error["details"]["existing_id"] == winner["id"]
    assert count_rows(app, Casualty, event_id=scene.event_id) == 1


def test_sixteen_posts_of_one_household_at_once_register_one_row(scene, login_as, app):
    apis = [login_as(scene.reporter) for _ in range(16)]
    url = f"/api/v1/events/{scene.event_id}/damaged-houses"
    number = id_number(17)
    responses = at_once(*(lambda api=api: api.post(url, json=house_payload(id_number=number)) for api in apis))
    assert sorted(r.status_code for r in responses) == [201] + [409] * 15, [r.get_json() for r in responses]
    assert {r.get_json()["error"]["code"] for r in responses if r.status_code == 409} == {"duplicate"}
    assert count_rows(app, DamagedHouse, event_id=scene.event_id) == 1


def test_the_database_refuses_a_second_counting_row_and_frees_the_number_of_a_returned_one(scene, app):
    first = add_casualty(scene.api, scene.event_id, id_number=id_number(3))
    with app.app_context():
        stored = db.session.get(Casualty, first["id"])
        copy = {c.key: getattr(stored, c.key) for c in Casualty.__table__.columns if c.key not in ("id", "client_id")}
        db.session.add(Casualty(**copy, client_id="00000000-0000-4000-8000-000000000003"))
        try:
            db.session.commit()
            raise AssertionError("a second counting row with the same ID number was stored")
        except sa.exc.IntegrityError:
            db.session.rollback()
        db.session.remove()
    # Returned, the row no longer counts and the number is free for a corrected registration.
    returned = scene.town.post(f"/api/v1/casualties/{first['id']}/review", json={"decision": "return", "comment": "重"})
    assert returned.status_code == 200, returned.get_json()
    assert (returned.get_json()["review_status"], returned.get_json()["review_comment"]) == ("returned", "重")
    again = add_casualty(scene.api, scene.event_id, id_number=id_number(3))
    # Correcting the returned row would make it count again beside the new one: refused, naming the new one.
    error = assert_error(scene.api.patch(f"/api/v1/casualties/{first['id']}", json={"note": "改"}), 409, "duplicate")
    assert error["details"]["existing_id"] == again["id"]


def test_a_person_found_alive_frees_the_number_and_cannot_be_unfound_over_a_new_row(scene):
    found = add_casualty(scene.api, scene.event_id, kind="missing", id_number=id_number(4))
    assert scene.api.patch(f"/api/v1/casualties/{found['id']}", json={"found_alive": True}).status_code == 200
    again = add_casualty(scene.api, scene.event_id, kind="dead", id_number=id_number(4))
    refused = scene.api.patch(f"/api/v1/casualties/{found['id']}", json={"found_alive": False})
    assert assert_error(refused, 409, "duplicate")["details"]["existing_id"] == again["id"]


def test_a_duplicate_outside_the_callers_scope_names_nothing_and_is_audited(scene, make_user, login_as):
    other = login_as(make_user("reporter", scene.tree.village_b1))  # township b's village
    theirs = add_casualty(other, scene.event_id, id_number=id_number(5), name="乙村某人")
    mine = add_casualty(scene.api, scene.event_id, name="甲村某人")
    attempts = [
        scene.api.post(f"/api/v1/events/{scene.event_id}/casualties", json=casualty_payload(id_number=id_number(5))),
        scene.api.patch(f"/api/v1/casualties/{mine['id']}", json={"id_number": id_number(5)}),
    ]
    for response in attempts:
        error = assert_error(response, 409, "duplicate")
        assert error["message"] == NAMES_NOTHING
        assert error["details"] == {"fields": {"id_number": ["该身份证号码已登记"]}}
        text = response.get_data(as_text=True)
        for secret in (str(theirs["id"]), id_number(5), id_number(5)[-4:], "乙一村", "乙村某人"):
            assert secret not in text.replace(error["request_id"], ""), secret
    probes = [e for e in audit(scene.county, "casualty", theirs["id"]) if e["action"] == "casualty.duplicate_elsewhere"]
    assert len(probes) == 2
    assert {p["actor"]["id"] for p in probes} == {scene.reporter.id}
    assert probes[0]["changes"]["id_number"] == id_number(5)[:6] + "********" + id_number(5)[-4:]
    # Nothing else of the refused requests was kept.
    assert scene.api.get(f"/api/v1/casualties/{mine['id']}").get_json()["id_number"] == ""
    assert scene.county.get(f"/api/v1/events/{scene.event_id}/casualties").get_json()["total"] == 2
    # The county sees both villages: for it the duplicate names the row, as before.
    county_reporter = login_as(make_user("reporter", scene.tree.county))
    body = casualty_payload(id_number=id_number(5), org_unit_id=scene.tree.village_a2.id)
    inside = county_reporter.post(f"/api/v1/events/{scene.event_id}/casualties", json=body)
    assert assert_error(inside, 409, "duplicate")["details"]["existing_id"] == theirs["id"]


# --- review after a change ----------------------------------------------------------------------------------


def test_an_approved_row_changed_by_its_village_waits_for_review_again(scene):
    house = add_house(scene.api, scene.event_id, damage="severe", rooms=1, transitional_aid_persons=0)
    approved = scene.town.post(f"/api/v1/damaged-houses/{house['id']}/review", json={"decision": "approve"})
    assert approved.get_json()["review_status"] == "approved"
    # Repair progress is not a correction: the row stays approved.
    progress = scene.api.patch(f"/api/v1/damaged-houses/{house['id']}", json={"status": "repairing"})
    assert progress.status_code == 200 and progress.get_json()["review_status"] == "approved"
    changed = scene.api.patch(f"/api/v1/damaged-houses/{house['id']}", json={"rooms": 1000})
    assert changed.status_code == 200, changed.get_json()
    body = changed.get_json()
    assert body["rooms"] == 1000
    assert body["review_status"] == "submitted" and body["review_status_name"] == "待审核"
    # The reviewer sees it waiting, and may review it again.
    waiting = scene.town.get(f"/api/v1/events/{scene.event_id}/damaged-houses?review_status=submitted").get_json()
    assert [row["id"] for row in waiting["items"]] == [house["id"]]
    entry = audit(scene.county, "damaged_house", house["id"])[0]
    assert entry["changes"]["review_status"] == ["approved", "submitted"] and entry["changes"]["rooms"] == [1, 1000]
    again = scene.town.post(f"/api/v1/damaged-houses/{house['id']}/review", json={"decision": "approve"})
    assert again.status_code == 200 and again.get_json()["review_status"] == "approved"
    # A reviewer's own correction is the review: it stays approved.
    corrected = scene.town.patch(f"/api/v1/damaged-houses/{house['id']}", json={"rooms": 2})
    assert corrected.get_json()["review_status"] == "approved"


def test_an_approved_casualty_confirmed_dead_by_its_village_waits_for_review_again(scene):
    row = add_casualty(scene.api, scene.event_id, kind="missing")
    scene.town.post(f"/api/v1/casualties/{row['id']}/review", json={"decision": "approve"})
    changed = scene.api.patch(f"/api/v1/casualties/{row['id']}", json={"kind": "dead"})
    assert changed.get_json()["review_status"] == "submitted"


# --- rate limit ---------------------------------------------------------------------------------------------


def test_ledger_writes_are_rate_limited_per_user(scene, app, monkeypatch, make_user, login_as):
    monkeypatch.setitem(app.config, "LEDGER_WRITE_RATE_LIMIT", "3 per minute")
    row = add_casualty(scene.api, scene.event_id)
    add_house(scene.api, scene.event_id)
    assert scene.api.patch(f"/api/v1/casualties/{row['id']}", json={"note": "一"}).status_code == 200
    limited = scene.api.post(f"/api/v1/events/{scene.event_id}/casualties", json=casualty_payload())
    error = assert_error(limited, 429, "rate_limited")
    assert 1 <= error["details"]["retry_after"] <= 61  # the minute, rounded up
    assert_error(scene.api.patch(f"/api/v1/casualties/{row['id']}", json={"note": "二"}), 429, "rate_limited")
    # Another user is not held back by this one.
    other = login_as(make_user("reporter", scene.tree.village_a2))
    add_casualty(other, scene.event_id)
    # Reading is not limited.
    assert scene.api.get(f"/api/v1/casualties/{row['id']}").status_code == 200
