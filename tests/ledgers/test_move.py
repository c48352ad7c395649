"""Ledger rows move with a village when its local event is merged into another (the hook the merge calls)."""

from __future__ import annotations

from server.extensions import db
from server.ledgers.service import move_rows
from server.users.models import User
from tests.damage.conftest import open_event
from tests.ledgers.conftest import add_casualty, add_house


def test_moved_rows_count_under_the_target_event_and_the_audit_shows_the_move(scene, app):
    local = open_event(scene.county, scene.tree.village_a1, name="甲一村山体滑坡")["id"]
    person = add_casualty(scene.api, local, kind="missing")
    house = add_house(scene.api, local, transitional_aid_persons=3)
    add_casualty(scene.api, scene.event_id, kind="dead")  # already under the county's event: stays

    with app.app_context():
        actor = db.session.get(User, scene.town_reviewer.id)
        moved = move_rows(
            actor=actor, from_event_id=local, to_event_id=scene.event_id, org_unit_id=scene.tree.village_a1.id
        )
        db.session.commit()
    assert moved == {"casualty": [person["id"]], "damaged_house": [house["id"]]}

    assert scene.county.get(f"/api/v1/events/{local}/casualties").get_json()["total"] == 0
    listed = scene.county.get(f"/api/v1/events/{scene.event_id}/casualties").get_json()
    assert {row["id"] for row in listed["items"]} >= {person["id"]} and listed["total"] == 2
    rollup = scene.county.get(f"/api/v1/events/{scene.event_id}/rollup").get_json()
    assert rollup["ledger"]["missing"] == 1 and rollup["ledger"]["deaths"] == 1
    assert rollup["figures"]["transitional_aid"] == 3
    audit = scene.county.get(f"/api/v1/audit?entity_type=casualty&entity_id={person['id']}").get_json()["items"]
    assert audit[0]["action"] == "casualty.move"
    assert audit[0]["changes"]["event_id"] == [local, scene.event_id]
    assert audit[0]["actor"]["id"] == scene.town_reviewer.id
    after = scene.county.get(f"/api/v1/casualties/{person['id']}").get_json()
    assert after["event_id"] == scene.event_id and after["version"] == 2
