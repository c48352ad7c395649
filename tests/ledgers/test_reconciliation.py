"""The village's figures against its ledgers: a warning on 初报/续报, 422 on 核报, flags in the roll-up."""

from __future__ import annotations

import uuid

from tests.conftest import assert_error
from tests.ledgers.conftest import add_casualty, add_house


def file(api, event_id: int, stage: str, change_note: str = "", **figures):
    payload = {
        "client_id": str(uuid.uuid4()),
        "stage": stage,
        "figures": {"affected_population": 50, **figures},
        "change_note": change_note,
    }
    return api.post(f"/api/v1/events/{event_id}/damage-reports", json=payload)


def test_deaths_two_with_one_person_warns_on_update_refuses_final_until_the_second_is_added(scene):
    """Done when: deaths 2 and one person in the ledger → warning on 续报, 422 on 核报 naming the field; after the
    second person, 核报 is accepted."""
    add_casualty(scene.api, scene.event_id, kind="dead", name="甲")
    assert file(scene.api, scene.event_id, "initial", deaths=1).get_json()["warnings"] == []

    update = file(scene.api, scene.event_id, "update", deaths=2)
    assert update.status_code == 201, update.get_json()
    (warning,) = update.get_json()["warnings"]
    assert warning["code"] == "ledger_mismatch" and warning["field"] == "figures.deaths"
    assert "因灾死亡人口" in warning["message"] and "2 人" in warning["message"] and "1 人" in warning["message"]
    # the single read of the current report says the same
    assert scene.town.get(f"/api/v1/damage-reports/{update.get_json()['id']}").get_json()["warnings"] == [warning]

    final = file(scene.api, scene.event_id, "final", deaths=2)
    fields = assert_error(final, 422, "validation_error")["details"]["fields"]
    assert list(fields) == ["figures.deaths"]
    assert "死亡失踪人口台账" in fields["figures.deaths"][0]

    add_casualty(scene.api, scene.event_id, kind="dead", name="乙")
    accepted = file(scene.api, scene.event_id, "final", deaths=2)
    assert accepted.status_code == 201, accepted.get_json()
    assert accepted.get_json()["warnings"] == []


def test_missing_persons_found_alive_no_longer_count(scene):
    person = add_casualty(scene.api, scene.event_id, kind="missing")
    file(scene.api, scene.event_id, "initial", missing=1)
    scene.api.patch(f"/api/v1/casualties/{person['id']}", json={"found_alive": True})
    fields = assert_error(file(scene.api, scene.event_id, "final", missing=1), 422, "validation_error")["details"]
    assert list(fields["fields"]) == ["figures.missing"]
    accepted = file(scene.api, scene.event_id, "final", missing=0, change_note="失踪人员已找到")
    assert accepted.status_code == 201, accepted.get_json()


def test_households_and_rooms_per_class_reconcile_with_the_housing_ledger(scene):
    add_house(scene.api, scene.event_id, damage="collapsed", rooms=3, transitional_aid_persons=4)
    add_house(scene.api, scene.event_id, damage="severe", rooms=2, transitional_aid_persons=0)
    initial = file(
        scene.api,
        scene.event_id,
        "initial",
        houses_collapsed_households=2,
        houses_collapsed_rooms=5,
        houses_severe_households=1,
        houses_severe_rooms=2,
    )
    assert initial.status_code == 201
    assert [w["field"] for w in initial.get_json()["warnings"]] == [
        "figures.houses_collapsed_households",
        "figures.houses_collapsed_rooms",
    ]
    final = file(
        scene.api, scene.event_id, "final",
        houses_collapsed_households=2, houses_collapsed_rooms=5, houses_severe_households=1, houses_severe_rooms=2,
    )  # fmt: skip
    fields = assert_error(final, 422, "validation_error")["details"]["fields"]
    assert set(fields) == {"figures.houses_collapsed_households", "figures.houses_collapsed_rooms"}
    assert "倒塌损坏住房户台账" in fields["figures.houses_collapsed_rooms"][0]
    add_house(scene.api, scene.event_id, damage="collapsed", rooms=2, transitional_aid_persons=3)
    final = file(
        scene.api, scene.event_id, "final",
        houses_collapsed_households=2, houses_collapsed_rooms=5, houses_severe_households=1, houses_severe_rooms=2,
    )  # fmt: skip
    assert final.status_code == 201, final.get_json()


def test_a_final_with_figure_errors_and_ledger_mismatches_names_them_all(scene):
    file(scene.api, scene.event_id, "initial")
    response = file(scene.api, scene.event_id, "final", deaths=60)  # > affected_population and no ledger
    fields = assert_error(response, 422, "validation_error")["details"]["fields"]
    assert len(fields["figures.deaths"]) == 2


def test_rollup_flags_mismatched_villages_and_their_townships_and_sums_transitional_aid(scene, make_user, login_as):
    tree = scene.tree
    b1 = login_as(make_user("reporter", tree.village_b1))
    # a1: deaths 1 with one person — agrees; b1: deaths 2 with none — disagrees
    add_casualty(scene.api, scene.event_id, kind="dead")
    file(scene.api, scene.event_id, "initial", deaths=1)
    file(b1, scene.event_id, "initial", deaths=2)
    add_house(scene.api, scene.event_id, damage="collapsed", rooms=3, transitional_aid_persons=4)
    add_house(b1, scene.event_id, damage="severe", rooms=2, transitional_aid_persons=2)

    county = scene.county.get(f"/api/v1/events/{scene.event_id}/rollup").get_json()
    # a1 has a house its report does not count; b1 its deaths and its house; a2 and b2: nothing anywhere
    assert county["reporting"]["ledger_mismatch"] == 2
    assert county["figures"]["transitional_aid"] == 6
    assert county["ledger"]["deaths"] == 1 and county["ledger"]["houses_severe_households"] == 1
    children = {child["org_unit"]["id"]: child for child in county["children"]}
    assert children[tree.town_a.id]["ledger_mismatch"] is True
    assert children[tree.town_b.id]["ledger_mismatch"] is True
    assert children[tree.town_a.id]["figures"]["transitional_aid"] == 4

    town_b = scene.county.get(f"/api/v1/events/{scene.event_id}/rollup?org_unit_id={tree.town_b.id}").get_json()
    villages = {child["org_unit"]["id"]: child for child in town_b["children"]}
    assert villages[tree.village_b1.id]["ledger_mismatch"] is True
    assert villages[tree.village_b1.id]["ledger"]["deaths"] == 0
    assert villages[tree.village_b1.id]["figures"]["deaths"] == 2
    assert villages[tree.village_b2.id]["ledger_mismatch"] is False

    # a1 files the house; township a agrees with its ledgers again
    file(
        scene.api, scene.event_id, "update", deaths=1, houses_collapsed_households=1, houses_collapsed_rooms=3
    ).get_json()
    county = scene.county.get(f"/api/v1/events/{scene.event_id}/rollup").get_json()
    children = {child["org_unit"]["id"]: child for child in county["children"]}
    assert children[tree.town_a.id]["ledger_mismatch"] is False
    assert county["reporting"]["ledger_mismatch"] == 1


def test_transitional_aid_is_only_for_collapsed_or_severely_damaged_houses(scene):
    response = scene.api.post(
        f"/api/v1/events/{scene.event_id}/damaged-houses",
        json={"client_id": str(uuid.uuid4()), "head_name": "赵", "structure": "土木", "damage": "general",
              "rooms": 2, "transitional_aid_persons": 3},
    )  # fmt: skip
    fields = assert_error(response, 422, "validation_error")["details"]["fields"]
    assert "过渡期生活救助" in fields["transitional_aid_persons"][0]
