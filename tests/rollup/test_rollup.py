"""The live roll-up at village, township and county, against sums worked out by hand."""

from datetime import timedelta

import pytest

from server import clock
from tests.conftest import assert_error, statements_during
from tests.rollup.factories import T0, file_evacuation, file_report, in_db, make_event, return_report


@pytest.fixture
def flood(tree, make_user):
    """A county flood: a1 filed twice (the update counts), a2 a zero report, b1 one approved report, b2 nothing."""
    county_reviewer = make_user("reviewer", tree.county)
    reporter = make_user("reporter", tree.village_a1)
    event = make_event(tree.county, county_reviewer)
    clock.set_now(T0 + timedelta(minutes=10))
    file_report(
        event,
        tree.village_a1,
        reporter,
        stage="initial",
        affected_population=10,
        deaths=1,
        crops_affected_ha="1.25",
        direct_loss_10k_yuan="2.50",
    )
    file_report(
        event,
        tree.village_a1,
        reporter,
        affected_population=20,
        deaths=1,
        injured=3,
        crops_affected_ha="3.10",
        direct_loss_10k_yuan="2.35",
        houses_collapsed_households=2,
        houses_collapsed_rooms=5,
    )
    file_report(event, tree.village_a2, reporter, stage="initial")
    file_report(
        event,
        tree.village_b1,
        reporter,
        stage="initial",
        status="approved",
        affected_population=5,
        crops_affected_ha="0.10",
        direct_loss_10k_yuan="0.05",
    )
    file_evacuation(event, tree.village_a1, reporter, evacuated=30, centralized=20, dispersed=10, returned=5)
    file_evacuation(event, tree.village_b1, reporter, evacuated=4, dispersed=4)
    clock.set_now(T0 + timedelta(minutes=30))
    return event


def test_county_rollup_sums_each_villages_current_report(flood, tree, make_user, login_as):
    api = login_as(make_user("reviewer", tree.county))
    response = api.get(f"/api/v1/events/{flood.id}/rollup")
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["event_id"] == flood.id and body["org_unit"]["id"] == tree.county.id
    figures = body["figures"]
    assert figures["affected_population"] == 25 and figures["deaths"] == 1 and figures["injured"] == 3
    assert figures["houses_collapsed_rooms"] == 5
    assert figures["crops_affected_ha"] == "3.20"
    assert figures["direct_loss_10k_yuan"] == "2.40"
    assert figures["crops_lost_ha"] == "0.00"
    assert body["evacuation"] == {
        "evacuated": 34,
        "centralized": 20,
        "dispersed": 14,
        "returned": 5,
        "displaced_now": 29,
    }
    reporting = body["reporting"]
    assert {k: reporting[k] for k in ("expected", "reported", "zero", "missing", "unreviewed", "late")} == {
        "expected": 4,
        "reported": 3,
        "zero": 1,
        "missing": 1,
        "unreviewed": 2,
        "late": 0,
    }
    assert [u["code"] for u in reporting["missing_units"]] == [tree.village_b2.code]

    children = {c["org_unit"]["id"]: c for c in body["children"]}
    assert list(children) == [tree.town_a.id, tree.town_b.id]
    a, b = children[tree.town_a.id], children[tree.town_b.id]
    assert a["figures"]["affected_population"] == 20 and a["figures"]["crops_affected_ha"] == "3.10"
    assert b["figures"]["affected_population"] == 5 and b["figures"]["direct_loss_10k_yuan"] == "0.05"
    assert a["reporting"]["expected"] == 2 and a["reporting"]["reported"] == 2 and a["reporting"]["zero"] == 1
    assert b["reporting"]["missing"] == 1 and b["reporting"]["unreviewed"] == 0
    assert a["evacuation"]["displaced_now"] == 25 and b["evacuation"]["displaced_now"] == 4
    assert a["last_report_at"].endswith("+08:00")
    assert a["signoff"] is None and a["differs"] is False


def test_township_and_village_rollups(flood, tree, make_user, login_as):
    town = login_as(make_user("reviewer", tree.town_a)).get(f"/api/v1/events/{flood.id}/rollup").get_json()
    assert town["org_unit"]["id"] == tree.town_a.id
    assert [c["org_unit"]["id"] for c in town["children"]] == [tree.village_a1.id, tree.village_a2.id]
    assert town["figures"]["affected_population"] == 20 and town["reporting"]["missing_units"] == []
    a1 = town["children"][0]
    assert a1["figures"]["direct_loss_10k_yuan"] == "2.35" and a1["reporting"]["expected"] == 1

    # A grid reporter reads its village's roll-up (statistics are per village).
    grid = login_as(make_user("reporter", tree.grid_a1)).get(f"/api/v1/events/{flood.id}/rollup").get_json()
    assert grid["org_unit"]["id"] == tree.village_a1.id and grid["children"] == []
    assert grid["figures"] == a1["figures"] and grid["reporting"]["reported"] == 1

    b2 = login_as(make_user("reporter", tree.village_b2)).get(f"/api/v1/events/{flood.id}/rollup").get_json()
    assert b2["reporting"]["missing"] == 1 and b2["figures"]["affected_population"] == 0
    assert [u["id"] for u in b2["reporting"]["missing_units"]] == [tree.village_b2.id]


def test_a_returned_report_stops_counting_and_the_previous_one_counts_again(flood, tree, make_user, login_as):
    from sqlalchemy import select

    from server.damage.models import DamageReport

    api = login_as(make_user("reviewer", tree.county))
    newest = in_db(
        lambda s: s.scalars(
            select(DamageReport).where(DamageReport.org_unit_id == tree.village_a1.id, DamageReport.current)
        ).one()
    )
    return_report(newest)
    body = api.get(f"/api/v1/events/{flood.id}/rollup?org_unit_id={tree.town_a.id}").get_json()
    assert body["figures"]["affected_population"] == 10 and body["figures"]["crops_affected_ha"] == "1.25"

    # Returning b1's only report makes b1 missing.
    only = in_db(lambda s: s.scalars(select(DamageReport).where(DamageReport.org_unit_id == tree.village_b1.id)).one())
    return_report(only)
    county = api.get(f"/api/v1/events/{flood.id}/rollup").get_json()
    assert county["reporting"]["missing"] == 2
    assert {u["id"] for u in county["reporting"]["missing_units"]} == {tree.village_b1.id, tree.village_b2.id}


def test_rollup_at_a_node_outside_scope_is_404_and_outside_the_area_is_422(tree, make_user, login_as, make_unit):
    reviewer = make_user("reviewer", tree.county)
    event = make_event(tree.town_a, reviewer)
    town_b = login_as(make_user("reviewer", tree.town_b))
    assert_error(town_b.get(f"/api/v1/events/{event.id}/rollup"), 404, "not_found")  # event not theirs
    town_a = login_as(make_user("reviewer", tree.town_a))
    assert_error(town_a.get(f"/api/v1/events/{event.id}/rollup?org_unit_id={tree.town_b.id}"), 404, "not_found")
    county = login_as(reviewer)
    error = assert_error(
        county.get(f"/api/v1/events/{event.id}/rollup?org_unit_id={tree.village_b1.id}"), 422, "validation_error"
    )
    assert "org_unit_id" in error["details"]["fields"]
    assert_error(county.get("/api/v1/events/999999/rollup"), 404, "not_found")


def test_county_rollup_of_a_township_event_counts_only_the_area(tree, make_user, login_as):
    reviewer = make_user("reviewer", tree.county)
    event = make_event(tree.town_a, reviewer)
    file_report(event, tree.village_a1, reviewer, stage="initial", affected_population=7)
    body = login_as(reviewer).get(f"/api/v1/events/{event.id}/rollup").get_json()
    assert body["org_unit"]["id"] == tree.county.id
    assert body["reporting"]["expected"] == 2 and body["reporting"]["reported"] == 1
    assert [c["org_unit"]["id"] for c in body["children"]] == [tree.town_a.id]
    assert body["figures"]["affected_population"] == 7


def test_rollup_of_an_event_without_reports_is_all_zero(tree, make_user, login_as):
    reviewer = make_user("reviewer", tree.county)
    event = make_event(tree.county, reviewer, drill=True)  # drills have roll-ups too: they are practice
    body = login_as(reviewer).get(f"/api/v1/events/{event.id}/rollup").get_json()
    assert body["drill"] is True
    assert body["figures"]["affected_population"] == 0 and body["figures"]["direct_loss_10k_yuan"] == "0.00"
    assert body["reporting"]["expected"] == 4 and body["reporting"]["missing"] == 4
    assert all(c["reporting"]["reported"] == 0 for c in body["children"])


def test_rollup_is_in_the_openapi_document(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert "/events/{event_id}/rollup" in spec["paths"] and "/signoffs/{signoff_id}/review" in spec["paths"]
    assert "RollupOut" in spec["components"]["schemas"] or "Rollup" in spec["components"]["schemas"]


def test_unit_rows_carry_the_same_fields_as_the_org_unit_schema():
    from server.fields import UNIT_FIELDS, OrgUnitOut
    from server.orgunits.models import UNIT_COLUMNS

    assert set(UNIT_FIELDS) == set(OrgUnitOut().fields) == {column.key for column in UNIT_COLUMNS}


def test_rollup_at_province_and_city_for_larger_deployments(make_unit, make_user, login_as):
    province = make_unit("province", code="36", name="江西省")
    city_a = make_unit("city", province, code="3611", name="上饶市")
    city_b = make_unit("city", province, code="3604", name="九江市")
    county_a = make_unit("county", city_a, code="361130", name="婺源县")
    county_b = make_unit("county", city_b, code="360429", name="湖口县")
    town_a = make_unit("township", county_a, code="361130102", name="秋口镇")
    town_b = make_unit("township", county_b, code="360429100", name="双钟镇")
    villages = [
        make_unit("village", town_a, code="361130102200", name="秋口村"),
        make_unit("village", town_a, code="361130102201", name="白石村"),
        make_unit("village", town_b, code="360429100001", name="月亮湾社区"),
    ]
    reviewer = make_user("reviewer", province)
    event = make_event(province, reviewer, name="2026年第5号台风")
    file_report(event, villages[0], reviewer, stage="initial", affected_population=100, crops_lost_ha="0.33")
    file_report(event, villages[2], reviewer, stage="initial", affected_population=7, crops_lost_ha="0.67")

    api = login_as(reviewer)
    body = api.get(f"/api/v1/events/{event.id}/rollup").get_json()
    assert body["figures"]["affected_population"] == 107 and body["figures"]["crops_lost_ha"] == "1.00"
    assert [c["org_unit"]["name"] for c in body["children"]] == ["九江市", "上饶市"]  # by code
    assert [c["figures"]["affected_population"] for c in body["children"]] == [7, 100]
    assert [u["name"] for u in body["reporting"]["missing_units"]] == ["白石村"]

    city = api.get(f"/api/v1/events/{event.id}/rollup?org_unit_id={city_a.id}").get_json()
    assert [c["org_unit"]["id"] for c in city["children"]] == [county_a.id]
    assert city["reporting"]["expected"] == 2 and city["reporting"]["reported"] == 1
    county = api.get(f"/api/v1/events/{event.id}/rollup?org_unit_id={county_a.id}").get_json()
    assert county["children"][0]["org_unit"]["id"] == town_a.id
    assert county["figures"] == city["figures"]


def test_the_rollup_runs_a_fixed_number_of_queries_whatever_the_size(app, tree, make_unit, make_user):
    """No N+1: adding townships, villages and reports does not add queries."""
    from server.events.models import Event
    from server.extensions import db
    from server.orgunits.models import OrgUnit
    from server.rollup.service import compute_rollup

    reviewer = make_user("reviewer", tree.county)
    event = make_event(tree.county, reviewer)
    file_report(event, tree.village_a1, reviewer, stage="initial", affected_population=1)

    def count_queries() -> int:
        return len(
            statements_during(
                app,
                lambda: compute_rollup(
                    event=db.session.get(Event, event.id), node=db.session.get(OrgUnit, tree.county.id)
                ),
            )
        )

    small = count_queries()
    for n in range(3):
        town = make_unit("township", tree.county)
        for _ in range(4):
            village = make_unit("village", town)
            file_report(event, village, reviewer, stage="initial", affected_population=n)
    # + the units that sign off under the node and their sign-off times (two queries, whatever their number)
    assert count_queries() == small <= 8


def test_rollup_of_reports_filed_and_reviewed_through_the_api(tree, make_user, login_as):
    """End to end: the event, the reports, a return and an evacuation count all go through the HTTP API."""
    import uuid

    county = login_as(make_user("reviewer", tree.county))
    clock.set_now(T0)
    event = county.post(
        "/api/v1/events",
        json={"name": "山洪", "disaster_type": "洪涝", "disaster_subtype": "山区洪水", "org_unit_id": tree.county.id},
    )
    assert event.status_code == 201, event.get_json()
    event_id = event.get_json()["id"]

    def report(village, stage, minutes, **figures):
        clock.set_now(T0 + timedelta(minutes=minutes))
        response = login_as(make_user("reporter", village)).post(
            f"/api/v1/events/{event_id}/damage-reports",
            json={
                "client_id": str(uuid.uuid4()),
                "org_unit_id": village.id,
                "stage": stage,
                "figures": figures,
                "change_note": "核实更正",
            },
        )
        assert response.status_code == 201, response.get_json()
        return response.get_json()

    report(tree.village_a1, "initial", 10, affected_population=10, crops_affected_ha="1.25")
    newest = report(tree.village_a1, "update", 20, affected_population=30, crops_affected_ha="4.00")
    report(tree.village_a2, "initial", 30)  # zero report
    report(tree.village_b1, "initial", 90, affected_population=5, direct_loss_10k_yuan="0.75")  # late
    town_a = login_as(make_user("reviewer", tree.town_a))
    returned = town_a.post(
        f"/api/v1/damage-reports/{newest['id']}/review", json={"decision": "return", "comment": "受灾人口有误"}
    )
    assert returned.status_code == 200, returned.get_json()
    evacuation = login_as(make_user("reporter", tree.village_b1)).post(
        f"/api/v1/events/{event_id}/evacuations",
        json={
            "client_id": str(uuid.uuid4()),
            "org_unit_id": tree.village_b1.id,
            "evacuated": 12,
            "centralized": 8,
            "dispersed": 4,
            "returned": 2,
        },
    )
    assert evacuation.status_code == 201, evacuation.get_json()

    clock.set_now(T0 + timedelta(hours=2))
    body = county.get(f"/api/v1/events/{event_id}/rollup").get_json()
    # a1 counts its initial again (the update was returned); a2 zero; b1 5; b2 missing.
    assert body["figures"]["affected_population"] == 15
    assert body["figures"]["crops_affected_ha"] == "1.25" and body["figures"]["direct_loss_10k_yuan"] == "0.75"
    assert body["evacuation"] == {"evacuated": 12, "centralized": 8, "dispersed": 4, "returned": 2, "displaced_now": 10}
    reporting = body["reporting"]
    assert (reporting["reported"], reporting["zero"], reporting["missing"], reporting["late"]) == (3, 1, 1, 1)
    assert reporting["unreviewed"] == 3  # a1's initial, a2, b1: none approved yet
    assert [u["id"] for u in reporting["missing_units"]] == [tree.village_b2.id]
