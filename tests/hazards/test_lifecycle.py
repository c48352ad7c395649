"""The rectification lifecycle: every allowed step, every refused one (409 / 403 / 422), history and audit."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from server import clock
from tests.conftest import assert_error

from .factories import RECTIFY, act, add_after_photo, create_hazard

ACTIONS = ("verify", "reject", "start_rectification", "report_rectified", "close", "reopen")
# The statuses each action may start from (server/hazards/service.py TRANSITIONS).
ALLOWED_FROM = {
    "verify": {"reported"},
    "reject": {"reported", "verified"},
    "start_rectification": {"verified", "rectified"},
    "report_rectified": {"rectifying"},
    "close": {"rectified"},
    "reopen": {"closed", "rejected"},
}
BODY = {
    "verify": {},
    "reject": {"comment": "经核查为重复上报"},
    "start_rectification": RECTIFY,
    "report_rectified": {"comment": "已完成"},
    "close": {"comment": "验收合格"},
    "reopen": {"comment": "雨后裂缝再次扩大"},
}


def bring_to(people, tree, status: str, **create) -> dict:
    """A hazard of village a1 walked through the API to ``status``."""
    hazard = create_hazard(people.reporter_a1, tree.village_a1, **create)
    hid = hazard["id"]
    steps = {
        "reported": [],
        "verified": [("verify", people.town_a)],
        "rejected": [("reject", people.town_a)],
        "rectifying": [("verify", people.town_a), ("start_rectification", people.town_a)],
        "rectified": [
            ("verify", people.town_a),
            ("start_rectification", people.town_a),
            ("report_rectified", people.reporter_a1),
        ],
        "closed": [
            ("verify", people.town_a),
            ("start_rectification", people.town_a),
            ("report_rectified", people.reporter_a1),
            ("close", people.town_a),
        ],
    }[status]
    for action, api in steps:
        if action == "report_rectified":
            add_after_photo(people.reporter_a1, hid)
        response = act(api, hid, action, **BODY[action])
        assert response.status_code == 200, (action, response.get_json())
        hazard = response.get_json()
    assert hazard["status"] == status
    return hazard


def test_the_whole_way_to_closure_with_history_and_audit(people, tree):
    clock.set_now(datetime(2026, 7, 1, 2, 0, tzinfo=UTC))
    hazard = create_hazard(people.reporter_a1, tree.village_a1)
    hid = hazard["id"]

    verified = act(people.town_a, hid, "verify", comment="现场核实属实").get_json()
    assert verified["status"] == "verified"

    rectifying = act(people.town_a, hid, "start_rectification", **RECTIFY).get_json()
    assert rectifying["status"] == "rectifying"
    assert rectifying["measures"] == RECTIFY["measures"]
    assert rectifying["responsible_person"] == "村主任 李明" and rectifying["monitor_person"] == "信息员 王芳"
    assert rectifying["deadline"] == "2026-08-01T23:59:59+08:00"  # a date is the end of that day, local time

    photo = add_after_photo(people.reporter_a1, hid)
    assert photo["kind"] == "after"
    rectified = act(people.reporter_a1, hid, "report_rectified", comment="截水沟已完工").get_json()
    assert rectified["status"] == "rectified" and rectified["rectified_at"]

    clock.set_now(datetime(2026, 7, 20, 2, 0, tzinfo=UTC))
    closed = act(people.town_a, hid, "close", comment="验收合格，予以销号").get_json()
    assert closed["status"] == "closed" and closed["status_name"] == "已销号"
    assert closed["closed_at"] == "2026-07-20T10:00:00+08:00"
    assert [p["id"] for p in closed["photos"]] == [photo["id"]]

    history = closed["history"]
    assert [(h["action"], h["from_status"], h["to_status"]) for h in history] == [
        ("report", None, "reported"),
        ("verify", "reported", "verified"),
        ("start_rectification", "verified", "rectifying"),
        ("report_rectified", "rectifying", "rectified"),
        ("close", "rectified", "closed"),
    ]
    assert [h["by"]["id"] for h in history] == [
        people.reporter_a1.user["id"],
        people.town_a.user["id"],
        people.town_a.user["id"],
        people.reporter_a1.user["id"],
        people.town_a.user["id"],
    ]
    assert history[1]["comment"] == "现场核实属实" and history[4]["comment"] == "验收合格，予以销号"
    assert history[2]["details"]["measures"] == RECTIFY["measures"]
    assert all(h["at"] for h in history)

    audit = people.county.get(f"/api/v1/audit?entity_type=hazard&entity_id={hid}").get_json()["items"]
    actions = [entry["action"] for entry in audit]
    assert sorted(actions) == sorted(
        ["hazard.create", "hazard.verify", "hazard.start_rectification", "hazard.report_rectified", "hazard.close"]
    )
    close_entry = next(e for e in audit if e["action"] == "hazard.close")
    assert close_entry["changes"]["status"] == ["rectified", "closed"]
    assert close_entry["actor"]["id"] == people.town_a.user["id"]


@pytest.mark.parametrize("status", ["reported", "verified", "rejected", "rectifying", "rectified", "closed"])
def test_every_action_outside_its_statuses_is_a_conflict(people, tree, status):
    hazard = bring_to(people, tree, status)
    for action in ACTIONS:
        if status in ALLOWED_FROM[action]:
            continue
        api = people.reporter_a1 if action == "report_rectified" else people.town_a
        error = assert_error(act(api, hazard["id"], action, **BODY[action]), 409, "invalid_transition")
        assert error["details"]["status"] == status, action
    # nothing moved
    assert people.town_a.get(f"/api/v1/hazards/{hazard['id']}").get_json()["status"] == status


def test_reject_needs_a_reason_and_can_be_reopened(people, tree):
    hazard = create_hazard(people.reporter_a1, tree.village_a1)
    hid = hazard["id"]
    error = assert_error(act(people.town_a, hid, "reject"), 422, "validation_error")
    assert "comment" in error["details"]["fields"]
    rejected = act(people.town_a, hid, "reject", comment="重复上报").get_json()
    assert rejected["status"] == "rejected" and rejected["history"][-1]["comment"] == "重复上报"
    assert_error(act(people.town_a, hid, "reopen", comment="  "), 422, "validation_error")
    reopened = act(people.town_a, hid, "reopen", comment="并非重复").get_json()
    assert reopened["status"] == "reported"


def test_reopening_a_closed_hazard_sends_it_back_to_verified(people, tree):
    hazard = bring_to(people, tree, "closed")
    reopened = act(people.town_a, hazard["id"], "reopen", comment="雨后裂缝再次扩大").get_json()
    assert reopened["status"] == "verified" and reopened["closed_at"] is None
    again = act(people.town_a, hazard["id"], "start_rectification", **RECTIFY).get_json()
    assert again["status"] == "rectifying"


def test_start_rectification_needs_measures_responsible_person_and_deadline(people, tree):
    hazard = bring_to(people, tree, "verified")
    error = assert_error(act(people.town_a, hazard["id"], "start_rectification"), 422, "validation_error")
    assert set(error["details"]["fields"]) == {"measures", "responsible_person", "deadline"}
    partial = {**RECTIFY, "responsible_person": " "}
    error = assert_error(act(people.town_a, hazard["id"], "start_rectification", **partial), 422, "validation_error")
    assert set(error["details"]["fields"]) == {"responsible_person"}
    bad_date = {**RECTIFY, "deadline": "2026-13-40"}
    assert_error(act(people.town_a, hazard["id"], "start_rectification", **bad_date), 422, "validation_error")


def test_report_rectified_needs_an_after_photo(people, tree):
    hazard = bring_to(people, tree, "rectifying")
    hid = hazard["id"]
    error = assert_error(act(people.reporter_a1, hid, "report_rectified"), 422, "validation_error")
    assert "photos" in error["details"]["fields"]
    # a before-photo is not enough
    from .factories import small_jpeg, upload

    assert upload(people.reporter_a1, f"/api/v1/hazards/{hid}/photos", small_jpeg()).get_json()["kind"] == "before"
    assert_error(act(people.reporter_a1, hid, "report_rectified"), 422, "validation_error")
    add_after_photo(people.reporter_a1, hid)
    assert act(people.reporter_a1, hid, "report_rectified").get_json()["status"] == "rectified"


def test_a_rectified_hazard_can_be_sent_back_to_rectification(people, tree):
    hazard = bring_to(people, tree, "rectified")
    response = act(people.town_a, hazard["id"], "start_rectification", **{**RECTIFY, "measures": "加固挡墙"})
    assert response.get_json()["status"] == "rectifying" and response.get_json()["rectified_at"] is None


@pytest.mark.parametrize("action", ["verify", "reject", "start_rectification", "close", "reopen"])
def test_reviewer_steps_are_forbidden_to_reporters_viewers_admins_and_village_reviewers(people, tree, action):
    source = next(iter(sorted(ALLOWED_FROM[action])))
    hazard = bring_to(people, tree, source)
    for api in (people.reporter_a1, people.viewer, people.admin, people.village_reviewer_a1):
        assert_error(act(api, hazard["id"], action, **BODY[action]), 403, "forbidden")
    assert act(people.town_a, hazard["id"], action, **BODY[action]).status_code == 200


def test_report_rectified_is_forbidden_to_viewers_and_admins(people, tree):
    hazard = bring_to(people, tree, "rectifying")
    add_after_photo(people.reporter_a1, hazard["id"])
    for api in (people.viewer, people.admin):
        assert_error(act(api, hazard["id"], "report_rectified"), 403, "forbidden")
    # the grid's reporter sees only its grid: the village's hazard is not found
    assert_error(act(people.grid_reporter, hazard["id"], "report_rectified"), 404, "not_found")
    assert act(people.town_a, hazard["id"], "report_rectified").status_code == 200


def test_outside_scope_is_not_found(people, tree):
    hazard = create_hazard(people.reporter_a1, tree.village_a1)
    assert_error(act(people.town_b, hazard["id"], "verify"), 404, "not_found")
    assert_error(act(people.reporter_b1, hazard["id"], "verify"), 404, "not_found")
    assert act(people.county, hazard["id"], "verify").status_code == 200


def test_supervised_hazards_are_closed_by_the_county(people, tree):
    hazard = bring_to(people, tree, "rectified", risk_level="major")
    assert hazard["supervised"] is True
    error = assert_error(act(people.town_a, hazard["id"], "close"), 403, "forbidden")
    assert "挂牌督办" in error["message"]
    assert act(people.county, hazard["id"], "close").get_json()["status"] == "closed"


def test_verifying_may_regrade_the_risk(people, tree):
    hazard = create_hazard(people.reporter_a1, tree.village_a1, risk_level="medium")
    verified = act(people.town_a, hazard["id"], "verify", risk_level="major").get_json()
    assert verified["risk_level"] == "major" and verified["supervised"] is True
    assert verified["history"][-1]["details"]["risk_level"] == ["medium", "major"]


def test_a_stale_version_is_a_conflict(people, tree):
    hazard = create_hazard(people.reporter_a1, tree.village_a1)
    seen = hazard["version"]
    assert act(people.town_a, hazard["id"], "verify", version=seen).status_code == 200
    error = assert_error(act(people.county, hazard["id"], "reject", comment="重复", version=seen), 409, "stale_version")
    assert error["details"]["version"] == seen + 1


def test_unknown_action_is_a_validation_error(people, tree):
    hazard = create_hazard(people.reporter_a1, tree.village_a1)
    assert_error(act(people.town_a, hazard["id"], "approve"), 422, "validation_error")
    assert_error(act(people.town_a, hazard["id"], "report"), 422, "validation_error")


def test_overdue_rectifications_are_visible_and_filterable(people, tree):
    clock.set_now(datetime(2026, 7, 1, 1, 0, tzinfo=UTC))
    late = bring_to(people, tree, "rectifying")  # deadline 2026-08-01 end of day
    on_time = create_hazard(people.reporter_a1, tree.village_a1)
    act(people.town_a, on_time["id"], "verify")
    act(people.town_a, on_time["id"], "start_rectification", **{**RECTIFY, "deadline": "2026-09-30"})
    assert people.town_a.get(f"/api/v1/hazards/{late['id']}").get_json()["overdue"] is False

    clock.set_now(datetime(2026, 8, 2, 0, 0, tzinfo=UTC))  # 08:00 local on 2 August
    assert people.town_a.get(f"/api/v1/hazards/{late['id']}").get_json()["overdue"] is True
    listing = people.town_a.get("/api/v1/hazards?overdue=true").get_json()
    assert [item["id"] for item in listing["items"]] == [late["id"]]
    not_overdue = people.town_a.get("/api/v1/hazards?overdue=false").get_json()
    assert late["id"] not in {item["id"] for item in not_overdue["items"]}
    assert on_time["id"] in {item["id"] for item in not_overdue["items"]}

    # once reported rectified it is no longer overdue
    add_after_photo(people.reporter_a1, late["id"])
    assert act(people.reporter_a1, late["id"], "report_rectified").get_json()["overdue"] is False


def test_a_reviewer_may_not_verify_reject_or_close_its_own_hazard(people, tree):
    # the township reviewer files a hazard of village A1 itself (reviewers may file), as for reports: no self-review
    own = create_hazard(people.town_a, tree.village_a1)
    assert_error(act(people.town_a, own["id"], "verify"), 403, "forbidden")
    assert_error(act(people.town_a, own["id"], "reject", comment="看错了"), 403, "forbidden")
    assert act(people.county, own["id"], "verify").status_code == 200  # another reviewer may
    assert act(people.town_a, own["id"], "start_rectification", **RECTIFY).status_code == 200
    add_after_photo(people.reporter_a1, own["id"])
    assert act(people.reporter_a1, own["id"], "report_rectified").status_code == 200
    assert_error(act(people.town_a, own["id"], "close"), 403, "forbidden")
    assert act(people.county, own["id"], "close").status_code == 200
