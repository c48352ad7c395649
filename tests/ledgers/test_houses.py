"""因灾倒塌损坏住房户台账 through the API: filing, rules, repair and rebuild progress, lists."""

from __future__ import annotations

from tests.conftest import assert_error
from tests.ledgers.conftest import add_house, house_payload, id_number


def test_a_household_is_registered_and_read_back(scene):
    body = add_house(scene.api, scene.event_id, id_number=id_number(7))
    assert body["head_name"] == "李春花" and body["structure"] == "砖木"
    assert body["damage"] == "collapsed" and body["damage_name"] == "倒塌" and body["rooms"] == 3
    assert body["transitional_aid_persons"] == 4 and body["status"] == "pending" and body["status_name"] == "待处置"
    assert body["id_number"] == id_number(7)[:6] + "********" + id_number(7)[-4:]
    assert scene.county.get(f"/api/v1/damaged-houses/{body['id']}").get_json() == body


def test_resend_and_conflict(scene):
    payload = house_payload()
    url = f"/api/v1/events/{scene.event_id}/damaged-houses"
    assert scene.api.post(url, json=payload).status_code == 201
    assert scene.api.post(url, json=payload).status_code == 200
    assert_error(scene.api.post(url, json={**payload, "rooms": 4}), 409, "client_id_reused")


def test_structure_class_and_rooms_are_checked(scene):
    url = f"/api/v1/events/{scene.event_id}/damaged-houses"
    response = scene.api.post(url, json=house_payload(structure="草房", damage="destroyed", rooms=0))
    fields = assert_error(response, 422, "validation_error")["details"]["fields"]
    assert set(fields) == {"structure", "damage", "rooms"}


def test_repair_progress_goes_on_after_the_event_closes_but_the_class_is_frozen(scene):
    row = add_house(scene.api, scene.event_id)
    for status in ("stable", "closed"):
        scene.county.post(f"/api/v1/events/{scene.event_id}/status", json={"status": status})
    url = f"/api/v1/damaged-houses/{row['id']}"
    rebuilding = scene.api.patch(url, json={"status": "rebuilding"})
    assert rebuilding.status_code == 200 and rebuilding.get_json()["status_name"] == "重建中"
    assert_error(scene.api.patch(url, json={"damage": "severe"}), 409, "event_closed")
    audit = scene.county.get(f"/api/v1/audit?entity_type=damaged_house&entity_id={row['id']}").get_json()["items"]
    assert audit[0]["action"] == "damaged_house.status"
    assert audit[0]["changes"]["status"] == ["pending", "rebuilding"]


def test_changing_the_class_to_general_needs_no_aid_persons(scene):
    row = add_house(scene.api, scene.event_id, transitional_aid_persons=2)
    url = f"/api/v1/damaged-houses/{row['id']}"
    assert_error(scene.api.patch(url, json={"damage": "general"}), 422, "validation_error")
    changed = scene.api.patch(url, json={"damage": "general", "transitional_aid_persons": 0})
    assert changed.status_code == 200 and changed.get_json()["damage"] == "general"


def test_lists_filter_by_village_class_and_progress(scene):
    add_house(scene.api, scene.event_id, damage="collapsed")
    add_house(scene.api, scene.event_id, damage="general", transitional_aid_persons=0, status="repaired")
    url = f"/api/v1/events/{scene.event_id}/damaged-houses"
    assert scene.town.get(f"{url}?damage=general").get_json()["total"] == 1
    assert scene.town.get(f"{url}?status=repaired").get_json()["total"] == 1
    assert scene.town.get(f"{url}?org_unit_id={scene.tree.village_a1.id}").get_json()["total"] == 2
    assert scene.town.get(f"{url}?org_unit_id={scene.tree.village_a2.id}").get_json()["total"] == 0
