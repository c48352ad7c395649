"""Review by the level above: approve, return with a reason (restoring the previous current report), no
self-review, no village self-review, optimistic locking, audit."""

from datetime import UTC, datetime

from server import clock
from tests.conftest import assert_error
from tests.damage.conftest import file_report

SMALL = {"affected_population": 10, "injured": 1}
BIGGER = {"affected_population": 20, "injured": 3}


def review(api, report_id, decision="approve", comment="", **extra):
    return api.post(
        f"/api/v1/damage-reports/{report_id}/review", json={"decision": decision, "comment": comment, **extra}
    )


def test_township_reviewer_approves(scene, login_as):
    clock.set_now(datetime(2026, 6, 20, 8, 0, tzinfo=UTC))
    report = file_report(scene.api, scene.event["id"], figures=SMALL).get_json()
    response = review(login_as(scene.town_reviewer), report["id"], comment="已核实")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "approved" and body["current"] is True
    reviewer = scene.town_reviewer
    assert body["reviewed_by"] == {"id": reviewer.id, "username": reviewer.username, "name": "甲镇审核员"}
    assert body["reviewed_at"] == "2026-06-20T16:00:00+08:00"
    assert body["review_comment"] == "已核实"
    assert body["version"] == 2
    audit = login_as(scene.town_reviewer).get(f"/api/v1/audit?entity_type=damage_report&entity_id={report['id']}")
    actions = [entry["action"] for entry in audit.get_json()["items"]]
    assert actions == ["damage_report.approve", "damage_report.create"]


def test_county_reviewer_may_review_a_village_report(scene, login_as):
    report = file_report(scene.api, scene.event["id"], figures=SMALL).get_json()
    assert review(login_as(scene.county_reviewer), report["id"]).status_code == 200


def test_return_needs_a_comment_and_the_reporter_sees_it(scene, login_as):
    report = file_report(scene.api, scene.event["id"], figures=SMALL).get_json()
    town = login_as(scene.town_reviewer)
    for comment in ("", "   "):
        error = assert_error(review(town, report["id"], "return", comment), 422, "validation_error")
        assert list(error["details"]["fields"]) == ["comment"]
    assert_error(
        town.post(f"/api/v1/damage-reports/{report['id']}/review", json={"decision": "return"}), 422, "validation_error"
    )
    response = review(town, report["id"], "return", "受灾人口与户籍数不符，请核实后重报")
    assert response.status_code == 200
    assert response.get_json()["status"] == "returned" and response.get_json()["current"] is False
    seen = scene.api.get(f"/api/v1/damage-reports/{report['id']}").get_json()
    assert seen["status"] == "returned"
    assert seen["review_comment"] == "受灾人口与户籍数不符，请核实后重报"
    listed = scene.api.get("/api/v1/damage-reports?status=returned").get_json()["items"]
    assert [item["review_comment"] for item in listed] == ["受灾人口与户籍数不符，请核实后重报"]


def test_bad_decision_is_422(scene, login_as):
    report = file_report(scene.api, scene.event["id"], figures=SMALL).get_json()
    assert_error(review(login_as(scene.town_reviewer), report["id"], "maybe"), 422, "validation_error")


def test_return_restores_the_previous_report_as_current(scene, login_as):
    event_id = scene.event["id"]
    town = login_as(scene.town_reviewer)
    initial = file_report(scene.api, event_id, "initial", SMALL).get_json()
    update1 = file_report(scene.api, event_id, "update", BIGGER).get_json()
    update2 = file_report(scene.api, event_id, "update", dict(BIGGER, affected_population=30)).get_json()

    def current():
        items = scene.api.get(f"/api/v1/damage-reports?event_id={event_id}&current=true").get_json()["items"]
        return [item["id"] for item in items]

    assert current() == [update2["id"]]
    assert review(town, update2["id"], "return", "数字有误").status_code == 200
    assert current() == [update1["id"]]
    assert review(town, update1["id"], "return", "仍有误").status_code == 200
    assert current() == [initial["id"]]
    # The restore is audited on the restored report.
    audit = town.get(f"/api/v1/audit?entity_type=damage_report&entity_id={initial['id']}").get_json()["items"]
    assert audit[0]["action"] == "damage_report.restore_current"
    # The initial is current and unreviewed again: it can be approved, and later reports follow it.
    assert review(town, initial["id"]).status_code == 200
    assert file_report(scene.api, event_id, "update", BIGGER).get_json()["current"] is True


def test_returned_initial_allows_a_new_initial(scene, login_as):
    event_id = scene.event["id"]
    initial = file_report(scene.api, event_id, "initial", SMALL).get_json()
    assert review(login_as(scene.town_reviewer), initial["id"], "return", "请重报").status_code == 200
    assert_error(file_report(scene.api, event_id, "update", SMALL, expect=None), 409, "stage_order")
    assert file_report(scene.api, event_id, "initial", SMALL).get_json()["current"] is True


def test_returned_final_allows_another_final(scene, login_as):
    event_id = scene.event["id"]
    file_report(scene.api, event_id, "initial", SMALL)
    final = file_report(scene.api, event_id, "final", BIGGER).get_json()
    assert review(login_as(scene.town_reviewer), final["id"], "return", "核报数据需复核").status_code == 200
    assert file_report(scene.api, event_id, "final", BIGGER).get_json()["stage"] == "final"


def test_village_reviewer_cannot_review_its_own_village(scene, make_user, login_as):
    report = file_report(scene.api, scene.event["id"], figures=SMALL).get_json()
    response = review(login_as(make_user("reviewer", scene.tree.village_a1)), report["id"])
    assert "上级" in assert_error(response, 403, "forbidden")["message"]
    grid_reviewer = login_as(make_user("reviewer", scene.tree.grid_a1))
    assert_error(review(grid_reviewer, report["id"]), 403, "forbidden")


def test_reviewer_outside_the_scope_gets_404(scene, make_user, login_as):
    report = file_report(scene.api, scene.event["id"], figures=SMALL).get_json()
    assert_error(review(login_as(make_user("reviewer", scene.tree.town_b)), report["id"]), 404, "not_found")
    assert_error(review(login_as(scene.town_reviewer), 999999), 404, "not_found")


def test_only_reviewers_review(scene, make_user, login_as):
    report = file_report(scene.api, scene.event["id"], figures=SMALL).get_json()
    for role in ("reporter", "viewer", "admin"):
        assert_error(review(login_as(make_user(role, scene.tree.town_a)), report["id"]), 403, "forbidden")
    assert_error(review(scene.api, report["id"]), 403, "forbidden")


def test_no_self_review(scene, make_user, login_as, app):
    """A township officer who filed a village's report and later became a reviewer cannot review it."""
    from server.extensions import db
    from server.users.models import User

    officer = make_user("reporter", scene.tree.town_a)
    report = file_report(login_as(officer), scene.event["id"], figures=SMALL, org_unit_id=scene.tree.village_a1.id)
    with app.app_context():
        db.session.get(User, officer.id).role = "reviewer"
        db.session.commit()
    response = review(login_as(officer), report.get_json()["id"])
    assert "自己" in assert_error(response, 403, "forbidden")["message"]
    assert review(login_as(scene.town_reviewer), report.get_json()["id"]).status_code == 200


def test_already_reviewed_is_409(scene, login_as):
    report = file_report(scene.api, scene.event["id"], figures=SMALL).get_json()
    town = login_as(scene.town_reviewer)
    assert review(town, report["id"]).status_code == 200
    assert_error(review(town, report["id"]), 409, "already_reviewed")
    assert_error(review(login_as(scene.county_reviewer), report["id"], "return", "再看看"), 409, "already_reviewed")
    returned = file_report(scene.api, scene.event["id"], "update", SMALL).get_json()
    assert review(town, returned["id"], "return", "请补充").status_code == 200
    assert_error(review(town, returned["id"]), 409, "already_reviewed")


def test_superseded_report_is_409(scene, login_as):
    first = file_report(scene.api, scene.event["id"], "initial", SMALL).get_json()
    file_report(scene.api, scene.event["id"], "update", BIGGER)
    error = assert_error(review(login_as(scene.town_reviewer), first["id"]), 409, "superseded")
    assert "替代" in error["message"]


def test_stale_version_is_409(scene, login_as):
    report = file_report(scene.api, scene.event["id"], figures=SMALL).get_json()
    town = login_as(scene.town_reviewer)
    error = assert_error(review(town, report["id"], version=7), 409, "stale_version")
    assert error["details"]["version"] == 1
    assert review(town, report["id"], version=1).get_json()["version"] == 2


def test_the_losing_conditional_update_is_409(scene, login_as, monkeypatch):
    """Both reviewers read version 1; the second one's UPDATE ... WHERE version = 1 matches nothing."""
    from sqlalchemy.orm.attributes import set_committed_value

    from server.damage import review as review_module

    report = file_report(scene.api, scene.event["id"], figures=SMALL).get_json()
    assert review(login_as(scene.county_reviewer), report["id"]).status_code == 200
    real_get_report = review_module.get_report

    def get_stale(**kwargs):
        found = real_get_report(**kwargs)
        # What the second reviewer read before the first one committed (loaded state, not a pending change).
        set_committed_value(found, "status", "submitted")
        set_committed_value(found, "version", 1)
        return found

    monkeypatch.setattr(review_module, "get_report", get_stale)
    error = assert_error(review(login_as(scene.town_reviewer), report["id"], "return", "退回"), 409, "stale_version")
    assert "他人处理" in error["message"]
    monkeypatch.undo()
    body = scene.api.get(f"/api/v1/damage-reports/{report['id']}").get_json()
    assert body["status"] == "approved" and body["version"] == 2 and body["current"] is True
