"""The dashboard: live real events with totals and completeness; drills and closed events stay out."""

from datetime import timedelta

from server import clock
from tests.rollup.factories import T0, file_report, make_event


def test_dashboard_shows_live_real_events_only_with_totals_and_overdue(tree, make_user, login_as):
    reviewer = make_user("reviewer", tree.county)
    flood = make_event(tree.county, reviewer, name="山洪")
    drill = make_event(tree.county, reviewer, name="演练", drill=True)
    make_event(tree.county, reviewer, name="已结束", status="closed")
    landslide = make_event(tree.town_b, reviewer, name="滑坡", started_at=T0 + timedelta(minutes=5))
    file_report(
        flood,
        tree.village_a1,
        reviewer,
        stage="initial",
        at=T0 + timedelta(minutes=20),
        deaths=1,
        affected_population=8,
        direct_loss_10k_yuan="1.50",
    )
    file_report(flood, tree.village_a2, reviewer, stage="initial", at=T0 + timedelta(minutes=90))  # late
    file_report(drill, tree.village_a1, reviewer, stage="initial", at=T0, affected_population=999)
    clock.set_now(T0 + timedelta(hours=2))

    response = login_as(reviewer).get("/api/v1/dashboard")
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["org_unit"]["id"] == tree.county.id
    assert [e["event"]["id"] for e in body["events"]] == [landslide.id, flood.id]
    flood_item = body["events"][1]
    assert flood_item["figures"]["affected_population"] == 8 and flood_item["figures"]["direct_loss_10k_yuan"] == "1.50"
    assert flood_item["reporting"]["expected"] == 4 and flood_item["reporting"]["reported"] == 2
    assert flood_item["reporting"]["late"] == 1 and flood_item["deadline"]["obligation"] == "initial"
    assert body["events"][0]["reporting"]["expected"] == 2  # the landslide's area is town B only
    assert all(e["event"]["name"] != "演练" for e in body["events"])
    assert body["overdue"]["late"] == 1
    assert body["overdue"]["missing"] == 2 + 2  # flood: b1, b2; landslide: b1, b2
    assert body["warnings"] == []
    assert body["hazards"]["open"] == 0 and set(body["hazards"]["open_by_risk_level"]) == {
        "low",
        "medium",
        "high",
        "major",
    }


def test_a_village_reporter_sees_its_village_and_the_county_event(tree, make_user, login_as):
    reviewer = make_user("reviewer", tree.county)
    flood = make_event(tree.county, reviewer)
    make_event(tree.town_b, reviewer, name="乙乡滑坡")  # not the village's area
    file_report(flood, tree.village_a1, reviewer, stage="initial", at=T0, affected_population=4)
    file_report(flood, tree.village_b1, reviewer, stage="initial", at=T0, affected_population=6)
    clock.set_now(T0 + timedelta(minutes=30))
    body = login_as(make_user("reporter", tree.grid_a1)).get("/api/v1/dashboard").get_json()
    assert body["org_unit"]["id"] == tree.village_a1.id
    assert [e["event"]["id"] for e in body["events"]] == [flood.id]
    assert body["events"][0]["figures"]["affected_population"] == 4
    assert body["events"][0]["reporting"]["expected"] == 1


def test_dashboard_needs_login(client):
    assert client.get("/api/v1/dashboard").status_code == 401


def test_open_hazards_by_risk_level_in_scope(tree, make_user, login_as):
    import uuid

    reporter = login_as(make_user("reporter", tree.village_a1))
    created = []
    for level in ("low", "major", "major", "medium"):
        response = reporter.post(
            "/api/v1/hazards",
            json={
                "client_id": str(uuid.uuid4()),
                "category": "landslide",
                "title": f"后山滑坡隐患 {level}",
                "address": "甲一村后山",
                "risk_level": level,
                "found_at": "2026-07-01T09:00:00+08:00",
            },
        )
        assert response.status_code == 201, response.get_json()
        created.append(response.get_json())
    town = login_as(make_user("reviewer", tree.town_a))
    rejected = town.post(
        f"/api/v1/hazards/{created[3]['id']}/transitions", json={"action": "reject", "comment": "现场核查不属实"}
    )
    assert rejected.status_code == 200, rejected.get_json()

    hazards = login_as(make_user("viewer", tree.county)).get("/api/v1/dashboard").get_json()["hazards"]
    assert hazards["open"] == 3 and hazards["open_by_risk_level"] == {"low": 1, "medium": 0, "high": 0, "major": 2}
    assert hazards["supervised"] == 2  # every major (red) hazard is supervised (挂牌督办)
    assert hazards["overdue_rectification"] == 0
    # Town B sees none of town A's hazards.
    other = login_as(make_user("viewer", tree.town_b)).get("/api/v1/dashboard").get_json()["hazards"]
    assert other["open"] == 0
