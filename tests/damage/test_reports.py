"""Filing damage reports: who and for which village, event status, stage order, change notes."""

from datetime import UTC, datetime

from server import clock
from tests.conftest import assert_error
from tests.damage.conftest import FLOOD, file_report, open_event, report_payload

SMALL = {"affected_population": 10, "injured": 1, "crops_affected_ha": "2.50"}
BIGGER = {"affected_population": 20, "injured": 3, "crops_affected_ha": "4.00"}


def url(scene) -> str:
    return f"/api/v1/events/{scene.event['id']}/damage-reports"


# --- who files for which village -------------------------------------------------------------------------------


def test_report_json_per_the_contract(scene):
    clock.set_now(datetime(2026, 6, 20, 7, 30, tzinfo=UTC))
    payload = report_payload("initial", FLOOD, note="山洪冲毁村道", org_unit_id=scene.tree.village_a1.id)
    response = scene.api.post(url(scene), json=payload)
    assert response.status_code == 201
    body = response.get_json()
    assert set(body) >= {
        "id",
        "client_id",
        "event_id",
        "org_unit_id",
        "stage",
        "figures",
        "note",
        "change_note",
        "status",
        "current",
        "submitted_by",
        "submitted_at",
        "reviewed_by",
        "reviewed_at",
        "review_comment",
        "is_zero",
        "version",
        "org_unit",
    }
    assert body["client_id"] == payload["client_id"]
    assert body["event_id"] == scene.event["id"]
    assert body["org_unit_id"] == scene.tree.village_a1.id
    assert body["org_unit"] == {
        "id": scene.tree.village_a1.id,
        "code": scene.tree.village_a1.code,
        "name": "甲一村",
        "level": "village",
    }
    assert body["stage"] == "initial" and body["status"] == "submitted" and body["current"] is True
    assert body["note"] == "山洪冲毁村道" and body["change_note"] == ""
    assert body["submitted_by"] == {
        "id": scene.reporter.id,
        "username": scene.reporter.username,
        "name": "甲一村信息员",
    }
    assert body["submitted_at"] == "2026-06-20T15:30:00+08:00"
    assert body["reviewed_by"] is None and body["reviewed_at"] is None and body["review_comment"] == ""
    assert body["version"] == 1
    # The single read is the same report, and says whether the caller (its reporter) may review it: never.
    assert scene.api.get(f"/api/v1/damage-reports/{body['id']}").get_json() == {
        **body,
        "can_review": False,
        "photos": [],
    }


def test_org_unit_defaults_to_the_reporters_village(scene):
    body = file_report(scene.api, scene.event["id"], figures=SMALL).get_json()
    assert body["org_unit_id"] == scene.tree.village_a1.id


def test_a_grid_reporter_files_for_its_village(scene, make_user, login_as):
    api = login_as(make_user("reporter", scene.tree.grid_a1))
    body = file_report(api, scene.event["id"], figures=SMALL).get_json()
    assert body["org_unit_id"] == scene.tree.village_a1.id
    explicit = file_report(api, scene.event["id"], "update", BIGGER, org_unit_id=scene.tree.village_a1.id)
    assert explicit.get_json()["org_unit_id"] == scene.tree.village_a1.id
    assert_error(
        file_report(api, scene.event["id"], "update", BIGGER, org_unit_id=scene.tree.village_a2.id, expect=None),
        404,
        "not_found",
    )


def test_a_township_reporter_files_for_its_villages_only(scene, make_user, login_as):
    api = login_as(make_user("reporter", scene.tree.town_a))
    file_report(api, scene.event["id"], figures=SMALL, org_unit_id=scene.tree.village_a2.id)
    # Its own unit is a township: statistics are filed per village.
    response = file_report(api, scene.event["id"], figures=SMALL, org_unit_id=scene.tree.town_a.id, expect=None)
    assert assert_error(response, 422, "validation_error")["details"]["fields"]["org_unit_id"][0].startswith("灾情按村")
    response = file_report(api, scene.event["id"], figures=SMALL, expect=None)  # defaults to the township
    assert_error(response, 422, "validation_error")
    response = file_report(api, scene.event["id"], figures=SMALL, org_unit_id=scene.tree.village_b1.id, expect=None)
    assert_error(response, 404, "not_found")


def test_a_grid_unit_is_not_a_statistics_unit(scene):
    response = file_report(scene.api, scene.event["id"], figures=SMALL, org_unit_id=scene.tree.grid_a1.id, expect=None)
    assert "org_unit_id" in assert_error(response, 422, "validation_error")["details"]["fields"]


def test_village_outside_the_event_area_is_refused(scene, make_user, login_as):
    town_b_event = open_event(
        login_as(make_user("reviewer", scene.tree.town_b)),
        scene.tree.town_b,
        name="乙乡冰雹",
        disaster_type="风雹",
        disaster_subtype="冰雹",
    )
    # A village a1 reporter cannot even see town b's event.
    assert_error(file_report(scene.api, town_b_event["id"], figures=SMALL, expect=None), 404, "not_found")
    village_event = open_event(
        login_as(scene.county_reviewer),
        scene.tree.village_a2,
        name="甲二村滑坡",
        disaster_type="地质灾害",
        disaster_subtype="滑坡",
    )
    town_api = login_as(make_user("reporter", scene.tree.town_a))
    response = file_report(town_api, village_event["id"], org_unit_id=scene.tree.village_a1.id, expect=None)
    assert "不在灾害过程" in assert_error(response, 422, "validation_error")["details"]["fields"]["org_unit_id"][0]
    file_report(town_api, village_event["id"], org_unit_id=scene.tree.village_a2.id)


def test_only_reporters_file(scene, make_user, login_as):
    for role in ("reviewer", "viewer", "admin"):
        api = login_as(make_user(role, scene.tree.village_a1))
        assert_error(file_report(api, scene.event["id"], expect=None), 403, "forbidden")


def test_unknown_event_is_404(scene):
    assert_error(file_report(scene.api, 999999, expect=None), 404, "not_found")


def test_drill_events_take_reports(scene, login_as):
    drill = open_event(login_as(scene.county_reviewer), scene.tree.county, name="防汛演练", drill=True)
    assert file_report(scene.api, drill["id"], figures=SMALL).get_json()["event_id"] == drill["id"]


# --- event status and stage order ------------------------------------------------------------------------------


def set_status(scene, login_as, status):
    response = login_as(scene.county_reviewer).post(
        f"/api/v1/events/{scene.event['id']}/status", json={"status": status}
    )
    assert response.status_code == 200, response.get_json()
    assert (response.get_json()["id"], response.get_json()["status"]) == (scene.event["id"], status)


def test_stable_event_takes_updates_and_finals_only(scene, login_as):
    file_report(scene.api, scene.event["id"], figures=SMALL)
    set_status(scene, login_as, "stable")
    api2 = login_as(scene.reporter)
    response = file_report(api2, scene.event["id"], figures=SMALL, org_unit_id=None, expect=None)
    assert_error(response, 409, "stage_order")
    file_report(scene.api, scene.event["id"], "update", BIGGER)
    file_report(scene.api, scene.event["id"], "final", BIGGER)


def test_stable_event_refuses_a_first_initial(scene, login_as, make_user):
    set_status(scene, login_as, "stable")
    api = login_as(make_user("reporter", scene.tree.village_a2))
    assert_error(file_report(api, scene.event["id"], figures=SMALL, expect=None), 409, "stage_order")


def test_closed_event_refuses_everything(scene, login_as):
    file_report(scene.api, scene.event["id"], figures=SMALL)
    set_status(scene, login_as, "stable")
    set_status(scene, login_as, "closed")
    for stage in ("initial", "update", "final"):
        response = file_report(scene.api, scene.event["id"], stage, BIGGER, expect=None)
        assert_error(response, 409, "event_closed")


def test_update_or_final_before_an_initial_is_409(scene):
    for stage in ("update", "final"):
        response = file_report(scene.api, scene.event["id"], stage, SMALL, expect=None)
        assert_error(response, 409, "stage_order")


def test_a_second_initial_is_409(scene):
    file_report(scene.api, scene.event["id"], figures=SMALL)
    response = file_report(scene.api, scene.event["id"], figures=BIGGER, expect=None)
    assert_error(response, 409, "stage_order")


def test_initial_updates_final_then_nothing(scene):
    event_id = scene.event["id"]
    file_report(scene.api, event_id, "initial", SMALL)
    file_report(scene.api, event_id, "update", BIGGER)
    file_report(scene.api, event_id, "update", BIGGER)
    file_report(scene.api, event_id, "final", BIGGER)
    for stage in ("initial", "update", "final"):
        response = file_report(scene.api, event_id, stage, BIGGER, expect=None)
        assert_error(response, 409, "stage_order")


def test_villages_and_events_are_independent(scene, make_user, login_as):
    file_report(scene.api, scene.event["id"], figures=SMALL)
    file_report(login_as(make_user("reporter", scene.tree.village_a2)), scene.event["id"], figures=SMALL)
    landslide = open_event(
        login_as(scene.county_reviewer),
        scene.tree.county,
        name="滑坡",
        disaster_type="地质灾害",
        disaster_subtype="滑坡",
    )
    assert file_report(scene.api, landslide["id"], figures=SMALL).get_json()["current"] is True


# --- change notes ----------------------------------------------------------------------------------------------


def test_figures_going_down_need_a_change_note(scene):
    event_id = scene.event["id"]
    file_report(scene.api, event_id, "initial", BIGGER)
    lower = {"affected_population": 20, "injured": 2, "crops_affected_ha": "3.99"}
    response = file_report(scene.api, event_id, "update", lower, expect=None)
    fields = assert_error(response, 422, "validation_error")["details"]["fields"]
    assert list(fields) == ["change_note"]
    assert "因灾受伤人口(人)" in fields["change_note"][0] and "农作物受灾面积(公顷)" in fields["change_note"][0]
    assert "受灾人口(人)、" not in fields["change_note"][0]  # unchanged figures are not named
    response = file_report(scene.api, event_id, "update", lower, change_note="   ", expect=None)
    assert_error(response, 422, "validation_error")
    body = file_report(scene.api, event_id, "update", lower, change_note="1 人重复统计，已核减").get_json()
    assert body["change_note"] == "1 人重复统计，已核减"


def test_a_decimal_going_down_by_a_cent_alone_needs_a_change_note(scene):
    """The change-note rule compares every figure exactly, decimals included (NUMERIC(14,2), never float)."""
    event_id = scene.event["id"]
    file_report(scene.api, event_id, "initial", {**SMALL, "crops_affected_ha": "12.50"})
    lower = {**SMALL, "crops_affected_ha": "12.49"}
    fields = assert_error(file_report(scene.api, event_id, "update", lower, expect=None), 422, "validation_error")[
        "details"
    ]["fields"]
    assert list(fields) == ["change_note"] and "农作物受灾面积(公顷)" in fields["change_note"][0]
    body = file_report(scene.api, event_id, "update", lower, change_note="复核后核减").get_json()
    assert body["figures"]["crops_affected_ha"] == "12.49"


def test_figures_going_up_or_staying_need_no_note(scene):
    event_id = scene.event["id"]
    file_report(scene.api, event_id, "initial", SMALL)
    file_report(scene.api, event_id, "update", SMALL)
    file_report(scene.api, event_id, "final", BIGGER)


def test_change_note_and_rule_errors_come_together(scene):
    event_id = scene.event["id"]
    file_report(scene.api, event_id, "initial", BIGGER)
    response = file_report(scene.api, event_id, "update", {"affected_population": 1, "deaths": 2}, expect=None)
    assert set(assert_error(response, 422, "validation_error")["details"]["fields"]) == {
        "figures.deaths",
        "change_note",
    }


def test_a_zero_report_after_damage_needs_a_note(scene):
    event_id = scene.event["id"]
    file_report(scene.api, event_id, "initial", SMALL)
    assert_error(file_report(scene.api, event_id, "update", {}, expect=None), 422, "validation_error")
    assert file_report(scene.api, event_id, "update", {}, change_note="误报").get_json()["is_zero"] is True


def test_change_note_compares_with_the_current_report_not_a_returned_one(scene, login_as):
    event_id = scene.event["id"]
    file_report(scene.api, event_id, "initial", SMALL)
    big = file_report(scene.api, event_id, "update", BIGGER).get_json()
    town = login_as(scene.town_reviewer)
    assert (
        town.post(
            f"/api/v1/damage-reports/{big['id']}/review", json={"decision": "return", "comment": "数字偏大"}
        ).status_code
        == 200
    )  # noqa: E501
    # SMALL is current again: filing SMALL-sized figures is no decrease.
    file_report(scene.api, event_id, "update", SMALL)
