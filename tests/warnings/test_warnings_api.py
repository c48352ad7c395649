"""Warnings through the API: issue, expansion, windows, 叫应 (late vs overdue), idempotency, scope, update, cancel."""

from __future__ import annotations

import uuid

from tests.conftest import assert_error
from tests.warnings.conftest import ack, issue, warning_body


def status_of(api, warning_id: int) -> dict:
    response = api.get(f"/api/v1/warnings/{warning_id}/status")
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_red_warning_to_a_township_of_12(township12, make_user, login_as, at):
    """The issue's 'done when': 9 answer in time, 1 late, 2 never → 10 of 12 (1 late), 2 overdue by name."""
    reviewer = login_as(make_user("reviewer", township12.unit))
    at(0)
    warning = issue(reviewer, [township12.unit.id])
    assert warning["ack_within_minutes"] == 30 and warning["ack_due_at"] == "2026-07-01T08:30:00+08:00"
    assert warning["status"] == "active" and warning["level_name"] == "红色"

    for i, officer in enumerate(township12.officers[:9]):
        at(5 + i)
        response = ack(login_as(officer), warning["id"], households_notified=30 + i, persons_notified=90 + i)
        assert response.status_code == 200, response.get_json()
        assert response.get_json()["late"] is False
    at(29)
    status = status_of(reviewer, warning["id"])
    assert (status["targets"], status["acknowledged"], status["overdue"], status["pending"]) == (12, 9, 0, 3)

    at(45)
    late = ack(login_as(township12.officers[9]), warning["id"]).get_json()
    assert late["late"] is True and late["acknowledged_at"] == "2026-07-01T08:45:00+08:00"

    status = status_of(reviewer, warning["id"])
    assert (status["targets"], status["acknowledged"], status["late"], status["on_time"]) == (12, 10, 1, 9)
    assert status["overdue"] == 2 and status["pending"] == 0 and status["rate"] == round(10 / 12, 4)
    overdue = [unit["org_unit"]["name"] for unit in status["units"] if unit["overdue"]]
    assert overdue == ["丙11村", "丙12村"]
    silent = next(unit for unit in status["units"] if unit["org_unit"]["name"] == "丙12村")
    assert silent["acknowledged_at"] is None and silent["officers"] == [
        {"id": township12.officers[11].id, "name": "信息员12", "phone": "13800000012"}
    ]
    first = status["units"][0]
    assert first["by"]["name"] == "信息员01" and first["households_notified"] == 30 and first["persons_notified"] == 90
    assert first["acknowledged_at"] == "2026-07-01T08:05:00+08:00" and first["late"] is False
    assert [t["org_unit"]["id"] for t in status["townships"]] == [township12.unit.id]
    assert status["townships"][0]["acknowledged"] == 10 and status["townships"][0]["overdue"] == 2


def test_targets_are_expanded_and_stored_at_issue_time(tree, make_unit, make_user, login_as, at):
    county = login_as(make_user("reviewer", tree.county))
    at(0)
    # the township A, and village B1 on its own, and grid A1 whose village is already in
    warning = issue(county, [tree.town_a.id, tree.village_b1.id, tree.grid_a1.id], level="orange")
    assert warning["target_org_unit_ids"] == [tree.town_a.id, tree.village_b1.id, tree.grid_a1.id]
    assert warning["ack_within_minutes"] == 60
    make_unit("village", tree.town_a, name="甲三村")  # a village added later was not warned
    status = status_of(county, warning["id"])
    names = [unit["org_unit"]["name"] for unit in status["units"]]
    assert sorted(names) == sorted(["甲一村", "甲二村", "乙一村"]) and status["targets"] == 3
    by_township = {t["org_unit"]["name"]: t["targets"] for t in status["townships"]}
    assert by_township == {"甲镇": 2, "乙乡": 1}


def test_windows_by_level_and_per_warning(tree, make_user, login_as, at):
    county = login_as(make_user("reviewer", tree.county))
    at(0)
    villages = [tree.village_a1.id]
    assert issue(county, villages, level="yellow")["ack_due_at"] == "2026-07-01T10:00:00+08:00"
    blue = issue(county, villages, level="blue")
    assert blue["ack_within_minutes"] is None and blue["ack_due_at"] is None
    custom = issue(county, villages, level="red", ack_within_minutes=10)
    assert custom["ack_due_at"] == "2026-07-01T08:10:00+08:00"
    at(60 * 20)  # nobody answered the blue one in 20 hours, and nobody is overdue for it
    assert status_of(county, blue["id"])["overdue"] == 0
    assert status_of(county, custom["id"])["overdue"] == 1


def test_the_window_setting_changes_the_default(tree, make_user, login_as, at, make_app):
    other = make_app(WARNING_ACK_MINUTES_RED=15)
    client = other.test_client()
    user = make_user("reviewer", tree.county)
    login = client.post("/api/v1/auth/login", json={"username": user.username, "password": "correct-horse-9"})
    at(0)
    response = client.post(
        "/api/v1/warnings",
        json=warning_body([tree.village_a1.id]),
        headers={"X-CSRF-Token": login.get_json()["csrf_token"]},
    )
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["ack_due_at"] == "2026-07-01T08:15:00+08:00"


def test_late_versus_overdue_at_set_times(tree, make_user, login_as, at):
    county = login_as(make_user("reviewer", tree.county))
    officer = login_as(make_user("reporter", tree.village_a1))
    at(0)
    warning = issue(county, [tree.village_a1.id, tree.village_a2.id])
    at(30)  # exactly at the deadline: in time, nobody overdue yet
    assert status_of(county, warning["id"])["overdue"] == 0
    at(31)
    status = status_of(county, warning["id"])
    assert status["overdue"] == 2 and status["acknowledged"] == 0
    mine = officer.get(f"/api/v1/warnings/{warning['id']}").get_json()
    assert mine["overdue"] is True and mine["acknowledgement"] is None
    answered = ack(officer, warning["id"]).get_json()
    assert answered["late"] is True
    status = status_of(county, warning["id"])
    assert (status["acknowledged"], status["late"], status["overdue"]) == (1, 1, 1)
    mine = officer.get(f"/api/v1/warnings/{warning['id']}").get_json()
    assert mine["overdue"] is False and mine["acknowledgement"]["late"] is True


def test_acknowledgement_is_idempotent(tree, make_user, login_as, at):
    county = login_as(make_user("reviewer", tree.county))
    officer = login_as(make_user("reporter", tree.village_a1))
    at(0)
    warning = issue(county, [tree.village_a1.id])
    url = f"/api/v1/warnings/{warning['id']}/ack"
    at(3)
    first = officer.post(url, json={"households_notified": 12, "persons_notified": 40, "note": "已电话通知"})
    assert first.status_code == 200
    at(8)
    again = officer.post(url, json={"households_notified": 99})  # again: 200, unchanged
    assert again.status_code == 200 and again.get_json() == first.get_json()

    client_id = str(uuid.uuid4())
    body = {"client_id": client_id, "households_notified": 5, "persons_notified": 9}
    queued = login_as(make_user("reporter", tree.village_a1)).post(url, json=body)  # the B officer's outbox
    assert queued.status_code == 200 and queued.get_json()["client_id"] == client_id
    resent = login_as(make_user("reporter", tree.grid_a1)).post(url, json=body)  # the same item, resent
    assert resent.get_json() == queued.get_json()
    other = officer.post(url, json={**body, "persons_notified": 10})
    assert_error(other, 409, "client_id_reused")

    status = status_of(county, warning["id"])
    unit = status["units"][0]
    assert status["acknowledged"] == 1 and unit["acknowledged_at"] == "2026-07-01T08:03:00+08:00"
    assert unit["households_notified"] == 12 and len(unit["answers"]) == 2


def test_a_resend_after_cancellation_still_gets_its_answer(tree, make_user, login_as, at):
    county = login_as(make_user("reviewer", tree.county))
    officer = login_as(make_user("reporter", tree.village_a1))
    at(0)
    warning = issue(county, [tree.village_a1.id])
    body = {"client_id": str(uuid.uuid4())}
    first = ack(officer, warning["id"], **body)
    response = county.post(f"/api/v1/warnings/{warning['id']}/cancel", json={"reason": "雨势减弱，解除预警"})
    assert response.status_code == 200 and response.get_json()["status"] == "cancelled"
    assert ack(officer, warning["id"], **body).get_json() == first.get_json()
    other = login_as(make_user("reporter", tree.village_a1))
    assert_error(ack(other, warning["id"]), 409, "invalid_transition")


def test_scope_of_reading_and_answering(tree, make_user, login_as, at):
    county = login_as(make_user("reviewer", tree.county))
    at(0)
    warning = issue(county, [tree.town_a.id])
    outsider = login_as(make_user("reporter", tree.village_b1))
    assert_error(outsider.get(f"/api/v1/warnings/{warning['id']}"), 404, "not_found")
    assert_error(ack(outsider, warning["id"]), 404, "not_found")
    assert outsider.get("/api/v1/warnings?active=true").get_json()["total"] == 0
    assert_error(outsider.get(f"/api/v1/warnings/{warning['id']}/status"), 403, "forbidden")

    grid = login_as(make_user("reporter", tree.grid_a1))  # a grid's reporter answers for its village
    listed = grid.get("/api/v1/warnings?active=true").get_json()
    assert [item["id"] for item in listed["items"]] == [warning["id"]] and listed["items"][0]["targets_me"]
    answered = ack(grid, warning["id"]).get_json()
    assert answered["org_unit"]["id"] == tree.village_a1.id

    # township B's reviewer sees nothing of it; township A's sees its own villages' status only
    assert_error(
        login_as(make_user("reviewer", tree.town_b)).get(f"/api/v1/warnings/{warning['id']}"), 404, "not_found"
    )
    town_a = status_of(login_as(make_user("viewer", tree.town_a)), warning["id"])
    assert town_a["targets"] == 2 and town_a["acknowledged"] == 1
    # and a township reviewer may not change the county's warning
    response = login_as(make_user("reviewer", tree.town_a)).patch(
        f"/api/v1/warnings/{warning['id']}", json={"title": "改"}
    )
    assert_error(response, 403, "forbidden")
    # a reviewer of the township cannot answer for a village
    assert_error(ack(login_as(make_user("reviewer", tree.town_a)), warning["id"]), 403, "forbidden")


def test_issuing_needs_a_reviewer_above_the_village_and_units_in_scope(tree, make_user, login_as, at):
    at(0)
    town = login_as(make_user("reviewer", tree.town_a))
    assert_error(town.post("/api/v1/warnings", json=warning_body([tree.village_b1.id])), 404, "not_found")
    village_reviewer = login_as(make_user("reviewer", tree.village_a1))
    assert_error(village_reviewer.post("/api/v1/warnings", json=warning_body([tree.village_a1.id])), 403, "forbidden")
    reporter = login_as(make_user("reporter", tree.village_a1))
    assert_error(reporter.post("/api/v1/warnings", json=warning_body([tree.village_a1.id])), 403, "forbidden")
    bad = town.post(
        "/api/v1/warnings",
        json=warning_body([tree.village_a1.id], level="purple", disaster_type="暴风", expires_at="2026-06-30T08:00:00"),
    )
    error = assert_error(bad, 422, "validation_error")
    assert set(error["details"]["fields"]) == {"level"}
    bad = town.post("/api/v1/warnings", json=warning_body([tree.village_a1.id], disaster_type="暴风"))
    fields = assert_error(bad, 422, "validation_error")["details"]["fields"]
    assert "disaster_type" in fields
    bad = town.post("/api/v1/warnings", json=warning_body([tree.village_a1.id], expires_at="2026-07-01T07:00:00"))
    assert assert_error(bad, 422, "validation_error")["details"]["fields"]["expires_at"] == ["失效时间须晚于当前时间"]
    assert_error(town.post("/api/v1/warnings", json=warning_body([])), 422, "validation_error")


def test_an_update_asks_for_acknowledgement_again(tree, make_user, login_as, at):
    county = login_as(make_user("reviewer", tree.county))
    officer = login_as(make_user("reporter", tree.village_a1))
    at(0)
    warning = issue(county, [tree.village_a1.id, tree.village_a2.id], level="orange")
    at(10)
    first = ack(officer, warning["id"]).get_json()
    assert status_of(county, warning["id"])["acknowledged"] == 1
    at(20)
    response = county.patch(
        f"/api/v1/warnings/{warning['id']}",
        json={"level": "red", "body": "升级为红色预警", "version": warning["version"]},
    )
    assert response.status_code == 200, response.get_json()
    updated = response.get_json()
    assert updated["revision"] == 2 and updated["ack_within_minutes"] == 30
    assert updated["ack_due_at"] == "2026-07-01T08:50:00+08:00"
    status = status_of(county, warning["id"])
    assert status["acknowledged"] == 0 and status["revision"] == 2
    mine = officer.get(f"/api/v1/warnings/{warning['id']}").get_json()
    assert mine["acknowledgement"] is None and mine["revision"] == 2
    second = ack(officer, warning["id"]).get_json()
    assert second["id"] != first["id"] and second["revision"] == 2
    # a stale version is a conflict, not a silent overwrite
    stale = county.patch(f"/api/v1/warnings/{warning['id']}", json={"title": "再改", "version": warning["version"]})
    assert_error(stale, 409, "stale_version")
    # a change to nothing is no new revision
    same = county.patch(f"/api/v1/warnings/{warning['id']}", json={"level": "red"}).get_json()
    assert same["revision"] == 2


def test_cancel_ends_the_warning(tree, make_user, login_as, at):
    county = login_as(make_user("reviewer", tree.county))
    officer = login_as(make_user("reporter", tree.village_a1))
    at(0)
    warning = issue(county, [tree.village_a1.id])
    assert_error(county.post(f"/api/v1/warnings/{warning['id']}/cancel", json={"reason": " "}), 422, "validation_error")
    cancelled = county.post(f"/api/v1/warnings/{warning['id']}/cancel", json={"reason": "解除"}).get_json()
    assert cancelled["status"] == "cancelled" and cancelled["cancel_reason"] == "解除"
    assert officer.get("/api/v1/warnings?active=true").get_json()["total"] == 0
    assert officer.get("/api/v1/warnings?active=false").get_json()["total"] == 1
    at(60)  # cancelled before its window passed: nobody is overdue
    assert status_of(county, warning["id"])["overdue"] == 0
    again = county.post(f"/api/v1/warnings/{warning['id']}/cancel", json={"reason": "解除"})
    assert_error(again, 409, "invalid_transition")


def test_reporters_see_the_most_severe_and_newest_first(tree, make_user, login_as, at):
    county = login_as(make_user("reviewer", tree.county))
    at(0)
    yellow = issue(county, [tree.town_a.id], level="yellow", title="黄")
    at(1)
    red_old = issue(county, [tree.village_a1.id], level="red", title="红1")
    at(2)
    blue = issue(county, [tree.village_a1.id], level="blue", title="蓝")
    at(3)
    red_new = issue(county, [tree.county.id], level="red", title="红2")
    issue(county, [tree.village_b1.id], level="red", title="别村")
    at(4)
    expired = issue(county, [tree.village_a1.id], level="orange", expires_at="2026-07-01T08:05:00+08:00")
    at(10)
    officer = login_as(make_user("reporter", tree.village_a1))
    items = officer.get("/api/v1/warnings?active=true").get_json()["items"]
    assert [item["id"] for item in items] == [red_new["id"], red_old["id"], yellow["id"], blue["id"]]
    assert [item["id"] for item in officer.get("/api/v1/warnings?active=false").get_json()["items"]] == [expired["id"]]
    assert officer.get(f"/api/v1/warnings/{expired['id']}").get_json()["status"] == "expired"


def test_every_action_is_audited(tree, make_user, login_as, at):
    county = login_as(make_user("reviewer", tree.county))
    officer = login_as(make_user("reporter", tree.village_a1))
    at(0)
    warning = issue(county, [tree.village_a1.id])
    ack(officer, warning["id"], persons_notified=8)
    county.patch(f"/api/v1/warnings/{warning['id']}", json={"title": "暴雨红色预警（更新）"})
    county.post(f"/api/v1/warnings/{warning['id']}/cancel", json={"reason": "解除"})
    entries = county.get(f"/api/v1/audit?entity_type=warning&entity_id={warning['id']}").get_json()
    entries = entries["items"] if isinstance(entries, dict) else entries
    actions = sorted(entry["action"] for entry in entries)
    assert actions == ["warning.ack", "warning.cancel", "warning.issue", "warning.update"]


def test_openapi_lists_the_warning_endpoints(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert {"/warnings", "/warnings/{warning_id}/ack", "/warnings/{warning_id}/status"} <= set(paths)
