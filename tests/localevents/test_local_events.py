"""Local events (本地事件) from below: a reporter opens one for its village with its 初报; the township sees it on its
desk and confirms it, merges it into the county's event (the village's reports move, audited) or rejects it."""

from __future__ import annotations

import uuid

from tests.conftest import assert_error, missing_once
from tests.ledgers.conftest import add_casualty, add_house

LANDSLIDE = {
    "name": "甲一村后山滑坡",
    "disaster_type": "地质灾害",
    "disaster_subtype": "滑坡",
    "description": "凌晨后山滑坡，冲毁两户房屋",
    "initial_report": {
        "figures": {"affected_population": 12, "houses_collapsed_households": 2, "houses_collapsed_rooms": 5},
        "note": "已组织转移",
    },
}


def local_payload(**overrides) -> dict:
    return {"client_id": str(uuid.uuid4()), **LANDSLIDE, **overrides}


def open_local(api, **overrides):
    response = api.post("/api/v1/local-events", json=local_payload(**overrides))
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def county_flood(people, tree) -> dict:
    body = {"name": "全县洪涝", "disaster_type": "洪涝", "disaster_subtype": "山区洪水", "org_unit_id": tree.county.id}
    response = people.county.post("/api/v1/events", json=body)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_a_reporter_opens_a_pending_event_for_its_village_with_its_initial_report(people, tree):
    event = open_local(people.reporter)
    assert event["status"] == "pending" and event["local"] is True
    assert event["org_unit_id"] == tree.village_a1.id
    assert event["description"] == LANDSLIDE["description"]
    reports = people.reporter.get(f"/api/v1/damage-reports?event_id={event['id']}").get_json()["items"]
    assert [(r["stage"], r["figures"]["houses_collapsed_rooms"], r["note"]) for r in reports] == [
        ("initial", 5, "已组织转移")
    ]
    # The township sees it at once: on its desk and in its event list.
    desk = people.town.get("/api/v1/dashboard").get_json()
    assert [e["id"] for e in desk["pending_local_events"]] == [event["id"]]
    listed = people.town.get("/api/v1/events?status=pending").get_json()["items"]
    assert [e["id"] for e in listed] == [event["id"]]
    # The township next door does not.
    assert people.other_town.get("/api/v1/dashboard").get_json()["pending_local_events"] == []


def test_a_resend_is_the_same_event_and_another_payload_is_a_conflict(people):
    payload = local_payload()
    first = people.reporter.post("/api/v1/local-events", json=payload)
    again = people.reporter.post("/api/v1/local-events", json=payload)
    assert first.status_code == 201 and again.status_code == 200
    assert again.get_json()["id"] == first.get_json()["id"]
    listed = people.reporter.get(f"/api/v1/damage-reports?event_id={first.get_json()['id']}").get_json()
    assert listed["total"] == 1  # one 初报, not two
    changed = people.reporter.post("/api/v1/local-events", json={**payload, "description": "另一件事"})
    assert_error(changed, 409, "client_id_reused")


def test_a_resend_that_missed_the_event_loses_at_the_unique_client_id_and_is_answered_as_a_resend(people, monkeypatch):
    from server.localevents import service

    payload = local_payload()
    first = people.reporter.post("/api/v1/local-events", json=payload)
    assert first.status_code == 201
    calls = missing_once(monkeypatch, service, "by_client_id")
    again = people.reporter.post("/api/v1/local-events", json=payload)
    assert again.status_code == 200 and again.get_json()["id"] == first.get_json()["id"]
    assert calls["n"] == 2  # the look-up missed, the insert met the client_id, the re-read found the event
    missing_once(monkeypatch, service, "by_client_id")
    changed = people.reporter.post("/api/v1/local-events", json={**payload, "description": "另一件事"})
    assert_error(changed, 409, "client_id_reused")
    event_id = first.get_json()["id"]
    assert people.reporter.get(f"/api/v1/damage-reports?event_id={event_id}").get_json()["total"] == 1
    audit = people.county.get(f"/api/v1/audit?entity_type=event&entity_id={event_id}").get_json()["items"]
    assert [entry["action"] for entry in audit] == ["event.report_local"]


def test_bad_initial_figures_name_the_field_under_initial_report_and_nothing_is_kept(people):
    figures = {"affected_population": 1, "deaths": 3}
    response = people.reporter.post(
        "/api/v1/local-events", json=local_payload(initial_report={"figures": figures, "note": ""})
    )
    fields = assert_error(response, 422, "validation_error")["details"]["fields"]
    assert list(fields) == ["initial_report.figures.deaths"]
    assert people.town.get("/api/v1/events?status=pending").get_json()["total"] == 0


def test_a_drought_local_event_states_the_drought_figures(people):
    payload = local_payload(
        name="甲一村干旱", disaster_type="干旱", disaster_subtype=None, initial_report={"figures": {}, "note": ""}
    )
    fields = assert_error(people.reporter.post("/api/v1/local-events", json=payload), 422, "validation_error")[
        "details"
    ]["fields"]
    assert set(fields) == {
        "initial_report.figures.drought_drinking_people",
        "initial_report.figures.drought_drinking_livestock",
    }


def test_only_a_village_reporter_opens_one(people, tree, make_user, login_as):
    assert_error(people.town.post("/api/v1/local-events", json=local_payload()), 403, "forbidden")
    township_reporter = login_as(make_user("reporter", tree.town_a))
    assert_error(township_reporter.post("/api/v1/local-events", json=local_payload()), 403, "forbidden")


def test_the_township_confirms_it_and_it_becomes_an_active_event(people):
    event = open_local(people.reporter)
    response = people.town.post(f"/api/v1/events/{event['id']}/confirm")
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["status"] == "active"
    # Decided once: a second decision is a 409 of its own code, saying what was decided.
    again = assert_error(people.town.post(f"/api/v1/events/{event['id']}/confirm"), 409, "already_decided")
    assert again["details"]["status"] == "active" and "进行中" in again["message"]
    rejected = people.county.post(f"/api/v1/events/{event['id']}/reject", json={"reason": "重复"})
    assert_error(rejected, 409, "already_decided")
    audit = people.town.get(f"/api/v1/audit?entity_type=event&entity_id={event['id']}").get_json()
    actions = [entry["action"] for entry in (audit["items"] if isinstance(audit, dict) else audit)]
    assert "event.report_local" in actions and "event.confirm" in actions


def test_the_township_rejects_it_with_a_reason_the_reporter_sees(people):
    event = open_local(people.reporter)
    fields = assert_error(
        people.town.post(f"/api/v1/events/{event['id']}/reject", json={"reason": " "}), 422, "validation_error"
    )["details"]["fields"]
    assert list(fields) == ["reason"]
    response = people.town.post(f"/api/v1/events/{event['id']}/reject", json={"reason": "经核实为旧滑坡体，无新灾情"})
    assert response.status_code == 200
    seen = people.reporter.get(f"/api/v1/events/{event['id']}").get_json()
    assert seen["status"] == "rejected" and seen["status_reason"] == "经核实为旧滑坡体，无新灾情"
    update = {"client_id": str(uuid.uuid4()), "stage": "update", "figures": {"affected_population": 12}}
    refused = people.reporter.post(f"/api/v1/events/{event['id']}/damage-reports", json=update)
    assert "经核实为旧滑坡体" in assert_error(refused, 409, "event_closed")["message"]


def test_only_a_reviewer_above_the_village_decides(people, tree, make_user, login_as):
    event = open_local(people.reporter)
    assert_error(people.reporter.post(f"/api/v1/events/{event['id']}/confirm"), 403, "forbidden")
    # Township B does not see township A's village: not found.
    assert_error(people.other_town.post(f"/api/v1/events/{event['id']}/confirm"), 404, "not_found")
    village_reviewer = login_as(make_user("reviewer", tree.village_a1))
    assert_error(village_reviewer.post(f"/api/v1/events/{event['id']}/confirm"), 403, "forbidden")
    # The county may decide too (it is above the village).
    assert people.county.post(f"/api/v1/events/{event['id']}/confirm").status_code == 200


def test_merged_into_the_county_event_the_reports_move_and_count_there_and_the_audit_shows_the_move(people, tree):
    """Done when: a reporter's local event is merged by its township into the county's event; the village's
    reports appear under the county's event and its roll-up, and the audit shows the move."""
    local = open_local(people.reporter)
    update = {
        "client_id": str(uuid.uuid4()),
        "stage": "update",
        "figures": {"affected_population": 15, "houses_collapsed_households": 3, "houses_collapsed_rooms": 6},
    }
    assert people.reporter.post(f"/api/v1/events/{local['id']}/damage-reports", json=update).status_code == 201
    casualty = add_casualty(people.reporter, local["id"], kind="missing", cause="滑坡")
    house = add_house(people.reporter, local["id"], damage="collapsed", rooms=3, transitional_aid_persons=4)
    flood = county_flood(people, tree)

    response = people.town.post(f"/api/v1/events/{local['id']}/merge", json={"into_event_id": flood["id"]})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["status"] == "merged" and response.get_json()["merged_into_id"] == flood["id"]

    reports = people.county.get(f"/api/v1/damage-reports?event_id={flood['id']}").get_json()["items"]
    assert sorted(r["stage"] for r in reports) == ["initial", "update"]
    assert {r["org_unit_id"] for r in reports} == {tree.village_a1.id}
    assert people.county.get(f"/api/v1/damage-reports?event_id={local['id']}").get_json()["total"] == 0
    rollup = people.county.get(f"/api/v1/events/{flood['id']}/rollup").get_json()
    assert rollup["figures"]["affected_population"] == 15 and rollup["figures"]["houses_collapsed_rooms"] == 6
    assert rollup["reporting"]["reported"] == 1
    # The ledger rows moved too: listed under the county's event and counted in its roll-up.
    casualties = people.county.get(f"/api/v1/events/{flood['id']}/casualties").get_json()["items"]
    houses = people.county.get(f"/api/v1/events/{flood['id']}/damaged-houses").get_json()["items"]
    assert [c["id"] for c in casualties] == [casualty["id"]] and [h["id"] for h in houses] == [house["id"]]
    assert people.county.get(f"/api/v1/events/{local['id']}/casualties").get_json()["total"] == 0
    assert rollup["ledger"]["missing"] == 1 and rollup["figures"]["transitional_aid"] == 4

    moved = people.county.get(f"/api/v1/audit?entity_type=damage_report&entity_id={reports[0]['id']}").get_json()
    entries = moved["items"] if isinstance(moved, dict) else moved
    move = [e for e in entries if e["action"] == "damage_report.move"]
    assert len(move) == 1 and move[0]["changes"]["event_id"] == [local["id"], flood["id"]]
    merged = people.county.get(f"/api/v1/audit?entity_type=event&entity_id={local['id']}").get_json()
    merge = [e for e in (merged["items"] if isinstance(merged, dict) else merged) if e["action"] == "event.merge"]
    assert merge and merge[0]["changes"]["moved"][1]["damage_reports"] == sorted(r["id"] for r in reports)
    assert merge[0]["changes"]["status"] == ["pending", "merged"]
    assert merge[0]["changes"]["moved"][1]["casualties"] == [casualty["id"]]
    assert merge[0]["changes"]["moved"][1]["damaged_houses"] == [house["id"]]
    moved_person = people.county.get(f"/api/v1/audit?entity_type=casualty&entity_id={casualty['id']}").get_json()
    person_moves = [e for e in moved_person["items"] if e["action"] == "casualty.move"]
    assert person_moves and person_moves[0]["changes"]["event_id"] == [local["id"], flood["id"]]

    # A report still queued on the phone for the local event is filed to the event it joined.
    figures = {"affected_population": 16, "houses_collapsed_households": 3, "houses_collapsed_rooms": 6}
    late = {"client_id": str(uuid.uuid4()), "stage": "update", "figures": figures}
    filed = people.reporter.post(f"/api/v1/events/{local['id']}/damage-reports", json=late)
    assert filed.status_code == 201, filed.get_json()
    assert filed.get_json()["event_id"] == flood["id"]


def test_merging_where_the_village_already_reports_is_a_conflict_and_nothing_moves(people, tree):
    local = open_local(people.reporter)
    flood = county_flood(people, tree)
    initial = {"client_id": str(uuid.uuid4()), "stage": "initial", "figures": {"affected_population": 3}}
    assert people.reporter.post(f"/api/v1/events/{flood['id']}/damage-reports", json=initial).status_code == 201
    response = people.town.post(f"/api/v1/events/{local['id']}/merge", json={"into_event_id": flood["id"]})
    error = assert_error(response, 409, "merge_conflict")
    assert error["details"]["into_event_id"] == flood["id"] and error["details"]["existing"]["damage_reports"]
    assert people.town.get(f"/api/v1/events/{local['id']}").get_json()["status"] == "pending"
    assert people.town.get(f"/api/v1/damage-reports?event_id={local['id']}").get_json()["total"] == 1


def test_the_target_must_cover_the_village_and_be_open(people, tree):
    local = open_local(people.reporter)
    body = {"name": "乙乡内涝", "disaster_type": "洪涝", "disaster_subtype": "城镇内涝", "org_unit_id": tree.town_b.id}
    elsewhere = people.county.post("/api/v1/events", json=body).get_json()
    response = people.county.post(f"/api/v1/events/{local['id']}/merge", json={"into_event_id": elsewhere["id"]})
    assert "范围不包括" in assert_error(response, 422, "validation_error")["details"]["fields"]["into_event_id"][0]
    other_local = open_local(people.reporter)
    response = people.town.post(f"/api/v1/events/{local['id']}/merge", json={"into_event_id": other_local["id"]})
    assert_error(response, 422, "validation_error")
    flood = county_flood(people, tree)
    for status in ("stable", "closed"):
        assert people.county.post(f"/api/v1/events/{flood['id']}/status", json={"status": status}).status_code == 200
    response = people.town.post(f"/api/v1/events/{local['id']}/merge", json={"into_event_id": flood["id"]})
    assert_error(response, 409, "event_closed")
