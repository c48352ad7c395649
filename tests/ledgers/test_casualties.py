"""因灾死亡失踪人口台账 through the API: filing, idempotency, rules, status changes, review, lists."""

from __future__ import annotations

import re

from tests.conftest import assert_error, missing_once
from tests.ledgers.conftest import EXAMPLE_ID, add_casualty, casualty_payload, id_number


def test_a_person_is_registered_and_read_back_per_the_contract(scene):
    body = add_casualty(scene.api, scene.event_id, id_number=EXAMPLE_ID.lower(), kind="missing")
    assert body["event_id"] == scene.event_id and body["org_unit_id"] == scene.tree.village_a1.id
    assert body["name"] == "王大山" and body["sex"] == "male" and body["age"] == 54
    assert body["kind"] == "missing" and body["kind_name"] == "失踪" and body["found_alive"] is False
    assert body["counted_as"] == "missing"
    assert body["occurred_at"] == "2026-07-01T09:30:00+08:00" and body["place"] == "村后山"
    assert body["cause"] == "滑坡"
    assert body["id_number"] == "110105********002X" and body["has_id_number"] is True
    assert body["review_status"] == "submitted" and body["version"] == 1
    assert body["submitted_by"] == {
        "id": scene.reporter.id,
        "username": scene.reporter.username,
        "name": "甲一村信息员",
    }
    assert scene.town.get(f"/api/v1/casualties/{body['id']}").get_json() == body


def test_a_resend_answers_the_same_row_and_another_payload_is_a_conflict(scene):
    payload = casualty_payload()
    url = f"/api/v1/events/{scene.event_id}/casualties"
    first = scene.api.post(url, json=payload)
    again = scene.api.post(url, json=payload)
    assert first.status_code == 201 and again.status_code == 200
    assert again.get_json() == first.get_json()
    assert_error(scene.api.post(url, json={**payload, "name": "王小山"}), 409, "client_id_reused")
    listed = scene.town.get(url).get_json()
    assert listed["total"] == 1


def test_a_resend_that_missed_the_row_loses_at_the_unique_client_id_and_is_answered_as_a_resend(scene, monkeypatch):
    """The unique client_id, not the look-up, decides: a look-up that missed a concurrent insert ends in a resend's
    answer (or a conflict for another payload), one row and one audit row."""
    from server.ledgers import service

    payload = casualty_payload()
    url = f"/api/v1/events/{scene.event_id}/casualties"
    first = scene.api.post(url, json=payload)
    assert first.status_code == 201
    calls = missing_once(monkeypatch, service, "by_client_id")
    again = scene.api.post(url, json=payload)
    assert again.status_code == 200 and again.get_json() == first.get_json()
    assert calls["n"] == 2  # the look-up missed, the insert met the client_id, the re-read found the row
    missing_once(monkeypatch, service, "by_client_id")
    assert_error(scene.api.post(url, json={**payload, "name": "王小山"}), 409, "client_id_reused")
    assert scene.town.get(url).get_json()["total"] == 1
    row_id = first.get_json()["id"]
    audit = scene.county.get(f"/api/v1/audit?entity_type=casualty&entity_id={row_id}").get_json()["items"]
    assert [entry["action"] for entry in audit] == ["casualty.create"]


def test_cause_defaults_to_the_event_and_must_be_a_national_disaster_type(scene):
    assert add_casualty(scene.api, scene.event_id, cause="")["cause"] == "山区洪水"
    error = assert_error(
        scene.api.post(f"/api/v1/events/{scene.event_id}/casualties", json=casualty_payload(cause="意外")),
        422,
        "validation_error",
    )
    assert "致灾原因" in error["details"]["fields"]["cause"][0]


def test_bad_input_is_refused_field_by_field_in_chinese(scene):
    url = f"/api/v1/events/{scene.event_id}/casualties"
    response = scene.api.post(url, json=casualty_payload(sex="m", kind="injured", age=200, name=""))
    fields = assert_error(response, 422, "validation_error")["details"]["fields"]
    assert set(fields) == {"sex", "kind", "age", "name"}
    assert all(re.search(r"[\u4e00-\u9fff]", messages[0]) for messages in fields.values())
    future = casualty_payload(occurred_at="2099-07-09T09:30:00+08:00")
    assert "occurred_at" in assert_error(scene.api.post(url, json=future), 422, "validation_error")["details"]["fields"]


def test_only_a_village_of_the_event_in_the_reporters_scope(scene, make_user, login_as):
    url = f"/api/v1/events/{scene.event_id}/casualties"
    # beside the reporter's village: not found, whatever it is
    assert_error(scene.api.post(url, json=casualty_payload(org_unit_id=scene.tree.village_b1.id)), 404, "not_found")
    # a grid reporter files for its grid's village
    grid = login_as(make_user("reporter", scene.tree.grid_a1))
    assert add_casualty(grid, scene.event_id)["org_unit_id"] == scene.tree.village_a1.id
    # reviewers do not file
    assert_error(scene.town.post(url, json=casualty_payload()), 403, "forbidden")


def test_one_person_once_per_event(scene):
    add_casualty(scene.api, scene.event_id, id_number=id_number(1))
    response = scene.api.post(
        f"/api/v1/events/{scene.event_id}/casualties", json=casualty_payload(id_number=id_number(1), name="重名")
    )
    error = assert_error(response, 409, "duplicate")
    assert id_number(1) not in response.get_data(as_text=True)
    assert "id_number" in error["details"]["fields"]


def test_missing_found_alive_then_another_confirmed_dead_audited(scene):
    found = add_casualty(scene.api, scene.event_id, kind="missing", name="甲")
    dead = add_casualty(scene.api, scene.event_id, kind="missing", name="乙")
    changed = scene.api.patch(f"/api/v1/casualties/{found['id']}", json={"found_alive": True, "version": 1})
    assert changed.status_code == 200, changed.get_json()
    assert changed.get_json()["found_alive"] is True and changed.get_json()["counted_as"] is None
    assert changed.get_json()["version"] == 2
    confirmed = scene.town.patch(f"/api/v1/casualties/{dead['id']}", json={"kind": "dead", "note": "遗体已找到"})
    assert confirmed.status_code == 200 and confirmed.get_json()["counted_as"] == "dead"

    audit = scene.county.get(f"/api/v1/audit?entity_type=casualty&entity_id={found['id']}").get_json()["items"]
    assert [entry["action"] for entry in audit] == ["casualty.found_alive", "casualty.create"]
    assert audit[0]["changes"]["found_alive"] == [False, True]
    audit = scene.county.get(f"/api/v1/audit?entity_type=casualty&entity_id={dead['id']}").get_json()["items"]
    assert audit[0]["action"] == "casualty.confirmed_dead"
    assert audit[0]["changes"]["kind"] == ["missing", "dead"]

    rollup = scene.county.get(f"/api/v1/events/{scene.event_id}/rollup").get_json()
    assert rollup["ledger"]["missing"] == 0 and rollup["ledger"]["deaths"] == 1


def test_a_dead_person_cannot_be_found_alive_and_a_stale_version_is_refused(scene):
    row = add_casualty(scene.api, scene.event_id, kind="dead")
    url = f"/api/v1/casualties/{row['id']}"
    assert (
        "found_alive"
        in assert_error(scene.api.patch(url, json={"found_alive": True}), 422, "validation_error")["details"]["fields"]
    )
    assert scene.api.patch(url, json={"note": "补充", "version": 1}).status_code == 200
    assert_error(scene.api.patch(url, json={"note": "再补充", "version": 1}), 409, "stale_version")


def test_a_closed_event_freezes_the_counts_but_not_the_notes(scene):
    row = add_casualty(scene.api, scene.event_id, kind="missing")
    for status in ("stable", "closed"):
        assert scene.county.post(f"/api/v1/events/{scene.event_id}/status", json={"status": status}).status_code == 200
    assert_error(scene.api.patch(f"/api/v1/casualties/{row['id']}", json={"kind": "dead"}), 409, "event_closed")
    assert scene.api.patch(f"/api/v1/casualties/{row['id']}", json={"note": "家属已通知"}).status_code == 200
    assert_error(
        scene.api.post(f"/api/v1/events/{scene.event_id}/casualties", json=casualty_payload()), 409, "event_closed"
    )


def test_lists_filter_by_village_kind_and_review_status(scene, make_user, login_as):
    add_casualty(scene.api, scene.event_id, kind="dead")
    missing = add_casualty(scene.api, scene.event_id, kind="missing")
    other = login_as(make_user("reporter", scene.tree.village_b1))
    add_casualty(other, scene.event_id, kind="dead")
    url = f"/api/v1/events/{scene.event_id}/casualties"

    def ids(query: str, api=scene.county) -> list[int]:
        response = api.get(f"{url}?{query}")
        assert response.status_code == 200, response.get_json()
        return [item["org_unit_id"] for item in response.get_json()["items"]]

    a1, b1 = scene.tree.village_a1.id, scene.tree.village_b1.id
    assert sorted(ids("")) == sorted([a1, a1, b1])
    assert ids(f"org_unit_id={a1}") == [a1, a1]
    assert ids(f"org_unit_id={scene.tree.town_b.id}") == [b1]
    assert ids("kind=missing") == [a1]
    assert ids("", api=scene.town) == [a1, a1]  # township a sees its own villages only
    scene.town.post(f"/api/v1/casualties/{missing['id']}/review", json={"decision": "approve"})
    assert ids("review_status=approved") == [a1]
    assert_error(scene.town.get(f"{url}?org_unit_id={b1}"), 404, "not_found")


def test_review_by_the_level_above_and_a_returned_row_stops_counting(scene):
    row = add_casualty(scene.api, scene.event_id, kind="dead")
    url = f"/api/v1/casualties/{row['id']}/review"
    assert_error(scene.town.post(url, json={"decision": "return"}), 422, "validation_error")
    returned = scene.town.post(url, json={"decision": "return", "comment": "身份证号待核"})
    assert returned.status_code == 200 and returned.get_json()["review_status"] == "returned"
    assert returned.get_json()["counted_as"] is None
    assert_error(scene.town.post(url, json={"decision": "approve"}), 409, "already_reviewed")
    rollup = scene.county.get(f"/api/v1/events/{scene.event_id}/rollup").get_json()
    assert rollup["ledger"]["deaths"] == 0
    # the reporter corrects it: it counts again and waits for review
    corrected = scene.api.patch(f"/api/v1/casualties/{row['id']}", json={"note": "身份证号已核"})
    assert corrected.get_json()["review_status"] == "submitted" and corrected.get_json()["counted_as"] == "dead"
    audit = scene.county.get(f"/api/v1/audit?entity_type=casualty&entity_id={row['id']}").get_json()["items"]
    assert audit[0]["changes"]["review_status"] == ["returned", "submitted"]
    rollup = scene.county.get(f"/api/v1/events/{scene.event_id}/rollup").get_json()
    assert rollup["ledger"]["deaths"] == 1


def test_approving_the_villages_report_approves_its_waiting_ledger_rows(scene):
    row = add_casualty(scene.api, scene.event_id, kind="dead")
    report = scene.api.post(
        f"/api/v1/events/{scene.event_id}/damage-reports",
        json={"client_id": "5b0f9a8e-4a59-4c1e-9d52-0a2d0c5f1b11", "stage": "initial",
              "figures": {"affected_population": 10, "deaths": 1}},
    )  # fmt: skip
    assert report.status_code == 201 and report.get_json()["warnings"] == []
    approved = scene.town.post(f"/api/v1/damage-reports/{report.get_json()['id']}/review", json={"decision": "approve"})
    assert approved.status_code == 200, approved.get_json()
    assert (approved.get_json()["status"], approved.get_json()["reviewed_by"]["id"]) == (
        "approved",
        scene.town_reviewer.id,
    )
    body = scene.town.get(f"/api/v1/casualties/{row['id']}").get_json()
    assert body["review_status"] == "approved" and body["reviewed_by"]["id"] == scene.town_reviewer.id
    audit = scene.county.get(f"/api/v1/audit?entity_type=casualty&entity_id={row['id']}").get_json()["items"]
    assert audit[0]["action"] == "casualty.approve"
    assert audit[0]["changes"]["with_report"] == [None, report.get_json()["id"]]
